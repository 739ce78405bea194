"""The keep rule in the window: which of a photo's labels become its keywords and folders — the top N,
every label at least P likely, or both — the same :class:`KeepRule` the CLI's ``--keep`` makes."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QHBoxLayout, QLabel, QSpinBox, QWidget

from clipdesk.labeling.keep_rule import DEFAULT_KEEP_RULE, KeepRule

TOP, AT_LEAST, BOTH = 0, 1, 2  # the combo's entries
DEFAULT_FLOOR_PERCENT = 30.0  # what the floor starts at when the user first picks it


class KeepRuleField(QWidget):
    rule_changed = Signal(KeepRule)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(self)
        self.mode = QComboBox(self)
        self.mode.addItems(["", "", ""])
        self.top = QSpinBox(self)
        self.top.setRange(1, 100)
        self.floor = QDoubleSpinBox(self)
        self.floor.setRange(0.0, 100.0)
        self.floor.setDecimals(0)
        self.floor.setSingleStep(5.0)
        self.floor.setSuffix(" %")
        self.floor.setValue(DEFAULT_FLOOR_PERCENT)
        self.label.setBuddy(self.mode)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.label, self.mode, self.top, self.floor):
            layout.addWidget(widget)
        layout.addStretch(1)
        self._rule = DEFAULT_KEEP_RULE
        self.set_rule(DEFAULT_KEEP_RULE)
        self.mode.currentIndexChanged.connect(self._changed)
        self.top.valueChanged.connect(self._changed)
        self.floor.valueChanged.connect(self._changed)
        self.retranslate()

    def retranslate(self) -> None:
        self.label.setText(self.tr("&Keep:"))
        for index, text in ((TOP, self.tr("the most probable")), (AT_LEAST, self.tr("every label at least")),
                            (BOTH, self.tr("the most probable, if at least"))):
            self.mode.setItemText(index, text)
        self.top.setSuffix(self.tr(" label(s)"))
        self.setToolTip(self.tr("Which labels a photo gets when you write keywords or sort into folders. "
                                "A photo whose labels all miss the percentage gets none (it goes to "
                                "“unsorted”)."))

    @property
    def rule(self) -> KeepRule:
        return self._rule

    def set_rule(self, rule: KeepRule) -> None:
        """Show ``rule`` without announcing it (it comes from settings or a label set)."""
        widgets = (self.mode, self.top, self.floor)
        for widget in widgets:
            widget.blockSignals(True)
        try:
            if rule.min_probability is None:
                self.mode.setCurrentIndex(TOP)
            else:
                self.mode.setCurrentIndex(AT_LEAST if rule.top is None else BOTH)
                self.floor.setValue(rule.min_probability * 100.0)
            if rule.top is not None:
                self.top.setValue(rule.top)
        finally:
            for widget in widgets:
                widget.blockSignals(False)
        self._rule = rule
        self._show_fields()

    def _show_fields(self) -> None:
        mode = self.mode.currentIndex()
        self.top.setVisible(mode in (TOP, BOTH))
        self.floor.setVisible(mode in (AT_LEAST, BOTH))

    def _changed(self, *args: object) -> None:
        mode = self.mode.currentIndex()
        floor = round(self.floor.value()) / 100.0
        if mode == TOP:
            rule = KeepRule(top=self.top.value())
        elif mode == AT_LEAST:
            rule = KeepRule(top=None, min_probability=floor)
        else:
            rule = KeepRule(top=self.top.value(), min_probability=floor)
        self._show_fields()
        if rule != self._rule:
            self._rule = rule
            self.rule_changed.emit(rule)
