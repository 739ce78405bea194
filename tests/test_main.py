"""The ``clipdesk`` command decides between the CLI and the window: a mistyped command or an option the
window does not take gets a usage error, and a machine without a display gets one clear line -- never a
window opened by mistake, never Qt's abort."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from clipdesk.main import display_problem, window_argument_problem


def clipdesk(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "clipdesk", *args], capture_output=True, text=True, timeout=120,
                          env=env if env is not None else headless_environment())


def headless_environment() -> dict[str, str]:
    """This process's environment as a server without a display has it."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    return env


def test_a_mistyped_command_is_a_usage_error_with_a_suggestion(tmp_path: Path) -> None:
    (tmp_path / "photos").mkdir()
    done = subprocess.run([sys.executable, "-m", "clipdesk", "lable", "photos/", "--labels", "cat"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120, env=headless_environment())
    assert done.returncode == 2, done.stderr
    assert "usage: clipdesk" in done.stderr
    assert "did you mean 'label'?" in done.stderr
    assert "Traceback" not in done.stderr and "platform plugin" not in done.stderr


@pytest.mark.parametrize("word, suggestion", [("clasify", "classify"), ("model", "models"), ("bnech", "bench")])
def test_every_command_is_suggested_for_its_typos(word: str, suggestion: str) -> None:
    problem = window_argument_problem([word, "--labels", "x"])
    assert problem is not None and f"did you mean {suggestion!r}?" in problem


def test_an_unknown_word_without_a_near_command_still_names_the_commands() -> None:
    problem = window_argument_problem(["zzzzqqq"])
    assert problem is not None and "did you mean" not in problem and "label" in problem


def test_an_option_the_window_does_not_take_is_a_usage_error(tmp_path: Path) -> None:
    photo = tmp_path / "IMG_0001.jpg"
    photo.write_bytes(b"")
    done = clipdesk(str(photo), "--labels", "cat")
    assert done.returncode == 2
    assert "'--labels'" in done.stderr and "label" in done.stderr


def test_photos_and_folders_are_for_the_window(tmp_path: Path) -> None:
    folder = tmp_path / "Holiday"  # no extension, but it exists
    folder.mkdir()
    assert window_argument_problem([str(folder), str(tmp_path / "missing.jpg"), "trip/IMG_1.heic"]) is None
    assert window_argument_problem([]) is None


def test_without_a_display_the_window_says_so_in_one_line_and_names_the_commands() -> None:
    done = clipdesk()
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "needs a display" in lines[0]
    assert "label" in lines[0] and "classify" in lines[0]


def test_the_display_check_knows_local_remote_and_self_contained_platforms(tmp_path: Path) -> None:
    assert display_problem({}, platform="linux") is not None
    assert display_problem({"DISPLAY": ":4711"}, platform="linux") is not None  # no such X socket
    assert display_problem({"DISPLAY": "localhost:10.0"}, platform="linux") is None  # ssh -X forwarding
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, platform="linux") is None
    assert display_problem({"QT_QPA_PLATFORM": "offscreen:configfile=x.json"}, platform="linux") is None
    assert display_problem({"QT_QPA_PLATFORM": "xcb"}, platform="linux") is not None
    (tmp_path / "wayland-0").touch()
    assert display_problem({"WAYLAND_DISPLAY": "wayland-0", "XDG_RUNTIME_DIR": str(tmp_path)}, platform="linux") is None
    assert display_problem({}, platform="win32") is None and display_problem({}, platform="darwin") is None
