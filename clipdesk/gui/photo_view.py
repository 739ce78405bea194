"""The photo grid's view: a list in icon mode that takes dropped files, folders and image data (and
hands them to the window as signals), removes with Delete, and paints a drop target when empty or while
something is dragged over it."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFont,
    QImage,
    QKeyEvent,
    QPainter,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import QAbstractItemView, QApplication, QListView, QStyle

from clipdesk.gui.image_list import CELL
from clipdesk.gui.photo_sources import carries_photos, local_paths


class PhotoListView(QListView):
    """A grid of photos that accepts dropped files, folders and image data; Delete removes."""

    paths_dropped = Signal(list)  # local paths (files and folders) as dropped
    image_dropped = Signal(QImage)  # pixels without a file (dragged from a browser, say)
    delete_requested = Signal()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._drag_over = False
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setLayoutMode(QListView.LayoutMode.Batched)  # lays out big lists in slices: stays smooth
        self.setBatchSize(200)
        self.setUniformItemSizes(True)
        self.setGridSize(CELL)
        self.setSpacing(0)
        self.setWordWrap(False)
        self.setMouseTracking(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.empty_title = ""
        self.empty_hint = ""

    # -- drag and drop (events reach the viewport; QAbstractItemView forwards them here) --------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if carries_photos(event.mimeData()):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
            self._set_drag_over(True)
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if carries_photos(event.mimeData()):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        else:
            event.ignore()

    def dragLeaveEvent(self, event: QEvent) -> None:
        self._set_drag_over(False)
        event.accept()

    def dropEvent(self, event: QDropEvent) -> None:
        self._set_drag_over(False)
        mime = event.mimeData()
        paths = local_paths(mime)
        if paths:
            self.paths_dropped.emit(paths)
        elif mime.hasImage():
            self.image_dropped.emit(QImage(mime.imageData()))
        else:
            event.ignore()
            return
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()

    def _set_drag_over(self, over: bool) -> None:
        if over != self._drag_over:
            self._drag_over = over
            self.viewport().update()

    # -- keys and the empty state --------------------------------------------------------------
    def resizeEvent(self, event: Any) -> None:
        """Share the width left over by whole cells among the columns, so the grid fills the pane
        instead of leaving a strip of nothing at its right."""
        # What QListView lays out in: the viewport without scroll bars, less room for the vertical one
        # (reserved even while hidden, so that it appearing never re-flows the grid).
        scroll_bar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, self.verticalScrollBar())
        width = self.maximumViewportSize().width() - scroll_bar - 1  # a row ends before rect.right()
        columns = max(1, width // CELL.width())
        grid = QSize(max(CELL.width(), width // columns), CELL.height())
        if grid != self.gridSize():
            self.setGridSize(grid)
        super().resizeEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.selectionModel().hasSelection():
            self.delete_requested.emit()
            event.accept()
            return
        super().keyPressEvent(event)

    def paintEvent(self, event: Any) -> None:
        super().paintEvent(event)
        if self.model() is not None and self.model().rowCount() and not self._drag_over:
            return
        painter = QPainter(self.viewport())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        area = self.viewport().rect().adjusted(16, 16, -16, -16)
        accent = self.palette().color(QPalette.ColorRole.Highlight)
        pen = QPen(accent if self._drag_over else self.palette().color(QPalette.ColorRole.Mid), 2,
                   Qt.PenStyle.DashLine)
        painter.setPen(pen)
        if self._drag_over:
            fill = QColor(accent)
            fill.setAlpha(30)
            painter.setBrush(fill)
        painter.drawRoundedRect(area, 14, 14)
        if self.model() is not None and self.model().rowCount():
            return
        icon = QApplication.windowIcon()
        if not icon.isNull():
            icon.paint(painter, QRect(area.center().x() - 32, area.center().y() - 130, 64, 64))
        title_font = QFont(self.font())
        title_font.setPointSizeF(self.font().pointSizeF() * 1.5)
        painter.setFont(title_font)
        painter.setPen(self.palette().color(QPalette.ColorRole.Text))
        title_rect = QRect(area.left(), area.center().y() - 48, area.width(), 40)
        painter.drawText(title_rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom, self.empty_title)
        painter.setFont(self.font())
        painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
        hint_rect = QRect(area.left() + 24, area.center().y() + 4, area.width() - 48, 80)
        painter.drawText(hint_rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
                         | Qt.TextFlag.TextWordWrap, self.empty_hint)
