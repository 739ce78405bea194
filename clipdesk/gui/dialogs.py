"""The window's dialogs: getting the model on first run, preferences, and help/about."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QLocale, Qt
from PySide6.QtGui import QIcon, QKeySequence, QTextOption
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from clipdesk import __version__
from clipdesk.gui import services
from clipdesk.gui.jobs import JobDone, JobFailed, JobKind, JobProgress, ModelMissing, WeightsReady
from clipdesk.gui.settings import Settings
from clipdesk.gui.worker_client import WorkerClient

ERROR_STYLE = "color: #c5221f;"


def data_size(size: int) -> str:
    """``338 MB`` / ``1.3 GB`` in the user's locale (1024-based, as file managers show it)."""
    precision = 1 if size >= 1 << 30 else 0
    return QLocale().formattedDataSize(size, precision, QLocale.DataSizeFormat.DataSizeTraditionalFormat)


def _heading(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 1.3)
    font.setBold(True)
    label.setFont(font)
    label.setWordWrap(True)
    return label


class MessageText(QTextEdit):
    """A message that is always shown whole and can be selected and copied: it wraps anywhere (a
    download URL or a deep path is one long "word" a ``QLabel`` cannot break) and takes the height its
    text needs, up to ``MAX_LINES``, scrolling beyond that."""

    MAX_LINES = 10

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.viewport().setAutoFillBackground(False)
        self.document().setDocumentMargin(0)
        self._style = ""
        self._fit()

    def text(self) -> str:
        return self.toPlainText()

    def setText(self, text: str) -> None:  # noqa: N802 - the QLabel name, so callers need not care
        self.setPlainText(text)
        self._fit()

    def set_color_style(self, style: str) -> None:
        """``color: …`` for the text (empty for the palette's); the background stays transparent."""
        self.setStyleSheet(f"QTextEdit {{ background: transparent; {style} }}")

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        self.document().setTextWidth(self.viewport().width())
        line = self.fontMetrics().lineSpacing()
        wanted = max(line, round(self.document().size().height()))
        height = min(wanted, line * self.MAX_LINES) + 2 * self.frameWidth()
        if height != self.height():
            self.setFixedHeight(height)


class FirstRunDialog(QDialog):
    """The model is not on this computer yet: download it (size, progress, cancel, resume) or import a
    file copied from elsewhere. Accepted once the model is in the cache; ``model`` says which one."""

    def __init__(self, client: WorkerClient, missing: ModelMissing, settings: Settings,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.client, self.settings = client, settings
        self.model = missing.model
        self._size, self._partial = missing.size, missing.partial
        self._sources = missing.sources
        self._job: int | None = None
        self.setWindowTitle(self.tr("Get the model"))
        self.setMinimumWidth(520)
        self.heading = _heading(self.tr("clipdesk needs the %1 model").replace("%1", self.model), self)
        self.body = QLabel(self)
        self.body.setWordWrap(True)
        self.body.setText(self._explanation())
        self.progress = QProgressBar(self)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.detail = MessageText(self)
        self.detail.set_color_style("")
        self.detail.hide()
        self.import_button = QPushButton(self.tr("Import Weights File…"), self)
        self.later_button = QPushButton(self.tr("Not Now"), self)
        self.download_button = QPushButton(self)
        self.download_button.setDefault(True)
        self.cancel_button = QPushButton(self.tr("Cancel Download"), self)
        self.cancel_button.hide()
        self.import_button.clicked.connect(self._choose_file)
        self.later_button.clicked.connect(self.reject)
        self.download_button.clicked.connect(self.start_download)
        self.cancel_button.clicked.connect(self.cancel_download)
        self._build_layout()
        self._set_idle()
        client.progress.connect(self._on_progress)
        client.errored.connect(self._on_errored)
        client.weights_ready.connect(self._on_ready)
        client.finished.connect(self._on_finished)

    def _build_layout(self) -> None:
        icon = QLabel(self)
        icon.setPixmap(self.windowIcon().pixmap(64, 64))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        text = QVBoxLayout()
        text.addWidget(self.heading)
        text.addWidget(self.body)
        text.addSpacing(8)
        text.addWidget(self.progress)
        text.addWidget(self.detail)
        top = QHBoxLayout()
        top.addWidget(icon)
        top.addSpacing(12)
        top.addLayout(text, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.import_button)
        buttons.addStretch(1)
        buttons.addWidget(self.later_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.download_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addSpacing(12)
        layout.addLayout(buttons)

    def _explanation(self) -> str:
        size = data_size(self._size) if self._size else self.tr("a few hundred MB")
        text = self.tr("The model is downloaded once (%1) and kept on this computer; after that clipdesk "
                       "works offline. On a computer without internet, download the file elsewhere and "
                       "import it here.").replace("%1", size)
        if len(self._sources) > 1:
            text += " " + self.tr("It comes from %1; when that cannot be reached, from %2.").replace(
                "%1", self._sources[0]).replace("%2", ", ".join(self._sources[1:]))
        elif self._sources:
            text += " " + self.tr("It comes from %1.").replace("%1", self._sources[0])
        return text

    # -- actions -------------------------------------------------------------------------------
    def start_download(self) -> None:
        self._job = self.client.download(self.model)
        self._set_busy(self.tr("Connecting…"), cancellable=True)

    def cancel_download(self) -> None:
        self.client.cancel(JobKind.DOWNLOAD)
        self._job = None
        self._set_idle(self.tr("Download paused. What has arrived is kept: Resume continues from there."))

    def import_file(self, path: str) -> None:
        """Copy ``path`` into the model folder (hash-checked); the dialog closes when it is usable."""
        self.settings.set_last_folder("weights", path)
        self._job = self.client.import_weights(path)
        self._set_busy(self.tr("Copying and checking %1…").replace("%1", path))

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Import Weights File"),
                                              self.settings.last_folder("weights"),
                                              self.tr("Model weights (%1);;All files (*)").replace(
                                                  "%1", services.WEIGHTS_FILTER))
        if path:
            self.import_file(path)

    def reject(self) -> None:
        if self._job is not None:
            self.client.cancel(JobKind.DOWNLOAD)
            self._job = None
        super().reject()

    # -- worker results ------------------------------------------------------------------------
    def _on_progress(self, progress: JobProgress) -> None:
        if progress.job_id != self._job:
            return
        if progress.total:
            self.progress.setRange(0, 1000)
            self.progress.setValue(round(1000 * progress.done / progress.total))
            text = self.tr("%1 of %2").replace("%1", data_size(progress.done)).replace(
                "%2", data_size(progress.total))
        else:
            self.progress.setRange(0, 0)
            text = data_size(progress.done)
        if progress.source:
            text = self.tr("%1, from %2").replace("%1", text).replace("%2", progress.source)
        self.detail.setText(text)
        if progress.kind == JobKind.DOWNLOAD:
            self._partial = progress.done

    def _on_errored(self, failure: JobFailed) -> None:
        if failure.job_id != self._job:
            return
        self._job = None
        if failure.kind == JobKind.DOWNLOAD:
            hint = self.tr("Check the internet connection and try again, or import the file.")
            self._set_idle(self.tr("The download failed: %1").replace("%1", failure.message) + "\n" + hint,
                           error=True)
        else:
            self._set_idle(self.tr("That file cannot be used: %1").replace("%1", failure.message), error=True)

    def _on_ready(self, ready: WeightsReady) -> None:
        if ready.job_id == self._job:
            self._job = None
            self.model = ready.model
            self.accept()

    def _on_finished(self, done: JobDone) -> None:
        if done.job_id == self._job and done.cancelled:
            self._job = None
            self._set_idle()

    # -- states --------------------------------------------------------------------------------
    def _set_busy(self, message: str, cancellable: bool = False) -> None:
        self.progress.setRange(0, 0)
        self.progress.show()
        self.detail.set_color_style("")
        self.detail.setText(message)
        self.detail.show()
        self.download_button.hide()
        self.cancel_button.setVisible(cancellable)
        self.import_button.setEnabled(False)
        self._fit_height()

    def _set_idle(self, message: str = "", error: bool = False) -> None:
        self.progress.setVisible(bool(self._partial) and not error)
        if self._partial and self._size:
            self.progress.setRange(0, 1000)
            self.progress.setValue(round(1000 * self._partial / self._size))
        self.detail.set_color_style(ERROR_STYLE if error else "")
        self.detail.setText(message)
        self.detail.setVisible(bool(message))
        size = f" ({data_size(self._size)})" if self._size else ""
        if self._partial:
            self.download_button.setText(self.tr("Resume Download") + size)
        elif error:
            self.download_button.setText(self.tr("Try Again"))
        else:
            self.download_button.setText(self.tr("Download") + size)
        self.download_button.show()
        self.cancel_button.hide()
        self.import_button.setEnabled(True)
        self._fit_height()

    def _fit_height(self) -> None:
        """Grow to show a message that just appeared: a dialog's layout does not enlarge the window for
        wrapped text on its own, and a long error would be cut off mid-sentence."""
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        needed = layout.totalHeightForWidth(self.width()) if layout.hasHeightForWidth() else -1
        needed = max(needed, layout.totalMinimumSize().height())
        if needed > self.height():
            self.resize(self.width(), needed)


@dataclass(frozen=True)
class Preferences:
    device: str
    precision: str
    batch_size: int
    language: str


class PreferencesDialog(QDialog):
    """Device, precision, batch size and language; ``values()`` after ``exec()`` returns the choice."""

    def __init__(self, current: Preferences, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Preferences"))
        self.device = QComboBox(self)
        for value, text in (("auto", self.tr("Automatic (GPU when there is one)")), ("cpu", self.tr("CPU")),
                            ("cuda", self.tr("NVIDIA GPU (CUDA)")), ("mps", self.tr("Apple GPU (MPS)"))):
            self.device.addItem(text, value)
        self.precision = QComboBox(self)
        for value, text in (("fast", self.tr("Fast (uses bf16/fp16 where the hardware supports it)")),
                            ("exact", self.tr("Exact (identical to reference CLIP)"))):
            self.precision.addItem(text, value)
        self.batch_size = QSpinBox(self)
        self.batch_size.setRange(1, 256)
        self.batch_size.setToolTip(self.tr("Photos encoded together; smaller answers Cancel sooner"))
        self.language = QComboBox(self)
        # Language names are written in their own language so anyone can find theirs.
        for value, text in (("system", self.tr("System default")), ("en", "English"), ("zh_CN", "简体中文")):
            self.language.addItem(text, value)
        form = QFormLayout()
        form.addRow(self.tr("Device:"), self.device)
        form.addRow(self.tr("Precision:"), self.precision)
        form.addRow(self.tr("Batch size:"), self.batch_size)
        form.addRow(self.tr("Language:"), self.language)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                   self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self._select(self.device, current.device)
        self._select(self.precision, current.precision)
        self._select(self.language, current.language)
        self.batch_size.setValue(current.batch_size)

    @staticmethod
    def _select(combo: QComboBox, value: str) -> None:
        index = combo.findData(value)
        combo.setCurrentIndex(max(0, index))

    def values(self) -> Preferences:
        return Preferences(self.device.currentData(), self.precision.currentData(), self.batch_size.value(),
                           self.language.currentData())


class AboutDialog(QDialog):
    """F1: what clipdesk is, which model runs where, and every keyboard shortcut."""

    def __init__(self, icon: QIcon, model_line: str, settings_file: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Help and Shortcuts"))
        logo = QLabel(self)
        logo.setPixmap(icon.pixmap(80, 80))
        logo.setAlignment(Qt.AlignmentFlag.AlignTop)
        title = _heading(f"clipdesk {__version__}", self)
        text = QLabel(self)
        text.setWordWrap(True)
        text.setTextFormat(Qt.TextFormat.RichText)
        text.setText(self._html(model_line, settings_file))
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column = QVBoxLayout()
        column.addWidget(title)
        column.addWidget(text)
        row = QHBoxLayout()
        row.addWidget(logo)
        row.addSpacing(12)
        row.addLayout(column, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(buttons)
        self.setMinimumWidth(480)

    def _html(self, model_line: str, settings_file: str) -> str:
        def keys(*sequences: QKeySequence.StandardKey | str) -> str:
            return " / ".join(html.escape(QKeySequence(s).toString(QKeySequence.SequenceFormat.NativeText))
                              for s in sequences)

        rows = [
            (keys("Ctrl+O"), self.tr("Add photos")),
            (keys("Ctrl+Shift+O"), self.tr("Add a folder of photos (with its sub-folders)")),
            (keys("Ctrl+V"), self.tr("Paste photos, copied files or a list of labels")),
            (keys("Delete"), self.tr("Remove the selected photos or labels")),
            (keys("Ctrl+Return"), self.tr("Label all photos")),
            (keys("Esc"), self.tr("Cancel what is running")),
            (keys("Ctrl+Shift+C"), self.tr("Copy the selected photo's results")),
            (keys("Ctrl+E"), self.tr("Export results as CSV or JSON")),
            (keys("F1"), self.tr("This help")),
        ]
        table = "".join(f"<tr><td style='padding-right:16px'><b>{k}</b></td><td>{html.escape(v)}</td></tr>"
                        for k, v in rows)
        intro = self.tr("Offline photo labeling with OpenAI’s CLIP. Drop photos, type the labels you care "
                        "about, and see how well each one fits.")
        where = self.tr("Settings are kept in %1").replace("%1", settings_file)
        return (f"<p>{html.escape(intro)}</p><p>{html.escape(model_line)}</p><table>{table}</table>"
                f"<p style='color:gray'>{html.escape(where)}</p>")
