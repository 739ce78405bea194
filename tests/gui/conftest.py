"""Fixtures for the window tests: offscreen Qt, private settings, a window on a tiny checkpoint, real
photos, an encode counter, and helpers that drop and paste the way a desktop does."""

from __future__ import annotations

import os

# Before any QApplication exists: offscreen, on a laptop-sized virtual screen (the default is 800x800,
# which clamps restored window geometry).
if os.environ.get("QT_QPA_PLATFORM", "offscreen") == "offscreen":
    _SCREEN = os.path.join(os.path.dirname(__file__), "offscreen-screen.json")
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={_SCREEN}"

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QLocale, QMimeData, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QWidget

from clipdesk.gui.i18n import apply_language
from clipdesk.gui.main_window import MainWindow
from clipdesk.gui.model_control import READY
from clipdesk.gui.settings import Settings
from tests import photos as sample_photos

MODEL_TIMEOUT_MS = 60_000  # loading torch the first time in a busy CI machine can be slow
ARTIFACTS_VARIABLE = "CLIPDESK_TEST_ARTIFACTS"


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots for people to look at go: ``$CLIPDESK_TEST_ARTIFACTS`` when set, else a folder of
    pytest's temporary tree (never the checkout)."""
    chosen = os.environ.get(ARTIFACTS_VARIABLE)
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(autouse=True)
def private_qsettings(tmp_path: Path) -> Iterator[None]:
    """Even a QSettings opened without CLIPDESK_CONFIG_DIR lands in this test's folder."""
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(tmp_path / "qsettings"))
        QSettings.setPath(QSettings.Format.NativeFormat, scope, str(tmp_path / "qsettings"))
    yield


@pytest.fixture(autouse=True)
def english(qapp: QApplication) -> Iterator[None]:
    """Tests run in English unless they switch; the locale is restored afterwards."""
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    apply_language(qapp, "en")
    yield
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    apply_language(qapp, "en")


@pytest.fixture
def settings(tiny_vit_path: Path) -> Settings:
    """Settings in this test's config folder, pointing at the tiny checkpoint."""
    store = Settings()
    store.model = str(tiny_vit_path)
    store.batch_size = 4
    return store


@pytest.fixture
def window(qtbot, settings: Settings) -> MainWindow:
    """The main window, shown, with its model loaded; closed (worker stopped) after the test."""
    win = MainWindow(settings)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.model.state == READY, timeout=MODEL_TIMEOUT_MS)
    return win


@pytest.fixture
def photo_files(tmp_path: Path) -> list[Path]:
    """Four real photos (different subjects) in one folder."""
    folder = tmp_path / "photos"
    return [sample_photos.write_jpeg(folder, name) for name in ("astronaut", "coffee", "chelsea", "rocket")]


class EncodeCounter:
    """Counts images passed through the model's image encoder (on any thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.images = 0

    def add(self, count: int) -> None:
        with self._lock:
            self.images += count


@pytest.fixture
def encode_counter(monkeypatch: pytest.MonkeyPatch) -> EncodeCounter:
    from clipdesk.clip.model import CLIP

    counter = EncodeCounter()
    original = CLIP.encode_image

    def counting(self, image, *args, **kwargs):  # type: ignore[no-untyped-def]
        counter.add(int(image.shape[0]))
        return original(self, image, *args, **kwargs)

    monkeypatch.setattr(CLIP, "encode_image", counting)
    return counter


def drop_urls(target: QWidget, paths: list[Path | str]) -> QMimeData:
    """Drag ``paths`` over ``target`` and drop them, as a file manager does (events to the viewport)."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    drop_mime(target, mime)
    return mime


def drop_mime(target: QWidget, mime: QMimeData) -> None:
    point = target.rect().center()  # QPoint for enter/move, QPointF for the drop: Qt's C++ signatures
    buttons, modifiers = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(point, Qt.DropAction.CopyAction, mime, buttons, modifiers)
    QApplication.sendEvent(target, enter)
    assert enter.isAccepted(), "the drop target refused the drag"
    move = QDragMoveEvent(point, Qt.DropAction.CopyAction, mime, buttons, modifiers)
    QApplication.sendEvent(target, move)
    assert move.isAccepted(), "the drop target refused the drag move"
    drop = QDropEvent(QPointF(point), Qt.DropAction.CopyAction, mime, buttons, modifiers)
    QApplication.sendEvent(target, drop)
    assert drop.isAccepted(), "the drop target refused the drop"


def wait_labelled(qtbot, win: MainWindow, count: int, timeout: int = 30_000) -> None:
    """Until ``count`` photos have results for the labels now on screen and the worker is idle."""
    def done() -> bool:
        if win.photos.current_signature != win.ranking.current_signature():
            return False  # an edit is still waiting for its re-rank
        labelled, failed = win.photos.counts()
        return labelled + failed == count and "rank" not in win.client.active_kinds()

    qtbot.waitUntil(done, timeout=timeout)
