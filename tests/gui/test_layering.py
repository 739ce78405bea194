"""The window's code stays wired in one place: a new GUI module is covered by the rule that only
``app.py`` may import ``MainWindow`` (the import-linter contract lists the modules one by one)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import clipdesk.gui

ROOT = Path(__file__).resolve().parents[2]


def test_every_gui_module_is_forbidden_to_import_the_main_window() -> None:
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"][
        "contracts"]
    (contract,) = [c for c in contracts if c.get("forbidden_modules") == ["clipdesk.gui.main_window"]]
    modules = {f"clipdesk.gui.{path.stem}" for path in Path(clipdesk.gui.__file__).parent.glob("*.py")
               if path.stem not in ("__init__", "app", "main_window")}
    assert modules == set(contract["source_modules"])
