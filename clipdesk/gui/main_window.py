"""The main window: labels | photos | results, built by small named methods, wired to the one worker.

It reads QSettings (through ``Settings``) when built and writes them when closed; labels and the
template are saved on every edit. Results reach the view only through ``WorkerClient``, which drops
anything from a cancelled or superseded job.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QDeadlineTimer, QEvent, QItemSelectionModel, Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeySequence,
)
from PySide6.QtWidgets import QApplication, QFileDialog, QMainWindow, QMenu, QMessageBox, QSplitter

from clipdesk.gui import services
from clipdesk.gui.dialogs import AboutDialog, Preferences, PreferencesDialog
from clipdesk.gui.duplicates_dialog import DuplicatesDialog
from clipdesk.gui.file_actions import FileActions
from clipdesk.gui.folder_watch import FolderWatch
from clipdesk.gui.i18n import apply_language
from clipdesk.gui.image_list import PhotoDelegate, PhotoListModel
from clipdesk.gui.jobs import JobKind
from clipdesk.gui.label_editor import split_labels
from clipdesk.gui.language_advice import ChineseLabelsAdvice
from clipdesk.gui.library_actions import LibraryActions
from clipdesk.gui.model_control import READY, ModelControl
from clipdesk.gui.panes import LabelsPane, PhotosPane, ResultsPane
from clipdesk.gui.photo_input import PhotoInput
from clipdesk.gui.photo_search import PhotoSearch
from clipdesk.gui.project_actions import ProjectActions
from clipdesk.gui.ranking import RankControl
from clipdesk.gui.results_model import ResultsModel, prediction_as_text
from clipdesk.gui.results_presenter import ResultsPresenter
from clipdesk.gui.settings import Settings
from clipdesk.gui.status_bar import ActivityStatusBar
from clipdesk.gui.thumbnails import ThumbnailLoader
from clipdesk.gui.worker_client import WorkerClient
from clipdesk.labeling.keep_rule import KeepRule
from clipdesk.labeling.labelsets import LabelSet
from clipdesk.labeling.project import OpenedProject, Project, relocate

CLOSE_WAIT_MS = 1500  # closing waits this long for the worker and the pools, all together


class MainWindow(QMainWindow):
    def __init__(self, settings: Settings | None = None) -> None:
        super().__init__()
        self.settings = settings or Settings()
        self.client = WorkerClient(self)
        self.thumbnails = ThumbnailLoader(self)
        self.photos = PhotoListModel(self)
        self.results = ResultsModel(self)
        self.worker_stopped = False
        self._warned_not_saved = False
        self.setAcceptDrops(True)
        self.create_status_bar()
        # Each controller gets what it uses and talks back by signals (connect_signals wires them).
        self.model = ModelControl(self.client, self.settings, self.status, self)
        self.files = FileActions(self.photos, self.settings, self.status, self.label_set_on_screen, self)
        self.photo_input = PhotoInput(self.photos, self.settings, self.status, self)
        self.ranking = RankControl(self.client, self.model, self.photos, self.settings, self.status,
                                   self.prompts_on_screen, self)
        self.language_advice = ChineseLabelsAdvice(self)
        self.library = LibraryActions(self, self.settings, self.kept_items)
        self.projects = ProjectActions(self, self.settings, self.capture_project, self.apply_project)
        self.watch = FolderWatch(self)
        self.create_actions()
        self.create_menus()
        self.create_panes()
        self.results_presenter = ResultsPresenter(self.results_pane, self.results, self.photos, self.thumbnails,
                                                  self.model, self.client)
        self.search = PhotoSearch(self.client, self.photos, self.photos_pane.search, self.photos_pane.search_note,
                                  self.photos_pane.end_search_button, self)
        self.connect_signals()
        self.read_settings()
        self.projects.restore()  # the photos, labels and choices of last time
        self.retranslate_ui()
        QTimer.singleShot(0, self.model.load)

    # == building =================================================================================
    def create_actions(self) -> None:
        def action(slot: object, shortcut: QKeySequence | str | None = None) -> QAction:
            item = QAction(self)
            if shortcut is not None:
                item.setShortcut(QKeySequence(shortcut))
            item.triggered.connect(slot)
            self.addAction(item)
            return item

        self.new_project_action = action(self.projects.new, QKeySequence.StandardKey.New)
        self.open_project_action = action(self.projects.choose_and_open, "Ctrl+Shift+P")
        self.save_project_action = action(self.projects.save, "Ctrl+Alt+S")
        self.save_project_as_action = action(self.projects.save_as)
        self.locate_action = action(self.locate_missing)
        self.watch_folder_action = action(self.choose_watched_folder)
        self.refresh_action = action(self.watch.refresh, QKeySequence.StandardKey.Refresh)
        self.open_images_action = action(self.photo_input.choose_images, QKeySequence.StandardKey.Open)
        self.open_folder_action = action(self.photo_input.choose_folder, "Ctrl+Shift+O")
        self.open_labels_action = action(self.files.choose_label_set)
        self.save_labels_action = action(self.files.choose_label_set_target, "Ctrl+S")
        self.export_action = action(self.files.choose_export_target, "Ctrl+E")
        self.write_keywords_action = action(self.library.write_keywords, "Ctrl+K")
        self.sort_action = action(self.library.sort_into_folders)
        self.undo_action = action(self.library.undo, QKeySequence.StandardKey.Undo)
        self.undo_action.setEnabled(False)
        self.quit_action = action(self.close, QKeySequence.StandardKey.Quit)
        self.paste_action = action(self.photo_input.paste, QKeySequence.StandardKey.Paste)
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
        self.open_checkpoint_action = action(self.model.choose_checkpoint)
        self.get_model_action = action(self.model.get_weights)
        self.help_action = action(self.show_help, QKeySequence.StandardKey.HelpContents)
        self.find_similar_action = action(self.find_similar, "Ctrl+Shift+F")
        self.search_action = action(lambda: self.photos_pane.search.setFocus(), QKeySequence.StandardKey.Find)
        self.duplicates_action = action(self.group_duplicates)
        self.usual_order_action = action(lambda: self.search.end())  # built after the panes

    def create_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("")
        self.recent_menu = QMenu(self)
        self.recent_menu.aboutToShow.connect(lambda: self.files.fill_recent_menu(self.recent_menu))
        self.recent_projects_menu = QMenu(self)
        self.recent_projects_menu.aboutToShow.connect(
            lambda: self.projects.fill_recent_menu(self.recent_projects_menu))
        for item in (self.new_project_action, self.open_project_action, self.recent_projects_menu.menuAction(),
                     self.save_project_action, self.save_project_as_action, None,
                     self.open_images_action, self.open_folder_action, self.watch_folder_action,
                     self.refresh_action, self.locate_action, None,
                     self.open_labels_action,
                     self.recent_menu.menuAction(), self.save_labels_action, None, self.export_action,
                     self.write_keywords_action, self.sort_action, None, self.quit_action):
            self.file_menu.addSeparator() if item is None else self.file_menu.addAction(item)
        self.edit_menu = bar.addMenu("")
        for item in (self.undo_action, None, self.paste_action, self.copy_results_action, None,
                     self.remove_photos_action,
                     self.clear_photos_action, None, self.preferences_action):
            self.edit_menu.addSeparator() if item is None else self.edit_menu.addAction(item)
        self.view_menu = bar.addMenu("")
        for item in (self.search_action, self.find_similar_action, self.duplicates_action, None,
                     self.usual_order_action):
            self.view_menu.addSeparator() if item is None else self.view_menu.addAction(item)
        self.model_menu = bar.addMenu("")
        self.model_menu.aboutToShow.connect(lambda: self.model.fill_menu(self.model_menu, [
            None, self.open_checkpoint_action, self.get_model_action, None, self.label_all_action,
            self.cancel_action]))
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
        view.addAction(self.find_similar_action)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
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

    def connect_signals(self) -> None:
        editor = self.labels_pane.editor
        editor.labels_changed.connect(self.on_labels_changed)
        editor.message.connect(self.status.flash)
        editor.entry.photos_pasted.connect(self.photo_input.paste)
        self.labels_pane.templates.photos_pasted.connect(self.photo_input.paste)
        self.labels_pane.templates.templates_changed.connect(self.on_templates_changed)
        self.labels_pane.label_all_button.clicked.connect(self.label_all)
        view = self.photos_pane.view
        view.paths_dropped.connect(self.add_paths)
        view.image_dropped.connect(self.photo_input.add_image)
        view.delete_requested.connect(self.remove_selected_photos)
        view.selectionModel().currentChanged.connect(self.update_results_pane)
        self.photos.rowsInserted.connect(self.update_counts)
        self.photos.rowsRemoved.connect(self.update_counts)
        self.photos.modelReset.connect(self.update_counts)
        self.thumbnails.ready.connect(self.on_thumbnail_ready)
        self.results_pane.top_k.valueChanged.connect(self.on_top_k_changed)
        self.status.cancel_requested.connect(self.cancel_work)
        self.photo_input.photos_added.connect(self.on_photos_added)
        self.photo_input.labels_pasted.connect(self.on_labels_pasted)
        self.photo_input.scanning_changed.connect(self.update_activity_actions)
        self.client.activity_changed.connect(self.update_activity_actions)
        self.ranking.results_changed.connect(self.update_counts)
        self.ranking.results_changed.connect(self.update_results_pane)
        self.ranking.photos_ranked.connect(self.on_photos_ranked)
        self.ranking.labels_truncated.connect(
            lambda labels, context: editor.mark_truncated(labels, context if context > 0 else None))
        self.ranking.labels_needed.connect(editor.entry.setFocus)
        self.files.label_set_opened.connect(self.apply_label_set)
        self.model.preferences_requested.connect(self.show_preferences)
        self.model.family_ready.connect(self.on_family_ready)
        self.language_advice.switch_requested.connect(self.model.choose)
        self.results_pane.keep_rule.rule_changed.connect(self.set_keep_rule)
        self.search.message.connect(self.status.flash)
        self.projects.message.connect(self.status.flash)
        self.projects.project_changed.connect(self.update_title)
        self.watch.folders_to_scan.connect(self.photo_input.add_paths)
        self.library.busy_changed.connect(self.on_library_busy)
        self.library.progress.connect(lambda text, done, total: self.status.set_activity(text, done, total, True))
        self.library.finished.connect(self.status.clear_activity)
        self.library.undo_changed.connect(self.on_undo_changed)

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
        self.labels_pane.templates.set_templates(self.settings.templates)
        self.results_pane.top_k.setValue(self.settings.top_k)
        self.results.set_top_k(self.settings.top_k)
        self.set_keep_rule(self.settings.keep_rule)

    def write_settings(self) -> None:
        self.settings.set_window_state("geometry", self.saveGeometry())
        self.settings.set_window_state("state", self.saveState())
        self.settings.set_window_state("splitter", self.splitter.saveState())
        self.settings.labels = self.labels_pane.editor.labels()
        self.settings.sync()

    def retranslate_ui(self) -> None:
        self.update_title()
        self.file_menu.setTitle(self.tr("&File"))
        self.edit_menu.setTitle(self.tr("&Edit"))
        self.view_menu.setTitle(self.tr("&View"))
        self.model_menu.setTitle(self.tr("&Model"))
        self.help_menu.setTitle(self.tr("&Help"))
        self.recent_menu.setTitle(self.tr("Recent Label Sets"))
        self.recent_projects_menu.setTitle(self.tr("Recent &Projects"))
        for item, text in (
                (self.new_project_action, self.tr("&New Project")),
                (self.open_project_action, self.tr("Open P&roject…")),
                (self.save_project_action, self.tr("Save Pro&ject")),
                (self.save_project_as_action, self.tr("Save Project &As…")),
                (self.locate_action, self.tr("Locate &Missing Photos…")),
                (self.watch_folder_action, self.tr("&Watch a Folder…")),
                (self.refresh_action, self.tr("Look for &New Photos in Watched Folders")),
                (self.open_images_action, self.tr("&Add Photos…")),
                (self.open_folder_action, self.tr("Add &Folder…")),
                (self.open_labels_action, self.tr("&Open Label Set…")),
                (self.save_labels_action, self.tr("&Save Label Set As…")),
                (self.export_action, self.tr("&Export Results…")),
                (self.write_keywords_action, self.tr("Write &Keywords…")),
                (self.sort_action, self.tr("Sort into Fol&ders…")),
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
                (self.help_action, self.tr("&Help and Shortcuts")),
                (self.search_action, self.tr("&Search Photos")),
                (self.find_similar_action, self.tr("Find Similar &Photos")),
                (self.duplicates_action, self.tr("Group Near-&Duplicates…")),
                (self.usual_order_action, self.tr("&Usual Order"))):
            item.setText(text)
        self.open_images_action.setToolTip(self.tr("Add photos (Ctrl+O)"))
        self.clear_photos_action.setToolTip(self.tr("Remove every photo from the list"))
        self.copy_results_action.setToolTip(self.tr("Copy the selected photos' results as text"))
        self.status.cancel_button.setText(self.tr("Cancel"))
        self.on_undo_changed(self.library.undo_text())
        self.write_keywords_action.setToolTip(self.tr("Write the labels each photo keeps as keywords that "
                                                      "digiKam, Lightroom, darktable and Immich read"))
        self.model.update_status()
        busy = {JobKind.RANK, JobKind.DOWNLOAD, JobKind.IMPORT} & set(self.client.active_kinds())
        if self.model.state == READY and not busy:  # else the next progress report says it anew
            self.status.clear_activity(self.ranking.idle_summary())
        self.update_counts()
        self.update_results_pane()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Save, then stop everything at once and wait for it together for at most ``CLOSE_WAIT_MS``.

        The window disappears first, so closing feels instant even when the worker is inside something
        it cannot leave (importing torch, reading a checkpoint); ``worker_stopped`` says whether all
        stopped in time (``app.run`` does not wait for stragglers).
        """
        self.write_settings()
        self.projects.save_on_close()  # reopened next time, with its photos and choices
        self.ranking.timer.stop()
        self.model.close_dialogs()
        self.hide()
        deadline = QDeadlineTimer(CLOSE_WAIT_MS)
        self.client.shutdown(timeout_ms=0)  # cancels every job and asks the thread to finish
        self.photo_input.shutdown(timeout_ms=0)
        self.thumbnails.shutdown(timeout_ms=0)
        stopped = self.client.thread.wait(deadline)
        stopped = self.photo_input.shutdown(deadline.remainingTime()) and stopped
        stopped = self.thumbnails.shutdown(deadline.remainingTime()) and stopped
        stopped = self.files.wait(deadline.remainingTime()) and stopped  # an export being written
        stopped = self.library.shutdown(deadline.remainingTime()) and stopped  # stops between photos
        self.worker_stopped = stopped
        event.accept()

    def cancel_work(self) -> None:
        """Escape / Cancel: stop labelling or a download, and any folder still being looked through."""
        self.ranking.cancel_work()
        self.photo_input.cancel_scans()
        self.library.cancel()

    # == photos in ================================================================================
    def add_paths(self, paths: list[str]) -> None:
        """Files and folders (walked recursively) from a drop, paste, dialog or the command line."""
        self.photo_input.add_paths(paths)

    def open_arguments(self, arguments: list[str]) -> None:
        self.photo_input.open_arguments(arguments)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        self.photos_pane.view.dragEnterEvent(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        self.photos_pane.view.dragMoveEvent(event)

    def dragLeaveEvent(self, event: QEvent) -> None:
        self.photos_pane.view.dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        self.photos_pane.view.dropEvent(event)

    def on_photos_added(self, new: list[str]) -> None:
        """Photos joined the list: the first becomes current if none is, and the new ones are ranked."""
        view = self.photos_pane.view
        if new and not view.currentIndex().isValid():
            view.setCurrentIndex(self.photos.index(self.photos.row_of(new[0]) or 0))
        self.ranking.request_rank()

    def on_labels_pasted(self, labels: list[str]) -> None:
        added = self.labels_pane.editor.add_labels(labels)
        self.status.flash(self.tr("Added %n label(s)", "", added))

    def update_activity_actions(self) -> None:
        """Cancel is on while something it stops runs; the progress bar goes when nothing does."""
        kinds = self.client.active_kinds()
        self.cancel_action.setEnabled(any(kind in (JobKind.RANK, JobKind.DOWNLOAD) for kind in kinds)
                                      or self.photo_input.scanning())
        if not kinds and self.model.state == READY and self.status.progress.isVisible():
            self.status.clear_activity(self.status.activity.text())

    def remove_selected_photos(self) -> None:
        rows = [index.row() for index in self.photos_pane.view.selectionModel().selectedIndexes()]
        removed = self.photos.remove_rows(rows)
        self.thumbnails.forget(set(removed))
        self.update_results_pane()

    def clear_photos(self) -> None:
        self.client.cancel(JobKind.RANK)
        self.thumbnails.forget(set(self.photos.clear()))
        self.update_results_pane()

    # == labels ===================================================================================
    def prompts_on_screen(self) -> tuple[list[str], tuple[str, ...]]:
        """The labels and templates as typed (``RankControl`` cleans them)."""
        return self.labels_pane.editor.labels(), self.labels_pane.templates.templates()

    def label_set_on_screen(self) -> LabelSet:
        return LabelSet("", tuple(self.labels_pane.editor.labels()), self.labels_pane.templates.templates(),
                        self.results.keep_rule)

    def apply_label_set(self, label_set: LabelSet) -> None:
        """An opened label set replaces the labels; its templates and rule too, where it has them."""
        self.labels_pane.editor.set_labels(list(label_set.labels))
        if label_set.templates:
            self.labels_pane.templates.set_templates(label_set.templates)
        if label_set.keep is not None:  # the rule saved with the set: which labels become keywords and folders
            self.set_keep_rule(label_set.keep)

    def label_all(self) -> None:
        """Ctrl+Return: add what is typed in the label entry, then (re-)rank every photo."""
        editor = self.labels_pane.editor
        if editor.entry.text().strip():
            editor.add_labels(split_labels(editor.entry.text()))
            editor.entry.clear()
        self.ranking.label_all()

    def on_labels_changed(self, labels: list[str]) -> None:
        self.settings.labels = labels  # saved at once: a crash never loses what was typed
        self.warn_if_not_saved()
        self.language_advice.check(labels, self.model.family, self.settings.model)
        self.ranking.schedule()

    def on_family_ready(self, family: services.FamilyInfo) -> None:
        """A model is loaded: prompts default to its family's template, and labels in a language it
        does not read are pointed out (once)."""
        self.labels_pane.templates.adopt_family_default(family.default_template, services.default_templates())
        self.language_advice.check(self.labels_pane.editor.labels(), family, self.settings.model)

    def on_templates_changed(self, templates: tuple[str, ...]) -> None:
        self.settings.templates = templates
        self.warn_if_not_saved()
        self.ranking.schedule()

    def warn_if_not_saved(self) -> None:
        """Say once that labels cannot be kept (the settings file cannot be written), rather than let
        the user find them gone after a restart."""
        if not self.settings.writable and not self._warned_not_saved:
            self._warned_not_saved = True
            QMessageBox.warning(self, self.tr("Settings cannot be saved"), self.tr(
                "clipdesk cannot write its settings file %1, so your labels and choices will not be "
                "remembered after you close the window. Save the labels with File → Save Label Set As… "
                "to keep them.").replace("%1", self.settings.file_name))

    # == results ==================================================================================
    def current_path(self) -> str | None:
        index = self.photos_pane.view.currentIndex()
        return self.photos.path_at(index.row()) if index.isValid() else None

    def update_results_pane(self, *args: object) -> None:
        self.results_presenter.show(self.current_path(), self.devicePixelRatioF())

    def on_photos_ranked(self, paths: list[str]) -> None:
        current = self.current_path()
        if current is not None and current in paths:
            self.update_results_pane()
        self.update_counts()

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

    # == projects =================================================================================
    def update_title(self, *args: object) -> None:
        title = self.tr("clipdesk — photo labeling")
        if self.projects.path:
            title = f"{Path(self.projects.path).stem} — {title}"
        self.setWindowTitle(title)

    def capture_project(self) -> Project:
        """The work on screen, as a project file holds it."""
        view = self.photos_pane.view
        selected = tuple(p for index in view.selectionModel().selectedIndexes()
                         if (p := self.photos.path_at(index.row())) is not None)
        templates = self.labels_pane.templates.templates()
        return Project(photos=tuple(self.photos.paths_as_added()), labels=tuple(self.labels_pane.editor.labels()),
                       templates=templates, keep=self.results.keep_rule, model=self.settings.model,
                       selected=selected, current=self.current_path() or "", watched=self.watch.folders)

    def apply_project(self, opened: OpenedProject) -> None:
        """Put a project's work on screen; results come from the caches as the photos are ranked."""
        project = opened.project
        self.search.end()
        self.client.cancel(JobKind.RANK)
        self.thumbnails.forget(set(self.photos.clear()))
        self.labels_pane.editor.set_labels(list(project.labels))
        if project.templates:
            self.labels_pane.templates.set_templates(project.templates)
        self.set_keep_rule(project.keep)
        self.photos.add_paths(list(project.photos))
        self.photos.set_missing(opened.missing)
        view = self.photos_pane.view
        row = self.photos.row_of(project.current) if project.current else None
        if row is not None:
            view.setCurrentIndex(self.photos.index(row))
        for path in project.selected:
            selected = self.photos.row_of(path)
            if selected is not None:
                view.selectionModel().select(self.photos.index(selected), QItemSelectionModel.SelectionFlag.Select)
        self.watch.set_folders(project.watched)  # and photos added there meanwhile join the list
        if project.model and project.model != self.settings.model:
            self.model.choose(project.model)
        self.update_results_pane()
        self.ranking.request_rank()

    def choose_watched_folder(self) -> None:
        """Add a folder's photos, and its new photos from now on (the project remembers it)."""
        folder = QFileDialog.getExistingDirectory(self, self.tr("Watch a Folder"), self.settings.last_folder("images"))
        if folder:
            self.settings.set_last_folder("images", folder)
            self.watch.add(folder)
            self.status.flash(self.tr("Watching %1: new photos there are added and labelled").replace(
                "%1", folder))

    def locate_missing(self) -> None:
        missing = self.photos.missing()
        if not missing:
            self.status.flash(self.tr("No photo is missing"))
            return
        folder = QFileDialog.getExistingDirectory(self, self.tr("Where are the missing photos?"),
                                                  self.settings.last_folder("images"))
        if not folder:
            return
        moves = relocate(tuple(missing), folder)
        found = self.photos.relocate(moves)
        self.status.flash(self.tr("Found %1 of %2 missing photos").replace("%1", str(found)).replace(
            "%2", str(len(missing))))
        self.ranking.request_rank()

    # == search ===================================================================================
    def find_similar(self) -> None:
        path = self.current_path()
        if path is None:
            self.status.flash(self.tr("Select a photo first: similar photos are found from it"))
            return
        if self.model.state != READY:
            self.status.flash(self.tr("Wait for the model: it compares the photos"))
            return
        self.search.find_similar(path)

    def group_duplicates(self) -> None:
        if self.model.state != READY:
            self.status.flash(self.tr("Wait for the model: it compares the photos"))
            return
        dialog = DuplicatesDialog(parent=self)
        if dialog.exec() == DuplicatesDialog.DialogCode.Accepted:
            self.search.group_duplicates(dialog.value)

    # == into the photo library ====================================================================
    def set_keep_rule(self, rule: KeepRule) -> None:
        """Which labels each photo keeps: ticked in the results, written as keywords, sorted by."""
        self.results_pane.keep_rule.set_rule(rule)
        self.results.set_keep_rule(rule)
        self.settings.keep_rule = rule

    def kept_items(self) -> list[tuple[str, tuple[str, ...]]]:
        """Every photo labelled with the labels on screen, with the labels it keeps."""
        rule = self.results.keep_rule
        return [(path, rule.kept(prediction)) for path in self.photos.paths()
                if self.photos.is_up_to_date(path) and (prediction := self.photos.prediction(path)) is not None
                and prediction.error is None]

    def on_library_busy(self, busy: bool) -> None:
        for item in (self.write_keywords_action, self.sort_action):
            item.setEnabled(not busy)
        self.undo_action.setEnabled(not busy and bool(self.library.undo_text()))

    def on_undo_changed(self, text: str) -> None:
        self.undo_action.setText(text or self.tr("&Undo"))
        self.undo_action.setEnabled(bool(text) and not self.library.busy)

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
            self.model.load()

    def show_help(self) -> None:
        AboutDialog(self.windowIcon(), self.model.description(), self.settings.file_name, self).exec()
