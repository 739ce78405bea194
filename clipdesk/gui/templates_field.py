"""The prompt templates: one per line, each with ``{}`` where the label goes. Several lines form an
ensemble (their text features are averaged, as the CLI's repeated ``--template`` and OpenAI's
prompt-engineering notebook do). A line without ``{}`` is flagged and the templates in effect stay the
last valid ones: every label would get the same prompt, hence the same probability.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QMimeData, Signal
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from clipdesk.defaults import DEFAULT_TEMPLATE
from clipdesk.gui.photo_sources import PassesPhotoDropsUp, carries_photos
from clipdesk.labeling.labels import PLACEHOLDER

VISIBLE_LINES = 3  # room for a small ensemble without scrolling


def parse_templates(text: str, default: str = DEFAULT_TEMPLATE) -> tuple[tuple[str, ...], list[int]]:
    """The templates in ``text`` (one per non-blank line, trimmed, repeats dropped; ``default``, the
    model family's, when there are none) and the 1-based numbers of the lines that lack ``{}``."""
    templates: list[str] = []
    invalid: list[int] = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = " ".join(line.split())
        if not line:
            continue
        if PLACEHOLDER not in line:
            invalid.append(number)
        elif line not in templates:
            templates.append(line)
    return tuple(templates) or (default,), invalid


class TemplatesField(PassesPhotoDropsUp, QPlainTextEdit):
    """Emits ``templates_changed(tuple)`` with the valid templates whenever they change. Photos pasted
    or dropped here go on to the photo list (``photos_pasted``, or an ignored drop the window takes)."""

    templates_changed = Signal(tuple)  # tuple[str, ...]
    photos_pasted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._default = DEFAULT_TEMPLATE  # the loaded model family's own template
        self._valid: tuple[str, ...] = (DEFAULT_TEMPLATE,)
        self.setTabChangesFocus(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        margins = self.contentsMargins()
        frame = 2 * self.frameWidth() + margins.top() + margins.bottom() + 2 * int(self.document().documentMargin())
        self.setFixedHeight(self.fontMetrics().lineSpacing() * VISIBLE_LINES + frame)
        self.textChanged.connect(self._on_text_changed)
        self.retranslate()

    def retranslate(self) -> None:
        self.setPlaceholderText(self._default)
        self._on_text_changed(emit=False)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # -- the text, as a line edit would offer it ------------------------------------------------------
    def text(self) -> str:
        return self.toPlainText()

    def setText(self, text: str) -> None:
        self.setPlainText(text)

    def set_templates(self, templates: tuple[str, ...] | list[str]) -> None:
        self.setPlainText("\n".join(templates))

    def adopt_family_default(self, default: str, family_defaults: tuple[str, ...]) -> None:
        """A model of another family was loaded: its own template becomes the default, and replaces
        what is typed when that is only another family's default (the user never chose it). Templates
        the user wrote stay as they are."""
        self._default = default
        self.setPlaceholderText(default)
        typed, invalid = parse_templates(self.toPlainText(), default)
        if not invalid and len(typed) == 1 and typed[0] in family_defaults and typed[0] != default:
            self.set_templates((default,))  # emits templates_changed
        else:
            self._on_text_changed()

    def templates(self) -> tuple[str, ...]:
        """The templates in effect: what is typed when every line is valid, else the last valid ones."""
        return self._valid

    def is_valid(self) -> bool:
        return not parse_templates(self.toPlainText())[1]

    def _on_text_changed(self, emit: bool = True) -> None:
        templates, invalid = parse_templates(self.toPlainText(), self._default)
        if invalid:
            self.setStyleSheet("QPlainTextEdit { border: 1px solid #d93025; border-radius: 3px; }")
            self.setToolTip(self.tr("Line %1: put {} where the label goes, e.g. “a photo of a {}.”").replace(
                "%1", ", ".join(map(str, invalid))))
            return
        self.setStyleSheet("")
        self.setToolTip(self.tr("The sentence each label is put into; {} stands for the label. Several "
                                "lines are averaged into one prompt per label."))
        if templates != self._valid:
            self._valid = templates
            if emit:
                self.templates_changed.emit(templates)

    # -- photos are not text --------------------------------------------------------------------------
    def canInsertFromMimeData(self, source: QMimeData) -> bool:
        return True if carries_photos(source) else super().canInsertFromMimeData(source)

    def insertFromMimeData(self, source: QMimeData) -> None:
        if carries_photos(source):
            self.photos_pasted.emit()
        else:
            self.insertPlainText(source.text())  # plain text only: no rich text in a template
