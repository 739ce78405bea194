"""Short jobs off the GUI thread: a function runs on a ``QThreadPool`` and its outcome is handed to a
callback on the GUI thread. The one copy of the relay + ``QRunnable`` + pool pattern that thumbnails,
photo scans and exports each used to hand-roll.

The model's long-lived work (loading, encoding) has its own ``QThread`` (``worker.py``); this is for
work that is independent per call: a file to decode, a folder to walk, an export to write.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

R = TypeVar("R")


@dataclass(frozen=True)
class Outcome(Generic[R]):
    """What a call came to: its ``value``, or the ``error`` it raised (never both)."""

    value: R | None = None
    error: Exception | None = None


class _Call(QRunnable):
    def __init__(self, calls: PoolCalls, ticket: int, function: Callable[[], Any]) -> None:
        super().__init__()
        self.setAutoDelete(False)  # PoolCalls keeps it, to be able to take it back from the queue
        self._calls, self._ticket, self._function = calls, ticket, function

    def run(self) -> None:
        try:
            outcome: Outcome[Any] = Outcome(self._function())
        except Exception as error:  # noqa: BLE001 - reported to the caller, never a dead pool thread
            outcome = Outcome(error=error)
        self._calls.finished.emit(self._ticket, outcome)  # queued: PoolCalls lives on the GUI thread


class PoolCalls(QObject):
    """Runs functions on a private pool of ``threads`` threads; each outcome reaches its callback on the
    thread this object lives on (the GUI thread), in the order the calls finish."""

    finished = Signal(int, object)  # ticket, Outcome: emitted on a pool thread, delivered queued

    def __init__(self, threads: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(threads)
        self._tickets = itertools.count(1)
        self._waiting: dict[int, tuple[_Call, Callable[[Outcome[Any]], None]]] = {}
        self.finished.connect(self._deliver)

    def start(self, function: Callable[[], R], on_done: Callable[[Outcome[R]], None], priority: int = 0) -> int:
        """Queue ``function`` (higher ``priority`` runs first); returns a ticket for ``take_back``."""
        ticket = next(self._tickets)
        call = _Call(self, ticket, function)
        self._waiting[ticket] = (call, on_done)
        self._pool.start(call, priority)
        return ticket

    def take_back(self, ticket: int) -> bool:
        """Remove a call that has not started; its callback never runs. False once it has started."""
        entry = self._waiting.get(ticket)
        if entry is None or not self._pool.tryTake(entry[0]):
            return False
        del self._waiting[ticket]
        return True

    def pending(self) -> int:
        """Calls queued or running whose outcome has not been delivered yet."""
        return len(self._waiting)

    def running(self) -> bool:
        return self._pool.activeThreadCount() > 0

    def clear(self) -> None:
        """Take back every call that has not started (closing: running ones still report)."""
        for ticket in list(self._waiting):
            self.take_back(ticket)

    def wait(self, timeout_ms: int) -> bool:
        """Wait up to ``timeout_ms`` for running calls; True when the pool is idle."""
        return self._pool.waitForDone(timeout_ms)

    def _deliver(self, ticket: int, outcome: Outcome[Any]) -> None:
        entry = self._waiting.pop(ticket, None)
        if entry is not None:
            entry[1](outcome)
