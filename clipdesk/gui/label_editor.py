"""The label editor: type and press Enter (commas or pasted lines add several), edit in place, delete,
drag to reorder. Emits the label list whenever it changes so the
window can save it at once and re-rank.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from PySide6.QtCore import QEvent, QSignalBlocker, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QContextMenuEvent,
    QIcon,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPalette,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from clipdesk.gui.photo_sources import PassesPhotoDropsUp, carries_photos

# Commas (ASCII, full-width, ideographic), semicolons, tabs and line breaks separate labels.
_SEPARATORS = re.compile(r"[,\uFF0C\u3001;\uFF1B\t\r\n]+")
ORIGINAL_ROLE = Qt.ItemDataRole.UserRole + 1  # the text before an in-place edit


def split_labels(text: str) -> list[str]:
    """The labels in what a person typed or pasted: separated, trimmed, blanks dropped."""
    return [part for part in (unicodedata.normalize("NFC", p).strip() for p in _SEPARATORS.split(text)) if part]


class TextOnlyLineEdit(PassesPhotoDropsUp, QLineEdit):
    """A line edit that takes typed text but leaves photos to the window: dropped or pasted files and
    image data go on to the photo list instead of becoming a path in the text.

    Ctrl+V normally reaches the focused line edit before the window's Paste action, and the label
    entry has the focus when the window opens, so without this copied photos would land as text.
    """

    photos_pasted = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Paste) and self._paste_special():
            event.accept()
            return
        super().keyPressEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        menu = self.createStandardContextMenu()
        for action in menu.actions():
            if action.objectName() == "edit-paste":
                action.triggered.disconnect()
                action.triggered.connect(lambda: self._paste_special() or self.paste())
        menu.exec(event.globalPos())
        menu.deleteLater()

    def _paste_special(self) -> bool:
        """Handle a paste that is not plain typing; False lets the line edit paste as usual."""
        if carries_photos(QApplication.clipboard().mimeData()):
            self.photos_pasted.emit()
            return True
        return False


class LabelEntry(TextOnlyLineEdit):
    """The label entry, where pasting several lines adds them all as labels instead of one run-on line."""

    lines_pasted = Signal(str)

    def _paste_special(self) -> bool:
        if super()._paste_special():
            return True
        text = QApplication.clipboard().text()
        if "\n" not in text.strip():
            return False
        self.lines_pasted.emit(text)
        return True


class LabelList(QListWidget):
    """The labels, in order; shows a hint when empty; Delete removes the selected ones."""

    delete_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.empty_hint = ""
        self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                             | QAbstractItemView.EditTrigger.EditKeyPressed
                             | QAbstractItemView.EditTrigger.SelectedClicked)
        self.setAlternatingRowColors(True)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setUniformItemSizes(True)
        self.setIconSize(QSize(16, 16))
        self.setStyleSheet("QListWidget::item { padding: 3px 4px; }")

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if (event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.state()
                != QAbstractItemView.State.EditingState and self.selectedItems()):
            self.delete_requested.emit()
            event.accept()
            return
        super().keyPressEvent(event)

    def paintEvent(self, event: Any) -> None:
        super().paintEvent(event)
        if self.count():
            return
        painter = QPainter(self.viewport())
        painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
        area = self.viewport().rect().adjusted(12, 12, -12, -12)
        painter.drawText(area, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.empty_hint)


class LabelEditor(QWidget):
    """Entry line + ordered, editable label list + a line that counts labels or warns about them."""

    labels_changed = Signal(list)
    message = Signal(str)  # a short note for the status bar ("'cat' is already in the list")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._truncated: set[str] = set()
        self._context_length = 77  # tokens the model reads; the truncated labels' prompts exceed it
        self._emit_timer = QTimer(self, singleShot=True, interval=0)
        self._emit_timer.timeout.connect(self._emit_changed)
        self.entry = LabelEntry(self)
        self.entry.setClearButtonEnabled(True)
        self.entry.returnPressed.connect(self._add_from_entry)
        self.entry.lines_pasted.connect(lambda text: self.add_labels(split_labels(text)))
        self.list = LabelList(self)
        self.list.delete_requested.connect(self.remove_selected)
        self.list.itemChanged.connect(self._on_item_edited)
        model = self.list.model()
        for signal in (model.rowsMoved, model.rowsInserted, model.rowsRemoved):
            signal.connect(self._schedule_changed)
        self.remove_button = QToolButton(self)
        self.remove_button.setEnabled(False)
        self.remove_button.clicked.connect(self.remove_selected)
        self.list.itemSelectionChanged.connect(
            lambda: self.remove_button.setEnabled(bool(self.list.selectedItems())))
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self._build_layout()
        self.retranslate()

    def _build_layout(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.entry)
        layout.addWidget(self.list, 1)
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(row)

    def retranslate(self) -> None:
        self.entry.setPlaceholderText(self.tr("Type a label and press Enter"))
        self.entry.setToolTip(self.tr("Commas or pasted lines add several labels at once"))
        self.list.empty_hint = self.tr("No labels yet.\nType what you are looking for, e.g.\n"
                                       "receipt, cat, red envelope")
        self.remove_button.setText(self.tr("Remove"))
        self.remove_button.setToolTip(self.tr("Remove the selected labels (Delete)"))
        self._update_status()
        self.list.viewport().update()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # -- reading and writing the list ----------------------------------------------------------
    def labels(self) -> list[str]:
        return [self.list.item(row).text() for row in range(self.list.count())]

    def set_labels(self, labels: list[str]) -> None:
        """Replace the list (a loaded label set, restored settings); duplicates and blanks dropped."""
        with QSignalBlocker(self.list):
            self.list.clear()
            seen: set[str] = set()
            for label in (unicodedata.normalize("NFC", text).strip() for text in labels):
                if label and label not in seen:
                    seen.add(label)
                    self.list.addItem(self._make_item(label))
        self._schedule_changed()

    def add_labels(self, labels: list[str]) -> int:
        """Append labels not already present; returns how many were added."""
        present = set(self.labels())
        added = 0
        with QSignalBlocker(self.list):
            for label in labels:
                if label in present:
                    self.message.emit(self.tr("“%1” is already in the list").replace("%1", label))
                    continue
                present.add(label)
                self.list.addItem(self._make_item(label))
                added += 1
        if added:
            self.list.scrollToBottom()
        return added

    def remove_selected(self) -> None:
        rows = sorted((self.list.row(item) for item in self.list.selectedItems()), reverse=True)
        for row in rows:
            self.list.takeItem(row)

    def mark_truncated(self, labels: set[str], context_length: int | None = None) -> None:
        """Flag labels whose prompt is longer than the model reads (warning icon, tooltip, status);
        ``context_length``: how many tokens that is (77 for OpenAI's CLIP, 52 for Chinese-CLIP)."""
        self._truncated = set(labels)
        if context_length is not None:
            self._context_length = context_length
        warning = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        with QSignalBlocker(self.list):
            for row in range(self.list.count()):
                item = self.list.item(row)
                long = item.text() in self._truncated
                item.setIcon(warning if long else QIcon())
                item.setToolTip(self.tr("Too long: the model only reads the first %1 tokens of this "
                                        "prompt, the rest is cut off.").replace("%1", str(self._context_length))
                                if long else item.text())
        self._update_status()

    # -- internals -----------------------------------------------------------------------------
    def _make_item(self, label: str) -> QListWidgetItem:
        item = QListWidgetItem(label)
        item.setData(ORIGINAL_ROLE, label)
        item.setToolTip(label)
        item.setFlags(Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsEditable
                      | Qt.ItemFlag.ItemIsDragEnabled)
        return item

    def _add_from_entry(self) -> None:
        labels = split_labels(self.entry.text())
        if labels:
            self.add_labels(labels)
        self.entry.clear()

    def _on_item_edited(self, item: QListWidgetItem) -> None:
        text = unicodedata.normalize("NFC", item.text()).strip()
        original = item.data(ORIGINAL_ROLE)
        others = {self.list.item(r).text() for r in range(self.list.count()) if self.list.item(r) is not item}
        with QSignalBlocker(self.list):
            if not text:
                self.list.takeItem(self.list.row(item))
            elif text in others:
                self.message.emit(self.tr("“%1” is already in the list").replace("%1", text))
                item.setText(original)
                return
            else:
                item.setText(text)
                item.setData(ORIGINAL_ROLE, text)
                item.setToolTip(text)
        self._schedule_changed()

    def _schedule_changed(self, *args: Any) -> None:
        self._emit_timer.start()  # several row signals from one drag or paste become one change

    def _emit_changed(self) -> None:
        self._update_status()
        self.labels_changed.emit(self.labels())

    def _update_status(self) -> None:
        count = self.list.count()
        long = [label for label in self.labels() if label in self._truncated]
        if long:
            self.status.setText("⚠ " + self.tr("%n label(s) too long: the model reads only the first %1 "
                                               "tokens.", "", len(long)).replace("%1", str(self._context_length)))
            self.status.setStyleSheet("color: #b06000;")
        else:
            self.status.setText(self.tr("%n label(s)", "", count) if count else "")
            self.status.setStyleSheet("")
