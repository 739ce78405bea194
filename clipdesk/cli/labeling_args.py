"""What ``clipdesk classify`` and ``clipdesk label`` share: label/model options, checks that run before
any work (so a usage error costs nothing), loading the classifier, and a Ctrl-C that stops cleanly.

Nothing here imports torch at module level; the classifier module is imported only when a command runs.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from clipdesk.defaults import (
    CHINESE_DEFAULT_TEMPLATE,
    DEFAULT_MODEL,
    DEFAULT_TEMPLATE,
    DEVICE_CHOICES,
    PRECISION_CHOICES,
)
from clipdesk.labeling.keep_rule import KeepRule

if TYPE_CHECKING:
    from clipdesk.labeling import ZeroShotClassifier

EXIT_INTERRUPTED = 130  # the shell's code for a process stopped by Ctrl-C
PROGRESS_AFTER_S = 1.0  # a phase shorter than this shows no progress bar at all
HUGE_LIST_ESTIMATE_AFTER_S = 1.0  # the time a huge list takes is said once calls have reached full speed
MAX_LISTED_WARNINGS = 20  # a keyword list with 5,000 repeats gets 20 lines and a count, not 5,000
_LABEL_SEPARATORS = re.compile(r"[,，]")  # ASCII and full-width (Chinese) commas


class UsageError(Exception):
    """Something in the command line that makes the run pointless; exit code 2, before any work."""


@dataclass(frozen=True)
class LabelChoice:
    labels: tuple[str, ...]
    templates: tuple[str, ...]
    warnings: tuple[str, ...]
    keep: KeepRule | None = None  # the rule saved with a label set, if it came from one


def add_label_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--labels", metavar='"A,B,C"',
                        help="comma-separated labels, e.g. \"dog,cat,red envelope\"")
    source.add_argument("--labels-file", type=Path, metavar="FILE",
                        help="labels from a .txt (one per line) or .csv (first column) file, or a saved "
                             "label set (.json, which also brings its templates)")
    parser.add_argument("--template", action="append", metavar="T", dest="templates",
                        help=f"prompt with {{}} where the label goes (default: the model's own, "
                             f"{DEFAULT_TEMPLATE!r} or {CHINESE_DEFAULT_TEMPLATE!r} for Chinese-CLIP); "
                             "repeat for an ensemble; '{}' alone uses the bare label")


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", default=DEFAULT_MODEL, metavar="NAME|PATH",
                        help=f"model name (see `clipdesk models list`) or checkpoint file (default {DEFAULT_MODEL})")
    parser.add_argument("--device", default="auto", metavar="|".join(DEVICE_CHOICES),
                        help="where to run the model; auto = CUDA GPU, else Apple MPS, else CPU (default auto)")
    parser.add_argument("--no-cache", action="store_true",
                        help="neither read nor store image embeddings in the on-disk cache")
    parser.add_argument("--precision", default="auto", choices=PRECISION_CHOICES,
                        help="exact = the reference CLIP's numbers; fast = bf16 products on CPUs with native "
                             "bf16 and draft JPEG decoding (same labels, about 2-3x faster); auto = fast where "
                             "the hardware supports it natively, else exact (default auto)")


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def top_choice(text: str) -> int:
    """``--top K|all`` for results files: a whole number of labels, or every label (``KEEP_ALL``)."""
    from clipdesk.labeling.labels import KEEP_ALL

    return KEEP_ALL if text.strip().lower() == "all" else positive_int(text)


def choose_labels(args: argparse.Namespace) -> LabelChoice:
    """Labels and templates from the command line, cleaned; UsageError when nothing usable is left.
    Cleaning a keyword list of 200,000 lines takes seconds: a bar shows it when it takes over one."""
    from clipdesk.labeling import LabelSetError, clean_labels, clean_templates, import_labels, load_label_set

    templates = args.templates
    saved_rule = None
    if args.labels_file is not None:
        try:
            if args.labels_file.suffix.lower() == ".json":
                label_set = load_label_set(args.labels_file)
                raw = list(label_set.labels)
                templates = templates or list(label_set.templates)
                saved_rule = label_set.keep
            else:
                raw = import_labels(args.labels_file)
        except LabelSetError as error:
            raise UsageError(str(error)) from None
        where = f"in {args.labels_file}"
    else:
        raw = _LABEL_SEPARATORS.split(args.labels)
        where = "in --labels"
    from clipdesk.cli.progress import ProgressBar

    with ProgressBar("Reading labels", unit="labels", after_s=PROGRESS_AFTER_S) as bar:
        cleaned = clean_labels(raw, on_progress=bar.update)
    if not cleaned.labels:
        raise UsageError(f"no labels {where}: give at least one, e.g. --labels \"dog,cat\"")
    try:
        template_tuple = clean_templates(templates) if templates else ()  # (): the model family's default
    except ValueError as error:
        raise UsageError(str(error)) from None
    return LabelChoice(cleaned.labels, template_tuple, cleaned.warnings, saved_rule)


def fit_to_model(choice: LabelChoice, classifier: ZeroShotClassifier) -> LabelChoice:
    """The choice as the loaded model runs it: its family's template when none was given, and a
    warning -- said once, never acted on silently -- when most labels are Chinese but the model only
    reads English."""
    from clipdesk.labeling.labeling_model import looks_chinese
    from clipdesk.weights.registry import DEFAULT_CHINESE_MODEL, OPENAI

    warnings = choice.warnings
    if classifier.family.id == OPENAI and looks_chinese(choice.labels):
        warnings += (f"most labels are Chinese, but {classifier.model_name} is OpenAI's English-only CLIP: "
                     f"its ranking of them is close to noise. Use a Chinese model, e.g. --model "
                     f"{DEFAULT_CHINESE_MODEL}",)
    return LabelChoice(choice.labels, classifier.templates_or_default(choice.templates), warnings, choice.keep)


def check_output(path: Path) -> None:
    """Refuse an output we could not write, before hours of work: wrong suffix, missing or read-only
    folder, or a folder in the way."""
    if path.suffix.lower() not in (".csv", ".json"):
        raise UsageError(f"--out {path}: the file name must end in .csv or .json")
    if path.is_symlink():  # results are written through the link, into the file it points at
        path = Path(os.path.realpath(path))
    if path.is_dir():
        raise UsageError(f"--out {path} is a folder; give a file name ending in .csv or .json")
    check_writable_folder(path, path.parent)
    if path.exists() and not os.access(path, os.W_OK):
        raise UsageError(f"--out {path}: the existing file is read-only")


def check_writable_folder(out: Path, folder: Path) -> None:
    """UsageError unless ``folder`` (where ``--out`` goes) exists and a file can be made in it."""
    if not folder.is_dir():
        raise UsageError(f"--out {out}: the folder {folder} does not exist")
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise UsageError(f"--out {out}: cannot write in {folder} ({error.strerror or error})") from None


def load_classifier(args: argparse.Namespace, batch_size: int | None = None) -> ZeroShotClassifier:
    """The classifier for ``--model/--device``; any failure to get there is a UsageError (nothing has
    been done yet). Ctrl-C during a download propagates as KeyboardInterrupt."""
    from clipdesk.labeling import ImageEmbeddingCache, ZeroShotClassifier
    from clipdesk.labeling.devices import DeviceError, resolve_device

    try:
        device = resolve_device(args.device)
    except DeviceError as error:
        raise UsageError(str(error)) from None
    cache = None if args.no_cache else ImageEmbeddingCache()
    for warning in cache.warnings if cache is not None else ():
        say(f"warning: {warning}")
    options = {"batch_size": batch_size} if batch_size else {}
    precision = getattr(args, "precision", "auto")
    if precision == "auto":
        from clipdesk.clip.precision import default_precision

        precision = default_precision(device)
    try:
        return ZeroShotClassifier(args.model, device=device, precision=precision, image_cache=cache, **options)
    except KeyboardInterrupt:
        raise
    except Exception as error:  # noqa: BLE001 - unknown name, bad file, failed download: all one line
        raise UsageError(f"cannot load model {args.model!r}: {_one_line(error)}") from None


class StopRequest:
    """What Ctrl-C (SIGINT) or SIGTERM asked of a running command: the first one stops the run after
    the current batch (``is_set``); a second one aborts it at once, but only inside ``abortable()``,
    where the command is ready to save what is done -- never while results are being written."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._signum = signal.SIGINT
        self._abortable = False

    def is_set(self) -> bool:
        return self._event.is_set()

    @property
    def reason(self) -> str:
        return "Ctrl-C" if self._signum == signal.SIGINT else signal.Signals(self._signum).name

    @property
    def exit_code(self) -> int:
        """130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP: the shell's 128 + signal number."""
        return 128 + int(self._signum)

    @contextmanager
    def abortable(self) -> Iterator[None]:
        self._abortable = True
        try:
            yield
        finally:
            self._abortable = False

    @contextmanager
    def shielded(self) -> Iterator[None]:
        """Inside ``abortable()``, a stretch a second signal must not cut (rows being written)."""
        was, self._abortable = self._abortable, False
        try:
            yield
        finally:
            self._abortable = was

    def handle(self, signum: int, frame: FrameType | None) -> None:
        if self._event.is_set():
            if self._abortable:
                raise KeyboardInterrupt
            return  # finishing up (writing results): that takes a moment, let it complete
        self._signum = signum
        self._event.set()
        if _isatty(sys.stderr):
            try:
                sys.stderr.write("\n")  # off the progress bar's line
            except (OSError, ValueError):
                pass
        again = "Ctrl-C again" if signum == signal.SIGINT else "again"
        say(f"{self.reason}: stopping after the current batch… ({again} to quit at once)")


@contextmanager
def stop_on_interrupt() -> Iterator[StopRequest]:
    """While inside, SIGINT and SIGTERM become a :class:`StopRequest` (see there) instead of killing the
    process, so the command can stop cleanly and write what is done."""
    stop = StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield stop  # signals go to the main thread only; nothing to install
        return
    # SIGHUP: the terminal was closed -- as much a request to stop as SIGTERM; hours of work are kept.
    handled = [signal.SIGINT] + [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
    previous = {signum: signal.signal(signum, stop.handle) for signum in handled}
    try:
        yield stop
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def say_warnings(warnings: Sequence[str]) -> None:
    for warning in warnings[:MAX_LISTED_WARNINGS]:
        say(f"warning: {warning}")
    if len(warnings) > MAX_LISTED_WARNINGS:
        say(f"warning: … and {len(warnings) - MAX_LISTED_WARNINGS} more like these")


def encode_labels(classifier: ZeroShotClassifier, choice: LabelChoice, stop: StopRequest) -> bool:
    """Encode the label prompts before the first photo, with a bar once it takes over a second, and for
    a list beyond what a person can read a warning with the time it will take here (from the rate
    measured over its first second). Then the 77-token warnings, which encoding measured. False when a
    stop request came first (nothing was labelled; the labels done stay encoded in memory only)."""
    from clipdesk.cli.progress import ProgressBar
    from clipdesk.labeling.labels import HUGE_LABEL_COUNT, is_huge_label_list
    from clipdesk.labeling.pacing import timed

    warned = not is_huge_label_list(len(choice.labels))
    elapsed = timed()

    def progress(done: int, total: int) -> None:
        nonlocal warned
        bar.update(done, total)
        rate = classifier.text_rate
        if not warned and rate and (elapsed() >= HUGE_LIST_ESTIMATE_AFTER_S or done >= total):
            warned = True
            if _isatty(sys.stderr):
                sys.stderr.write("\r\x1b[K")  # the warning goes above the bar, not into it
            say(f"warning: {len(choice.labels):,} labels is far beyond what anyone reads (over "
                f"{HUGE_LABEL_COUNT:,}); encoding them takes about {_duration((total - done) / rate)} "
                f"on this machine ({rate:,.0f} labels/s measured). Ctrl-C stops.")

    with ProgressBar("Encoding labels", unit="labels", after_s=PROGRESS_AFTER_S) as bar:
        features = classifier.text_features(choice.labels, choice.templates, stop.is_set, progress)
    if features is None:
        return False
    say_warnings(classifier.check_labels(choice.labels, choice.templates).warnings)
    return True


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


def say(line: str) -> None:
    """A line on stderr; a terminal that went away (SIGHUP, EIO) must not stop the run saving its work."""
    try:
        print(f"clipdesk: {line}", file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


def _isatty(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError):
        return False


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__
