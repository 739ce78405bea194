"""The results table: one photo's labels ranked by probability (a ``QAbstractTableModel`` over a
``Prediction``), a delegate that draws each probability as a bar, and the plain-text form used by
Edit → Copy Results.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QPoint, QRect, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from clipdesk.labeling.keep_rule import DEFAULT_KEEP_RULE, KeepRule

if TYPE_CHECKING:
    from clipdesk.labeling.predictions import Prediction

Index = QModelIndex | QPersistentModelIndex
PROBABILITY_ROLE = Qt.ItemDataRole.UserRole + 1
KEPT_ROLE = Qt.ItemDataRole.UserRole + 2  # True for a label the keep rule gives the photo
FLOOR_ROLE = Qt.ItemDataRole.UserRole + 3  # the rule's min probability (None: no floor), drawn as a line
TICK_SIZE = 14
LABEL_COLUMN, PROBABILITY_COLUMN = 0, 1


class ResultsModel(QAbstractTableModel):
    """Rows are the top-k labels of one prediction, most probable first; 0 shows every label."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._prediction: Prediction | None = None
        self._top_k = 5
        self._rule = DEFAULT_KEEP_RULE
        self._kept: frozenset[str] = frozenset()

    # -- state ---------------------------------------------------------------------------------
    @property
    def prediction(self) -> Prediction | None:
        return self._prediction

    @property
    def top_k(self) -> int:
        return self._top_k

    @property
    def keep_rule(self) -> KeepRule:
        return self._rule

    @property
    def kept(self) -> frozenset[str]:
        """The labels the shown photo keeps under the rule (ticked in the table)."""
        return self._kept

    def set_prediction(self, prediction: Prediction | None) -> None:
        if prediction == self._prediction:
            return
        self.beginResetModel()
        self._prediction = prediction
        self._kept = self._kept_labels()
        self.endResetModel()

    def set_keep_rule(self, rule: KeepRule) -> None:
        self._rule = rule
        self._kept = self._kept_labels()
        if self.rowCount():
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, 1))

    def _kept_labels(self) -> frozenset[str]:
        return frozenset(self._rule.kept(self._prediction)) if self._prediction is not None else frozenset()

    def set_top_k(self, k: int) -> None:
        """Show the ``k`` most probable labels (all when ``k`` is 0); rows are inserted or removed."""
        k = max(0, int(k))
        old_rows, new_rows = self._visible_count(), self._visible_count(k)
        if new_rows > old_rows:
            self.beginInsertRows(QModelIndex(), old_rows, new_rows - 1)
            self._top_k = k
            self.endInsertRows()
        elif new_rows < old_rows:
            self.beginRemoveRows(QModelIndex(), new_rows, old_rows - 1)
            self._top_k = k
            self.endRemoveRows()
        else:
            self._top_k = k

    def _visible_count(self, top_k: int | None = None) -> int:
        top_k = self._top_k if top_k is None else top_k
        scores = self._prediction.scores if self._prediction is not None else ()
        return len(scores) if top_k == 0 else min(len(scores), top_k)

    # -- Qt model API --------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else self._visible_count()

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else 2

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self._prediction is None or not 0 <= index.row() < self.rowCount():
            return None
        score = self._prediction.scores[index.row()]
        column = index.column()
        kept = score.label in self._kept
        if role == Qt.ItemDataRole.DisplayRole:
            return score.label if column == LABEL_COLUMN else f"{score.probability:.2%}"
        if role == Qt.ItemDataRole.DecorationRole and column == LABEL_COLUMN:
            return tick_icon() if kept else blank_icon()
        if role == PROBABILITY_ROLE:
            return score.probability
        if role == KEPT_ROLE:
            return kept
        if role == FLOOR_ROLE:
            return self._rule.min_probability
        if role == Qt.ItemDataRole.FontRole and kept and column == LABEL_COLUMN:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            note = self.tr(" — kept: written as a keyword, sorted into its folder") if kept else ""
            return f"{score.label}: {score.probability:.4%}{note}"
        if role == Qt.ItemDataRole.TextAlignmentRole and column == PROBABILITY_COLUMN:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1)
        return self.tr("Label") if section == LABEL_COLUMN else self.tr("Probability")

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


@lru_cache(maxsize=1)
def tick_icon() -> QPixmap:
    """The mark beside a label the photo keeps (drawn, so it needs no icon theme or font glyph)."""
    pixmap = blank_icon().copy()
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor("#1e8e3e"), 2.2, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    painter.drawPolyline([QPoint(2, 7), QPoint(6, 11), QPoint(12, 3)])
    painter.end()
    return pixmap


@lru_cache(maxsize=1)
def blank_icon() -> QPixmap:
    """Same size as the tick, so kept and other labels stay aligned."""
    pixmap = QPixmap(TICK_SIZE, TICK_SIZE)
    pixmap.fill(Qt.GlobalColor.transparent)
    return pixmap


class ProbabilityBarDelegate(QStyledItemDelegate):
    """Draws the probability column as a horizontal bar with the percentage written over it."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        probability = index.data(PROBABILITY_ROLE)
        if probability is None:
            super().paint(painter, option, index)
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = option.palette
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, palette.color(QPalette.ColorRole.Highlight).lighter(170))
        track = option.rect.adjusted(4, 5, -4, -5)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(palette.color(QPalette.ColorRole.AlternateBase).darker(104))
        painter.drawRoundedRect(track, 4, 4)
        fill = QRect(track)
        fill.setWidth(max(0, round(track.width() * float(probability))))
        color = QColor(palette.color(QPalette.ColorRole.Highlight))
        if not index.data(KEPT_ROLE):
            color.setAlpha(110)  # a label the photo does not keep is drawn faint
        painter.setBrush(color)
        if fill.width() > 0:
            painter.drawRoundedRect(fill, 4, 4)
        floor = index.data(FLOOR_ROLE)
        if floor is not None:  # the keep rule's threshold, as a line across every bar
            x = track.left() + round(track.width() * float(floor))
            line = QColor(palette.color(QPalette.ColorRole.Text))
            line.setAlpha(160)
            painter.setPen(line)
            painter.drawLine(x, option.rect.top() + 2, x, option.rect.bottom() - 2)
        text = index.data(Qt.ItemDataRole.DisplayRole)
        text_rect = track.adjusted(6, 0, -6, 0)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, text)
        painter.restore()


def prediction_as_text(prediction: Prediction, top_k: int = 0) -> str:
    """The photo's path, then one ``label: 12.34%`` line per label, labels right-aligned (like the CLI)."""
    if prediction.error:
        return f"{prediction.path}\n  error: {prediction.error}\n"
    scores = prediction.scores if top_k == 0 else prediction.scores[:top_k]
    width = max((len(score.label) for score in scores), default=0)
    lines = [prediction.path] + [f"  {score.label:>{width}}: {score.probability:.2%}" for score in scores]
    return "\n".join(lines) + "\n"
