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

    The size follows the measured rate, smoothed over the last few calls. It shrinks at once when calls
    get slow (a stop must stay quick) but at most doubles per call when they get fast, so one slow call
    -- the first, warming caches or a GPU -- costs a few small calls, and one lucky fast call cannot
    make the next one take seconds."""

    SMOOTHING = 0.5  # weight of the newest call in the rate

    def __init__(self, most: int, target_s: float = CALL_TARGET_S, first: int = FIRST_CALL) -> None:
        if most < 1:
            raise ValueError("a call must take at least one item")
        self.most = most
        self.target_s = target_s
        self._size = max(1, min(first, most))
        self._rate: float | None = None  # for sizing: every call, the first included
        self._steady: float | None = None  # for reporting: from the second call on
        self._calls = 0

    def size(self) -> int:
        return self._size

    def record(self, items: int, seconds: float) -> None:
        if items < 1:
            return
        if seconds <= 0:  # too quick for the clock: as fast as it gets
            self._size = min(self.most, 2 * self._size)
            return
        rate = items / seconds
        self._rate = rate if self._rate is None else self.SMOOTHING * rate + (1 - self.SMOOTHING) * self._rate
        self._calls += 1
        if self._calls > 1:
            self._steady = rate if self._steady is None else (self.SMOOTHING * rate
                                                              + (1 - self.SMOOTHING) * self._steady)
        self._size = max(1, min(self.most, 2 * self._size, int(self._rate * self.target_s)))

    @property
    def items_per_second(self) -> float | None:
        """The smoothed rate of the calls after the first (which loads vocabularies and warms caches:
        an estimate from it alone was 100 times too slow); None until there is one."""
        return self._steady


def timed(clock: Callable[[], float] = time.perf_counter) -> Callable[[], float]:
    """A stopwatch: ``elapsed = timed(); …; elapsed()`` seconds since it was made."""
    start = clock()
    return lambda: clock() - start
