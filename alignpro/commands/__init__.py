"""Subcommands of ``align-pro``: one module each, exposing ``register(subparsers)``.

``register`` adds the subparser and sets ``func`` to a callable taking the parsed arguments and
returning an exit code. Modules import heavy dependencies (torch, transformers) inside that
callable, so ``align-pro --help`` stays fast.
"""

COMMAND_MODULES = ("bounds", "simulate", "sweep", "plot", "eval", "reproduce")
