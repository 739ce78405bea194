"""The two dialogs that put labels into the photo library — Write Keywords… and Sort into Folders… —
each with a preview of what will happen to every photo before anything does."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from clipdesk.labeling.keep_rule import UNSORTED
from clipdesk.labeling.library.folder_sort import SortOptions, destinations
from clipdesk.labeling.library.keyword_sets import DEFAULT_PARENT
from clipdesk.labeling.library.keyword_writer import EMBEDDED, SIDECAR, KeywordOptions, where_keywords_go

Index = QModelIndex | QPersistentModelIndex
Items = Sequence[tuple[str, tuple[str, ...]]]


class PreviewModel(QAbstractTableModel):
    """Rows of plain text: (photo, what it gets, where it goes)."""

    def __init__(self, headers: Sequence[str], parent: Any = None) -> None:
        super().__init__(parent)
        self._headers = list(headers)
        self._rows: list[tuple[str, ...]] = []

    def set_rows(self, rows: list[tuple[str, ...]]) -> None:
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._headers)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        return self._rows[index.row()][index.column()]

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self._headers[section]
        return None


def preview_table(model: PreviewModel, parent: QWidget) -> QTableView:
    table = QTableView(parent)
    table.setModel(model)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    table.setWordWrap(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    table.setMinimumSize(560, 220)
    return table


class WriteKeywordsDialog(QDialog):
    def __init__(self, items: Items, mode: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Write Keywords"))
        self._items = list(items)
        self.embedded = QRadioButton(self.tr("Into the photos (JPEG, PNG, TIFF, WebP; other formats and "
                                             "read-only photos get a sidecar)"), self)
        self.sidecar = QRadioButton(self.tr("Into XMP sidecars beside the photos (photo.jpg.xmp)"), self)
        group = QButtonGroup(self)
        group.addButton(self.embedded)
        group.addButton(self.sidecar)
        (self.sidecar if mode == SIDECAR else self.embedded).setChecked(True)
        self.parent_field = QLineEdit(DEFAULT_PARENT, self)
        self.parent_field.setToolTip(self.tr("Hierarchical keywords are written as PARENT|label "
                                             "(lr:hierarchicalSubject); leave empty for none"))
        self.keep_mtime = QCheckBox(self.tr("Keep each photo's modification time"), self)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.preview = PreviewModel([self.tr("Photo"), self.tr("Keywords"), self.tr("Written to")], self)
        form = QFormLayout()
        form.addRow(self.tr("Hierarchy parent:"), self.parent_field)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.write_button = buttons.addButton(self.tr("&Write Keywords"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        note = QLabel(self.tr("Keywords already in the photos are kept; keywords clipdesk wrote before are "
                              "replaced. Every change is logged: Edit → Undo takes it back."), self)
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        for widget in (self.embedded, self.sidecar):
            layout.addWidget(widget)
        layout.addLayout(form)
        layout.addWidget(self.keep_mtime)
        layout.addWidget(self.summary)
        layout.addWidget(preview_table(self.preview, self), 1)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.embedded.toggled.connect(self._refresh)
        self._refresh()

    @property
    def mode(self) -> str:
        return SIDECAR if self.sidecar.isChecked() else EMBEDDED

    def values(self) -> KeywordOptions:
        return KeywordOptions(mode=self.mode, parent=self.parent_field.text().strip(),
                              keep_mtime=self.keep_mtime.isChecked())

    def _refresh(self, *args: object) -> None:
        rows = []
        for path, labels in self._items:
            place, _ = where_keywords_go(Path(path), self.mode) if Path(path).exists() else (EMBEDDED, "")
            where = self.tr("the photo") if place == EMBEDDED else self.tr("sidecar %1").replace(
                "%1", Path(path).name + ".xmp")
            rows.append((Path(path).name, ", ".join(labels) or self.tr("(none: clipdesk's earlier keywords "
                                                                       "are removed)"), where))
        self.preview.set_rows(rows)
        with_labels = sum(1 for _, labels in self._items if labels)
        self.summary.setText(self.tr("%1 of %2 photos get keywords.").replace("%1", str(with_labels)).replace(
            "%2", str(len(self._items))))


class SortDialog(QDialog):
    def __init__(self, items: Items, folder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Sort into Folders"))
        self._items = list(items)
        self.folder = QLineEdit(folder, self)
        browse = QPushButton(self.tr("&Choose…"), self)
        browse.clicked.connect(self._choose)
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        self.copy = QRadioButton(self.tr("&Copy the photos (the originals stay where they are)"), self)
        self.move = QRadioButton(self.tr("&Move the photos"), self)
        self.copy.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.copy)
        group.addButton(self.move)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.preview = PreviewModel([self.tr("Photo"), self.tr("Folders")], self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.sort_button = buttons.addButton(self.tr("&Sort"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        note = QLabel(self.tr("Nothing is overwritten: a name already taken becomes “IMG_0001 (2).jpg”. "
                              "Sidecars go with their photo. Edit → Undo takes the sort back."), self)
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Into the folder:"), self))
        layout.addLayout(row)
        layout.addWidget(self.copy)
        layout.addWidget(self.move)
        layout.addWidget(self.summary)
        layout.addWidget(preview_table(self.preview, self), 1)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.folder.textChanged.connect(self._refresh)
        self._refresh()

    def values(self) -> SortOptions:
        return SortOptions(into=Path(self.folder.text().strip()), move=self.move.isChecked())

    def _choose(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, self.tr("Sort into Folders"), self.folder.text())
        if chosen:
            self.folder.setText(chosen)

    def _refresh(self, *args: object) -> None:
        target = self.folder.text().strip()
        self.sort_button.setEnabled(bool(target))
        into = Path(target or ".")
        rows = [(Path(path).name, ", ".join(str(folder.relative_to(into)) for folder in destinations(into, labels)))
                for path, labels in self._items]
        self.preview.set_rows(rows)
        unsorted = sum(1 for _, labels in self._items if not labels)
        self.summary.setText(self.tr("%1 photos; %2 keep no label and go to “%3”.").replace(
            "%1", str(len(self._items))).replace("%2", str(unsorted)).replace("%3", UNSORTED))
