"""Reading photos off disk in worker threads while the model runs, with bounded memory.

PIL decoding and resizing release the GIL, so a few threads keep the model fed. Results come back
in input order, and at most ``window`` items are ever decoded-but-not-consumed, however many files.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def default_workers() -> int:
    """Decode threads: enough to overlap inference, few enough not to starve it of cores."""
    return max(1, min(4, os.cpu_count() or 1))


def ordered_parallel_map(fn: Callable[[T], R], items: Iterable[T], workers: int, window: int) -> Iterator[R]:
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


def describe_error(error: BaseException) -> str:
    """One line a person can act on, for a file that could not be turned into an image."""
    from PIL import Image, UnidentifiedImageError

    reason = getattr(error, "reason", None)  # the engine's ImageError already says it plainly
    if isinstance(reason, str) and reason:
        return reason
    if isinstance(error, FileNotFoundError):
        return "not found"
    if isinstance(error, IsADirectoryError):
        return "is a directory"
    if isinstance(error, PermissionError):
        return "permission denied"
    if isinstance(error, Image.DecompressionBombError):
        return f"too large: {error}"
    if isinstance(error, MemoryError):
        return "too large to decode in the available memory"
    if isinstance(error, UnidentifiedImageError):
        return "not an image, or an image format clipdesk cannot read"
    text = str(error).strip() or type(error).__name__
    if "truncated" in text.lower():
        return f"truncated or damaged image ({text})"
    if isinstance(error, OSError) and getattr(error, "strerror", None):
        return f"cannot read file: {error.strerror}"
    return text
