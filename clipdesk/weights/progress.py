"""A terminal progress bar with rate and ETA, for downloads and any other long job.

It lives in the lowest layer (stdlib only) so that ``clip.load`` and the CLI can both show it;
``clipdesk.cli.progress`` re-exports it. On a terminal it redraws one line with ``\\r``; when the
stream is not a terminal (a log file, CI) it writes an occasional plain line instead.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import TextIO

BAR_WIDTH = 16


class ProgressBar:
    """``update(done, total)`` as work proceeds (``total`` may be None), ``close()`` at the end.

    ``unit="B"`` shows sizes in KiB/MiB/GiB; any other unit shows counts (``12/500 photos``).
    """

    def __init__(self, label: str, *, unit: str = "B", stream: TextIO | None = None,
                 interactive: bool | None = None, clock: Callable[[], float] = time.monotonic,
                 redraw_s: float = 0.1, line_every_s: float = 10.0, after_s: float = 0.0) -> None:
        self.label = label
        self.unit = unit
        self.stream = sys.stderr if stream is None else stream
        self.interactive = _isatty(self.stream) if interactive is None else interactive
        self.clock = clock
        self.redraw_s = redraw_s  # terminal: at most this often
        self.line_every_s = line_every_s  # not a terminal: a line per 10 % or this often, whichever first
        self.after_s = after_s  # nothing is shown for work that ends sooner than this
        self._start: tuple[float, int] | None = None  # (time, done) of the first update, for the rate
        self._last: tuple[int, int | None] = (0, None)
        self._shown_at = float("-inf")
        self._shown_step = -1
        self._drawn_state: tuple[int, int | None] | None = None
        self._closed = False

    def update(self, done: int, total: int | None) -> None:
        now = self.clock()
        if self._start is None:
            self._start = (now, done)
        self._last = (done, total)
        finished = total is not None and done >= total
        if now - self._start[0] < self.after_s:
            return  # perhaps over before anyone would read it
        if self.interactive:
            if finished or now - self._shown_at >= self.redraw_s:
                self._draw(now, "\r")
        else:
            step = int(10 * done / total) if total else -1
            if finished or step > self._shown_step or now - self._shown_at >= self.line_every_s:
                self._shown_step = max(step, self._shown_step)
                self._draw(now, "")

    def close(self) -> None:
        """Finish the line (terminal) or write the final state (log) once; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        if self._start is None:
            return  # nothing happened (e.g. the file was already cached): print nothing
        if self._drawn_state is None and self.clock() - self._start[0] < self.after_s:
            return  # over too soon to be worth a line
        if self.interactive:
            self._draw(self.clock(), "\r")
            self.stream.write("\n")
        elif self._drawn_state != self._last:
            self._draw(self.clock(), "")
        self.stream.flush()

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def text(self, now: float | None = None) -> str:
        """The status without the bar (the log-line form): ``label:  42% 142.0/338.0 MiB, 12.1 MiB/s, ETA 0:16``."""
        now = self.clock() if now is None else now
        done, total = self._last
        factor, suffix = self._scale(total or done)
        if total:
            status = f"{min(100, 100 * done // total):3d}% {_number(done, factor)}/{_number(total, factor)}"
        else:
            status = _number(done, factor)
        parts = [f"{self.label}: {status} {suffix}".rstrip()]
        rate = self._rate(now)
        if rate is not None:
            rate_factor, rate_suffix = self._scale(rate)
            parts.append(f"{_number(rate, rate_factor, 1)} {rate_suffix}/s".lstrip())
            if total and done < total and rate > 0:
                parts.append(f"ETA {_duration((total - done) / rate)}")
        return ", ".join(parts)

    def _draw(self, now: float, prefix: str) -> None:
        text = self.text(now)
        if self.interactive:
            done, total = self._last
            columns = shutil.get_terminal_size((80, 24)).columns
            if total and columns - len(text) >= 20:
                filled = min(BAR_WIDTH, BAR_WIDTH * done // total)
                head, _, tail = text.partition(": ")
                text = f"{head}: [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {tail}"
            self.stream.write(f"{prefix}{text[: columns - 1]}\x1b[K")
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
        self._shown_at = now
        self._drawn_state = self._last

    def _rate(self, now: float) -> float | None:
        if self._start is None:
            return None
        elapsed = now - self._start[0]
        moved = self._last[0] - self._start[1]  # a resumed download's first bytes are not "speed"
        return moved / elapsed if elapsed > 0 and moved > 0 else None

    def _scale(self, reference: float) -> tuple[int, str]:
        """Divisor and unit name: bytes scale to KiB/MiB/GiB, other units are plain counts."""
        if self.unit != "B":
            return 1, self.unit
        for factor, suffix in ((1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")):
            if reference >= factor:
                return factor, suffix
        return 1, "B"


def _number(value: float, factor: int, decimals: int = 0) -> str:
    if factor > 1:
        return f"{value / factor:.1f}"
    return f"{value:.{decimals}f}" if decimals and value < 100 else f"{int(value)}"


def _duration(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


@dataclass(frozen=True)
class DownloadReport:
    """Callbacks for ``ensure_model``: None where nothing is shown (stderr is not a terminal)."""

    on_progress: Callable[[int, int | None], None] | None = None
    on_source: Callable[[str], None] | None = None


@contextmanager
def terminal_download_report(name: str, sources: int) -> Iterator[DownloadReport]:
    """A progress bar on stderr while ``name`` downloads, when stderr is a terminal (as OpenAI's
    ``clip.load`` shows one); with several sources, a line naming the one in use."""
    if not _isatty(sys.stderr):
        yield DownloadReport()
        return

    def say_source(url: str) -> None:
        print(f"\rfrom {url}", file=sys.stderr)

    with ProgressBar(f"Downloading {name}") as bar:
        yield DownloadReport(bar.update, say_source if sources > 1 else None)
