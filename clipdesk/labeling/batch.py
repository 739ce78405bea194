"""Labelling whole folders: find the images, rank them, time it, keep what finished if stopped.

Synchronous, reporting through plain callbacks (``on_progress(done, total)``, ``should_stop()``), so the
CLI drives it from the main thread and the window from its worker thread alike. Even a hard interrupt
(a second Ctrl-C) keeps the finished batches: they travel on the :class:`RunInterrupted` it becomes.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from clipdesk.labeling.classifier import ProgressCallback, StopCallback, ZeroShotClassifier
from clipdesk.labeling.files import iter_image_files
from clipdesk.labeling.predictions import Prediction


@dataclass(frozen=True)
class BatchResult:
    """Everything an export or a summary line needs about one run."""

    predictions: tuple[Prediction, ...]  # one per file attempted, in file order
    labels: tuple[str, ...]  # cleaned, in the user's order (the CSV column order)
    templates: tuple[str, ...]
    model: str
    total: int  # files found; more than len(predictions) when the run was stopped
    cancelled: bool
    seconds: float
    warnings: tuple[str, ...] = ()  # label clean-up and cache messages, for the user

    @property
    def labelled(self) -> int:
        return sum(1 for p in self.predictions if p.error is None)

    @property
    def failed(self) -> int:
        return sum(1 for p in self.predictions if p.error is not None)


def label_files(classifier: ZeroShotClassifier, paths: Iterable[str | os.PathLike[str]],
                labels: Sequence[str], templates: Sequence[str] | None = None, recursive: bool = False,
                on_progress: ProgressCallback | None = None,
                should_stop: StopCallback | None = None) -> BatchResult:
    """Rank ``labels`` for every image in ``paths`` (files and folders, see :func:`iter_image_files`).
    Per-file failures are in the predictions, and so is each folder that could not be read (first);
    raises ValueError only for unusable labels or templates, before any work."""
    files, unreadable = find_files(paths, recursive)
    return with_unreadable(run_batch(classifier, files, labels, templates, on_progress, should_stop), unreadable)


def with_unreadable(result: BatchResult, unreadable: Sequence[Prediction]) -> BatchResult:
    """``result`` with the folders that could not be read as failed predictions, first."""
    return replace(result, predictions=(*unreadable, *result.predictions), total=result.total + len(unreadable))


def find_files(paths: Iterable[str | os.PathLike[str]], recursive: bool = False
               ) -> tuple[list[Path], list[Prediction]]:
    """:func:`iter_image_files`, plus a failed result for every folder that could not be read."""
    unreadable: list[Prediction] = []

    def report(folder: Path, reason: str) -> None:
        unreadable.append(Prediction.failed(str(folder), reason))

    return iter_image_files(paths, recursive, on_unreadable=report), unreadable


def run_batch(classifier: ZeroShotClassifier, files: Sequence[str | os.PathLike[str]], labels: Sequence[str],
              templates: Sequence[str] | None = None, on_progress: ProgressCallback | None = None,
              should_stop: StopCallback | None = None, keep: int | None = None) -> BatchResult:
    """Like :func:`label_files` for an exact list of files (no folder expansion), e.g. one the caller
    has already discovered and shown to the user. Holds every prediction: for a run too big for
    memory, :func:`stream_batch` hands each batch on instead."""
    predictions: list[Prediction] = []
    try:
        summary = stream_batch(classifier, files, labels, templates, predictions.extend, on_progress,
                               should_stop, keep)
    except RunInterrupted as interrupted:
        raise RunInterrupted(interrupted.summary, _with_predictions(interrupted.summary, predictions)) from None
    return _with_predictions(summary, predictions)


@dataclass(frozen=True)
class RunSummary:
    """What a summary line needs about a streamed run, without its predictions."""

    labels: tuple[str, ...]
    templates: tuple[str, ...]
    model: str
    total: int
    done: int  # files attempted (labelled + failed)
    failures: tuple[Prediction, ...]  # the failed ones, in file order
    cancelled: bool
    seconds: float
    warnings: tuple[str, ...] = ()

    @property
    def labelled(self) -> int:
        return self.done - len(self.failures)

    @property
    def failed(self) -> int:
        return len(self.failures)


def stream_batch(classifier: ZeroShotClassifier, files: Sequence[str | os.PathLike[str]], labels: Sequence[str],
                 templates: Sequence[str] | None, on_batch: Callable[[list[Prediction]], None],
                 on_progress: ProgressCallback | None = None, should_stop: StopCallback | None = None,
                 keep: int | None = None) -> RunSummary:
    """Rank ``labels`` for ``files`` and hand each finished batch to ``on_batch`` (e.g. a results file
    being written), keeping only the failures: memory stays that of one batch however many photos.
    ``keep``: the most probable labels kept per photo (None: all). A KeyboardInterrupt becomes a
    :class:`RunInterrupted` carrying the summary of the batches handed on."""
    checked = classifier.check_labels(labels, templates)
    if not checked.labels:
        raise ValueError("no labels to rank: give at least one non-blank label")
    template_list = classifier.templates_or_default(templates)
    start = time.perf_counter()
    done = 0
    failures: list[Prediction] = []

    def summary() -> RunSummary:
        cache_warnings = classifier.image_cache.warnings if classifier.image_cache is not None else ()
        return RunSummary(
            labels=checked.labels, templates=template_list, model=classifier.model_name, total=len(files),
            done=done, failures=tuple(failures), cancelled=done < len(files),
            seconds=time.perf_counter() - start, warnings=checked.warnings + tuple(cache_warnings),
        )

    if on_progress:
        on_progress(0, len(files))
    try:
        for batch in classifier.iter_batches(files, checked.labels, template_list, should_stop, keep):
            done += len(batch)
            failures.extend(p for p in batch if p.error is not None)
            on_batch(batch)  # a front end that must not be interrupted in here shields it
            if on_progress:
                on_progress(done, len(files))
    except KeyboardInterrupt as interrupt:
        raise RunInterrupted(summary()) from interrupt
    return summary()


def _with_predictions(summary: RunSummary, predictions: Sequence[Prediction]) -> BatchResult:
    return BatchResult(
        predictions=tuple(predictions[:summary.done]), labels=summary.labels, templates=summary.templates,
        model=summary.model, total=summary.total, cancelled=summary.cancelled, seconds=summary.seconds,
        warnings=summary.warnings,
    )


class RunInterrupted(KeyboardInterrupt):
    """A KeyboardInterrupt in the middle of a batch run, carrying what finished before it (marked
    cancelled), so a front end can still save it: ``summary`` always, ``result`` (every prediction)
    from :func:`run_batch`."""

    def __init__(self, summary: RunSummary, result: BatchResult | None = None) -> None:
        super().__init__()
        self.summary = summary
        self.result = result
