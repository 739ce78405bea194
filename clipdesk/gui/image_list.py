"""The photo grid's data and painting: a list model of photos with their latest prediction, and a
delegate that paints each thumbnail with its top label underneath (or an error badge). The view that
takes drops is ``photo_view.PhotoListView``.

The model holds plain data (paths, ``Prediction``s, and the label/template/model signature each
prediction was computed under); thumbnails come from ``ThumbnailLoader`` when a cell is painted, so a
thousand photos cost nothing until they scroll into view.
"""

from __future__ import annotations

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
from clipdesk.labeling.photo_session import PhotoSession, Signature

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


class PhotoListModel(QAbstractListModel):
    """The photo grid's Qt model: a thin adapter over a ``PhotoSession`` (plain Python, which holds
    the photos, their results and the rules), turning each change into the signals views need."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.session = PhotoSession()

    @property
    def current_signature(self) -> Signature | None:
        return self.session.current_signature

    # -- Qt model API --------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.session)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        session = self.session
        path = session.path_at(index.row()) if index.isValid() else None
        if path is None:
            return None
        prediction = session.prediction(path)
        if role == Qt.ItemDataRole.DisplayRole:
            return Path(path).name
        if role == PATH_ROLE:
            return path
        if role == PREDICTION_ROLE:
            return prediction if session.current_signature is not None else None  # no labels: no results
        if role == ERROR_ROLE:
            return prediction.error if prediction is not None else None
        if role == STALE_ROLE:
            return session.is_stale(path)
        if role == MISSING_ROLE:
            return session.is_missing(path)
        if role == SCORE_ROLE:
            return session.score(path)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(path, prediction)
        return None

    def _tooltip(self, path: str, prediction: Prediction | None) -> str:
        if self.session.is_missing(path):
            return self.tr("%1\n\nThis photo is not there any more (moved, renamed or on a disk that is not "
                           "connected). File → Locate Missing Photos… finds it.").replace("%1", path)
        if prediction is not None and prediction.error:
            return self.tr("%1\n\nCould not label this photo: %2").replace("%1", path).replace(
                "%2", readable_reason(prediction.error))
        if prediction is not None and prediction.top is not None:
            return f"{path}\n\n{prediction.top.label}: {prediction.top.probability:.2%}"
        return path

    def _changed(self, roles: list[int] | None = None) -> None:
        if len(self.session):
            self.dataChanged.emit(self.index(0), self.index(len(self.session) - 1), roles or [])

    def _row_changed(self, row: int, roles: list[int] | None = None) -> None:
        index = self.index(row)
        self.dataChanged.emit(index, index, roles or [])

    # -- editing -------------------------------------------------------------------------------
    def add_paths(self, paths: list[str]) -> list[str]:
        """Append photos not already listed; returns the ones that were new."""
        first = len(self.session)
        fresh = [path for path in dict.fromkeys(paths) if self.session.row_of(path) is None]
        if not fresh:
            return []
        self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
        new = self.session.add(fresh)
        self.endInsertRows()
        return new

    def remove_rows(self, rows: list[int]) -> list[str]:
        """Remove the given rows (any order); returns the removed paths."""
        wanted = sorted({row for row in rows if 0 <= row < len(self.session)}, reverse=True)
        removed: list[str] = []
        while wanted:  # one removal per run of neighbouring rows, from the bottom up
            last = first = wanted.pop(0)
            while wanted and wanted[0] == first - 1:
                first = wanted.pop(0)
            self.beginRemoveRows(QModelIndex(), first, last)
            removed += self.session.remove_range(first, last)
            self.endRemoveRows()
        return removed

    def clear(self) -> list[str]:
        self.beginResetModel()
        removed = self.session.clear()
        self.endResetModel()
        return removed

    def set_predictions(self, predictions: tuple[Prediction, ...], signature: Signature) -> None:
        for row in self.session.set_predictions(predictions, signature):
            self._row_changed(row)

    def set_current_signature(self, signature: Signature | None) -> None:
        """What results *should* be computed under now; others are shown dimmed until refreshed."""
        if self.session.set_current_signature(signature):
            self._changed([STALE_ROLE])

    # -- missing photos --------------------------------------------------------------------------
    def set_missing(self, paths: set[str] | list[str] | tuple[str, ...]) -> None:
        """Mark listed photos as not on disk: kept and shown as missing, never ranked."""
        self.session.set_missing(paths)
        self._changed()

    def paths_as_added(self) -> list[str]:
        return self.session.paths_as_added()

    def missing(self) -> list[str]:
        return self.session.missing()

    def relocate(self, moves: dict[str, str]) -> int:
        """Point missing photos at where they were found (old -> new path); returns how many moved.
        A new path already listed elsewhere just drops the missing entry."""
        done = self.session.relocate(moves)
        for row in done.moved_rows:
            self._row_changed(row)
        self.remove_rows(list(done.duplicate_rows))
        return len(done.moved_rows)

    # -- search order ----------------------------------------------------------------------------
    @property
    def searching(self) -> bool:
        return self.session.searching

    def show_search(self, scores: dict[str, float]) -> None:
        """Best match first (ties in the order added); photos without a score (unreadable) last."""
        self._reordered(lambda: self.session.show_search(scores))
        self._changed([SCORE_ROLE])

    def show_groups(self, groups: list[list[tuple[str, float]]]) -> None:
        """Near-duplicates side by side, each photo with its similarity to its group's first."""
        self._reordered(lambda: self.session.show_groups(groups))
        self._changed([SCORE_ROLE])

    def clear_search(self) -> None:
        """Back to the order the photos were added in."""
        if self.session.searching:
            self._reordered(self.session.clear_search)

    def _reordered(self, reorder: Any) -> None:
        """Let the session sort the rows, keeping selection and the current photo on the same photos."""
        self.layoutAboutToBeChanged.emit()
        before = self.session.paths()
        reorder()
        moved_from = [index for index in self.persistentIndexList() if 0 <= index.row() < len(before)]
        moved_to = [self.index(self.session.row_of(before[index.row()]) or 0) for index in moved_from]
        self.changePersistentIndexList(moved_from, moved_to)
        self.layoutChanged.emit()

    def refresh_row(self, path: str) -> None:
        row = self.session.row_of(path)
        if row is not None:
            self._row_changed(row, [Qt.ItemDataRole.DecorationRole])

    # -- queries (the session's) ---------------------------------------------------------------
    def paths(self) -> list[str]:
        return self.session.paths()

    def path_at(self, row: int) -> str | None:
        return self.session.path_at(row)

    def row_of(self, path: str) -> int | None:
        return self.session.row_of(path)

    def prediction(self, path: str) -> Prediction | None:
        return self.session.prediction(path)

    def predictions(self) -> list[Prediction]:
        return self.session.predictions()

    def is_up_to_date(self, path: str) -> bool:
        return self.session.is_up_to_date(path)

    def paths_needing(self, signature: Signature) -> list[str]:
        return self.session.paths_needing(signature)

    def counts(self) -> tuple[int, int]:
        return self.session.counts()


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
