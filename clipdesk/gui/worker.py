"""The one background worker: model loading, downloads, imports, ranking and search, off the GUI thread.

``Worker`` is a plain ``QObject`` moved to one ``QThread`` (Qt's worker-object pattern) by
``WorkerClient``. Requests come in as queued signals and run one at a time in arrival order; results go
out as the frozen dataclasses of ``jobs.py``. Cancel is a ``threading.Event`` per job, checked between
batches through the service's ``should_stop`` callback -- the GUI sets it directly, so it works while a
job is running. torch and the labeling service are imported here, lazily, on the worker thread, so the
window is on screen before torch is loaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from clipdesk.gui import services
from clipdesk.gui.jobs import (
    DuplicatesDone,
    DuplicatesRequest,
    Job,
    JobDone,
    JobFailed,
    JobProgress,
    LabelsChecked,
    ModelMissing,
    ModelReady,
    ModelRequest,
    RankBatch,
    RankRequest,
    SearchDone,
    SearchRequest,
    WeightsReady,
)


class WorkerReports(QObject):
    """The reports a worker sends, one signal per kind of report (``jobs.py``). ``Worker`` sends them
    all; ``WorkerClient`` re-sends those of current jobs to the window under the same names."""

    progress = Signal(JobProgress)
    model_ready = Signal(ModelReady)
    model_missing = Signal(ModelMissing)
    ranked = Signal(RankBatch)
    labels_checked = Signal(LabelsChecked)
    weights_ready = Signal(WeightsReady)
    searched = Signal(SearchDone)
    grouped = Signal(DuplicatesDone)
    errored = Signal(JobFailed)
    finished = Signal(JobDone)


# Which of WorkerReports' signals carries each kind of report (``finished`` is handled on its own).
REPORT_SIGNALS: dict[type, str] = {
    JobProgress: "progress", ModelReady: "model_ready", ModelMissing: "model_missing", RankBatch: "ranked",
    LabelsChecked: "labels_checked", WeightsReady: "weights_ready", SearchDone: "searched",
    DuplicatesDone: "grouped", JobFailed: "errored",
}


class Worker(WorkerReports):
    """Lives on the worker thread; owns the classifier. Every slot reports ``finished`` exactly once."""

    def __init__(self) -> None:
        super().__init__()
        self._classifier: Any = None
        self._embeddings: dict[str, tuple[tuple[int, int], Any]] = {}  # path -> (size, mtime), embedding
        self._classifier_model = ""  # the name or path it was loaded as
        self._last_step: tuple[int, str, int] | None = None

    # -- slots (queued from the GUI thread) ----------------------------------------------------
    @Slot(Job, ModelRequest)
    def load_model(self, job: Job, request: ModelRequest) -> None:
        self._run(job, self._load_model, request)

    @Slot(Job, RankRequest)
    def rank(self, job: Job, request: RankRequest) -> None:
        self._run(job, self._rank, request)

    @Slot(Job, tuple, tuple, str)
    def check_labels(self, job: Job, labels: tuple[str, ...], templates: tuple[str, ...], model: str) -> None:
        self._run(job, self._check_labels, labels, templates, model)

    @Slot(Job, SearchRequest)
    def search(self, job: Job, request: SearchRequest) -> None:
        self._run(job, self._search, request)

    @Slot(Job, DuplicatesRequest)
    def group_duplicates(self, job: Job, request: DuplicatesRequest) -> None:
        self._run(job, self._group_duplicates, request)

    @Slot(Job, str)
    def download(self, job: Job, model: str) -> None:
        self._run(job, self._download, model)

    @Slot(Job, str)
    def import_weights(self, job: Job, path: str) -> None:
        self._run(job, self._import, path)

    # -- job bodies ----------------------------------------------------------------------------
    def _run(self, job: Job, body: Any, *args: Any) -> None:
        """Run one job; any exception becomes one ``errored`` line, never a crash of the thread."""
        if not job.cancelled:
            try:
                body(job, *args)
            except Exception as error:  # noqa: BLE001 - the worker must survive anything
                self.errored.emit(JobFailed(job.id, job.kind, services.describe_error(error),
                                            services.error_topic(error)))
        self.finished.emit(JobDone(job.id, job.kind, job.cancelled))

    def _load_model(self, job: Job, request: ModelRequest) -> None:
        missing = services.missing_weights(request.model)
        self._classifier = None  # free the old model before loading the next one
        self._embeddings.clear()  # another model: other embeddings
        if missing is not None:
            self.model_missing.emit(ModelMissing(job.id, missing.name, missing.size, missing.partial,
                                                 missing.sources))
            return
        self._classifier = services.load_classifier(request.model, request.device, request.precision,
                                                  request.batch_size)
        self._classifier_model = request.model
        self.model_ready.emit(ModelReady(job.id, request.model, services.display_name(request.model),
                                         services.device_description(self._classifier),
                                         services.classifier_family(self._classifier)))

    def _rank(self, job: Job, request: RankRequest) -> None:
        if self._classifier is None:
            raise RuntimeError("the model is not loaded yet")
        classifier = self._classifier

        def labels_progress(done: int, total: int) -> None:
            self._report(job, done, total, phase="labels", rate=classifier.text_rate)

        truncated = services.encode_labels(classifier, request.labels, request.templates, job.cancel.is_set,
                                         labels_progress)
        if truncated is None:
            return  # cancelled while the labels were encoded
        self.labels_checked.emit(LabelsChecked(job.id, truncated, (), int(classifier.context_length)))
        total, done = len(request.paths), 0
        self._report(job, done, total, force=True, phase="photos")
        for predictions in services.rank_batches(self._classifier, request.paths, request.labels,
                                               request.templates, request.batch_size, job.cancel.is_set):
            done += len(predictions)
            self.ranked.emit(RankBatch(job.id, request, tuple(predictions)))
            self._report(job, done, total, phase="photos")

    def _search(self, job: Job, request: SearchRequest) -> None:
        """Encode the query, then one matrix product over the photos' embeddings (kept in memory per
        photo after the first search, read from the image cache before that)."""
        import time

        from clipdesk.labeling.similarity import rank_by_similarity

        if self._classifier is None:
            raise RuntimeError("the model is not loaded yet")
        classifier = self._classifier
        if request.text:
            query = classifier.text_features([request.text], ("{}",))[0].cpu()
        else:
            feature = classifier.image_features([request.like])[0]
            if isinstance(feature, str):
                raise ValueError(feature)
            query = feature
        if job.cancelled:
            return
        paths, embeddings = self._embeddings_of(request.paths, job)
        if job.cancelled:
            return
        start = time.perf_counter()
        matches = rank_by_similarity(query, embeddings, paths) if paths else []
        self.searched.emit(SearchDone(job.id, request, {m.path: m.score for m in matches},
                                      time.perf_counter() - start))

    def _group_duplicates(self, job: Job, request: DuplicatesRequest) -> None:
        from clipdesk.labeling.similarity import near_duplicate_groups

        if self._classifier is None:
            raise RuntimeError("the model is not loaded yet")
        paths, embeddings = self._embeddings_of(request.paths, job)
        if job.cancelled:
            return
        groups = near_duplicate_groups(embeddings, paths, request.min_similarity) if paths else []
        self.grouped.emit(DuplicatesDone(job.id, request, tuple(tuple((m.path, m.score) for m in group)
                                                                for group in groups)))

    def _embeddings_of(self, paths: tuple[str, ...], job: Job) -> tuple[list[str], Any]:
        import os

        import torch

        def stamp(path: str) -> tuple[int, int] | None:
            try:
                info = os.stat(path)
            except OSError:
                return None
            return info.st_size, info.st_mtime_ns

        stamps = {path: stamp(path) for path in paths}
        missing = [p for p in paths if stamps[p] is not None and self._embeddings.get(p, (None,))[0] != stamps[p]]
        for start in range(0, len(missing), 256):
            if job.cancelled:
                break
            chunk = missing[start:start + 256]
            for path, feature in zip(chunk, self._classifier.image_features(chunk)):
                if not isinstance(feature, str):
                    self._embeddings[path] = (stamps[path], feature.float())
            self._report(job, start + len(chunk), len(missing))
        known = [p for p in paths if p in self._embeddings and self._embeddings[p][0] == stamps[p]]
        if not known:
            return [], torch.empty(0, 1)
        return known, torch.stack([self._embeddings[p][1] for p in known])

    def _check_labels(self, job: Job, labels: tuple[str, ...], templates: tuple[str, ...], model: str) -> None:
        """Only the tokenizer: labels too long for ``model`` are flagged before any photo is ranked
        (the loaded model's own context when it is that model, else its family's)."""
        if self._classifier is not None and self._classifier_model == model:
            family = services.classifier_family(self._classifier)
        else:
            family = services.family_of_model(model) or services.family_info(None)
        truncated = services.truncated_labels(labels, templates, family, job.cancel.is_set)
        if truncated is not None:
            self.labels_checked.emit(LabelsChecked(job.id, truncated, (), family.context_length))

    def _download(self, job: Job, model: str) -> None:
        source = ""

        def on_source(host: str) -> None:
            nonlocal source
            source = host
            self._report(job, 0, 0, force=True, source=host)

        finished = services.download(model, on_progress=lambda done, total: self._report(job, done, total or 0,
                                                                                         source=source),
                                   should_stop=job.cancel.is_set, on_source=on_source)
        if finished:
            self.weights_ready.emit(WeightsReady(job.id, model))

    def _import(self, job: Job, path: str) -> None:
        name = services.import_weights(Path(path), on_progress=lambda done, total: self._report(job, done, total or 0))
        self.weights_ready.emit(WeightsReady(job.id, name))

    def _report(self, job: Job, done: int, total: int, force: bool = False, phase: str = "",
                rate: float | None = None, source: str = "") -> None:
        """Emit progress when it moved by at least 0.1 % (or 1 MiB when the total is unknown): a
        bounded number of signals per job, and the last one is never far from the truth."""
        step = (job.id, phase, done * 1000 // total if total > 0 else done >> 20)
        if force or step != self._last_step:
            self._last_step = step
            self.progress.emit(JobProgress(job.id, job.kind, done, total, phase, rate, source))
