"""Thumbnails made off the GUI thread: ``QImageReader`` with a scaled size (JPEGs decode at a fraction of
their resolution that way) in a small thread pool (``PoolCalls``), results cached in a bounded LRU.

A view asks for a thumbnail when it paints one; the newest request runs first, so what is on screen is
filled before what was scrolled past. ``QImage`` is safe to build on any thread; the ``QPixmap`` is made
on the GUI thread when the result arrives.
"""

from __future__ import annotations

import functools
import itertools
from collections import OrderedDict

from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtGui import QImage, QImageReader, QPixmap

from clipdesk.gui.pool_calls import Outcome, PoolCalls

MAX_CACHED = 2000  # thumbnails kept; ~40 MB at 120 px, more are re-made when scrolled back to
MAX_THREADS = 2  # leave the other cores to the model


def read_scaled(path: str, longest_side: int) -> QImage:
    """``path`` decoded at most ``longest_side`` pixels on its longer side, EXIF-rotated; null on failure."""
    reader = QImageReader(path)
    reader.setAutoTransform(True)
    reader.setDecideFormatFromContent(True)
    size = reader.size()
    if size.isValid() and max(size.width(), size.height()) > longest_side:
        reader.setScaledSize(size.scaled(longest_side, longest_side, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    if not image.isNull() and max(image.width(), image.height()) > longest_side:
        # Some formats ignore setScaledSize; never hand a 12-megapixel image to the GUI thread.
        image = image.scaled(QSize(longest_side, longest_side), Qt.AspectRatioMode.KeepAspectRatio,
                             Qt.TransformationMode.SmoothTransformation)
    return image


def _read_or_null(path: str, size: int) -> QImage:
    try:
        return read_scaled(path, size)
    except Exception:  # noqa: BLE001 - a bad file is a thumbnail that cannot be made, nothing worse
        return QImage()


class ThumbnailLoader(QObject):
    """Asynchronous, cached thumbnails keyed by (path, size in device pixels)."""

    ready = Signal(str)  # path: a thumbnail (or the knowledge that there is none) just arrived

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._calls = PoolCalls(MAX_THREADS, self)
        self._cache: OrderedDict[tuple[str, int], QPixmap | None] = OrderedDict()
        self._pending: dict[tuple[str, int], int] = {}  # (path, size) -> its call's ticket
        self._discard: set[tuple[str, int]] = set()  # running when forgotten: drop their result
        self._order = itertools.count()

    def get(self, path: str, size: int) -> QPixmap | None:
        """The cached thumbnail, or None — in which case one is queued and ``ready`` fires later.

        A file that cannot be decoded is cached as None too; ``failed`` tells the two apart.
        """
        key = (path, size)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        if key in self._pending:
            self._discard.discard(key)  # wanted again after all: keep the running task's result
            return None
        self._pending[key] = self._calls.start(
            functools.partial(_read_or_null, path, size),
            functools.partial(self._on_done, path, size),
            next(self._order) % 1_000_000_000)  # newest first
        return None

    def pending(self) -> int:
        """Thumbnails queued or being made."""
        return len(self._pending)

    def cached(self) -> list[tuple[str, int]]:
        """(path, size) of the thumbnails made so far (and of files that had none), oldest first."""
        return list(self._cache)

    def failed(self, path: str, size: int) -> bool:
        key = (path, size)
        return key in self._cache and self._cache[key] is None

    def forget(self, paths: set[str] | None = None) -> None:
        """Drop queued work and cached thumbnails for ``paths`` (everything when None)."""
        for key in list(self._pending):
            if paths is None or key[0] in paths:
                if self._calls.take_back(self._pending[key]):
                    del self._pending[key]
                else:
                    self._discard.add(key)
        for key in list(self._cache):
            if paths is None or key[0] in paths:
                del self._cache[key]

    def wait_idle(self, timeout_ms: int = 2000) -> bool:
        """Block until queued thumbnails are done (used at shutdown and in tests)."""
        return self._calls.wait(timeout_ms)

    def shutdown(self, timeout_ms: int = 1000) -> bool:
        """Drop queued thumbnails and wait up to ``timeout_ms`` for running ones; True when idle."""
        self._calls.clear()
        self._pending.clear()
        return self._calls.wait(timeout_ms)

    def _on_done(self, path: str, size: int, outcome: Outcome[QImage]) -> None:
        key = (path, size)
        image = outcome.value if outcome.value is not None else QImage()
        self._pending.pop(key, None)
        if key in self._discard:
            self._discard.discard(key)
            return  # forgotten while it was being made
        self._cache[key] = None if image.isNull() else QPixmap.fromImage(image)
        while len(self._cache) > MAX_CACHED:
            self._cache.popitem(last=False)
        self.ready.emit(path)
