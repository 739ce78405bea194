"""Entry points: ``clipdesk`` (a subcommand runs the CLI; anything else opens the window) and
``clipdesk-gui`` (always the window, no console on Windows).

Only this module knows both front ends, and it imports neither until it knows which one is wanted,
so ``clipdesk --help`` never imports torch or Qt.
"""

from __future__ import annotations

import os
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
    """Run the window; once it is closed (settings saved, work stopped) the process ends at once.

    Tearing down an interpreter that has loaded torch takes seconds of native clean-up that saves
    nothing; a person who closed the window expects the process gone within a second or two.
    """
    from clipdesk.gui.app import run

    code = run(list(sys.argv[1:] if argv is None else argv))
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
