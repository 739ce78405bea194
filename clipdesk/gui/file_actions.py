"""What goes to and from files besides photos: results exports (the CLI's CSV and JSON formats) and
label sets (saved JSON sets, or plain .txt/.csv label lists), with the recent-sets menu."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox

from clipdesk.gui import engine

if TYPE_CHECKING:
    from clipdesk.gui.main_window import MainWindow


class FileActions(QObject):
    """Exports and label sets for one window; every failure is one readable message, nothing lost."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window

    # -- exports -------------------------------------------------------------------------------
    def choose_export_target(self) -> None:
        start = str(Path(self.window.settings.last_folder("exports")) / "clipdesk-results.csv")
        path, chosen = QFileDialog.getSaveFileName(self.window, self.tr("Export Results"), start,
                                                   self.tr("CSV spreadsheet (*.csv);;JSON (*.json)"))
        if path:
            if Path(path).suffix.lower() not in (".csv", ".json"):
                path += ".json" if "json" in chosen.lower() else ".csv"
            self.export_to(path)

    def export_to(self, path: str) -> bool:
        """Write the current results; photos not labelled under the current labels are left out."""
        from clipdesk.labeling import write_results

        window = self.window
        signature = window.photos.current_signature
        if signature is None:
            window.status.flash(self.tr("Nothing to export yet: add labels and photos first"))
            return False
        predictions = [p for p in window.photos.predictions() if window.photos.is_up_to_date(p.path)]
        try:
            write_results(path, predictions, signature.labels, signature.templates, signature.model)
        except (OSError, ValueError) as error:
            QMessageBox.warning(window, self.tr("Export failed"), engine.describe_error(error))
            return False
        window.settings.set_last_folder("exports", path)
        note = self.tr("Exported %n photo(s) to %1", "", len(predictions)).replace("%1", path)
        missing = window.photos.rowCount() - len(predictions)
        if missing:
            note += " " + self.tr("(%n not labelled yet)", "", missing)
        window.status.flash(note)
        return True

    # -- label sets ----------------------------------------------------------------------------
    def _label_sets_folder(self) -> Path:
        from clipdesk.labeling.labelsets import label_sets_dir

        folder = Path(self.window.settings.last_folder("labelsets"))
        return label_sets_dir() if folder == Path.home() and label_sets_dir().is_dir() else folder

    def choose_label_set(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, self.tr("Open Label Set"), str(self._label_sets_folder()),
                                              self.tr("Label sets and lists (*.json *.txt *.csv);;All files (*)"))
        if path:
            self.open_label_set(path)

    def open_label_set(self, path: str) -> bool:
        """Replace the labels (and template) with a saved set, or a .txt/.csv list of labels."""
        from clipdesk.labeling import LabelSetError, import_labels, load_label_set

        window = self.window
        try:
            if Path(path).suffix.lower() in (".txt", ".csv"):
                labels, templates = import_labels(path), ()
            else:
                label_set = load_label_set(path)
                labels, templates = list(label_set.labels), label_set.templates
        except (LabelSetError, OSError) as error:
            QMessageBox.warning(window, self.tr("Could not open the label set"), engine.describe_error(error))
            return False
        window.labels_pane.editor.set_labels(labels)
        if templates:
            window.labels_pane.template.setText(templates[0])
        window.settings.add_recent_label_set(path)
        window.settings.set_last_folder("labelsets", path)
        window.status.flash(self.tr("Opened %n label(s) from %1", "", len(labels)).replace("%1", Path(path).name))
        return True

    def choose_label_set_target(self) -> None:
        folder = self._label_sets_folder()
        path, _ = QFileDialog.getSaveFileName(self.window, self.tr("Save Label Set"), str(folder / "labels.json"),
                                              self.tr("Label set (*.json)"))
        if path:
            self.save_label_set(path if path.lower().endswith(".json") else path + ".json")

    def save_label_set(self, path: str) -> bool:
        from clipdesk.labeling import LabelSet, save_label_set

        window = self.window
        labels = tuple(window.labels_pane.editor.labels())
        template = window.labels_pane.template.template()
        try:
            save_label_set(LabelSet(Path(path).stem, labels, (template,)), path)
        except (OSError, ValueError) as error:
            QMessageBox.warning(window, self.tr("Could not save the label set"), engine.describe_error(error))
            return False
        window.settings.add_recent_label_set(path)
        window.settings.set_last_folder("labelsets", path)
        window.status.flash(self.tr("Saved %n label(s) to %1", "", len(labels)).replace("%1", path))
        return True

    def fill_recent_menu(self, menu: QMenu) -> None:
        menu.clear()
        recent = [p for p in self.window.settings.recent_label_sets if Path(p).is_file()]
        for path in recent:
            item = menu.addAction(Path(path).name)
            item.setToolTip(path)
            item.triggered.connect(lambda _=False, p=path: self.open_label_set(p))
        if not recent:
            menu.addAction(self.tr("No recent label sets")).setEnabled(False)
            return
        menu.addSeparator()
        menu.addAction(self.tr("Clear Recent"), self.window.settings.clear_recent_label_sets)
