"""The headless front end: ``clipdesk <command> …``.

Each command lives in its own module exposing ``add_parser(subparsers)`` (which sets ``run`` as the
parser's ``func`` default) and imports torch only inside ``run``, so ``clipdesk --help`` stays instant.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings
from collections.abc import Sequence

from clipdesk import __version__

# Module names under clipdesk.cli, in the order they appear in --help.
COMMAND_MODULES: tuple[str, ...] = ("classify", "label", "sort", "keywords", "search", "duplicates", "models", "cache",
                                   "bench")

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_WRITE_FAILED = 3  # the photos were labelled but the results file could not be written (it is unchanged)


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
    never_fail_to_print()
    # Pillow warns for photos of 89-179 MP (a big panorama, a medium-format scan) and still reads them, as
    # we do; past its hard limit a photo fails with a one-line reason in the results instead.
    warnings.filterwarnings("ignore", message=r"Image size \(\d+ pixels\) exceeds limit")
    parser = build_parser()
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    return int(args.func(args))


def never_fail_to_print() -> None:
    """A console that cannot show a label (a Windows code page and 猫) gets an escape instead of a crash."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and getattr(stream, "errors", "strict") == "strict":
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):  # a closed or detached stream: nothing to protect
                pass


def writes_unicode(stream: object) -> bool:
    """Whether ``stream`` encodes every character (UTF-8/16/32), so JSON may be printed unescaped."""
    return str(getattr(stream, "encoding", "") or "").lower().replace("_", "-").startswith("utf")
