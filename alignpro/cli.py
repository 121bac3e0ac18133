"""Entry point of the ``align-pro`` command.

Every subcommand reports invalid input by raising ``ValueError`` or ``FileNotFoundError`` with a
message naming the field, the value and the fix. ``main`` prints that message, or that of any other
``OSError`` (an unreachable server, a full disk) or ``ImportError`` (a missing optional extra), as
one line on standard error and exits with status 2, without a traceback (``--traceback`` shows it).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from alignpro import __version__
from alignpro.commands import COMMAND_MODULES

logger = logging.getLogger(__name__)

EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    """Build the parser with one subparser per module in ``alignpro.commands``."""
    parser = argparse.ArgumentParser(
        prog="align-pro",
        description="Prompt optimization as KL-regularized alignment: bounds, simulations, real-model evaluation.",
    )
    parser.add_argument("--version", action="version", version=f"align-pro {__version__}")
    parser.add_argument("--verbose", "-v", action="count", default=0, help="log more (repeat for debug output)")
    parser.add_argument("--traceback", action="store_true", help="show the full traceback of an error")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")

    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"alignpro.commands.{name}")
        except ModuleNotFoundError as error:
            # A command whose module is missing is left out rather than breaking the others.
            if error.name == f"alignpro.commands.{name}":
                continue
            raise
        module.register(subparsers)

    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``align-pro`` with ``argv`` (default: ``sys.argv[1:]``) and return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)

    if args.verbose == 0:
        level = logging.WARNING
    elif args.verbose == 1:
        level = logging.INFO
    else:
        level = logging.DEBUG
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    if args.command is None:
        parser.print_help()
        return EXIT_USAGE

    try:
        return int(args.func(args) or 0)
    except (ValueError, OSError, ImportError) as error:
        if args.traceback:
            raise
        print(f"align-pro {args.command}: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"align-pro {args.command}: interrupted; rerun the same command to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
