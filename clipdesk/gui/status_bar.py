"""The status bar: what the worker is doing (with a progress bar and Cancel while it works) on the
left, the model and the device it runs on at the right."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QStatusBar, QWidget

FLASH_MS = 6000  # how long a one-off note stays before the activity line comes back
MODEL_MAX_WIDTH = 320  # logical pixels; a long checkpoint name is elided, never widens the window


class ElidedLabel(QLabel):
    """One line that is cut with "…" when it does not fit (the whole text is its tooltip).

    A plain ``QLabel`` asks for its full text width, so one long message — an error naming a file in a
    deep folder — would make the status bar, and with it the whole window, wider than the screen.
    """

    def __init__(self, parent: QWidget | None = None, mode: Qt.TextElideMode = Qt.TextElideMode.ElideRight) -> None:
        super().__init__(parent)
        self._mode = mode

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:
        return QSize(min(super().sizeHint().width(), self.maximumWidth()), super().sizeHint().height())

    def show_text(self, text: str) -> None:
        self.setText(text)
        self._update_tooltip()

    def _update_tooltip(self) -> None:
        cut = self.fontMetrics().horizontalAdvance(self.text()) > self.contentsRect().width()
        self.setToolTip(self.text() if cut else "")

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._update_tooltip()

    def paintEvent(self, event: Any) -> None:
        painter = QPainter(self)
        rect = self.contentsRect()
        text = self.fontMetrics().elidedText(self.text(), self._mode, rect.width())
        self.style().drawItemText(painter, rect, int(self.alignment()), self.palette(), self.isEnabled(), text,
                                  self.foregroundRole())


class ActivityStatusBar(QStatusBar):
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.activity = ElidedLabel(self)
        self.progress = QProgressBar(self)
        self.progress.setMaximumWidth(220)
        self.progress.setMaximumHeight(16)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.cancel_button = QPushButton(self)
        self.cancel_button.setFlat(True)
        self.cancel_button.hide()
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.model = ElidedLabel(self, Qt.TextElideMode.ElideMiddle)
        self.model.setMaximumWidth(MODEL_MAX_WIDTH)
        self.device = ElidedLabel(self)
        self.device.setMaximumWidth(MODEL_MAX_WIDTH)
        self.addWidget(self.activity, 1)
        self.addPermanentWidget(self.progress)
        self.addPermanentWidget(self.cancel_button)
        self.addPermanentWidget(self.model)
        self.addPermanentWidget(self.device)
        self._activity_text = ""
        self._flash = QTimer(self, singleShot=True, interval=FLASH_MS)
        self._flash.timeout.connect(lambda: self.activity.show_text(self._activity_text))

    def set_activity(self, text: str, done: int | None = None, total: int | None = None,
                     cancellable: bool = False) -> None:
        """Show ongoing work. ``total`` 0 means busy with unknown length; None hides the bar."""
        self._activity_text = text
        if not self._flash.isActive():
            self.activity.show_text(text)
        self.progress.setVisible(total is not None)
        if total is not None:
            self.progress.setRange(0, max(total, 0))
            self.progress.setValue(done or 0)
        self.cancel_button.setVisible(cancellable)

    def clear_activity(self, text: str = "") -> None:
        """Work ended; ``text`` (an outcome such as "Labelled 12 photos") replaces any one-off note."""
        if text:
            self._flash.stop()
        self.set_activity(text)

    def flash(self, text: str) -> None:
        """A one-off note (a photo was skipped, results were copied) that gives way after a while."""
        self.activity.show_text(text)
        self._flash.start()

    def set_model(self, model: str, device: str) -> None:
        self.model.show_text(model)
        self.device.show_text(f"· {device}" if device else "")
        self.device.setVisible(bool(device))
