"""Writing keywords, sorting into folders and undoing them, on a thread of their own: photo files are
written off the GUI thread, and never queue behind a model load or a labelling run.

``LibraryWorker`` is a ``QObject`` moved to its ``QThread``; a :class:`LibraryRequest` comes in by a
queued signal, progress and one :class:`LibraryOutcome` go out by typed signals. Cancel is a
``threading.Event`` the GUI sets directly; the run stops between photos (a photo is never left half
written), and what was done is logged and can be undone.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot


class LibraryJob(Enum):
    KEYWORDS = "keywords"
    SORT = "sort"
    UNDO = "undo"


@dataclass(frozen=True)
class LibraryRequest:
    job: LibraryJob
    items: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (photo, the labels it keeps)
    options: Any = None  # KeywordOptions or SortOptions
    log: Path | None = None  # the log to undo (UNDO)
    cancel: threading.Event = field(default_factory=threading.Event, compare=False, repr=False)


@dataclass(frozen=True)
class LibraryOutcome:
    job: LibraryJob
    report: Any = None  # KeywordRun, SortRun or UndoReport
    error: str = ""  # the run could not start (no ExifTool, log folder not writable…)


class LibraryWorker(QObject):
    progress = Signal(int, int)  # done, total
    finished = Signal(LibraryOutcome)

    @Slot(LibraryRequest)
    def run(self, request: LibraryRequest) -> None:
        try:
            report = self._run(request)
        except Exception as error:  # noqa: BLE001 - the run could not start; said in the window
            self.finished.emit(LibraryOutcome(request.job, error=str(error) or type(error).__name__))
            return
        self.finished.emit(LibraryOutcome(request.job, report))

    def _run(self, request: LibraryRequest) -> Any:
        total = len(request.items)

        def step(done: int, _: object = None) -> None:
            self.progress.emit(done, total)

        if request.job is LibraryJob.KEYWORDS:
            from clipdesk.labeling.library.keyword_writer import write_keywords

            return write_keywords(request.items, request.options, on_progress=step,
                                  should_stop=request.cancel.is_set)
        if request.job is LibraryJob.SORT:
            from clipdesk.labeling.library.folder_sort import sort_into_folders

            return sort_into_folders(request.items, request.options, on_progress=step,
                                     should_stop=request.cancel.is_set)
        from clipdesk.labeling.library.undo import undo_log

        return undo_log(request.log, on_progress=lambda done, count: self.progress.emit(done, count))


class LibraryThread(QObject):
    """Owns the thread and the worker; one request at a time."""

    _requested = Signal(LibraryRequest)
    progress = Signal(int, int)
    finished = Signal(LibraryOutcome)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("clipdesk-library")
        self._worker = LibraryWorker()
        self._worker.moveToThread(self._thread)
        self._thread.finished.connect(self._worker.deleteLater)
        self._requested.connect(self._worker.run)
        self._worker.progress.connect(self.progress)
        self._worker.finished.connect(self._done)
        self._current: LibraryRequest | None = None
        self._thread.start()

    @property
    def busy(self) -> bool:
        return self._current is not None

    def start(self, request: LibraryRequest) -> bool:
        if self._current is not None:
            return False
        self._current = request
        self._requested.emit(request)
        return True

    def cancel(self) -> None:
        if self._current is not None:
            self._current.cancel.set()

    def _done(self, outcome: LibraryOutcome) -> None:
        self._current = None
        self.finished.emit(outcome)

    def shutdown(self, timeout_ms: int) -> bool:
        """Stop after the photo in hand (never mid-file) and wait up to ``timeout_ms``."""
        self.cancel()
        self._thread.quit()
        return self._thread.wait(max(0, timeout_ms))
