"""The headless front end: ``clipdesk <command> …``.

Each command lives in its own module exposing ``add_parser(subparsers)`` (which sets ``run`` as the
parser's ``func`` default) and imports torch only inside ``run``, so ``clipdesk --help`` stays instant.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from clipdesk import __version__

# Module names under clipdesk.cli, in the order they appear in --help.
COMMAND_MODULES: tuple[str, ...] = ("classify", "label", "models", "cache", "bench")

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clipdesk",
        description="Offline photo labeling with OpenAI's CLIP. Without a command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"clipdesk {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"clipdesk.cli.{name}").add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    return int(args.func(args))
