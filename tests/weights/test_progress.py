"""The terminal progress bar shared by downloads and `clipdesk label`."""

from __future__ import annotations

import io

from clipdesk.cli.progress import ProgressBar

MIB = 1 << 20


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_on_a_terminal_one_line_is_redrawn_with_rate_and_eta():
    stream, clock = io.StringIO(), Clock()
    bar = ProgressBar("Downloading ViT-B/32", stream=stream, interactive=True, clock=clock)

    bar.update(0, 100 * MIB)
    clock.now = 2.0
    bar.update(25 * MIB, 100 * MIB)
    bar.close()

    output = stream.getvalue()
    assert output.count("\n") == 1 and output.endswith("\n")
    assert output.startswith("\rDownloading ViT-B/32: [")
    assert " 25% 25.0/100.0 MiB, 12.5 MiB/s, ETA 0:06" in output


def test_redraws_are_throttled():
    stream, clock = io.StringIO(), Clock()
    bar = ProgressBar("Copying", stream=stream, interactive=True, clock=clock, redraw_s=0.1)

    for step in range(1000):  # 1000 updates within 0.01 s of clock time
        clock.now = step / 100_000
        bar.update(step, 1000)

    assert stream.getvalue().count("\r") == 1


def test_without_a_terminal_it_writes_an_occasional_plain_line():
    stream, clock = io.StringIO(), Clock()
    bar = ProgressBar("Downloading RN50", stream=stream, interactive=False, clock=clock)

    for step in range(1001):
        clock.now = step / 100
        bar.update(step * MIB, 1000 * MIB)
    bar.close()

    lines = stream.getvalue().splitlines()
    assert "\r" not in stream.getvalue() and "\x1b" not in stream.getvalue()
    assert 11 <= len(lines) <= 13  # about one per 10 %
    assert lines[-1] == "Downloading RN50: 100% 1000.0/1000.0 MiB, 100.0 MiB/s"


def test_without_a_terminal_a_slow_job_still_reports_every_few_seconds():
    stream, clock = io.StringIO(), Clock()
    bar = ProgressBar("Labeling", unit="photos", stream=stream, interactive=False, clock=clock,
                      line_every_s=10.0)

    for step in range(0, 60):  # one photo per second, 1 % of the job each
        clock.now = float(step)
        bar.update(step, 6000)

    assert len(stream.getvalue().splitlines()) == 6


def test_counts_use_the_given_unit():
    stream, clock = io.StringIO(), Clock()
    bar = ProgressBar("Labeling", unit="photos", stream=stream, interactive=False, clock=clock)

    bar.update(0, 500)
    clock.now = 10.0
    bar.update(50, 500)

    assert stream.getvalue().splitlines()[-1] == "Labeling:  10% 50/500 photos, 5.0 photos/s, ETA 1:30"


def test_an_unknown_total_shows_the_amount_and_rate_only():
    stream, clock = io.StringIO(), Clock()
    bar = ProgressBar("Downloading", stream=stream, interactive=False, clock=clock)

    bar.update(0, None)
    clock.now = 4.0
    bar.update(8 * MIB, None)
    bar.close()

    assert stream.getvalue().splitlines()[-1] == "Downloading: 8.0 MiB, 2.0 MiB/s"


def test_a_resumed_download_does_not_count_old_bytes_as_speed():
    stream, clock = io.StringIO(), Clock()
    bar = ProgressBar("Downloading", stream=stream, interactive=False, clock=clock)

    bar.update(90 * MIB, 100 * MIB)
    clock.now = 5.0
    bar.update(95 * MIB, 100 * MIB)
    bar.close()

    assert stream.getvalue().splitlines()[-1].endswith("95.0/100.0 MiB, 1.0 MiB/s, ETA 0:05")


def test_nothing_is_printed_when_no_work_happened_and_close_is_idempotent():
    stream = io.StringIO()
    bar = ProgressBar("Downloading", stream=stream, interactive=True)

    bar.close()
    bar.close()

    assert stream.getvalue() == ""


def test_it_follows_the_stream_it_writes_to():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert ProgressBar("x", stream=Terminal()).interactive
    assert not ProgressBar("x", stream=io.StringIO()).interactive


def test_a_phase_that_ends_within_after_s_prints_nothing_and_a_longer_one_shows_up_once_it_is_late():
    for interactive in (True, False):
        quick, clock = io.StringIO(), Clock()
        with ProgressBar("Reading labels", unit="labels", stream=quick, interactive=interactive, clock=clock,
                         after_s=1.0) as bar:
            for done in range(0, 201, 50):
                clock.now = done / 1000
                bar.update(done, 200)
        assert quick.getvalue() == ""

        slow, clock = io.StringIO(), Clock()
        with ProgressBar("Encoding labels", unit="labels", stream=slow, interactive=interactive, clock=clock,
                         after_s=1.0) as bar:
            for done in range(0, 2001, 100):
                clock.now = done / 1000  # 2 s in all
                bar.update(done, 2000)
                if clock.now < 1.0:
                    assert slow.getvalue() == ""
        assert "100% 2000/2000 labels" in slow.getvalue() and "Encoding labels:  50%" in slow.getvalue()
