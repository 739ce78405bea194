"""What a desktop needs to launch clipdesk by double-click: a valid .desktop entry, the icon in every
size it names, and a window-only entry point."""

from __future__ import annotations

import configparser
import tomllib
from pathlib import Path

from PySide6.QtGui import QImage
from PySide6.QtSvg import QSvgRenderer

from clipdesk.gui.app import ICON_SIZES, app_icon
from clipdesk.resource_files import resource_path

ROOT = Path(__file__).resolve().parents[2]


def desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # keys are case-sensitive in .desktop files
    parser.read(resource_path("clipdesk.desktop"), encoding="utf-8")
    return parser["Desktop Entry"]


def test_desktop_entry_launches_the_window_with_the_files_it_was_given():
    entry = desktop_entry()
    assert entry["Type"] == "Application" and entry["Name"] == "clipdesk"
    assert entry["Exec"] == "clipdesk-gui %F"  # %F: "Open with clipdesk" passes the photos
    assert entry["Terminal"] == "false"
    assert entry["Icon"] == "clipdesk"
    assert "image/jpeg" in entry["MimeType"].split(";")
    assert entry["Categories"].endswith(";") and entry["MimeType"].endswith(";")
    # desktop-file-validate 0.26 (Debian 12, Ubuntu 22.04) rejects "1.5"; the keys used are all in 1.4
    assert entry["Version"] in ("1.0", "1.1", "1.2", "1.3", "1.4")


def test_the_window_only_entry_point_is_declared_as_a_gui_script():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["gui-scripts"]["clipdesk-gui"] == "clipdesk.main:gui_main"


def test_the_icon_exists_as_svg_and_in_every_png_size(qapp):
    assert QSvgRenderer(str(resource_path("icons", "clipdesk.svg"))).isValid()
    for size in ICON_SIZES:
        image = QImage(str(resource_path("icons", f"clipdesk-{size}.png")))
        assert (image.width(), image.height()) == (size, size)
        assert image.hasAlphaChannel()
    icon = app_icon()
    assert not icon.isNull() and icon.pixmap(48, 48).width() == 48
