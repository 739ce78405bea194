"""Chinese labels need a Chinese model: said once per model, with the switch offered -- never made
silently (the user may have reasons, e.g. a fine-tuned English model that reads some Chinese)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from clipdesk.gui import services
from clipdesk.weights.registry import OPENAI


class ChineseLabelsAdvice(QObject):
    """Watches the labels against the loaded model's family; ``switch_requested(model)`` when the
    user accepts the offer. Owns nothing but what it has already said."""

    switch_requested = Signal(str)

    def __init__(self, dialog_parent: QWidget) -> None:
        super().__init__(dialog_parent)
        self._parent = dialog_parent
        self._said_for: set[str] = set()  # models the advice was given for in this session
        self.box: QMessageBox | None = None

    def check(self, labels: Sequence[str], family: services.FamilyInfo | None, model: str) -> bool:
        """Offer the switch when an English-only model meets mostly Chinese labels; True if offered."""
        if family is None or family.id != OPENAI or model in self._said_for or self.box is not None:
            return False
        if not services.looks_chinese(labels):
            return False
        self._said_for.add(model)
        chinese = services.default_chinese_model()
        box = QMessageBox(QMessageBox.Icon.Information, self.tr("These labels need a Chinese model"),
                          self.tr("Most labels are in Chinese, but %1 reads only English: its ranking of "
                                  "them is close to noise.").replace("%1", services.display_name(model)),
                          QMessageBox.StandardButton.NoButton, self._parent)
        box.setInformativeText(self.tr("Chinese-CLIP ranks labels written in Chinese. Switch to %1? "
                                       "(It is downloaded once if it is not on this computer.)").replace(
                                           "%1", chinese))
        switch = box.addButton(self.tr("Switch to %1").replace("%1", chinese), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(self.tr("Keep %1").replace("%1", services.display_name(model)),
                      QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(switch)

        def done(_: int) -> None:
            self.box = None
            if box.clickedButton() is switch:
                self.switch_requested.emit(chinese)
            box.deleteLater()

        box.finished.connect(done)
        self.box = box
        box.open()
        return True
