"""Which photos get ranked, under which labels, and what the window says about it: the debounced
re-rank after an edit, Label All, Cancel, and the worker's rank reports (progress, batches, outcome).

Every result is stored with the ``Signature`` it was computed under, so results of other labels, a
template, a model, a device or a precision that are no longer on screen are dimmed, never shown as
current; and only the current rank job's reports arrive here (``WorkerClient`` drops the rest).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from clipdesk.gui.image_list import Signature
from clipdesk.gui.label_editor import split_labels
from clipdesk.gui.model_control import READY
from clipdesk.gui.worker import JobDone, JobFailed, JobProgress, LabelsChecked, RankBatch, RankRequest

if TYPE_CHECKING:
    from clipdesk.gui.main_window import MainWindow

RERANK_DELAY_MS = 350  # typing pauses this long before photos are re-ranked


class RankControl(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self._job: int | None = None
        self._signature: Signature | None = None  # what the current job computes under
        self._checked_prompts: tuple[tuple[str, ...], tuple[str, ...], str] | None = None
        self.timer = QTimer(self, singleShot=True, interval=RERANK_DELAY_MS)
        self.timer.timeout.connect(self.request_rank)

    def connect_worker(self) -> None:
        window = self.window
        window.model.ready.connect(self.request_rank)
        window.model.state_changed.connect(self.on_model_state_changed)
        client = window.client
        client.ranked.connect(self.on_ranked)
        client.labels_checked.connect(self.on_labels_checked)
        client.progress.connect(self.on_progress)
        client.errored.connect(self.on_errored)
        client.finished.connect(self.on_finished)
        client.activity_changed.connect(self.update_activity_actions)

    # -- what to rank ----------------------------------------------------------------------------
    def schedule(self) -> None:
        """Labels or the template changed: re-rank once typing pauses."""
        self.timer.start()

    def current_signature(self) -> Signature | None:
        """What results should be computed under now; None without labels."""
        from clipdesk.labeling.labels import clean_labels

        window = self.window
        labels = clean_labels(window.labels_pane.editor.labels()).labels
        if not labels:
            return None
        settings = window.settings
        return Signature(settings.model, f"{settings.device}/{settings.precision}", tuple(labels),
                         window.labels_pane.templates.templates())

    def request_rank(self, force: bool = False) -> None:
        """Rank photos without results for the current labels (every photo when ``force``)."""
        window = self.window
        self.timer.stop()
        signature = self.current_signature()
        window.photos.set_current_signature(signature)
        window.update_results_pane()
        if signature is None or window.model.state != READY:
            if self._job is not None:  # nothing to rank for (labels gone) or with (model changing)
                self._job = None
                if window.client.cancel("rank") and signature is None:
                    window.status.clear_activity()
            self.check_labels(signature)
            return
        paths = window.photos.paths() if force else window.photos.paths_needing(signature)
        if not paths:
            self.check_labels(signature)
            return
        request = RankRequest(tuple(paths), signature.labels, signature.templates, window.settings.batch_size)
        self._signature = signature
        self._job = window.client.rank(request)
        window.status.set_activity(self.tr("Labelling photos…"), 0, len(paths), cancellable=True)

    def on_model_state_changed(self) -> None:
        """Another model is loading, or failed: results of the previous one are dimmed as out of date
        (they are re-ranked when the new model is ready), never shown as if this model made them."""
        window = self.window
        window.photos.set_current_signature(self.current_signature())
        window.update_counts()
        window.update_results_pane()

    def label_all(self) -> None:
        """Ctrl+Return: add what is typed in the label entry, then (re-)rank every photo."""
        window = self.window
        editor = window.labels_pane.editor
        if editor.entry.text().strip():
            editor.add_labels(split_labels(editor.entry.text()))
            editor.entry.clear()
        if self.current_signature() is None:
            window.status.flash(self.tr("Add at least one label first"))
            editor.entry.setFocus()
            return
        if not window.photos.rowCount():
            window.status.flash(self.tr("Add photos first: drop them on the window or press Ctrl+O"))
            return
        if window.model.state != READY:
            window.status.flash(self.tr("The model is not ready yet"))
            return
        self.request_rank(force=True)

    def cancel_work(self) -> None:
        """Escape: stop labelling (what is done stays) or a download."""
        window = self.window
        if window.client.cancel("rank") | window.client.cancel("download"):
            self._job = None
            done, failed = window.photos.counts()
            window.status.clear_activity(self.tr("Cancelled. %n photo(s) labelled so far.", "", done + failed))
            window.update_results_pane()

    def check_labels(self, signature: Signature | None) -> None:
        """Flag labels too long for the model even when nothing is ranked (ranking checks them too)."""
        prompts = None if signature is None else (signature.labels, signature.templates, signature.model)
        if prompts == self._checked_prompts:
            return
        self._checked_prompts = prompts
        if prompts is None:
            self.window.labels_pane.editor.mark_truncated(set())
        else:
            self.window.client.check_labels(*prompts)

    # -- worker reports --------------------------------------------------------------------------
    def on_ranked(self, batch: RankBatch) -> None:
        if self._signature is None:
            return
        window = self.window
        window.photos.set_predictions(batch.predictions, self._signature)
        current = window.current_path()
        if current is not None and any(p.path == current for p in batch.predictions):
            window.update_results_pane()
        window.update_counts()

    def on_labels_checked(self, checked: LabelsChecked) -> None:
        self.window.labels_pane.editor.mark_truncated(set(checked.truncated), checked.context_length)

    def on_progress(self, progress: JobProgress) -> None:
        if progress.kind != "rank" or progress.job_id != self._job:
            return
        if progress.phase == "labels":
            text = self.labels_progress_text(progress)
        else:
            text = self.tr("Labelling photos… %1 of %2").replace("%1", str(progress.done)).replace(
                "%2", str(progress.total))
        self.window.status.set_activity(text, progress.done, progress.total, cancellable=True)

    def labels_progress_text(self, progress: JobProgress) -> str:
        """"Preparing labels… 1,200 of 5,000"; for a list beyond what anyone reads, a warning with the
        time it takes on this machine, from the rate measured so far."""
        from clipdesk.labeling.labels import HUGE_LABEL_COUNT, is_huge_label_list

        locale = self.window.locale()
        text = self.tr("Preparing labels… %1 of %2").replace("%1", locale.toString(progress.done)).replace(
            "%2", locale.toString(progress.total))
        if is_huge_label_list(progress.total) and progress.rate:
            minutes = max(1, round((progress.total - progress.done) / progress.rate / 60))
            text = self.tr("%1 labels is far more than anyone reads (over %2): preparing them takes about "
                           "%n minute(s) more on this computer. Cancel stops.", "", minutes).replace(
                "%1", locale.toString(progress.total)).replace("%2", locale.toString(HUGE_LABEL_COUNT))
        return text

    def on_errored(self, failure: JobFailed) -> None:
        if failure.kind == "rank":
            self.window.status.clear_activity(self.tr("Could not label the photos: %1").replace(
                "%1", failure.message))

    def on_finished(self, done: JobDone) -> None:
        if done.kind != "rank" or done.job_id != self._job:
            return
        self._job = None
        if not done.cancelled:
            self.window.status.clear_activity(self.idle_summary())

    def idle_summary(self) -> str:
        """The status line while nothing runs: how the photos fared, or that the model is ready."""
        labelled, failed = self.window.photos.counts()
        if not labelled and not failed:
            return self.tr("Ready")
        text = self.tr("Labelled %n photo(s).", "", labelled)
        if failed:
            text += " " + self.tr("%n could not be read: hover the red badge to see why.", "", failed)
        return text

    def update_activity_actions(self) -> None:
        window = self.window
        kinds = window.client.active_kinds()
        window.cancel_action.setEnabled(any(kind in ("rank", "download") for kind in kinds)
                                        or window.photo_input.scanner.scanning())
        if not kinds and window.model.state == READY and window.status.progress.isVisible():
            window.status.clear_activity(window.status.activity.text())
