"""The status bar: what the worker is doing (with a progress bar and Cancel while it works) on the
left, the model and the device it runs on at the right."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QStatusBar, QWidget

FLASH_MS = 6000  # how long a one-off note stays before the activity line comes back


class ActivityStatusBar(QStatusBar):
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.activity = QLabel(self)
        self.progress = QProgressBar(self)
        self.progress.setMaximumWidth(220)
        self.progress.setMaximumHeight(16)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.cancel_button = QPushButton(self)
        self.cancel_button.setFlat(True)
        self.cancel_button.hide()
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.model = QLabel(self)
        self.device = QLabel(self)
        self.addWidget(self.activity, 1)
        self.addPermanentWidget(self.progress)
        self.addPermanentWidget(self.cancel_button)
        self.addPermanentWidget(self.model)
        self.addPermanentWidget(self.device)
        self._activity_text = ""
        self._flash = QTimer(self, singleShot=True, interval=FLASH_MS)
        self._flash.timeout.connect(lambda: self.activity.setText(self._activity_text))

    def set_activity(self, text: str, done: int | None = None, total: int | None = None,
                     cancellable: bool = False) -> None:
        """Show ongoing work. ``total`` 0 means busy with unknown length; None hides the bar."""
        self._activity_text = text
        if not self._flash.isActive():
            self.activity.setText(text)
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
        self.activity.setText(text)
        self._flash.start()

    def set_model(self, model: str, device: str) -> None:
        self.model.setText(model)
        self.device.setText(f"· {device}" if device else "")
        self.device.setVisible(bool(device))
