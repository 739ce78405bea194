"""An ordered map over a thread pool, for reading photos off disk while the model runs, with bounded
memory.

PIL decoding and resizing release the GIL, so a few threads keep the model fed. Results come back
in input order, and at most ``window`` items are ever decoded-but-not-consumed, however many files.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Generator, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def default_workers() -> int:
    """Decode threads: enough to overlap inference, few enough not to starve it of cores."""
    return max(1, min(4, os.cpu_count() or 1))


def ordered_parallel_map(fn: Callable[[T], R], items: Iterable[T], workers: int,
                         window: int) -> Generator[R, None, None]:
    """``map(fn, items)`` on ``workers`` threads, yielding in input order, never more than ``window``
    results pending. Closing the iterator early cancels what has not started and waits for what has,
    so no thread outlives the run. ``fn`` must not raise (wrap errors into its result)."""
    window = max(1, window)
    source = iter(items)
    pending: deque[Future[R]] = deque()
    executor = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="clipdesk-decode")
    try:
        for item in source:
            pending.append(executor.submit(fn, item))
            if len(pending) >= window:
                break
        while pending:
            result = pending.popleft().result()
            for item in source:
                pending.append(executor.submit(fn, item))
                break
            yield result
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
