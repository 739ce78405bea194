"""View → Group Near-Duplicates…: how alike photos must be to sit together, on a slider."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QSlider, QVBoxLayout, QWidget

from clipdesk.defaults import DEFAULT_MIN_SIMILARITY

LOWEST, HIGHEST = 80, 100  # the slider's range, in hundredths of cosine similarity


class DuplicatesDialog(QDialog):
    def __init__(self, value: float = DEFAULT_MIN_SIMILARITY, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Group Near-Duplicates"))
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setRange(LOWEST, HIGHEST)
        self.slider.setValue(round(value * 100))
        self.value_label = QLabel(self)
        note = QLabel(self.tr("Photos at least this alike are shown side by side, best groups first. Lower "
                              "finds more (similar scenes); higher finds only copies and bursts."), self)
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.slider)
        layout.addWidget(self.value_label)
        layout.addWidget(buttons)
        self.slider.valueChanged.connect(self._show)
        self._show()

    @property
    def value(self) -> float:
        return self.slider.value() / 100.0

    def _show(self, *args: object) -> None:
        self.value_label.setText(self.tr("Similarity at least %1").replace("%1", f"{self.value:.2f}"))
