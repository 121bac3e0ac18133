"""``align-pro plot``: draw every figure of a finished sweep directory (PDF and PNG)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``plot`` subcommand."""
    parser = subparsers.add_parser(
        "plot",
        help="draw the paper-style figures of a sweep directory",
        description=(
            "Read RESULTS_DIR/results.parquet (or .csv) and config.json, and write RESULTS_DIR/plots/*.pdf and *.png. "
            "Per-instance figures use the config's [plots] instance, regenerated from its seed."
        ),
    )
    parser.add_argument("results_dir", help="directory written by `align-pro sweep`")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the figures and print their paths."""
    from simulators.plotting import make_all_plots

    for path in make_all_plots(args.results_dir):
        print(path)
    return 0
