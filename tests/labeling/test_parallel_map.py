"""The parallel decode pipeline: order kept, memory bounded, nothing left running."""

from __future__ import annotations

import threading
import time

from clipdesk.labeling.files import describe_error
from clipdesk.labeling.parallel_map import ordered_parallel_map


def test_results_come_back_in_input_order() -> None:
    def slow_for_small(x: int) -> int:
        time.sleep(0.002 * (10 - x % 10))
        return x * x

    assert list(ordered_parallel_map(slow_for_small, range(50), workers=4, window=8)) == [x * x for x in range(50)]


def test_never_more_than_window_items_pending() -> None:
    started = []
    consumed = 0
    lock = threading.Lock()

    def work(x: int) -> int:
        with lock:
            started.append(x)
        return x

    for _ in ordered_parallel_map(work, range(1000), workers=3, window=5):
        consumed += 1
        with lock:
            assert len(started) - consumed <= 5
    assert consumed == 1000


def test_closing_early_stops_submitting_and_joins_threads() -> None:
    calls = []
    before = threading.active_count()
    iterator = ordered_parallel_map(lambda x: calls.append(x) or x, range(10_000), workers=2, window=4)
    assert [next(iterator) for _ in range(3)] == [0, 1, 2]
    iterator.close()
    assert len(calls) <= 3 + 4
    assert threading.active_count() == before


def test_error_descriptions_name_the_problem() -> None:
    from PIL import Image, UnidentifiedImageError

    assert describe_error(FileNotFoundError(2, "No such file")) == "not found"
    assert describe_error(IsADirectoryError(21, "Is a directory")) == "is a directory"
    assert "not an image" in describe_error(UnidentifiedImageError("cannot identify image file 'x'"))
    assert describe_error(Image.DecompressionBombError("Image size (1 pixels) exceeds limit")).startswith("too large")
    assert "truncated" in describe_error(OSError("image file is truncated (3 bytes not processed)"))


def test_engine_image_errors_give_their_reason_without_repeating_the_path() -> None:
    from clipdesk.clip.preprocess import ImageError

    assert describe_error(ImageError("/photos/x.jpg", "truncated or corrupt (broken data stream)")) == \
        "truncated or corrupt (broken data stream)"
