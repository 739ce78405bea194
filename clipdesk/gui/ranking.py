"""Which photos get ranked, under which labels, and what the window says about it: the debounced
re-rank after an edit, Label All, Cancel, and the worker's rank reports (progress, batches, outcome).

Every result is stored with the ``Signature`` it was computed under, so results of other labels, a
template, a model, a device or a precision that are no longer on screen are dimmed, never shown as
current; and only the current rank job's reports arrive here (``WorkerClient`` drops the rest).

It is handed the worker client, the model's state, the photo list, the settings, the status bar and a
function that reads the prompts on screen; what the window should redraw it says by signals.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QLocale, QObject, QTimer, Signal

from clipdesk.gui.image_list import PhotoListModel
from clipdesk.gui.jobs import JobDone, JobFailed, JobKind, JobProgress, LabelsChecked, RankBatch, RankRequest
from clipdesk.gui.model_control import READY, ModelControl
from clipdesk.gui.settings import Settings
from clipdesk.gui.status_bar import ActivityStatusBar
from clipdesk.gui.worker_client import WorkerClient
from clipdesk.labeling.photo_session import Signature

# The labels and the templates on screen, as typed.
Prompts = Callable[[], tuple[list[str], tuple[str, ...]]]

RERANK_DELAY_MS = 350  # typing pauses this long before photos are re-ranked


class RankControl(QObject):
    results_changed = Signal()  # which results are current changed: redraw the results and counts
    photos_ranked = Signal(list)  # paths that just got results
    labels_truncated = Signal(set, int)  # labels too long for the model, its context length (-1: unchanged)
    labels_needed = Signal()  # Label All without labels: the label entry should get the focus

    def __init__(self, client: WorkerClient, model: ModelControl, photos: PhotoListModel, settings: Settings,
                 status: ActivityStatusBar, prompts: Prompts, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._client, self._model, self._photos = client, model, photos
        self._settings, self._status, self._prompts = settings, status, prompts
        self._job: int | None = None
        self._signature: Signature | None = None  # what the current job computes under
        self._checked_prompts: tuple[tuple[str, ...], tuple[str, ...], str] | None = None
        self.timer = QTimer(self, singleShot=True, interval=RERANK_DELAY_MS)
        self.timer.timeout.connect(self.request_rank)

        model.ready.connect(self.request_rank)
        model.state_changed.connect(self.on_model_state_changed)
        client.ranked.connect(self.on_ranked)
        client.labels_checked.connect(self.on_labels_checked)
        client.progress.connect(self.on_progress)
        client.errored.connect(self.on_errored)
        client.finished.connect(self.on_finished)

    # -- what to rank ----------------------------------------------------------------------------
    def schedule(self) -> None:
        """Labels or the template changed: re-rank once typing pauses."""
        self.timer.start()

    def current_signature(self) -> Signature | None:
        """What results should be computed under now; None without labels."""
        from clipdesk.labeling.labels import clean_labels

        typed, templates = self._prompts()
        labels = clean_labels(typed).labels
        if not labels:
            return None
        settings = self._settings
        return Signature(settings.model, f"{settings.device}/{settings.precision}", tuple(labels), templates)

    def request_rank(self, force: bool = False) -> None:
        """Rank photos without results for the current labels (every photo when ``force``)."""
        self.timer.stop()
        signature = self.current_signature()
        self._photos.set_current_signature(signature)
        self.results_changed.emit()
        if signature is None or self._model.state != READY:
            if self._job is not None:  # nothing to rank for (labels gone) or with (model changing)
                self._job = None
                if self._client.cancel(JobKind.RANK) and signature is None:
                    self._status.clear_activity()
            self.check_labels(signature)
            return
        paths = self._photos.paths() if force else self._photos.paths_needing(signature)
        if not paths:
            self.check_labels(signature)
            return
        request = RankRequest(tuple(paths), signature.labels, signature.templates, self._settings.batch_size)
        self._signature = signature
        self._job = self._client.rank(request)
        self._status.set_activity(self.tr("Labelling photos…"), 0, len(paths), cancellable=True)

    def on_model_state_changed(self) -> None:
        """Another model is loading, or failed: results of the previous one are dimmed as out of date
        (they are re-ranked when the new model is ready), never shown as if this model made them."""
        self._photos.set_current_signature(self.current_signature())
        self.results_changed.emit()

    def label_all(self) -> None:
        """Ctrl+Return: (re-)rank every photo under the labels on screen."""
        if self.current_signature() is None:
            self._status.flash(self.tr("Add at least one label first"))
            self.labels_needed.emit()
            return
        if not self._photos.rowCount():
            self._status.flash(self.tr("Add photos first: drop them on the window or press Ctrl+O"))
            return
        if self._model.state != READY:
            self._status.flash(self.tr("The model is not ready yet"))
            return
        self.request_rank(force=True)

    def cancel_work(self) -> None:
        """Escape: stop labelling (what is done stays) or a download."""
        if self._client.cancel(JobKind.RANK) | self._client.cancel(JobKind.DOWNLOAD):
            self._job = None
            done, failed = self._photos.counts()
            self._status.clear_activity(self.tr("Cancelled. %n photo(s) labelled so far.", "", done + failed))
            self.results_changed.emit()

    def check_labels(self, signature: Signature | None) -> None:
        """Flag labels too long for the model even when nothing is ranked (ranking checks them too)."""
        prompts = None if signature is None else (signature.labels, signature.templates, signature.model)
        if prompts == self._checked_prompts:
            return
        self._checked_prompts = prompts
        if prompts is None:
            self.labels_truncated.emit(set(), -1)
        else:
            self._client.check_labels(*prompts)

    # -- worker reports --------------------------------------------------------------------------
    def on_ranked(self, batch: RankBatch) -> None:
        if self._signature is None:
            return
        self._photos.set_predictions(batch.predictions, self._signature)
        self.photos_ranked.emit([prediction.path for prediction in batch.predictions])

    def on_labels_checked(self, checked: LabelsChecked) -> None:
        self.labels_truncated.emit(set(checked.truncated), checked.context_length)

    def on_progress(self, progress: JobProgress) -> None:
        if progress.kind != JobKind.RANK or progress.job_id != self._job:
            return
        if progress.phase == "labels":
            text = self.labels_progress_text(progress)
        else:
            text = self.tr("Labelling photos… %1 of %2").replace("%1", str(progress.done)).replace(
                "%2", str(progress.total))
        self._status.set_activity(text, progress.done, progress.total, cancellable=True)

    def labels_progress_text(self, progress: JobProgress) -> str:
        """"Preparing labels… 1,200 of 5,000"; for a list beyond what anyone reads, a warning with the
        time it takes on this machine, from the rate measured so far."""
        from clipdesk.labeling.labels import HUGE_LABEL_COUNT, is_huge_label_list

        locale = QLocale()
        text = self.tr("Preparing labels… %1 of %2").replace("%1", locale.toString(progress.done)).replace(
            "%2", locale.toString(progress.total))
        if is_huge_label_list(progress.total) and progress.rate:
            minutes = max(1, round((progress.total - progress.done) / progress.rate / 60))
            text = self.tr("%1 labels is far more than anyone reads (over %2): preparing them takes about "
                           "%n minute(s) more on this computer. Cancel stops.", "", minutes).replace(
                "%1", locale.toString(progress.total)).replace("%2", locale.toString(HUGE_LABEL_COUNT))
        return text

    def on_errored(self, failure: JobFailed) -> None:
        if failure.kind == JobKind.RANK:
            self._status.clear_activity(self.tr("Could not label the photos: %1").replace(
                "%1", failure.message))

    def on_finished(self, done: JobDone) -> None:
        if done.kind != JobKind.RANK or done.job_id != self._job:
            return
        self._job = None
        if not done.cancelled:
            self._status.clear_activity(self.idle_summary())

    def idle_summary(self) -> str:
        """The status line while nothing runs: how the photos fared, or that the model is ready."""
        labelled, failed = self._photos.counts()
        if not labelled and not failed:
            return self.tr("Ready")
        text = self.tr("Labelled %n photo(s).", "", labelled)
        if failed:
            text += " " + self.tr("%n could not be read: hover the red badge to see why.", "", failed)
        return text
