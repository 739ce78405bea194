"""The one background worker: model loading, downloads, imports and ranking, off the GUI thread.

``Worker`` is a plain ``QObject`` moved to one ``QThread`` (Qt's worker-object pattern). Requests come
in as queued signals from ``WorkerClient`` and run one at a time in arrival order; results go out as
frozen dataclasses carrying the job id they belong to. Cancel is a ``threading.Event`` per job, checked
between batches through the service's ``should_stop`` callback — the GUI sets it directly, so it works
while a job is running. torch and the labeling service are imported here, lazily, on the worker thread,
so the window is on screen before torch is loaded.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from clipdesk.defaults import WINDOW_BATCH_SIZE
from clipdesk.gui import services

if TYPE_CHECKING:
    from clipdesk.labeling.predictions import Prediction


@dataclass(frozen=True)
class Job:
    """A request's identity and its cancel switch (shared by the GUI thread and the worker)."""

    id: int
    kind: str  # "load", "rank", "check", "download", "import", "search"
    cancel: threading.Event = field(default_factory=threading.Event, compare=False, repr=False)

    @property
    def cancelled(self) -> bool:
        return self.cancel.is_set()


@dataclass(frozen=True)
class ModelRequest:
    model: str  # a registry name or a checkpoint path
    device: str = "auto"
    precision: str = "fast"
    batch_size: int = WINDOW_BATCH_SIZE


@dataclass(frozen=True)
class RankRequest:
    paths: tuple[str, ...]
    labels: tuple[str, ...]
    templates: tuple[str, ...]
    batch_size: int = WINDOW_BATCH_SIZE


@dataclass(frozen=True)
class SearchRequest:
    """Order ``paths`` by how well they match ``text`` (words) or the photo ``like``."""

    paths: tuple[str, ...]
    text: str = ""
    like: str = ""


@dataclass(frozen=True)
class DuplicatesRequest:
    paths: tuple[str, ...]
    min_similarity: float = 0.95


# ---- what comes out (all frozen, all tagged with their job id) -------------------------------------
@dataclass(frozen=True)
class JobProgress:
    job_id: int
    kind: str
    done: int
    total: int  # 0 when unknown (a server that sends no size)
    phase: str = ""  # a rank job: "labels" while the label prompts are encoded, then "photos"
    rate: float | None = None  # items per second measured so far, when the job knows it
    source: str = ""  # a download: the server it is coming from


@dataclass(frozen=True)
class ModelReady:
    job_id: int
    model: str  # what the user asked for (name or path)
    display_name: str  # short name for the status bar
    device: str  # "CPU", "NVIDIA GeForce …", "Apple MPS"
    family: services.FamilyInfo = field(default_factory=lambda: services.family_info(None))


@dataclass(frozen=True)
class ModelMissing:
    """The asked-for registry model is not in the cache yet: the first-run dialog takes over."""

    job_id: int
    model: str  # the registry name
    size: int | None  # bytes to download, when known
    partial: int  # bytes of a resumable ``.part`` already on disk
    sources: tuple[str, ...] = ()  # the servers a download tries, in order


@dataclass(frozen=True)
class RankBatch:
    job_id: int
    request: RankRequest
    predictions: tuple[Prediction, ...]


@dataclass(frozen=True)
class SearchDone:
    job_id: int
    request: SearchRequest
    scores: dict[str, float]  # cosine similarity per photo that could be read
    seconds: float  # ranking the photos, after the query was encoded


@dataclass(frozen=True)
class DuplicatesDone:
    job_id: int
    request: DuplicatesRequest
    groups: tuple[tuple[tuple[str, float], ...], ...]  # (path, similarity to the group's first photo)


@dataclass(frozen=True)
class LabelsChecked:
    """Labels the model had to cut at its context, and other notes on the label list."""

    job_id: int
    truncated: tuple[str, ...]
    warnings: tuple[str, ...]
    context_length: int = 77  # the tokens the model reads, which the truncated labels exceed


@dataclass(frozen=True)
class WeightsReady:
    """A download or an import finished: ``model`` is now in the cache."""

    job_id: int
    model: str


@dataclass(frozen=True)
class JobFailed:
    job_id: int
    kind: str
    message: str  # one readable line
    topic: str = "other"  # "device" or "other": which next step to offer (services.error_topic)


@dataclass(frozen=True)
class JobDone:
    job_id: int
    kind: str
    cancelled: bool


class Worker(QObject):
    """Lives on the worker thread; owns the classifier. Every slot reports ``finished`` exactly once."""

    progress = Signal(object)  # JobProgress
    model_ready = Signal(object)  # ModelReady
    model_missing = Signal(object)  # ModelMissing
    ranked = Signal(object)  # RankBatch
    labels_checked = Signal(object)  # LabelsChecked
    weights_ready = Signal(object)  # WeightsReady
    searched = Signal(object)  # SearchDone
    grouped = Signal(object)  # DuplicatesDone
    errored = Signal(object)  # JobFailed
    finished = Signal(object)  # JobDone

    def __init__(self) -> None:
        super().__init__()
        self._classifier: Any = None
        self._embeddings: dict[str, tuple[tuple[int, int], Any]] = {}  # path -> (size, mtime), embedding
        self._classifier_model = ""  # the name or path it was loaded as
        self._last_step: tuple[int, str, int] | None = None

    # -- slots (queued from the GUI thread) ----------------------------------------------------
    @Slot(object, object)
    def load_model(self, job: Job, request: ModelRequest) -> None:
        self._run(job, self._load_model, request)

    @Slot(object, object)
    def rank(self, job: Job, request: RankRequest) -> None:
        self._run(job, self._rank, request)

    @Slot(object, object, object, str)
    def check_labels(self, job: Job, labels: tuple[str, ...], templates: tuple[str, ...], model: str) -> None:
        self._run(job, self._check_labels, labels, templates, model)

    @Slot(object, object)
    def search(self, job: Job, request: SearchRequest) -> None:
        self._run(job, self._search, request)

    @Slot(object, object)
    def group_duplicates(self, job: Job, request: DuplicatesRequest) -> None:
        self._run(job, self._group_duplicates, request)

    @Slot(object, str)
    def download(self, job: Job, model: str) -> None:
        self._run(job, self._download, model)

    @Slot(object, str)
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


class WorkerClient(QObject):
    """The GUI-thread side: owns the thread, numbers jobs, cancels superseded ones, drops stale results.

    Only results of the *current* job of each kind reach the window; anything a cancelled or replaced
    job still sends afterwards is discarded here, so a view can never show results for labels or a
    model that are no longer on screen.
    """

    # requests, queued to the worker thread
    _load_requested = Signal(object, object)
    _rank_requested = Signal(object, object)
    _check_requested = Signal(object, object, object, str)
    _download_requested = Signal(object, str)
    _import_requested = Signal(object, str)
    _search_requested = Signal(object, object)
    _duplicates_requested = Signal(object, object)

    # filtered results for the window (same payloads as Worker's signals)
    progress = Signal(object)
    model_ready = Signal(object)
    model_missing = Signal(object)
    ranked = Signal(object)
    labels_checked = Signal(object)
    weights_ready = Signal(object)
    searched = Signal(object)
    grouped = Signal(object)
    errored = Signal(object)
    finished = Signal(object)
    activity_changed = Signal()  # a job started or ended: re-read ``active_kinds``

    SUPERSEDES = {"load": ("load", "rank", "search"), "rank": ("rank",), "check": ("check",),
                  "download": ("download",), "import": ("import",), "search": ("search",)}

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._next_id = 0
        self._live: dict[int, Job] = {}
        self._current: dict[str, int] = {}
        self._thread = QThread()
        self._thread.setObjectName("clipdesk-worker")
        self._worker = Worker()
        self._worker.moveToThread(self._thread)
        self._thread.finished.connect(self._worker.deleteLater)
        self._load_requested.connect(self._worker.load_model)
        self._rank_requested.connect(self._worker.rank)
        self._check_requested.connect(self._worker.check_labels)
        self._download_requested.connect(self._worker.download)
        self._import_requested.connect(self._worker.import_weights)
        self._search_requested.connect(self._worker.search)
        self._duplicates_requested.connect(self._worker.group_duplicates)
        # Bound methods of this QObject, so Qt queues each call onto the GUI thread.
        self._worker.progress.connect(self._on_progress)
        self._worker.model_ready.connect(self._on_model_ready)
        self._worker.model_missing.connect(self._on_model_missing)
        self._worker.ranked.connect(self._on_ranked)
        self._worker.labels_checked.connect(self._on_labels_checked)
        self._worker.weights_ready.connect(self._on_weights_ready)
        self._worker.searched.connect(self._on_searched)
        self._worker.grouped.connect(self._on_grouped)
        self._worker.errored.connect(self._on_errored)
        self._worker.finished.connect(self._on_finished)
        self._thread.start()

    @property
    def thread(self) -> QThread:
        return self._thread

    # -- submitting ----------------------------------------------------------------------------
    def load_model(self, request: ModelRequest) -> int:
        job = self._new_job("load")
        self._load_requested.emit(job, request)
        return job.id

    def rank(self, request: RankRequest) -> int:
        job = self._new_job("rank")
        self._rank_requested.emit(job, request)
        return job.id

    def check_labels(self, labels: tuple[str, ...], templates: tuple[str, ...], model: str = "") -> int:
        """Find labels too long for ``model``'s context without ranking anything (no photos yet)."""
        job = self._new_job("check")
        self._check_requested.emit(job, labels, templates, model)
        return job.id

    def search(self, request: SearchRequest) -> int:
        job = self._new_job("search")
        self._search_requested.emit(job, request)
        return job.id

    def group_duplicates(self, request: DuplicatesRequest) -> int:
        job = self._new_job("search")  # one ordering of the grid at a time: a grouping replaces a search
        self._duplicates_requested.emit(job, request)
        return job.id

    def download(self, model: str) -> int:
        job = self._new_job("download")
        self._download_requested.emit(job, model)
        return job.id

    def import_weights(self, path: str) -> int:
        job = self._new_job("import")
        self._import_requested.emit(job, path)
        return job.id

    def _new_job(self, kind: str) -> Job:
        for superseded in self.SUPERSEDES[kind]:
            self.cancel(superseded)
        self._next_id += 1
        job = Job(self._next_id, kind)
        self._live[job.id] = job
        self._current[kind] = job.id
        self.activity_changed.emit()
        return job

    # -- cancelling and state ------------------------------------------------------------------
    def cancel(self, kind: str | None = None) -> bool:
        """Cancel the current job of ``kind`` (every job when None); True if one was running."""
        kinds = [kind] if kind else list(self._current)
        cancelled = False
        for each in kinds:
            job_id = self._current.pop(each, None)
            job = self._live.get(job_id) if job_id is not None else None
            if job is not None:
                job.cancel.set()
                cancelled = True
        if cancelled:
            self.activity_changed.emit()
        return cancelled

    def active_kinds(self) -> tuple[str, ...]:
        """Kinds with a current, unfinished job, in submission order."""
        return tuple(kind for kind, job_id in sorted(self._current.items(), key=lambda item: item[1])
                     if job_id in self._live)

    def is_current(self, job_id: int) -> bool:
        job = self._live.get(job_id)
        return job is not None and self._current.get(job.kind) == job_id and not job.cancelled

    def shutdown(self, timeout_ms: int = 2000) -> bool:
        """Cancel everything and stop the thread; False if it did not stop within ``timeout_ms``."""
        for job in self._live.values():
            job.cancel.set()
        self._current.clear()
        self._thread.quit()
        return self._thread.wait(timeout_ms)

    # -- filtering -----------------------------------------------------------------------------
    def _forward(self, signal: Any, payload: Any) -> None:
        if self.is_current(payload.job_id):
            signal.emit(payload)

    @Slot(object)
    def _on_progress(self, payload: JobProgress) -> None:
        self._forward(self.progress, payload)

    @Slot(object)
    def _on_model_ready(self, payload: ModelReady) -> None:
        self._forward(self.model_ready, payload)

    @Slot(object)
    def _on_model_missing(self, payload: ModelMissing) -> None:
        self._forward(self.model_missing, payload)

    @Slot(object)
    def _on_ranked(self, payload: RankBatch) -> None:
        self._forward(self.ranked, payload)

    @Slot(object)
    def _on_labels_checked(self, payload: LabelsChecked) -> None:
        self._forward(self.labels_checked, payload)

    @Slot(object)
    def _on_weights_ready(self, payload: WeightsReady) -> None:
        self._forward(self.weights_ready, payload)

    @Slot(object)
    def _on_searched(self, payload: SearchDone) -> None:
        self._forward(self.searched, payload)

    @Slot(object)
    def _on_grouped(self, payload: DuplicatesDone) -> None:
        self._forward(self.grouped, payload)

    @Slot(object)
    def _on_errored(self, payload: JobFailed) -> None:
        self._forward(self.errored, payload)

    @Slot(object)
    def _on_finished(self, done: JobDone) -> None:
        was_current = self.is_current(done.job_id)
        self._live.pop(done.job_id, None)
        if self._current.get(done.kind) == done.job_id:
            del self._current[done.kind]
        if was_current:
            self.finished.emit(done)
        self.activity_changed.emit()
