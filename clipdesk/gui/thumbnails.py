"""Thumbnails made off the GUI thread: ``QImageReader`` with a scaled size (JPEGs decode at a fraction of
their resolution that way) in a small ``QThreadPool``, results cached in a bounded LRU.

A view asks for a thumbnail when it paints one; the newest request runs first, so what is on screen is
filled before what was scrolled past. ``QImage`` is safe to build on any thread; the ``QPixmap`` is made
on the GUI thread when the result arrives.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict

from PySide6.QtCore import QObject, QRunnable, QSize, Qt, QThreadPool, Signal
from PySide6.QtGui import QImage, QImageReader, QPixmap

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


class _Relay(QObject):
    """Lives on the GUI thread; pool threads emit through it, so delivery is queued."""

    done = Signal(str, int, QImage)


class _Task(QRunnable):
    def __init__(self, relay: _Relay, path: str, size: int) -> None:
        super().__init__()
        self._relay, self._path, self._size = relay, path, size

    def run(self) -> None:
        try:
            image = read_scaled(self._path, self._size)
        except Exception:  # noqa: BLE001 - a bad file must never take the pool thread down
            image = QImage()
        self._relay.done.emit(self._path, self._size, image)


class ThumbnailLoader(QObject):
    """Asynchronous, cached thumbnails keyed by (path, size in device pixels)."""

    ready = Signal(str)  # path: a thumbnail (or the knowledge that there is none) just arrived

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(MAX_THREADS)
        self._relay = _Relay(self)
        self._relay.done.connect(self._on_done)
        self._cache: OrderedDict[tuple[str, int], QPixmap | None] = OrderedDict()
        self._pending: dict[tuple[str, int], _Task] = {}
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
        task = _Task(self._relay, path, size)
        task.setAutoDelete(False)  # we keep a reference to be able to tryTake it
        self._pending[key] = task
        self._pool.start(task, next(self._order) % 1_000_000_000)  # newest first
        return None

    def failed(self, path: str, size: int) -> bool:
        key = (path, size)
        return key in self._cache and self._cache[key] is None

    def forget(self, paths: set[str] | None = None) -> None:
        """Drop queued work and cached thumbnails for ``paths`` (everything when None)."""
        for key in list(self._pending):
            if paths is None or key[0] in paths:
                if self._pool.tryTake(self._pending[key]):
                    del self._pending[key]
                else:
                    self._discard.add(key)
        for key in list(self._cache):
            if paths is None or key[0] in paths:
                del self._cache[key]

    def wait_idle(self, timeout_ms: int = 2000) -> bool:
        """Block until queued thumbnails are done (used at shutdown and in tests)."""
        return self._pool.waitForDone(timeout_ms)

    def shutdown(self, timeout_ms: int = 1000) -> bool:
        """Drop queued thumbnails and wait up to ``timeout_ms`` for running ones; True when idle."""
        self._pool.clear()
        self._pending.clear()
        return self._pool.waitForDone(timeout_ms)

    def _on_done(self, path: str, size: int, image: QImage) -> None:
        key = (path, size)
        self._pending.pop(key, None)
        if key in self._discard:
            self._discard.discard(key)
            return  # forgotten while it was being made
        self._cache[key] = None if image.isNull() else QPixmap.fromImage(image)
        while len(self._cache) > MAX_CACHED:
            self._cache.popitem(last=False)
        self.ready.emit(path)
