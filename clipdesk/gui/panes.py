"""The three panes of the main window — labels, photos, results — as widgets that own their layout
and their visible strings (re-translated on a language change). No behaviour beyond presentation: the
window wires them to the worker.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QFont, QPalette, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from clipdesk.gui.keep_rule_field import KeepRuleField
from clipdesk.gui.label_editor import LabelEditor
from clipdesk.gui.photo_view import PhotoListView
from clipdesk.gui.results_model import LABEL_COLUMN, PROBABILITY_COLUMN, ProbabilityBarDelegate, ResultsModel
from clipdesk.gui.templates_field import TemplatesField

PREVIEW = 220  # logical pixels of the results pane's photo preview (longer side)


def pane_title(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    font = QFont(label.font())
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 1.15)
    label.setFont(font)
    return label


class TranslatedPane(QWidget):
    """Calls ``retranslate`` once built and again whenever the application language changes."""

    def retranslate(self) -> None:
        raise NotImplementedError

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


class LabelsPane(TranslatedPane):
    """What to look for: the label list, the prompt template, and the Label All button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = pane_title(self)
        self.editor = LabelEditor(self)
        self.template_title = QLabel(self)
        self.templates = TemplatesField(self)
        self.label_all_button = QPushButton(self)
        self.label_all_button.setDefault(True)
        self.label_all_button.setMinimumHeight(32)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 6, 10)
        layout.addWidget(self.title)
        layout.addWidget(self.editor, 1)
        layout.addSpacing(6)
        layout.addWidget(self.template_title)
        layout.addWidget(self.templates)
        layout.addSpacing(6)
        layout.addWidget(self.label_all_button)
        self.template_title.setWordWrap(True)
        self.template_title.setBuddy(self.templates)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Labels"))
        self.template_title.setText(self.tr("&Prompt templates, one per line ({} is the label; several are "
                                            "averaged):"))
        self.label_all_button.setText(self.tr("Label All Photos"))


class PhotosPane(TranslatedPane):
    """The photo grid with a title line that counts photos and offers Add and Clear."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = pane_title(self)
        self.count = QLabel(self)
        self.add_button = QToolButton(self)
        self.add_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.clear_button = QToolButton(self)
        self.search = QLineEdit(self)
        self.search.setClearButtonEnabled(True)
        self.search_note = QLabel(self)
        self.end_search_button = QToolButton(self)
        self.end_search_button.hide()
        self.view = PhotoListView(self)
        search_row = QHBoxLayout()
        search_row.addWidget(self.search, 1)
        search_row.addWidget(self.search_note)
        search_row.addWidget(self.end_search_button)
        header = QHBoxLayout()
        header.addWidget(self.title)
        header.addSpacing(8)
        header.addWidget(self.count)
        header.addStretch(1)
        header.addWidget(self.add_button)
        header.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 10, 6, 10)
        layout.addLayout(header)
        layout.addLayout(search_row)
        layout.addWidget(self.view, 1)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Photos"))
        self.search.setPlaceholderText(self.tr("Search the photos by words…"))
        self.search.setToolTip(self.tr("Type what you look for (in the model's language): the photos are "
                                       "sorted best match first. Clear the field for the usual order."))
        self.end_search_button.setText(self.tr("Usual Order"))
        self.view.empty_title = self.tr("Drop photos or folders here")
        self.view.empty_hint = self.tr("or press Ctrl+O to choose photos, Ctrl+Shift+O for a whole folder, "
                                       "Ctrl+V to paste")
        self.view.viewport().update()

    def set_counts(self, total: int, labelled: int, failed: int) -> None:
        if not total:
            self.count.setText("")
            return
        text = self.tr("%n photo(s)", "", total)
        if labelled:
            text += " · " + self.tr("%n labelled", "", labelled)
        if failed:
            text += " · " + self.tr("%n unreadable", "", failed)
        self.count.setText(text)


class ResultsPane(TranslatedPane):
    """The selected photo: a preview, its name, and its labels ranked with probability bars."""

    def __init__(self, model: ResultsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = pane_title(self)
        self.preview = QLabel(self)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumHeight(PREVIEW // 2)
        self.preview.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.preview.setFixedHeight(PREVIEW)
        self.name = QLabel(self)
        self.name.setAlignment(Qt.AlignmentFlag.AlignCenter)
        name_font = QFont(self.name.font())
        name_font.setBold(True)
        self.name.setFont(name_font)
        self.name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.name.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = QTableView(self)
        self.table.setModel(model)
        self.table.setItemDelegateForColumn(PROBABILITY_COLUMN, ProbabilityBarDelegate(self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(30)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(LABEL_COLUMN, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(PROBABILITY_COLUMN, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(PROBABILITY_COLUMN, 150)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.stack = QStackedWidget(self)  # page 0: the table, page 1: a note instead of it
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.note)
        self.top_k_label = QLabel(self)
        self.top_k = QSpinBox(self)
        self.top_k.setRange(0, 1000)
        self.top_k_label.setBuddy(self.top_k)
        self.copy_button = QToolButton(self)
        footer = QHBoxLayout()
        footer.addWidget(self.top_k_label)
        footer.addWidget(self.top_k)
        footer.addStretch(1)
        footer.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 10, 10, 10)
        layout.addWidget(self.title)
        layout.addWidget(self.preview)
        layout.addWidget(self.name)
        layout.addWidget(self.stack, 1)
        layout.addLayout(footer)
        self.keep_rule = KeepRuleField(self)
        layout.addWidget(self.keep_rule)
        self.retranslate()

    def retranslate(self) -> None:
        self.keep_rule.retranslate()
        self.title.setText(self.tr("Results"))
        self.top_k_label.setText(self.tr("&Show top:"))
        self.top_k.setSpecialValueText(self.tr("all labels"))
        self.top_k.setSuffix(self.tr(" labels"))

    def show_table(self) -> None:
        self.stack.setCurrentIndex(0)

    def show_note(self, text: str, error: bool = False) -> None:
        self.note.setText(text)
        color = "#c5221f" if error else self.palette().color(QPalette.ColorRole.PlaceholderText).name()
        self.note.setStyleSheet(f"color: {color};")
        self.stack.setCurrentIndex(1)

    def set_photo(self, name: str, pixmap: QPixmap | None, placeholder: str = "") -> None:
        """Show ``name`` and its preview; ``placeholder`` stands in for a preview there will never be."""
        metrics = self.name.fontMetrics()
        self.name.setText(metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, max(80, self.width() - 24)))
        self.name.setToolTip(name)
        if pixmap is None:
            self.preview.clear()
            self.preview.setText(placeholder)
            return
        self.preview.setPixmap(pixmap)
