"""The window's side of the worker: ``WorkerClient`` owns the worker thread, numbers jobs, cancels
superseded ones and drops reports of jobs that are no longer current."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from clipdesk.gui.jobs import (
    SUPERSEDES,
    DuplicatesRequest,
    Job,
    JobDone,
    JobKind,
    ModelRequest,
    RankRequest,
    SearchRequest,
)
from clipdesk.gui.worker import REPORT_SIGNALS, Worker, WorkerReports


class WorkerClient(WorkerReports):
    """The GUI-thread side: owns the thread, numbers jobs, cancels superseded ones, drops stale results.

    Only results of the *current* job of each kind reach the window; anything a cancelled or replaced
    job still sends afterwards is discarded here, so a view can never show results for labels or a
    model that are no longer on screen.
    """

    # requests, queued to the worker thread
    _load_requested = Signal(Job, ModelRequest)
    _rank_requested = Signal(Job, RankRequest)
    _check_requested = Signal(Job, tuple, tuple, str)  # labels, templates, model
    _download_requested = Signal(Job, str)
    _import_requested = Signal(Job, str)
    _search_requested = Signal(Job, SearchRequest)
    _duplicates_requested = Signal(Job, DuplicatesRequest)

    # The report signals (WorkerReports) carry only the current jobs' reports.
    activity_changed = Signal()  # a job started or ended: re-read ``active_kinds``

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._next_id = 0
        self._live: dict[int, Job] = {}
        self._current: dict[JobKind, int] = {}
        self._thread = QThread()
        self._thread.setObjectName("clipdesk-worker")
        self._worker = Worker()
        self._worker.moveToThread(self._thread)
        self._thread.finished.connect(self._worker.deleteLater)
        self._load_requested.connect(self._worker.load_model)
        self._rank_requested.connect(self._worker.rank)
        self._check_requested.connect(self._worker.check_labels)
        self._download_requested.connect(self._worker.download)
        self._import_requested.connect(self._worker.import_weights)
        self._search_requested.connect(self._worker.search)
        self._duplicates_requested.connect(self._worker.group_duplicates)
        # Each report goes out on this object's signal of the same name, if its job is still current.
        # A bound method of this QObject, so Qt queues each call onto the GUI thread.
        for name in REPORT_SIGNALS.values():
            getattr(self._worker, name).connect(self._on_report)
        self._worker.finished.connect(self._on_finished)
        self._thread.start()

    @property
    def thread(self) -> QThread:
        return self._thread

    @property
    def worker(self) -> Worker:
        """The worker itself, whose signals carry every report unfiltered (diagnostics and tests)."""
        return self._worker

    # -- submitting ----------------------------------------------------------------------------
    def load_model(self, request: ModelRequest) -> int:
        job = self._new_job(JobKind.LOAD)
        self._load_requested.emit(job, request)
        return job.id

    def rank(self, request: RankRequest) -> int:
        job = self._new_job(JobKind.RANK)
        self._rank_requested.emit(job, request)
        return job.id

    def check_labels(self, labels: tuple[str, ...], templates: tuple[str, ...], model: str = "") -> int:
        """Find labels too long for ``model``'s context without ranking anything (no photos yet)."""
        job = self._new_job(JobKind.CHECK)
        self._check_requested.emit(job, labels, templates, model)
        return job.id

    def search(self, request: SearchRequest) -> int:
        job = self._new_job(JobKind.SEARCH)
        self._search_requested.emit(job, request)
        return job.id

    def group_duplicates(self, request: DuplicatesRequest) -> int:
        job = self._new_job(JobKind.SEARCH)  # one ordering of the grid at a time: a grouping replaces a search
        self._duplicates_requested.emit(job, request)
        return job.id

    def download(self, model: str) -> int:
        job = self._new_job(JobKind.DOWNLOAD)
        self._download_requested.emit(job, model)
        return job.id

    def import_weights(self, path: str) -> int:
        job = self._new_job(JobKind.IMPORT)
        self._import_requested.emit(job, path)
        return job.id

    def _new_job(self, kind: JobKind) -> Job:
        for superseded in SUPERSEDES[kind]:
            self.cancel(superseded)
        self._next_id += 1
        job = Job(self._next_id, kind)
        self._live[job.id] = job
        self._current[kind] = job.id
        self.activity_changed.emit()
        return job

    # -- cancelling and state ------------------------------------------------------------------
    def cancel(self, kind: JobKind | None = None) -> bool:
        """Cancel the current job of ``kind`` (every job when None); True if one was running."""
        kinds = [kind] if kind else list(self._current)
        cancelled = False
        for each in kinds:
            job_id = self._current.pop(each, None)
            job = self._live.get(job_id) if job_id is not None else None
            if job is not None:
                job.cancel.set()
                cancelled = True
        if cancelled:
            self.activity_changed.emit()
        return cancelled

    def active_kinds(self) -> tuple[JobKind, ...]:
        """Kinds with a current, unfinished job, in submission order."""
        return tuple(kind for kind, job_id in sorted(self._current.items(), key=lambda item: item[1])
                     if job_id in self._live)

    def is_current(self, job_id: int) -> bool:
        job = self._live.get(job_id)
        return job is not None and self._current.get(job.kind) == job_id and not job.cancelled

    def shutdown(self, timeout_ms: int = 2000) -> bool:
        """Cancel everything and stop the thread; False if it did not stop within ``timeout_ms``."""
        for job in self._live.values():
            job.cancel.set()
        self._current.clear()
        self._thread.quit()
        return self._thread.wait(timeout_ms)

    # -- filtering -----------------------------------------------------------------------------
    @Slot(object)
    def _on_report(self, payload: Any) -> None:
        if self.is_current(payload.job_id):
            getattr(self, REPORT_SIGNALS[type(payload)]).emit(payload)

    @Slot(object)
    def _on_finished(self, done: JobDone) -> None:
        was_current = self.is_current(done.job_id)
        self._live.pop(done.job_id, None)
        if self._current.get(done.kind) == done.job_id:
            del self._current[done.kind]
        if was_current:
            self.finished.emit(done)
        self.activity_changed.emit()
