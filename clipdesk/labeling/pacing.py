"""How much work one model call takes, so a long phase stays able to stop.

A stop request (Ctrl-C, SIGTERM, the window's Cancel) is honoured between model calls. A fixed call
size is either slow to stop on a CPU (256 prompts of ViT-L/14 take seconds) or wasteful on a GPU (a
few prompts per call); :class:`CallPacer` sizes each call from how long the previous ones took.
"""

from __future__ import annotations

import time
from collections.abc import Callable

CALL_TARGET_S = 0.2  # one call at most about this long, so a stop is heard within 0.5 s
FIRST_CALL = 16  # items in the first call, before anything has been measured


class CallPacer:
    """``size()`` items for the next call, between 1 and ``most``; ``record(items, seconds)`` after it.

    The size follows the measured rate (an average over the calls so far, so one slow call -- the first,
    warming caches -- does not shrink every later one to nothing)."""

    def __init__(self, most: int, target_s: float = CALL_TARGET_S, first: int = FIRST_CALL) -> None:
        if most < 1:
            raise ValueError("a call must take at least one item")
        self.most = most
        self.target_s = target_s
        self._size = max(1, min(first, most))
        self._items = 0
        self._seconds = 0.0

    def size(self) -> int:
        return self._size

    def record(self, items: int, seconds: float) -> None:
        self._items += items
        self._seconds += max(seconds, 0.0)
        if self._seconds <= 0:
            self._size = self.most
            return
        per_second = self._items / self._seconds
        self._size = max(1, min(self.most, int(per_second * self.target_s)))

    @property
    def items_per_second(self) -> float | None:
        """The rate measured so far (None before the first call)."""
        return self._items / self._seconds if self._seconds > 0 else None


def timed(clock: Callable[[], float] = time.perf_counter) -> Callable[[], float]:
    """A stopwatch: ``elapsed = timed(); …; elapsed()`` seconds since it was made."""
    start = clock()
    return lambda: clock() - start
