"""Starting the desktop app: the QApplication, its icon and translations, the window, and the photos
named on the command line (which is also how "Open with clipdesk" from a file manager arrives).

Nothing here imports torch: the window is on screen first, the model loads on the worker thread.
"""

from __future__ import annotations

import os
import sys

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication

from clipdesk import __version__
from clipdesk.resource_files import resource_path

ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def app_icon() -> QIcon:
    """The clipdesk icon: the SVG for any size, PNGs for platforms that want bitmaps."""
    icon = QIcon()
    folder = resource_path("icons")
    for size in ICON_SIZES:
        png = folder / f"clipdesk-{size}.png"
        if png.is_file():
            icon.addFile(str(png))
    svg = folder / "clipdesk.svg"
    if svg.is_file():
        icon.addFile(str(svg))
    return icon


def create_application(argv: list[str]) -> QApplication:
    """The QApplication (reused when one exists, as under pytest-qt), named and iconed."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    QCoreApplication.setOrganizationName("clipdesk")
    QCoreApplication.setApplicationName("clipdesk")
    QCoreApplication.setApplicationVersion(__version__)
    app = QApplication([sys.argv[0] if sys.argv else "clipdesk", *argv])
    QGuiApplication.setApplicationDisplayName("clipdesk")
    QGuiApplication.setDesktopFileName("clipdesk")
    app.setWindowIcon(app_icon())
    return app


def run(argv: list[str]) -> int:
    """Show the window, add photos given as arguments, and run until it is closed."""
    from clipdesk.gui.i18n import apply_language
    from clipdesk.gui.main_window import MainWindow
    from clipdesk.gui.settings import Settings

    app = create_application(argv)
    settings = Settings()
    apply_language(app, settings.language)
    window = MainWindow(settings)
    window.show()
    window.open_arguments(app.arguments()[1:])
    code = app.exec()
    if not window.worker_stopped:
        # The worker is inside native code that cannot be interrupted (importing torch, reading a huge
        # checkpoint). Settings are saved; leave now rather than keep a window-less process around.
        sys.stdout.flush()
        os._exit(code)
    return code
