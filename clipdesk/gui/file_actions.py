"""What goes to and from files besides photos: results exports (the CLI's CSV and JSON formats) and
label sets (saved JSON sets, or plain .txt/.csv label lists), with the recent-sets menu.

Exports are written on a pool thread (thousands of photos, or a slow network drive, would otherwise
freeze the window); label sets are a few hundred bytes and written directly.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QWidget

from clipdesk.gui import services
from clipdesk.gui.image_list import PhotoListModel
from clipdesk.gui.pool_calls import Outcome, PoolCalls
from clipdesk.gui.settings import Settings
from clipdesk.gui.status_bar import ActivityStatusBar
from clipdesk.labeling.labelsets import LabelSet


class FileActions(QObject):
    """Exports and label sets for one window; every failure is one readable message, nothing lost."""

    exported = Signal(str, bool)  # path, written: an export finished
    label_set_opened = Signal(LabelSet)  # put its labels, templates and rule on screen

    def __init__(self, photos: PhotoListModel, settings: Settings, status: ActivityStatusBar,
                 label_set_on_screen: Callable[[], LabelSet], dialog_parent: QWidget) -> None:
        super().__init__(dialog_parent)
        self._photos, self._settings, self._status = photos, settings, status
        self._label_set_on_screen = label_set_on_screen
        self._dialog_parent = dialog_parent
        self._calls = PoolCalls(1, self)  # exports are written in the order they were asked for

    # -- exports -------------------------------------------------------------------------------
    def choose_export_target(self) -> None:
        start = str(Path(self._settings.last_folder("exports")) / "clipdesk-results.csv")
        path, chosen = QFileDialog.getSaveFileName(self._dialog_parent, self.tr("Export Results"), start,
                                                   self.tr("CSV spreadsheet (*.csv);;JSON (*.json)"))
        if path:
            if Path(path).suffix.lower() not in (".csv", ".json"):
                path += ".json" if "json" in chosen.lower() else ".csv"
            self.export_to(path)

    def export_to(self, path: str) -> bool:
        """Start writing the current results (``exported`` says when it is done); photos not labelled
        under the current labels are left out. False when there is nothing to export."""
        from clipdesk.labeling import write_results

        photos = self._photos
        signature = photos.current_signature
        if signature is None:
            self._status.flash(self.tr("Nothing to export yet: add labels and photos first"))
            return False
        predictions = [p for p in photos.predictions() if photos.is_up_to_date(p.path)]
        left_out = photos.rowCount() - len(predictions)
        self._status.flash(self.tr("Exporting results to %1…").replace("%1", path))

        def write() -> int:
            write_results(path, predictions, signature.labels, signature.templates, signature.model)
            return len(predictions)

        self._calls.start(write, lambda outcome: self._on_exported(path, left_out, outcome))
        return True

    def wait(self, timeout_ms: int) -> bool:
        """Wait up to ``timeout_ms`` for exports being written (the window is closing)."""
        return self._calls.wait(timeout_ms)

    def _on_exported(self, path: str, left_out: int, outcome: Outcome[int]) -> None:
        if outcome.error is not None or outcome.value is None:
            error = services.describe_error(outcome.error) if outcome.error is not None else ""
            self._status.flash(self.tr("Export failed: %1").replace("%1", error))
            QMessageBox.warning(self._dialog_parent, self.tr("Export failed"), error)
            self.exported.emit(path, False)
            return
        written = outcome.value
        self._settings.set_last_folder("exports", path)
        note = self.tr("Exported %n photo(s) to %1", "", written).replace("%1", path)
        if left_out:
            note += " " + self.tr("(%n not labelled yet)", "", left_out)
        self._status.flash(note)
        self.exported.emit(path, True)

    # -- label sets ----------------------------------------------------------------------------
    def _label_sets_folder(self) -> Path:
        from clipdesk.labeling.labelsets import label_sets_dir

        folder = Path(self._settings.last_folder("labelsets"))
        return label_sets_dir() if folder == Path.home() and label_sets_dir().is_dir() else folder

    def choose_label_set(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self._dialog_parent, self.tr("Open Label Set"), str(self._label_sets_folder()),
            self.tr("Label sets and lists (*.json *.txt *.csv);;All files (*)"))
        if path:
            self.open_label_set(path)

    def open_label_set(self, path: str) -> bool:
        """Replace the labels (and template) with a saved set, or a .txt/.csv list of labels."""
        from clipdesk.labeling import LabelSetError, import_labels, load_label_set

        try:
            if Path(path).suffix.lower() in (".txt", ".csv"):  # a list: labels only, no templates or rule
                label_set = LabelSet(Path(path).stem, tuple(import_labels(path)), (), None)
            else:
                label_set = load_label_set(path)
        except (LabelSetError, OSError) as error:
            QMessageBox.warning(self._dialog_parent, self.tr("Could not open the label set"),
                                services.describe_error(error))
            return False
        self.label_set_opened.emit(label_set)
        self._settings.add_recent_label_set(path)
        self._settings.set_last_folder("labelsets", path)
        self._status.flash(self.tr("Opened %n label(s) from %1", "", len(label_set.labels)).replace(
            "%1", Path(path).name))
        return True

    def choose_label_set_target(self) -> None:
        folder = self._label_sets_folder()
        path, _ = QFileDialog.getSaveFileName(
            self._dialog_parent, self.tr("Save Label Set"), str(folder / "labels.json"),
            self.tr("Label set (*.json)"))
        if path:
            self.save_label_set(path if path.lower().endswith(".json") else path + ".json")

    def save_label_set(self, path: str) -> bool:
        from clipdesk.labeling import LabelSet, save_label_set

        on_screen = self._label_set_on_screen()
        labels = on_screen.labels
        try:
            save_label_set(LabelSet(Path(path).stem, labels, on_screen.templates, on_screen.keep), path)
        except (OSError, ValueError) as error:
            QMessageBox.warning(self._dialog_parent, self.tr("Could not save the label set"),
                                services.describe_error(error))
            return False
        self._settings.add_recent_label_set(path)
        self._settings.set_last_folder("labelsets", path)
        self._status.flash(self.tr("Saved %n label(s) to %1", "", len(labels)).replace("%1", path))
        return True

    def fill_recent_menu(self, menu: QMenu) -> None:
        menu.clear()
        recent = [p for p in self._settings.recent_label_sets if Path(p).is_file()]
        for path in recent:
            item = menu.addAction(Path(path).name)
            item.setToolTip(path)
            item.triggered.connect(lambda _=False, p=path: self.open_label_set(p))
        if not recent:
            menu.addAction(self.tr("No recent label sets")).setEnabled(False)
            return
        menu.addSeparator()
        menu.addAction(self.tr("Clear Recent"), self._settings.clear_recent_label_sets)
