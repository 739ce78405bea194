"""Model calls sized so that a stop request is heard within half a second, on a slow CPU or a fast GPU."""

from __future__ import annotations

import pytest

from clipdesk.labeling.pacing import CALL_TARGET_S, CallPacer, timed


def test_calls_shrink_on_a_slow_machine_so_a_stop_is_heard_quickly() -> None:
    pacer = CallPacer(most=256, first=16)
    assert pacer.size() == 16
    pacer.record(16, 4.0)  # 4 labels/s: ViT-L on an old laptop
    assert pacer.size() * (4.0 / 16) <= CALL_TARGET_S + 0.25
    assert pacer.size() >= 1


def test_calls_grow_to_the_limit_on_a_fast_machine() -> None:
    pacer = CallPacer(most=256, first=16)
    for _ in range(5):
        pacer.record(pacer.size(), pacer.size() / 16_000)  # a GPU: 16,000 labels/s
    assert pacer.size() == 256


def test_one_lucky_fast_call_cannot_make_the_next_one_take_seconds() -> None:
    pacer = CallPacer(most=10_000, target_s=0.2, first=2)
    for _ in range(10):
        pacer.record(pacer.size(), pacer.size() / 10)  # 10 items/s: 2 per call
    steady = pacer.size()
    pacer.record(steady, steady / 100_000)  # the clock says this one was instant
    assert pacer.size() <= 2 * steady


def test_one_slow_first_call_does_not_shrink_every_later_one_to_one_item() -> None:
    pacer = CallPacer(most=256, target_s=0.2, first=16)
    pacer.record(16, 2.0)  # warm-up
    for _ in range(20):
        pacer.record(pacer.size(), pacer.size() / 1000)  # then 1,000 items/s
    assert pacer.size() > 100
    assert pacer.items_per_second == pytest.approx(1000)  # the warm-up is not in the reported rate


def test_a_call_never_asks_for_zero_items_and_the_limit_is_checked() -> None:
    pacer = CallPacer(most=3)
    pacer.record(1, 1000.0)
    assert pacer.size() == 1
    pacer.record(1, 0.0)
    assert 1 <= pacer.size() <= 3
    assert CallPacer(most=5).items_per_second is None


def test_the_reported_rate_leaves_out_the_first_call_which_warms_up() -> None:
    pacer = CallPacer(most=256, first=16)
    pacer.record(16, 0.5)  # loading the tokenizer's vocabulary: 32 labels/s
    assert pacer.items_per_second is None  # no estimate from the warm-up alone
    pacer.record(pacer.size(), pacer.size() / 5000)
    assert pacer.items_per_second == pytest.approx(5000)
    with pytest.raises(ValueError):
        CallPacer(most=0)


def test_the_stopwatch_counts_from_when_it_was_made() -> None:
    ticks = iter([10.0, 10.5, 12.0])
    elapsed = timed(lambda: next(ticks))
    assert elapsed() == 0.5
    assert elapsed() == 2.0
