"""Stand-ins for the window's collaborators, so a controller is tested on its own: a worker client that
records requests and lets the test send the reports a worker would, and a model state."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from clipdesk.gui.jobs import (
    JobDone,
    JobKind,
    RankRequest,
)
from clipdesk.gui.model_control import LOADING
from clipdesk.gui.worker import WorkerReports


class FakeWorkerClient(WorkerReports):
    """``WorkerClient``'s interface without a thread: requests are recorded, reports are sent by hand
    (on the same report signals as the real client)."""

    activity_changed = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[tuple[JobKind, int, object]] = []
        self.cancelled: list[JobKind] = []
        self._active: dict[JobKind, int] = {}
        self._next = 0

    def _submit(self, kind: JobKind, request: object) -> int:
        self._next += 1
        self.requests.append((kind, self._next, request))
        self._active[kind] = self._next
        self.activity_changed.emit()
        return self._next

    def rank(self, request: RankRequest) -> int:
        return self._submit(JobKind.RANK, request)

    def check_labels(self, labels: tuple[str, ...], templates: tuple[str, ...], model: str = "") -> int:
        return self._submit(JobKind.CHECK, (labels, templates, model))

    def cancel(self, kind: JobKind | None = None) -> bool:
        kinds = [kind] if kind is not None else list(self._active)
        self.cancelled += kinds
        found = [self._active.pop(each, None) is not None for each in kinds]  # every kind, not the first
        if any(found):
            self.activity_changed.emit()
        return any(found)

    def active_kinds(self) -> tuple[JobKind, ...]:
        return tuple(self._active)

    def finish(self, kind: JobKind, cancelled: bool = False) -> None:
        """The worker ends the current job of ``kind``."""
        job_id = self._active.pop(kind)
        self.finished.emit(JobDone(job_id, kind, cancelled))
        self.activity_changed.emit()

    def of_kind(self, kind: JobKind) -> list[tuple[int, object]]:
        return [(job_id, request) for each, job_id, request in self.requests if each == kind]


class FakeModel(QObject):
    """What controllers read of ``ModelControl``: its state and when it changes."""

    ready = Signal()
    state_changed = Signal()

    def __init__(self, state: str = LOADING) -> None:
        super().__init__()
        self.state = state

    def become(self, state: str) -> None:
        self.state = state
        self.state_changed.emit()
        if state == "ready":
            self.ready.emit()
