"""The photo grid's data and painting: a list model of photos with their latest prediction, and a
delegate that paints each thumbnail with its top label underneath (or an error badge). The view that
takes drops is ``photo_view.PhotoListView``.

The model holds plain data (paths, ``Prediction``s, and the label/template/model signature each
prediction was computed under); thumbnails come from ``ThumbnailLoader`` when a cell is painted, so a
thousand photos cost nothing until they scroll into view.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractListModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import (
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
)

from clipdesk.gui.thumbnails import ThumbnailLoader

if TYPE_CHECKING:
    from clipdesk.labeling.predictions import Prediction

Index = QModelIndex | QPersistentModelIndex

PATH_ROLE = Qt.ItemDataRole.UserRole + 1
PREDICTION_ROLE = Qt.ItemDataRole.UserRole + 2
STALE_ROLE = Qt.ItemDataRole.UserRole + 3
ERROR_ROLE = Qt.ItemDataRole.UserRole + 4
SCORE_ROLE = Qt.ItemDataRole.UserRole + 5  # similarity to the search, while one is shown
MISSING_ROLE = Qt.ItemDataRole.UserRole + 6  # a project's photo that is not on disk (moved or deleted)

THUMB = 120  # logical pixels of a thumbnail's longer side
CELL = QSize(150, 176)
ERROR_COLOR = QColor("#d93025")


def readable_reason(reason: str) -> str:
    """Why a photo could not be read, in the window's language. The labeling service words its reasons
    in English (they also go into exports and the CLI); the known ones are translated here, and any
    detail after them (a decoder's own message) is kept as it is."""
    known = (  # longest first: "not an image (empty file)" before "not an image ..."
        ("not an image (or a format clipdesk cannot read)",
         QCoreApplication.translate("PhotoErrors", "not an image (or a format clipdesk cannot read)")),
        ("not an image, or an image format clipdesk cannot read",
         QCoreApplication.translate("PhotoErrors", "not an image (or a format clipdesk cannot read)")),
        ("not an image (empty file)", QCoreApplication.translate("PhotoErrors", "not an image (empty file)")),
        ("too large to decode in the available memory",
         QCoreApplication.translate("PhotoErrors", "too large to decode in the available memory")),
        ("truncated or corrupt", QCoreApplication.translate("PhotoErrors", "truncated or corrupt")),
        ("truncated or damaged image", QCoreApplication.translate("PhotoErrors", "truncated or corrupt")),
        ("not a regular file", QCoreApplication.translate("PhotoErrors", "not a regular file")),
        ("permission denied", QCoreApplication.translate("PhotoErrors", "permission denied")),
        ("is a directory", QCoreApplication.translate("PhotoErrors", "is a folder")),
        ("not found", QCoreApplication.translate("PhotoErrors", "file not found")),
        ("could not be read", QCoreApplication.translate("PhotoErrors", "could not be read")),
        ("cannot read file", QCoreApplication.translate("PhotoErrors", "could not be read")),
        ("too large", QCoreApplication.translate("PhotoErrors", "too large")),
    )
    for english, translated in known:
        if reason == english or reason.startswith((english + " ", english + ":")):
            return translated + reason[len(english):]
    return reason


@dataclass(frozen=True)
class Signature:
    """What a prediction is computed under. A photo whose prediction has another signature than the
    current one shows it dimmed until it is re-ranked: labels, template, model, device and precision
    all change the numbers."""

    model: str  # a registry name or a checkpoint path
    engine: str  # device and precision as chosen in Preferences, e.g. "auto/fast"
    labels: tuple[str, ...]
    templates: tuple[str, ...]


class PhotoListModel(QAbstractListModel):
    """Photos in the order they were added, each with its latest prediction (or none yet)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._paths: list[str] = []  # in display order: as added, or best match first during a search
        self._rows: dict[str, int] = {}
        self._added: dict[str, int] = {}  # path -> when it was added (the order a search returns to)
        self._next_added = 0
        self._scores: dict[str, float] | None = None
        self._missing: set[str] = set()
        self._predictions: dict[str, Prediction] = {}
        self._signatures: dict[str, Signature] = {}
        self.current_signature: Signature | None = None

    # -- Qt model API --------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._paths)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._paths):
            return None
        path = self._paths[index.row()]
        prediction = self._predictions.get(path)
        if role == Qt.ItemDataRole.DisplayRole:
            return Path(path).name
        if role == PATH_ROLE:
            return path
        if role == PREDICTION_ROLE:
            return prediction if self.current_signature is not None else None  # no labels: no results
        if role == ERROR_ROLE:
            return prediction.error if prediction is not None else None
        if role == STALE_ROLE:
            return prediction is not None and self._signatures.get(path) != self.current_signature
        if role == MISSING_ROLE:
            return path in self._missing
        if role == SCORE_ROLE:
            return self._scores.get(path) if self._scores is not None else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(path, prediction)
        return None

    def _tooltip(self, path: str, prediction: Prediction | None) -> str:
        if path in self._missing:
            return self.tr("%1\n\nThis photo is not there any more (moved, renamed or on a disk that is not "
                           "connected). File → Locate Missing Photos… finds it.").replace("%1", path)
        if prediction is not None and prediction.error:
            return self.tr("%1\n\nCould not label this photo: %2").replace("%1", path).replace(
                "%2", readable_reason(prediction.error))
        if prediction is not None and prediction.top is not None:
            return f"{path}\n\n{prediction.top.label}: {prediction.top.probability:.2%}"
        return path

    # -- editing -------------------------------------------------------------------------------
    def add_paths(self, paths: list[str]) -> list[str]:
        """Append photos not already listed; returns the ones that were new."""
        new = [path for path in dict.fromkeys(paths) if path not in self._rows]  # linear: 20,000 at once
        if new:
            first = len(self._paths)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            for offset, path in enumerate(new):
                self._rows[path] = first + offset
                self._paths.append(path)
                self._added[path] = self._next_added
                self._next_added += 1
            self.endInsertRows()
        return new

    def remove_rows(self, rows: list[int]) -> list[str]:
        """Remove the given rows (any order); returns the removed paths."""
        removed: list[str] = []
        for row in sorted(set(rows), reverse=True):
            if 0 <= row < len(self._paths):
                self.beginRemoveRows(QModelIndex(), row, row)
                path = self._paths.pop(row)
                self._added.pop(path, None)
                self._missing.discard(path)
                self._predictions.pop(path, None)
                self._signatures.pop(path, None)
                self.endRemoveRows()
                removed.append(path)
        self._rows = {path: row for row, path in enumerate(self._paths)}
        return removed

    def clear(self) -> list[str]:
        removed = list(self._paths)
        self.beginResetModel()
        self._paths.clear()
        self._rows.clear()
        self._added.clear()
        self._missing.clear()
        self._scores = None
        self._predictions.clear()
        self._signatures.clear()
        self.endResetModel()
        return removed

    def set_predictions(self, predictions: tuple[Prediction, ...], signature: Signature) -> None:
        for prediction in predictions:
            row = self._rows.get(prediction.path)
            if row is None:
                continue  # removed while it was being ranked
            self._predictions[prediction.path] = prediction
            self._signatures[prediction.path] = signature
            index = self.index(row)
            self.dataChanged.emit(index, index)

    def set_current_signature(self, signature: Signature | None) -> None:
        """What results *should* be computed under now; others are shown dimmed until refreshed."""
        if signature != self.current_signature:
            self.current_signature = signature
            if self._paths:
                self.dataChanged.emit(self.index(0), self.index(len(self._paths) - 1), [STALE_ROLE])

    # -- missing photos --------------------------------------------------------------------------
    def set_missing(self, paths: set[str] | list[str] | tuple[str, ...]) -> None:
        """Mark listed photos as not on disk: kept and shown as missing, never ranked."""
        self._missing = {p for p in paths if p in self._rows}
        if self._paths:
            self.dataChanged.emit(self.index(0), self.index(len(self._paths) - 1))

    def paths_as_added(self) -> list[str]:
        """The photos in the order they were added, whatever order a search shows."""
        return sorted(self._paths, key=self._added.__getitem__)

    def missing(self) -> list[str]:
        return [p for p in self._paths if p in self._missing]

    def relocate(self, moves: dict[str, str]) -> int:
        """Point missing photos at where they were found (old -> new path); returns how many moved.
        A new path already listed elsewhere just drops the missing entry."""
        moved = 0
        for old, new in moves.items():
            row = self._rows.get(old)
            if row is None or old not in self._missing:
                continue
            self._missing.discard(old)
            if new in self._rows:
                self.remove_rows([row])
                continue
            self._paths[row] = new
            del self._rows[old]
            self._rows[new] = row
            self._added[new] = self._added.pop(old)
            self._predictions.pop(old, None)
            self._signatures.pop(old, None)
            index = self.index(row)
            self.dataChanged.emit(index, index)
            moved += 1
        return moved

    # -- search order ----------------------------------------------------------------------------
    @property
    def searching(self) -> bool:
        return self._scores is not None

    def show_search(self, scores: dict[str, float]) -> None:
        """Best match first (ties in the order added); photos without a score (unreadable) last."""
        self._reorder(lambda p: (p not in scores, -scores.get(p, 0.0), self._added[p]))
        self._scores = dict(scores)
        if self._paths:
            self.dataChanged.emit(self.index(0), self.index(len(self._paths) - 1), [SCORE_ROLE])

    def show_groups(self, groups: list[list[tuple[str, float]]]) -> None:
        """Near-duplicates side by side: each group together (in the order of its first photo), each
        photo with its similarity to the group's first; photos in no group after them, as added."""
        rank = {path: (number, position) for number, group in enumerate(groups)
                for position, (path, _) in enumerate(group)}
        self._reorder(lambda p: (rank.get(p, (len(groups), self._added[p]))))
        self._scores = {path: score for group in groups for path, score in group}
        if self._paths:
            self.dataChanged.emit(self.index(0), self.index(len(self._paths) - 1), [SCORE_ROLE])

    def clear_search(self) -> None:
        """Back to the order the photos were added in."""
        if self._scores is None:
            return
        self._scores = None
        self._reorder(lambda p: self._added[p])

    def _reorder(self, key: Any) -> None:
        """Sort the rows, keeping selection and the current photo on the same photos."""
        self.layoutAboutToBeChanged.emit()
        before = list(self._paths)
        self._paths.sort(key=key)
        self._rows = {path: row for row, path in enumerate(self._paths)}
        moved_from = [index for index in self.persistentIndexList() if 0 <= index.row() < len(before)]
        moved_to = [self.index(self._rows[before[index.row()]]) for index in moved_from]
        self.changePersistentIndexList(moved_from, moved_to)
        self.layoutChanged.emit()

    def refresh_row(self, path: str) -> None:
        row = self._rows.get(path)
        if row is not None:
            index = self.index(row)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])

    # -- queries -------------------------------------------------------------------------------
    def paths(self) -> list[str]:
        return list(self._paths)

    def path_at(self, row: int) -> str | None:
        return self._paths[row] if 0 <= row < len(self._paths) else None

    def row_of(self, path: str) -> int | None:
        return self._rows.get(path)

    def prediction(self, path: str) -> Prediction | None:
        return self._predictions.get(path)

    def predictions(self) -> list[Prediction]:
        """Predictions of the listed photos, in list order (photos not ranked yet are left out)."""
        return [self._predictions[p] for p in self._paths if p in self._predictions]

    def is_up_to_date(self, path: str) -> bool:
        """True when ``path`` has a prediction computed under the current signature."""
        return self.current_signature is not None and self._signatures.get(path) == self.current_signature

    def paths_needing(self, signature: Signature) -> list[str]:
        """Photos without a prediction under ``signature`` (new ones, or ranked with other labels)."""
        return [p for p in self._paths if self._signatures.get(p) != signature and p not in self._missing]

    def counts(self) -> tuple[int, int]:
        """(photos labelled under the current signature, photos that failed)."""
        if self.current_signature is None:
            return 0, 0
        current = [p for p in self._paths if self._signatures.get(p) == self.current_signature]
        failed = sum(1 for p in current if self._predictions[p].error)
        return len(current) - failed, failed


class PhotoDelegate(QStyledItemDelegate):
    """Paints one grid cell: thumbnail, top label with its probability, file name; an error badge."""

    def __init__(self, thumbnails: ThumbnailLoader, parent: Any = None) -> None:
        super().__init__(parent)
        self._thumbnails = thumbnails

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return QSize(CELL)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = option.palette
        cell = option.rect.adjusted(4, 4, -4, -4)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if selected or option.state & QStyle.StateFlag.State_MouseOver:
            color = QColor(palette.color(QPalette.ColorRole.Highlight))
            color.setAlpha(70 if selected else 25)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(color)
            painter.drawRoundedRect(cell, 8, 8)
        frame = QRect(cell.left() + 6, cell.top() + 6, cell.width() - 12, THUMB - 8)
        self._paint_thumbnail(painter, frame, index, option)
        error = index.data(ERROR_ROLE)
        if error:
            self._paint_badge(painter, frame)
        self._paint_text(painter, cell, frame, index, option, error)
        painter.restore()

    def _paint_thumbnail(self, painter: QPainter, frame: QRect, index: Index,
                         option: QStyleOptionViewItem) -> None:
        path = index.data(PATH_ROLE)
        dpr = painter.device().devicePixelRatioF() if painter.device() else 1.0
        size = int(THUMB * max(1.0, dpr))
        pixmap = self._thumbnails.get(path, size)
        if pixmap is None:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(option.palette.color(QPalette.ColorRole.AlternateBase))
            painter.drawRoundedRect(frame, 6, 6)
            if self._thumbnails.failed(path, size):
                painter.setPen(option.palette.color(QPalette.ColorRole.PlaceholderText))
                painter.drawText(frame, Qt.AlignmentFlag.AlignCenter, self.tr("No preview"))
            return
        pixmap.setDevicePixelRatio(max(1.0, dpr))
        shown = pixmap.deviceIndependentSize().scaled(frame.size().toSizeF(), Qt.AspectRatioMode.KeepAspectRatio)
        target = QRect(0, 0, round(shown.width()), round(shown.height()))
        target.moveCenter(frame.center())
        clip = QPainterPath()
        clip.addRoundedRect(target.toRectF(), 6, 6)
        painter.setClipPath(clip)
        painter.drawPixmap(target, pixmap)
        painter.setClipping(False)

    @staticmethod
    def _paint_badge(painter: QPainter, frame: QRect) -> None:
        painter.save()
        badge = QRect(frame.right() - 22, frame.top() + 2, 20, 20)
        painter.setPen(QPen(QColor("white"), 1.5))
        painter.setBrush(ERROR_COLOR)
        painter.drawEllipse(badge)
        font = QFont(painter.font())
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QColor("white"))
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, "!")
        painter.restore()

    def _paint_text(self, painter: QPainter, cell: QRect, frame: QRect, index: Index,
                    option: QStyleOptionViewItem, error: str | None) -> None:
        palette = option.palette
        metrics = option.fontMetrics
        line = metrics.height()
        first = QRect(cell.left() + 6, frame.bottom() + 6, cell.width() - 12, line)
        second = first.translated(0, line + 1)
        prediction = index.data(PREDICTION_ROLE)
        stale = bool(index.data(STALE_ROLE))
        name_color = palette.color(QPalette.ColorRole.PlaceholderText)
        bold = QFont(option.font)
        bold.setBold(True)
        if index.data(MISSING_ROLE):
            painter.setPen(ERROR_COLOR)
            painter.drawText(first, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             metrics.elidedText(self.tr("Missing photo"), Qt.TextElideMode.ElideRight,
                                                first.width()))
        elif error:
            painter.setPen(ERROR_COLOR)
            painter.drawText(first, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             metrics.elidedText(self.tr("Can't read photo"), Qt.TextElideMode.ElideRight,
                                                first.width()))
        elif prediction is not None and prediction.top is not None:
            top = prediction.top
            percent = f"{top.probability:.0%}"
            painter.setFont(bold)
            bold_metrics = painter.fontMetrics()
            percent_width = bold_metrics.horizontalAdvance(percent) + 6
            text_color = palette.color(QPalette.ColorRole.Text)
            painter.setPen(name_color if stale else text_color)
            label = bold_metrics.elidedText(top.label, Qt.TextElideMode.ElideRight, first.width() - percent_width)
            painter.drawText(first, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, label)
            painter.setPen(name_color if stale else palette.color(QPalette.ColorRole.Link))
            painter.drawText(first, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, percent)
            painter.setFont(option.font)
        else:
            second = first  # nothing ranked yet: the name sits right under the thumbnail
        score = index.data(SCORE_ROLE)
        name_width = second.width()
        if score is not None:  # a search is shown: how well this photo matches it
            text = f"{score:.3f}"
            painter.setPen(palette.color(QPalette.ColorRole.Link))
            painter.drawText(second, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, text)
            name_width -= metrics.horizontalAdvance(text) + 6
        painter.setPen(name_color)
        name = metrics.elidedText(index.data(Qt.ItemDataRole.DisplayRole), Qt.TextElideMode.ElideMiddle,
                                  name_width)
        painter.drawText(second, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name)
