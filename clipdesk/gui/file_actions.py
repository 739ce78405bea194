"""What goes to and from files besides photos: results exports (the CLI's CSV and JSON formats) and
label sets (saved JSON sets, or plain .txt/.csv label lists), with the recent-sets menu.

Exports are written on a pool thread (thousands of photos, or a slow network drive, would otherwise
freeze the window); label sets are a few hundred bytes and written directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox

from clipdesk.gui import services

if TYPE_CHECKING:
    from clipdesk.gui.main_window import MainWindow
    from clipdesk.labeling.predictions import Prediction


class _Relay(QObject):
    done = Signal(str, str, int, int)  # path, error ("" when written), photos written, photos left out


class _ExportTask(QRunnable):
    def __init__(self, relay: _Relay, path: str, predictions: Sequence[Prediction], labels: Sequence[str],
                 templates: Sequence[str], model: str, left_out: int) -> None:
        super().__init__()
        self._relay, self._path, self._left_out = relay, path, left_out
        self._args = (predictions, labels, templates, model)

    def run(self) -> None:
        from clipdesk.labeling import write_results

        try:
            write_results(self._path, *self._args)
            error = ""
        except Exception as exc:  # noqa: BLE001 - reported to the user, never a dead pool thread
            error = services.describe_error(exc)
        self._relay.done.emit(self._path, error, len(self._args[0]), self._left_out)


class FileActions(QObject):
    """Exports and label sets for one window; every failure is one readable message, nothing lost."""

    exported = Signal(str, bool)  # path, written: an export finished

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)  # exports are written in the order they were asked for
        self._relay = _Relay(self)
        self._relay.done.connect(self._on_exported)

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
        """Start writing the current results (``exported`` says when it is done); photos not labelled
        under the current labels are left out. False when there is nothing to export."""
        window = self.window
        signature = window.photos.current_signature
        if signature is None:
            window.status.flash(self.tr("Nothing to export yet: add labels and photos first"))
            return False
        predictions = [p for p in window.photos.predictions() if window.photos.is_up_to_date(p.path)]
        left_out = window.photos.rowCount() - len(predictions)
        window.status.flash(self.tr("Exporting results to %1…").replace("%1", path))
        self._pool.start(_ExportTask(self._relay, path, predictions, signature.labels, signature.templates,
                                     signature.model, left_out))
        return True

    def wait(self, timeout_ms: int) -> bool:
        """Wait up to ``timeout_ms`` for exports being written (the window is closing)."""
        return self._pool.waitForDone(timeout_ms)

    def _on_exported(self, path: str, error: str, written: int, left_out: int) -> None:
        window = self.window
        if error:
            window.status.flash(self.tr("Export failed: %1").replace("%1", error))
            QMessageBox.warning(window, self.tr("Export failed"), error)
            self.exported.emit(path, False)
            return
        window.settings.set_last_folder("exports", path)
        note = self.tr("Exported %n photo(s) to %1", "", written).replace("%1", path)
        if left_out:
            note += " " + self.tr("(%n not labelled yet)", "", left_out)
        window.status.flash(note)
        self.exported.emit(path, True)

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
            keep = None
            if Path(path).suffix.lower() in (".txt", ".csv"):
                labels, templates = import_labels(path), ()
            else:
                label_set = load_label_set(path)
                labels, templates, keep = list(label_set.labels), label_set.templates, label_set.keep
        except (LabelSetError, OSError) as error:
            QMessageBox.warning(window, self.tr("Could not open the label set"), services.describe_error(error))
            return False
        window.labels_pane.editor.set_labels(labels)
        if templates:
            window.labels_pane.templates.set_templates(templates)
        if keep is not None:  # the rule saved with the set: which labels become keywords and folders
            window.set_keep_rule(keep)
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
        templates = window.labels_pane.templates.templates()
        try:
            save_label_set(LabelSet(Path(path).stem, labels, templates, window.results.keep_rule), path)
        except (OSError, ValueError) as error:
            QMessageBox.warning(window, self.tr("Could not save the label set"), services.describe_error(error))
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
