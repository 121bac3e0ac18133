"""``align-pro sweep``: run a TOML-configured sweep with joblib, write results, summary.json and plots.

Rerunning the same command after an interruption skips the chunks whose part file exists.
"""

from __future__ import annotations

import argparse
import json


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``sweep`` subcommand."""
    parser = subparsers.add_parser(
        "sweep",
        help="run a resumable parameter sweep from a TOML config and plot it",
        description="Expand CONFIG.toml into cells, evaluate them in parallel, write results, summary.json and every plot into --out.",
    )
    parser.add_argument("config", help="sweep configuration (TOML); see configs/quick.toml")
    parser.add_argument("--jobs", type=int, default=1, help="number of joblib workers (-1: all cores)")
    parser.add_argument("--out", default="results/sweep", help="output directory (reused to resume; default results/sweep)")
    parser.add_argument("--backend", default=None, help="joblib backend: loky, threading, multiprocessing, sequential, dask, ray (default: the config's)")
    parser.add_argument("--no-plots", action="store_true", help="skip the plots (run `align-pro plot OUT` later)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the sweep, print its summary line and the paths written."""
    from simulators.config import BACKENDS, load_config
    from simulators.sweep import run_sweep

    if args.backend is not None and args.backend not in BACKENDS:
        raise ValueError(f"--backend: unknown backend {args.backend!r}; choose one of {', '.join(BACKENDS)}")
    config = load_config(args.config)
    outcome = run_sweep(config, args.out, n_jobs=args.jobs, backend=args.backend, progress=not args.no_progress)

    summary = outcome.summary
    print(f"cells: {summary['cells']}  bound_violations: {summary['bound_violations']}  "
          f"chunks computed: {outcome.chunks_computed}, skipped: {outcome.chunks_skipped}")
    print(f"results: {outcome.results_path}")
    print(f"summary: {outcome.results_path.parent / 'summary.json'}")

    if not args.no_plots:
        from simulators.plotting import make_all_plots

        paths = make_all_plots(args.out)
        print(f"plots: {len(paths)} files in {paths[0].parent}")
    if summary["bound_violations"]:
        print(json.dumps({name: stats["violations"] for name, stats in summary["bounds"].items()}))
    return 0
