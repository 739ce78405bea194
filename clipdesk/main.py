"""Entry points: ``clipdesk`` (a subcommand runs the CLI; anything else opens the window) and
``clipdesk-gui`` (always the window, no console on Windows).

Only this module knows both front ends, and it imports neither until it knows which one is wanted,
so ``clipdesk --help`` never imports torch or Qt.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

CLI_COMMANDS = frozenset({"classify", "label", "models", "cache", "bench"})
CLI_FLAGS = frozenset({"-h", "--help", "--version"})


def wants_cli(argv: Sequence[str]) -> bool:
    """True when the arguments name a CLI subcommand (or ask for help); photos or nothing open the window."""
    return bool(argv) and (argv[0] in CLI_COMMANDS or argv[0] in CLI_FLAGS)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if wants_cli(args):
        from clipdesk.cli import main as cli_main

        return cli_main(args)
    return gui_main(args)


def gui_main(argv: Sequence[str] | None = None) -> int:
    from clipdesk.gui.app import run

    return run(list(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())
