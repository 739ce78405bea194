"""Turning what the user dropped, pasted or picked into photo paths.

Folders are walked on a pool thread (a phone backup can hold tens of thousands of files); files are
kept when their extension is a photo format the labeling service reads. Pixels without a file (a
screenshot on the clipboard, an image dragged from a browser) are saved as PNG in the user cache folder
so they can be labelled, exported and found again like any other photo.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QMimeData, QObject, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QImage

from clipdesk.gui.pool_calls import Outcome, PoolCalls


def pasted_images_dir() -> Path:
    from clipdesk.weights.locations import user_path

    return user_path("cache", "pasted")


def save_pasted_image(image: QImage) -> str:
    """Write clipboard/dropped pixels to a new PNG and return its path (raises OSError on failure).

    Encoding a 12-megapixel photo as PNG takes seconds, so the window calls this on a pool thread
    (``PathScanner.add_image``). The file appears under its final name only once it is complete.
    """
    folder = pasted_images_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for n in range(1, 10_000):
        target = folder / f"pasted-{stamp}-{n}.png"
        if not target.exists():
            break
    partial = target.with_name(target.name + ".part")
    if image.isNull() or not image.save(str(partial), "PNG"):
        partial.unlink(missing_ok=True)
        raise OSError(f"could not save the pasted image to {target}")
    os.replace(partial, target)
    return str(target)


def local_paths(mime: QMimeData) -> list[str]:
    """Local files and folders named by dropped or copied URLs (file managers put them there)."""
    return [url.toLocalFile() for url in mime.urls() if url.isLocalFile() and url.toLocalFile()]


def carries_photos(mime: QMimeData) -> bool:
    """True when dropped or copied data is photos (local files or folders, or image data) rather than
    text to type: file managers offer copied files as text too, and a text field would take the path."""
    return bool(local_paths(mime)) or mime.hasImage()


def paths_in_text(text: str) -> list[str]:
    """Lines of ``text`` that are existing files or folders — all of them, or none (then it is text)."""
    lines = [line.strip().strip('"') for line in text.splitlines() if line.strip()]
    if not lines:
        return []
    paths = []
    for line in lines:
        if line.startswith("file://"):
            from PySide6.QtCore import QUrl

            line = QUrl(line).toLocalFile()
        if not os.path.exists(line):
            return []
        paths.append(line)
    return paths


def expand(paths: list[str], should_stop: Callable[[], bool] | None = None) -> tuple[list[str], int]:
    """``(photos, skipped)``: files with a photo extension as given, folders walked recursively (hidden
    entries and non-photos left out), each photo once, as absolute paths; ``skipped`` counts dropped
    files that are not photos. Once ``should_stop`` says yes, what was found so far is returned."""
    from clipdesk.labeling.files import is_image_name, iter_image_files

    stop = should_stop or (lambda: False)
    photos: list[str] = []
    skipped = 0
    for raw in paths:
        if stop():
            break
        path = Path(raw).expanduser()
        if path.is_dir():
            photos += [str(p.absolute()) for p in iter_image_files([path], recursive=True, should_stop=stop)]
        elif is_image_name(path):
            photos.append(str(path.absolute()))
        else:
            skipped += 1
    return list(dict.fromkeys(photos)), skipped


class PathScanner(QObject):
    """Expands dropped/pasted/opened paths to photos off the GUI thread; results arrive in order."""

    found = Signal(list, int, bool)  # photos, number of skipped non-photo files, cancelled part-way
    failed = Signal(str)  # a pasted image could not be saved (the reason)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._calls = PoolCalls(1, self)  # one at a time keeps drops in the order they were made
        self._stops: dict[int, threading.Event] = {}  # the scans not finished yet, by ticket

    def scan(self, paths: list[str]) -> None:
        stop = threading.Event()

        def walk() -> tuple[list[str], int]:
            return expand(list(paths), stop.is_set)

        ticket = self._calls.start(walk, lambda outcome: self._on_scanned(ticket, len(paths), stop, outcome))
        self._stops[ticket] = stop

    def scanning(self) -> bool:
        """Whether folders are still being looked through (pasted images being saved do not count)."""
        return bool(self._stops)

    def cancel(self) -> None:
        """Stop every scan: each reports what it found so far (queued ones: nothing) with ``stopped``."""
        for stop in self._stops.values():
            stop.set()

    def add_image(self, image: QImage) -> None:
        """Pixels without a file: saved as a PNG on the pool thread, then ``found`` like a dropped file."""
        copy = QImage(image)
        self._calls.start(lambda: save_pasted_image(copy), self._on_saved)

    def busy(self) -> bool:
        return self._calls.running()

    def shutdown(self, timeout_ms: int = 1000) -> bool:
        """Drop queued scans and wait up to ``timeout_ms`` for a running one; True when none is left."""
        self._calls.clear()
        return self._calls.wait(timeout_ms)

    def _on_scanned(self, ticket: int, given: int, stop: threading.Event,
                    outcome: Outcome[tuple[list[str], int]]) -> None:
        self._stops.pop(ticket, None)
        # An unexpected failure walking the paths: none of them added, all counted as skipped.
        photos, skipped = outcome.value if outcome.value is not None else ([], given)
        self.found.emit(photos, skipped, stop.is_set())

    def _on_saved(self, outcome: Outcome[str]) -> None:
        if outcome.value is None:
            self.failed.emit(str(outcome.error))
        else:
            self.found.emit([outcome.value], 0, False)


class PassesPhotoDropsUp:
    """Mixin for a text field: photos dragged onto it are ignored, so the drag travels up to the
    window, which hands it to the photo list; text drags stay the field's own. It goes before the Qt
    class: ``class Field(PassesPhotoDropsUp, QLineEdit)``."""

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if carries_photos(event.mimeData()):
            event.ignore()
        else:
            super().dragEnterEvent(event)  # type: ignore[misc]

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if carries_photos(event.mimeData()):
            event.ignore()
        else:
            super().dragMoveEvent(event)  # type: ignore[misc]

    def dropEvent(self, event: QDropEvent) -> None:
        if carries_photos(event.mimeData()):
            event.ignore()
        else:
            super().dropEvent(event)  # type: ignore[misc]
