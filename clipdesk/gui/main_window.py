"""The main window: labels | photos | results, built by small named methods, wired to the one worker.

It reads QSettings (through ``Settings``) when built and writes them when closed; labels and the
template are saved on every edit. Results reach the view only through ``WorkerClient``, which drops
anything from a cancelled or superseded job.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QMimeData, Qt, QTimer
from PySide6.QtGui import (QAction, QActionGroup, QCloseEvent, QDragEnterEvent, QDragMoveEvent, QDropEvent,
                           QGuiApplication, QImage, QKeySequence)
from PySide6.QtWidgets import QApplication, QFileDialog, QMainWindow, QMenu, QMessageBox, QSplitter

from clipdesk.gui import engine
from clipdesk.gui.dialogs import AboutDialog, FirstRunDialog, Preferences, PreferencesDialog
from clipdesk.gui.i18n import apply_language
from clipdesk.gui.image_list import PhotoDelegate, PhotoListModel, Signature
from clipdesk.gui.label_editor import split_labels
from clipdesk.gui.panes import PREVIEW, LabelsPane, PhotosPane, ResultsPane
from clipdesk.gui.photo_sources import PathScanner, local_paths, paths_in_text, save_pasted_image
from clipdesk.gui.results_model import ResultsModel, prediction_as_text
from clipdesk.gui.settings import Settings
from clipdesk.gui.status_bar import ActivityStatusBar
from clipdesk.gui.thumbnails import ThumbnailLoader
from clipdesk.gui.worker import (JobDone, JobFailed, JobProgress, LabelsChecked, ModelMissing, ModelReady,
                                 ModelRequest, RankBatch, RankRequest, WorkerClient)

LOADING, READY, MISSING, FAILED = "loading", "ready", "missing", "failed"
RERANK_DELAY_MS = 350  # typing pauses this long before photos are re-ranked


class MainWindow(QMainWindow):
    def __init__(self, settings: Settings | None = None) -> None:
        super().__init__()
        self.settings = settings or Settings()
        self.client = WorkerClient(self)
        self.thumbnails = ThumbnailLoader(self)
        self.scanner = PathScanner(self)
        self.photos = PhotoListModel(self)
        self.results = ResultsModel(self)
        self.model_state = LOADING
        self.model_info: ModelReady | None = None
        self.worker_stopped = False
        self._rank_job: int | None = None
        self._rank_signature: Signature | None = None
        self._first_run: FirstRunDialog | None = None
        self.setAcceptDrops(True)
        self.create_actions()
        self.create_menus()
        self.create_panes()
        self.create_status_bar()
        self.create_timers()
        self.connect_signals()
        self.read_settings()
        self.retranslate_ui()
        QTimer.singleShot(0, self.load_model)

    # == building =================================================================================
    def create_actions(self) -> None:
        def action(slot: object, shortcut: QKeySequence | str | None = None) -> QAction:
            item = QAction(self)
            if shortcut is not None:
                item.setShortcut(QKeySequence(shortcut))
            item.triggered.connect(slot)
            self.addAction(item)
            return item

        self.open_images_action = action(self.choose_images, QKeySequence.StandardKey.Open)
        self.open_folder_action = action(self.choose_folder, "Ctrl+Shift+O")
        self.open_labels_action = action(self.choose_label_set)
        self.save_labels_action = action(self.choose_label_set_target, "Ctrl+S")
        self.export_action = action(self.choose_export_target, "Ctrl+E")
        self.quit_action = action(self.close, QKeySequence.StandardKey.Quit)
        self.paste_action = action(self.paste, QKeySequence.StandardKey.Paste)
        self.copy_results_action = action(self.copy_results, "Ctrl+Shift+C")
        self.remove_photos_action = QAction(self)  # Delete acts on whichever list has focus
        self.remove_photos_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        self.remove_photos_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.remove_photos_action.triggered.connect(self.remove_selected_photos)
        self.clear_photos_action = action(self.clear_photos)
        self.preferences_action = action(self.show_preferences, QKeySequence.StandardKey.Preferences)
        self.label_all_action = action(self.label_all, "Ctrl+Return")
        self.cancel_action = action(self.cancel_work, "Escape")
        self.cancel_action.setEnabled(False)
        self.open_checkpoint_action = action(self.choose_checkpoint)
        self.get_model_action = action(self.get_model)
        self.help_action = action(self.show_help, QKeySequence.StandardKey.HelpContents)
        self.model_group = QActionGroup(self)
        self.model_group.setExclusive(True)

    def create_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("")
        self.recent_menu = QMenu(self)
        self.recent_menu.aboutToShow.connect(self.fill_recent_menu)
        for item in (self.open_images_action, self.open_folder_action, None, self.open_labels_action,
                     self.recent_menu.menuAction(), self.save_labels_action, None, self.export_action, None,
                     self.quit_action):
            self.file_menu.addSeparator() if item is None else self.file_menu.addAction(item)
        self.edit_menu = bar.addMenu("")
        for item in (self.paste_action, self.copy_results_action, None, self.remove_photos_action,
                     self.clear_photos_action, None, self.preferences_action):
            self.edit_menu.addSeparator() if item is None else self.edit_menu.addAction(item)
        self.model_menu = bar.addMenu("")
        self.model_menu.aboutToShow.connect(self.fill_model_menu)
        self.help_menu = bar.addMenu("")
        self.help_menu.addAction(self.help_action)

    def create_panes(self) -> None:
        self.labels_pane = LabelsPane(self)
        self.photos_pane = PhotosPane(self)
        self.results_pane = ResultsPane(self.results, self)
        view = self.photos_pane.view
        view.setModel(self.photos)
        view.setItemDelegate(PhotoDelegate(self.thumbnails, view))
        view.addAction(self.remove_photos_action)
        add_menu = QMenu(self)
        add_menu.addAction(self.open_images_action)
        add_menu.addAction(self.open_folder_action)
        self.photos_pane.add_button.setMenu(add_menu)
        self.photos_pane.add_button.setDefaultAction(self.open_images_action)
        self.photos_pane.clear_button.setDefaultAction(self.clear_photos_action)
        self.results_pane.copy_button.setDefaultAction(self.copy_results_action)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setChildrenCollapsible(False)
        for pane, stretch in ((self.labels_pane, 0), (self.photos_pane, 1), (self.results_pane, 0)):
            self.splitter.addWidget(pane)
            self.splitter.setStretchFactor(self.splitter.indexOf(pane), stretch)
        self.splitter.setSizes([270, 560, 370])
        self.setCentralWidget(self.splitter)

    def create_status_bar(self) -> None:
        self.status = ActivityStatusBar(self)
        self.setStatusBar(self.status)

    def create_timers(self) -> None:
        self.rerank_timer = QTimer(self, singleShot=True, interval=RERANK_DELAY_MS)
        self.rerank_timer.timeout.connect(self.request_rank)

    def connect_signals(self) -> None:
        editor = self.labels_pane.editor
        editor.labels_changed.connect(self.on_labels_changed)
        editor.message.connect(self.status.flash)
        self.labels_pane.template.template_changed.connect(self.on_template_changed)
        self.labels_pane.label_all_button.clicked.connect(self.label_all)
        view = self.photos_pane.view
        view.paths_dropped.connect(self.add_paths)
        view.image_dropped.connect(self.add_image)
        view.delete_requested.connect(self.remove_selected_photos)
        view.selectionModel().currentChanged.connect(self.update_results_pane)
        self.photos.rowsInserted.connect(self.update_counts)
        self.photos.rowsRemoved.connect(self.update_counts)
        self.photos.modelReset.connect(self.update_counts)
        self.thumbnails.ready.connect(self.on_thumbnail_ready)
        self.scanner.found.connect(self.on_photos_found)
        self.results_pane.top_k.valueChanged.connect(self.on_top_k_changed)
        self.status.cancel_requested.connect(self.cancel_work)
        client = self.client
        client.model_ready.connect(self.on_model_ready)
        client.model_missing.connect(self.on_model_missing)
        client.ranked.connect(self.on_ranked)
        client.labels_checked.connect(self.on_labels_checked)
        client.progress.connect(self.on_progress)
        client.errored.connect(self.on_errored)
        client.finished.connect(self.on_finished)
        client.activity_changed.connect(self.update_activity_actions)

    # == settings and language ====================================================================
    def read_settings(self) -> None:
        geometry = self.settings.window_state("geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1240, 780)
        state = self.settings.window_state("state")
        if state is not None:
            self.restoreState(state)
        splitter = self.settings.window_state("splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)
        self.labels_pane.editor.set_labels(self.settings.labels)
        self.labels_pane.template.setText(self.settings.template)
        self.results_pane.top_k.setValue(self.settings.top_k)
        self.results.set_top_k(self.settings.top_k)

    def write_settings(self) -> None:
        self.settings.set_window_state("geometry", self.saveGeometry())
        self.settings.set_window_state("state", self.saveState())
        self.settings.set_window_state("splitter", self.splitter.saveState())
        self.settings.labels = self.labels_pane.editor.labels()
        self.settings.sync()

    def retranslate_ui(self) -> None:
        self.setWindowTitle(self.tr("clipdesk — photo labeling"))
        self.file_menu.setTitle(self.tr("&File"))
        self.edit_menu.setTitle(self.tr("&Edit"))
        self.model_menu.setTitle(self.tr("&Model"))
        self.help_menu.setTitle(self.tr("&Help"))
        self.recent_menu.setTitle(self.tr("Recent Label Sets"))
        for item, text in (
                (self.open_images_action, self.tr("&Add Photos…")),
                (self.open_folder_action, self.tr("Add &Folder…")),
                (self.open_labels_action, self.tr("&Open Label Set…")),
                (self.save_labels_action, self.tr("&Save Label Set As…")),
                (self.export_action, self.tr("&Export Results…")),
                (self.quit_action, self.tr("&Quit")),
                (self.paste_action, self.tr("&Paste")),
                (self.copy_results_action, self.tr("&Copy Results")),
                (self.remove_photos_action, self.tr("&Remove Selected Photos")),
                (self.clear_photos_action, self.tr("C&lear Photos")),
                (self.preferences_action, self.tr("Pre&ferences…")),
                (self.label_all_action, self.tr("&Label All Photos")),
                (self.cancel_action, self.tr("&Cancel")),
                (self.open_checkpoint_action, self.tr("Use Checkpoint &File…")),
                (self.get_model_action, self.tr("&Download or Import Weights…")),
                (self.help_action, self.tr("&Help and Shortcuts"))):
            item.setText(text)
        self.open_images_action.setToolTip(self.tr("Add photos (Ctrl+O)"))
        self.clear_photos_action.setToolTip(self.tr("Remove every photo from the list"))
        self.copy_results_action.setToolTip(self.tr("Copy the selected photos' results as text"))
        self.status.cancel_button.setText(self.tr("Cancel"))
        self.update_model_status()
        self.update_counts()
        self.update_results_pane()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Save, cancel whatever runs, and stop the worker; never waits more than ~2 s."""
        self.write_settings()
        self.rerank_timer.stop()
        if self._first_run is not None:
            self._first_run.reject()
        self.client.cancel()
        self.scanner.shutdown()
        self.thumbnails.shutdown()
        self.worker_stopped = self.client.shutdown(timeout_ms=2000)
        event.accept()

    # == photos in ================================================================================
    def add_paths(self, paths: list[str]) -> None:
        """Files and folders (walked recursively) from a drop, paste, dialog or the command line."""
        if paths:
            self.status.set_activity(self.tr("Looking for photos…"))
            self.scanner.scan(paths)

    def add_image(self, image: QImage) -> None:
        """Pixels without a file: saved as a PNG in the cache folder, then added like any photo."""
        try:
            self.add_paths([save_pasted_image(image)])
        except OSError as error:
            self.status.flash(self.tr("Could not keep the pasted image: %1").replace("%1", str(error)))

    def on_photos_found(self, photos: list[str], skipped: int) -> None:
        new = self.photos.add_paths(photos)
        notes = []
        if new:
            notes.append(self.tr("Added %n photo(s)", "", len(new)))
        elif photos:
            notes.append(self.tr("Those photos are already in the list"))
        else:
            notes.append(self.tr("No photos found there"))
        if skipped:
            notes.append(self.tr("skipped %n file(s) that are not photos", "", skipped))
        self.status.clear_activity()
        self.status.flash("; ".join(notes))
        view = self.photos_pane.view
        if new and not view.currentIndex().isValid():
            view.setCurrentIndex(self.photos.index(self.photos.row_of(new[0]) or 0))
        self.request_rank()

    def paste(self) -> None:
        """Ctrl+V: image data, copied files, pasted paths — or, for any other text, labels."""
        mime: QMimeData = QGuiApplication.clipboard().mimeData()
        paths = local_paths(mime) if mime.hasUrls() else []
        if paths:
            self.add_paths(paths)
        elif mime.hasImage():
            self.add_image(QImage(mime.imageData()))
        elif mime.hasText():
            text = mime.text()
            paths = paths_in_text(text)
            if paths:
                self.add_paths(paths)
            else:
                added = self.labels_pane.editor.add_labels(split_labels(text))
                self.status.flash(self.tr("Added %n label(s)", "", added))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        self.photos_pane.view.dragEnterEvent(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        self.photos_pane.view.dragMoveEvent(event)

    def dragLeaveEvent(self, event: QEvent) -> None:
        self.photos_pane.view.dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        self.photos_pane.view.dropEvent(event)

    def choose_images(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self, self.tr("Add Photos"), self.settings.last_folder("images"),
            self.tr("Photos (%1);;All files (*)").replace("%1", "*.jpg *.jpeg *.png *.webp *.bmp *.gif *.tif "
                                                           "*.tiff *.heic *.heif"))
        if paths:
            self.settings.set_last_folder("images", paths[0])
            self.add_paths(paths)

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Add a Folder of Photos"),
                                                  self.settings.last_folder("images"))
        if folder:
            self.settings.set_last_folder("images", folder)
            self.add_paths([folder])

    def remove_selected_photos(self) -> None:
        rows = [index.row() for index in self.photos_pane.view.selectionModel().selectedIndexes()]
        removed = self.photos.remove_rows(rows)
        self.thumbnails.forget(set(removed))
        self.update_results_pane()

    def clear_photos(self) -> None:
        self.client.cancel("rank")
        self.thumbnails.forget(set(self.photos.clear()))
        self.update_results_pane()

    # == labels and ranking =======================================================================
    def on_labels_changed(self, labels: list[str]) -> None:
        self.settings.labels = labels  # saved at once: a crash never loses what was typed
        self.rerank_timer.start()

    def on_template_changed(self, template: str) -> None:
        self.settings.template = template
        self.rerank_timer.start()

    def current_signature(self) -> Signature | None:
        """(model, labels, templates) results should be computed under now; None without labels."""
        from clipdesk.labeling.labels import clean_labels

        labels = clean_labels(self.labels_pane.editor.labels()).labels
        if not labels:
            return None
        return self.settings.model, labels, (self.labels_pane.template.template(),)

    def request_rank(self, force: bool = False) -> None:
        """Rank photos without results for the current labels (every photo when ``force``)."""
        self.rerank_timer.stop()
        signature = self.current_signature()
        self.photos.set_current_signature(signature)
        self.update_results_pane()
        if signature is None or self.model_state != READY:
            if signature is not None and self._rank_job is not None:
                self.client.cancel("rank")
            return
        paths = self.photos.paths() if force else self.photos.paths_needing(signature)
        if not paths:
            return
        request = RankRequest(tuple(paths), signature[1], signature[2], self.settings.batch_size)
        self._rank_signature = signature
        self._rank_job = self.client.rank(request)
        self.status.set_activity(self.tr("Labelling photos…"), 0, len(paths), cancellable=True)

    def label_all(self) -> None:
        """Ctrl+Return: add what is typed in the label entry, then (re-)rank every photo."""
        entry = self.labels_pane.editor.entry
        if entry.text().strip():
            self.labels_pane.editor.add_labels(split_labels(entry.text()))
            entry.clear()
        if self.current_signature() is None:
            self.status.flash(self.tr("Add at least one label first"))
            self.labels_pane.editor.entry.setFocus()
            return
        if not self.photos.rowCount():
            self.status.flash(self.tr("Add photos first: drop them on the window or press Ctrl+O"))
            return
        if self.model_state != READY:
            self.status.flash(self.tr("The model is not ready yet"))
            return
        self.request_rank(force=True)

    def cancel_work(self) -> None:
        if self.client.cancel("rank") | self.client.cancel("download"):
            done, failed = self.photos.counts()
            self.status.clear_activity(self.tr("Cancelled. %n photo(s) labelled so far.", "", done + failed))

    def on_ranked(self, batch: RankBatch) -> None:
        if self._rank_signature is None:
            return
        self.photos.set_predictions(batch.predictions, self._rank_signature)
        current = self.current_path()
        if current is not None and any(p.path == current for p in batch.predictions):
            self.update_results_pane()
        self.update_counts()

    def on_labels_checked(self, checked: LabelsChecked) -> None:
        self.labels_pane.editor.mark_truncated(set(checked.truncated))

    # == the model ================================================================================
    def load_model(self) -> None:
        self.model_state = LOADING
        self.model_info = None
        self.update_model_status()
        self.status.set_activity(self.tr("Loading the model %1…").replace(
            "%1", engine.display_name(self.settings.model)), 0, 0)
        self.client.load_model(ModelRequest(self.settings.model, self.settings.device, self.settings.precision,
                                            self.settings.batch_size))

    def on_model_ready(self, info: ModelReady) -> None:
        self.model_state = READY
        self.model_info = info
        self.status.clear_activity(self.tr("Ready"))
        self.update_model_status()
        self.request_rank()

    def on_model_missing(self, missing: ModelMissing) -> None:
        self.model_state = MISSING
        self.status.clear_activity(self.tr("The model %1 is not on this computer yet").replace("%1", missing.model))
        self.update_model_status()
        self.show_first_run(missing)

    def show_first_run(self, missing: ModelMissing) -> None:
        if self._first_run is not None:
            return
        dialog = FirstRunDialog(self.client, missing, self.settings, self)
        self._first_run = dialog
        dialog.finished.connect(lambda result: self.on_first_run_done(dialog, result))
        dialog.open()

    def on_first_run_done(self, dialog: FirstRunDialog, result: int) -> None:
        self._first_run = None
        dialog.deleteLater()
        if result == FirstRunDialog.DialogCode.Accepted:
            self.settings.model = dialog.model
            self.load_model()
        else:
            self.status.clear_activity(self.tr("No model yet: use Model → Download or Import Weights…"))

    def get_model(self) -> None:
        try:
            missing = engine.missing_weights(self.settings.model)
        except Exception as error:  # noqa: BLE001 - a broken models.json must not crash the menu
            self.status.flash(engine.describe_error(error))
            return
        if missing is None:
            self.status.flash(self.tr("%1 is already on this computer").replace(
                "%1", engine.display_name(self.settings.model)))
            return
        self.show_first_run(ModelMissing(0, missing.name, missing.size, missing.partial))

    def choose_model(self, model: str) -> None:
        if model != self.settings.model or self.model_state != READY:
            self.settings.model = model
            self.load_model()

    def choose_checkpoint(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Use a Checkpoint File"),
                                              self.settings.last_folder("weights"),
                                              self.tr("Model weights (%1);;All files (*)").replace(
                                                  "%1", "*.pt *.pth *.bin *.ckpt *.safetensors"))
        if path:
            self.settings.set_last_folder("weights", path)
            self.choose_model(path)

    def fill_model_menu(self) -> None:
        menu = self.model_menu
        menu.clear()
        for old in self.model_group.actions():
            self.model_group.removeAction(old)
        try:
            choices = engine.model_choices()
        except Exception as error:  # noqa: BLE001
            choices = []
            menu.addAction(engine.describe_error(error)).setEnabled(False)
        names = [choice.name for choice in choices]
        if self.settings.model not in names:
            choices.insert(0, engine.ModelChoice(self.settings.model, None, True, 0))
        for choice in choices:
            status = self.tr("on this computer") if choice.cached else (
                self.tr("download %1").replace("%1", _size(choice.size)) if choice.size else self.tr("download"))
            item = menu.addAction(f"{engine.display_name(choice.name)}\t{status}")
            item.setCheckable(True)
            item.setChecked(choice.name == self.settings.model)
            item.setToolTip(choice.name)
            item.triggered.connect(lambda _=False, name=choice.name: self.choose_model(name))
            self.model_group.addAction(item)
        menu.addSeparator()
        menu.addAction(self.open_checkpoint_action)
        menu.addAction(self.get_model_action)
        menu.addSeparator()
        menu.addAction(self.label_all_action)
        menu.addAction(self.cancel_action)

    # == worker reports ===========================================================================
    def on_progress(self, progress: JobProgress) -> None:
        if progress.kind == "rank" and progress.job_id == self._rank_job:
            self.status.set_activity(self.tr("Labelling photos… %1 of %2").replace("%1", str(progress.done))
                                     .replace("%2", str(progress.total)), progress.done, progress.total,
                                     cancellable=True)

    def on_errored(self, failure: JobFailed) -> None:
        if failure.kind == "load":
            self.model_state = FAILED
            self.update_model_status()
            self.status.clear_activity(self.tr("Could not load the model: %1").replace("%1", failure.message))
            self.explain_load_failure(failure.message)
        elif failure.kind == "rank":
            self.status.clear_activity(self.tr("Could not label the photos: %1").replace("%1", failure.message))

    def explain_load_failure(self, message: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("The model could not be loaded"),
                          self.tr("clipdesk could not load the model %1.").replace(
                              "%1", engine.display_name(self.settings.model)), QMessageBox.StandardButton.NoButton, self)
        box.setInformativeText(message + "\n\n" + self.tr("Try again, pick another model in the Model menu, "
                                                          "or import the weights file again."))
        retry = box.addButton(self.tr("Try Again"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Close)
        box.finished.connect(lambda _: self.load_model() if box.clickedButton() is retry else None)
        box.open()

    def on_finished(self, done: JobDone) -> None:
        if done.kind != "rank" or done.job_id != self._rank_job:
            return
        self._rank_job = None
        if done.cancelled:
            return
        labelled, failed = self.photos.counts()
        text = self.tr("Labelled %n photo(s).", "", labelled)
        if failed:
            text += " " + self.tr("%n could not be read: hover the red badge to see why.", "", failed)
        self.status.clear_activity(text)

    def update_activity_actions(self) -> None:
        kinds = self.client.active_kinds()
        self.cancel_action.setEnabled(any(kind in ("rank", "download") for kind in kinds))
        if not kinds and self.model_state == READY and self.status.progress.isVisible():
            self.status.clear_activity(self.status.activity.text())

    def update_model_status(self) -> None:
        name = engine.display_name(self.settings.model)
        if self.model_state == READY and self.model_info is not None:
            self.status.set_model(self.tr("Model: %1").replace("%1", name), self.model_info.device)
        elif self.model_state == LOADING:
            self.status.set_model(self.tr("Model: %1 (loading)").replace("%1", name), "")
        elif self.model_state == MISSING:
            self.status.set_model(self.tr("Model: %1 (not downloaded)").replace("%1", name), "")
        else:
            self.status.set_model(self.tr("Model: %1 (failed)").replace("%1", name), "")

    # == results ==================================================================================
    def current_path(self) -> str | None:
        index = self.photos_pane.view.currentIndex()
        return self.photos.path_at(index.row()) if index.isValid() else None

    def update_results_pane(self, *args: object) -> None:
        pane = self.results_pane
        path = self.current_path()
        prediction = self.photos.prediction(path) if path else None
        signature = self.photos.current_signature
        up_to_date = path is not None and self.photos.is_up_to_date(path)
        if path is None:
            pane.set_photo("", None)
            self.results.set_prediction(None)
            pane.show_note(self.tr("Select a photo to see how well each label fits it.") if self.photos.rowCount()
                           else self.tr("Drop photos on the window to begin."))
            return
        dpr = self.devicePixelRatioF()
        pixmap = self.thumbnails.get(path, int(PREVIEW * max(1.0, dpr)))
        if pixmap is not None:
            pixmap.setDevicePixelRatio(max(1.0, dpr))
        pane.set_photo(Path(path).name, pixmap)
        if signature is None:
            self.results.set_prediction(None)
            pane.show_note(self.tr("Type some labels on the left — e.g. receipt, cat, red envelope — and "
                                   "each photo gets ranked against them."))
        elif prediction is not None and prediction.error:
            self.results.set_prediction(None)
            pane.show_note(self.tr("This photo could not be read:\n%1").replace("%1", prediction.error), error=True)
        elif prediction is not None and up_to_date:
            self.results.set_prediction(prediction)
            pane.show_table()
        elif self.model_state == READY:
            self.results.set_prediction(None)
            pane.show_note(self.tr("Labelling…"))
        else:
            self.results.set_prediction(None)
            pane.show_note(self.tr("Waiting for the model…"))

    def on_thumbnail_ready(self, path: str) -> None:
        self.photos.refresh_row(path)
        if path == self.current_path():
            self.update_results_pane()

    def on_top_k_changed(self, k: int) -> None:
        self.results.set_top_k(k)
        self.settings.top_k = k

    def update_counts(self, *args: object) -> None:
        labelled, failed = self.photos.counts()
        self.photos_pane.set_counts(self.photos.rowCount(), labelled, failed)

    def copy_results(self) -> None:
        view = self.photos_pane.view
        rows = sorted(index.row() for index in view.selectionModel().selectedIndexes()) or (
            [view.currentIndex().row()] if view.currentIndex().isValid() else [])
        texts = [prediction_as_text(prediction, self.results.top_k) for row in rows
                 if (path := self.photos.path_at(row)) and self.photos.is_up_to_date(path)
                 and (prediction := self.photos.prediction(path)) is not None]
        if not texts:
            self.status.flash(self.tr("Nothing to copy yet: select a labelled photo"))
            return
        QApplication.clipboard().setText("\n".join(texts))
        self.status.flash(self.tr("Copied the results of %n photo(s)", "", len(texts)))

    # == files: exports and label sets ===========================================================
    def choose_export_target(self) -> None:
        start = str(Path(self.settings.last_folder("exports")) / "clipdesk-results.csv")
        path, chosen = QFileDialog.getSaveFileName(self, self.tr("Export Results"), start,
                                                   self.tr("CSV spreadsheet (*.csv);;JSON (*.json)"))
        if path:
            if Path(path).suffix.lower() not in (".csv", ".json"):
                path += ".json" if "json" in chosen.lower() else ".csv"
            self.export_to(path)

    def export_to(self, path: str) -> bool:
        """Write the current results (same formats as the CLI); photos not labelled yet are left out."""
        from clipdesk.labeling import write_results

        signature = self.photos.current_signature
        if signature is None:
            self.status.flash(self.tr("Nothing to export yet: add labels and photos first"))
            return False
        stale = set(self.photos.paths_needing(signature))
        predictions = [p for p in self.photos.predictions() if p.path not in stale]
        try:
            write_results(path, predictions, signature[1], signature[2], engine.display_name(signature[0]))
        except (OSError, ValueError) as error:
            QMessageBox.warning(self, self.tr("Export failed"), engine.describe_error(error))
            return False
        self.settings.set_last_folder("exports", path)
        missing = self.photos.rowCount() - len(predictions)
        note = self.tr("Exported %n photo(s) to %1", "", len(predictions)).replace("%1", path)
        if missing:
            note += " " + self.tr("(%n not labelled yet)", "", missing)
        self.status.flash(note)
        return True

    def choose_label_set(self) -> None:
        from clipdesk.labeling.labelsets import label_sets_dir

        folder = self.settings.last_folder("labelsets")
        if folder == str(Path.home()) and label_sets_dir().is_dir():
            folder = str(label_sets_dir())
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Open Label Set"), folder,
                                              self.tr("Label sets and lists (*.json *.txt *.csv);;All files (*)"))
        if path:
            self.open_label_set(path)

    def open_label_set(self, path: str) -> bool:
        """Replace the labels (and template) with a saved set, or a .txt/.csv list of labels."""
        from clipdesk.labeling import LabelSetError, import_labels, load_label_set

        try:
            if Path(path).suffix.lower() in (".txt", ".csv"):
                labels, templates = import_labels(path), None
            else:
                label_set = load_label_set(path)
                labels, templates = list(label_set.labels), label_set.templates
        except (LabelSetError, OSError) as error:
            QMessageBox.warning(self, self.tr("Could not open the label set"), engine.describe_error(error))
            return False
        self.labels_pane.editor.set_labels(labels)
        if templates:
            self.labels_pane.template.setText(templates[0])
        self.settings.add_recent_label_set(path)
        self.settings.set_last_folder("labelsets", path)
        self.status.flash(self.tr("Opened %n label(s) from %1", "", len(labels)).replace("%1", Path(path).name))
        return True

    def choose_label_set_target(self) -> None:
        from clipdesk.labeling.labelsets import label_sets_dir

        folder = Path(self.settings.last_folder("labelsets"))
        if folder == Path.home():
            folder = label_sets_dir()
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Save Label Set"), str(folder / "labels.json"),
                                              self.tr("Label set (*.json)"))
        if path:
            self.save_label_set(path if path.lower().endswith(".json") else path + ".json")

    def save_label_set(self, path: str) -> bool:
        from clipdesk.labeling import LabelSet, save_label_set

        labels = tuple(self.labels_pane.editor.labels())
        try:
            save_label_set(LabelSet(Path(path).stem, labels, (self.labels_pane.template.template(),)), path)
        except (OSError, ValueError) as error:
            QMessageBox.warning(self, self.tr("Could not save the label set"), engine.describe_error(error))
            return False
        self.settings.add_recent_label_set(path)
        self.settings.set_last_folder("labelsets", path)
        self.status.flash(self.tr("Saved %n label(s) to %1", "", len(labels)).replace("%1", path))
        return True

    def fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = [p for p in self.settings.recent_label_sets if Path(p).is_file()]
        for path in recent:
            item = self.recent_menu.addAction(Path(path).name)
            item.setToolTip(path)
            item.triggered.connect(lambda _=False, p=path: self.open_label_set(p))
        if not recent:
            self.recent_menu.addAction(self.tr("No recent label sets")).setEnabled(False)
        else:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction(self.tr("Clear Recent"), self.settings.clear_recent_label_sets)

    # == dialogs ==================================================================================
    def show_preferences(self) -> None:
        settings = self.settings
        current = Preferences(settings.device, settings.precision, settings.batch_size, settings.language)
        dialog = PreferencesDialog(current, self)
        if dialog.exec() != PreferencesDialog.DialogCode.Accepted:
            return
        self.apply_preferences(dialog.values())

    def apply_preferences(self, chosen: Preferences) -> None:
        settings = self.settings
        reload = (chosen.device, chosen.precision) != (settings.device, settings.precision)
        settings.device, settings.precision = chosen.device, chosen.precision
        settings.batch_size = chosen.batch_size
        if chosen.language != settings.language:
            settings.language = chosen.language
            apply_language(QApplication.instance(), chosen.language)
        settings.sync()
        if reload:
            self.load_model()

    def show_help(self) -> None:
        if self.model_info is not None:
            line = self.tr("Model %1 running on %2").replace("%1", self.model_info.display_name).replace(
                "%2", self.model_info.device)
        else:
            line = self.tr("Model %1 (not loaded)").replace("%1", engine.display_name(self.settings.model))
        AboutDialog(self.windowIcon(), line, self.settings.file_name, self).exec()


def _size(size: int | None) -> str:
    from clipdesk.gui.dialogs import data_size

    return data_size(size) if size else ""
