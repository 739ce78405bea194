"""Entry points: ``clipdesk`` (a subcommand runs the CLI; photos, folders or nothing open the window)
and ``clipdesk-gui`` (always the window, no console on Windows).

Only this module knows both front ends, and it imports neither until it knows which one is wanted,
so ``clipdesk --help`` never imports torch or Qt. What is neither a command nor something the window
takes -- a mistyped command word, an option -- gets the CLI's usage error (exit 2), never a window
or Qt's abort on a machine without a display.
"""

from __future__ import annotations

import difflib
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from clipdesk.cli import COMMAND_MODULES as CLI_COMMANDS

CLI_FLAGS = frozenset({"-h", "--help", "--version"})
EXIT_NO_DISPLAY = 1
# Platforms that draw without a display server (tests, screenshots) or bring their own (not X11/Wayland).
SELF_CONTAINED_PLATFORMS = frozenset({"offscreen", "minimal", "vnc", "eglfs", "linuxfb", "vkkhrdisplay"})


def wants_cli(argv: Sequence[str]) -> bool:
    """True when the arguments name a CLI subcommand (or ask for help); photos or nothing open the window."""
    return bool(argv) and (argv[0] in CLI_COMMANDS or argv[0] in CLI_FLAGS)


def window_argument_problem(argv: Sequence[str]) -> str | None:
    """Why these arguments are not photos and folders for the window (a usage error), or None.

    The window takes paths only. An option is refused; so is a first word that is no file or folder
    and does not look like a path (no separator, no extension): that is a command, mistyped.
    """
    if argv and looks_like_a_command_word(argv[0]):
        word = argv[0]
        close = difflib.get_close_matches(word, CLI_COMMANDS, n=1, cutoff=0.6)
        hint = f" -- did you mean {close[0]!r}?" if close else ""
        return (f"unknown command {word!r}, and no file or folder has that name{hint} "
                f"(commands: {', '.join(CLI_COMMANDS)})")
    for arg in argv:
        if arg.startswith("-") and not os.path.exists(arg):
            return (f"the window takes photos and folders, not the option {arg!r}; to label from the "
                    f"terminal use a command: {', '.join(CLI_COMMANDS)} (see 'clipdesk --help')")
    return None


def looks_like_a_command_word(arg: str) -> bool:
    return (not os.path.exists(arg) and os.sep not in arg and "/" not in arg
            and not Path(arg).suffix and arg.strip() == arg and arg != "")


def display_problem(environ: Mapping[str, str], platform: str = sys.platform) -> str | None:
    """Why the window cannot be shown here (one line naming the headless commands), or None.

    Qt aborts the whole process when it finds no display (SIGABRT, exit 134, "reinstalling the
    application may fix this"), so this is checked before Qt is imported. Only X11/Wayland systems
    can lack one; Windows and macOS always have their own.
    """
    if platform in ("win32", "darwin", "cygwin"):
        return None
    requested = environ.get("QT_QPA_PLATFORM", "").split(":")[0].split(";")[0].strip()
    if requested in SELF_CONTAINED_PLATFORMS:
        return None
    if wayland_display_exists(environ) or x11_display_exists(environ.get("DISPLAY", "")):
        return None
    return ("clipdesk: the window needs a display, and none was found (DISPLAY and WAYLAND_DISPLAY are "
            f"unset or unreachable); without one use the commands: {', '.join(CLI_COMMANDS)} "
            "(e.g. 'clipdesk label PHOTOS --labels \"cat,dog\"'; 'clipdesk --help')")


def x11_display_exists(display: str) -> bool:
    """A local display (``:0``, ``unix:0.0``) has its socket in /tmp/.X11-unix; a remote one
    (``host:10.0``, as ssh -X sets) is trusted as given."""
    if ":" not in display:
        return False
    host, _, number = display.rpartition(":")
    if host not in ("", "unix"):
        return True
    number = number.split(".")[0]
    return number.isdigit() and os.path.exists(f"/tmp/.X11-unix/X{number}")


def wayland_display_exists(environ: Mapping[str, str]) -> bool:
    name = environ.get("WAYLAND_DISPLAY", "")
    if not name:
        return False
    path = Path(name) if os.path.isabs(name) else Path(environ.get("XDG_RUNTIME_DIR", "/nonexistent")) / name
    return path.exists()


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    problem = None if wants_cli(args) else window_argument_problem(args)
    if wants_cli(args) or problem:
        from clipdesk.cli import build_parser
        from clipdesk.cli import main as cli_main

        if problem:
            build_parser().error(problem)  # usage + "clipdesk: error: …", exit 2
        return cli_main(args)
    return gui_main(args)


def gui_main(argv: Sequence[str] | None = None) -> int:
    """Run the window; once it is closed (settings saved, work stopped) the process ends at once.

    Tearing down an interpreter that has loaded torch takes seconds of native clean-up that saves
    nothing; a person who closed the window expects the process gone within a second or two.
    """
    no_display = display_problem(os.environ)
    if no_display:
        print(no_display, file=sys.stderr)
        return EXIT_NO_DISPLAY
    from clipdesk.gui.app import run

    code = run(list(sys.argv[1:] if argv is None else argv))
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
