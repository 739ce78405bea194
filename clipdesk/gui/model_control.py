"""Which model runs, and getting it there: loading on the worker, the first-run dialog when the weights
are missing, a clear explanation when loading fails, the Model menu, and the status-bar line."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QWidget

from clipdesk.gui import services
from clipdesk.gui.dialogs import FirstRunDialog, data_size
from clipdesk.gui.jobs import JobFailed, JobKind, ModelMissing, ModelReady, ModelRequest
from clipdesk.gui.settings import Settings
from clipdesk.gui.status_bar import ActivityStatusBar
from clipdesk.gui.worker_client import WorkerClient
from clipdesk.weights.registry import CHINESE_CLIP, OPENAI

LOADING, READY, MISSING, FAILED = "loading", "ready", "missing", "failed"


class ModelControl(QObject):
    """Owns the model's state (loading / ready / missing / failed) for the window."""

    ready = Signal()  # a model is loaded: photos can be ranked
    state_changed = Signal()
    family_ready = Signal(services.FamilyInfo)  # of the model just loaded
    preferences_requested = Signal()  # a device that cannot run the model: the user opens Preferences

    def __init__(self, client: WorkerClient, settings: Settings, status: ActivityStatusBar,
                 dialog_parent: QWidget) -> None:
        super().__init__(dialog_parent)
        self.client, self.settings, self.status = client, settings, status
        self._dialog_parent = dialog_parent
        self.state = LOADING
        self.info: ModelReady | None = None
        self.first_run: FirstRunDialog | None = None
        client.model_ready.connect(self._on_ready)
        client.model_missing.connect(self._on_missing)
        client.errored.connect(self._on_errored)

    # -- loading -------------------------------------------------------------------------------
    def load(self) -> None:
        self._set_state(LOADING)
        self.status.set_activity(self.tr("Loading the model %1…").replace(
            "%1", services.display_name(self.settings.model)), 0, 0)
        self.client.load_model(ModelRequest(self.settings.model, self.settings.device, self.settings.precision,
                                            self.settings.batch_size))

    def choose(self, model: str) -> None:
        """Switch to ``model`` (a registry name or a checkpoint path) on the worker."""
        if model != self.settings.model or self.state != READY:
            self.settings.model = model
            self.load()

    def choose_checkpoint(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self._dialog_parent, self.tr("Use a Checkpoint File"),
                                              self.settings.last_folder("weights"),
                                              self.tr("Model weights (%1);;All files (*)").replace(
                                                  "%1", services.WEIGHTS_FILTER))
        if path:
            self.settings.set_last_folder("weights", path)
            self.choose(path)

    def get_weights(self) -> None:
        """Model → Download or Import Weights…: the first-run dialog for the chosen model."""
        try:
            missing = services.missing_weights(self.settings.model)
        except Exception as error:  # noqa: BLE001 - a broken models.json must not crash the menu
            self.status.flash(services.describe_error(error))
            return
        if missing is None:
            self.status.flash(self.tr("%1 is already on this computer").replace(
                "%1", services.display_name(self.settings.model)))
            return
        self.show_first_run(ModelMissing(0, missing.name, missing.size, missing.partial, missing.sources))

    def show_first_run(self, missing: ModelMissing) -> None:
        if self.first_run is not None:
            return
        dialog = FirstRunDialog(self.client, missing, self.settings, self._dialog_parent)
        self.first_run = dialog
        dialog.finished.connect(lambda result: self._on_first_run_done(dialog, result))
        dialog.open()

    def close_dialogs(self) -> None:
        if self.first_run is not None:
            self.first_run.reject()

    # -- worker reports ------------------------------------------------------------------------
    def _on_ready(self, info: ModelReady) -> None:
        self.info = info
        self._set_state(READY)
        self.status.clear_activity(self.tr("Ready"))
        self.family_ready.emit(info.family)
        self.ready.emit()

    @property
    def family(self) -> services.FamilyInfo | None:
        """The loaded model's family (None while none is loaded)."""
        return None if self.info is None else self.info.family

    def _on_missing(self, missing: ModelMissing) -> None:
        self._set_state(MISSING)
        self.status.clear_activity(self.tr("The model %1 is not on this computer yet").replace("%1", missing.model))
        self.show_first_run(missing)

    def _on_first_run_done(self, dialog: FirstRunDialog, result: int) -> None:
        self.first_run = None
        dialog.deleteLater()
        if result == FirstRunDialog.DialogCode.Accepted:
            self.settings.model = dialog.model
            self.load()
        else:
            self.status.clear_activity(self.tr("No model yet: use Model → Download or Import Weights…"))

    def _on_errored(self, failure: JobFailed) -> None:
        if failure.kind != JobKind.LOAD:
            return
        self._set_state(FAILED)
        self.status.clear_activity(self.tr("Could not load the model: %1").replace("%1", failure.message))
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("The model could not be loaded"),
                          self.tr("clipdesk could not load the model %1.").replace(
                              "%1", services.display_name(self.settings.model)),
                          QMessageBox.StandardButton.NoButton, self._dialog_parent)
        if failure.topic == "device":
            step = self.tr("Choose “Automatic” or “CPU” as the device in Preferences.")
            action, button = self.preferences_requested.emit, self.tr("Open Preferences…")
        elif services.looks_like_file(self.settings.model):
            step = self.tr("Choose another checkpoint file, or pick a model in the Model menu.")
            action, button = self.choose_checkpoint, self.tr("Choose Another File…")
        else:
            step = self.tr("Try again, pick another model in the Model menu, or import the weights file again.")
            action, button = self.load, self.tr("Try Again")
        box.setInformativeText(failure.message + "\n\n" + step)
        next_step = box.addButton(button, QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Close)
        box.finished.connect(lambda _: action() if box.clickedButton() is next_step else None)
        box.open()

    # -- presentation --------------------------------------------------------------------------
    def _set_state(self, state: str) -> None:
        self.state = state
        if state != READY:
            self.info = None
        self.update_status()
        self.state_changed.emit()

    def update_status(self) -> None:
        name = services.display_name(self.settings.model)
        if self.state == READY and self.info is not None:
            self.status.set_model(self.tr("Model: %1").replace("%1", name), self.info.device)
        elif self.state == LOADING:
            self.status.set_model(self.tr("Model: %1 (loading)").replace("%1", name), "")
        elif self.state == MISSING:
            self.status.set_model(self.tr("Model: %1 (not downloaded)").replace("%1", name), "")
        else:
            self.status.set_model(self.tr("Model: %1 (failed)").replace("%1", name), "")

    def description(self) -> str:
        """One line for the help dialog."""
        if self.info is not None:
            return self.tr("Model %1 running on %2").replace("%1", self.info.display_name).replace(
                "%2", self.info.device)
        return self.tr("Model %1 (not loaded)").replace("%1", services.display_name(self.settings.model))

    def fill_menu(self, menu: QMenu, tail: list) -> None:
        """The Model menu: every model (checked: the current one; cached ones say so), then ``tail``."""
        menu.clear()
        try:
            choices = services.model_choices()
        except Exception as error:  # noqa: BLE001
            choices = []
            menu.addAction(services.describe_error(error)).setEnabled(False)
        if self.settings.model not in [choice.name for choice in choices]:
            choices.insert(0, services.ModelChoice(self.settings.model, None, True, 0))
        for family in services.family_sections():
            members = [choice for choice in choices if choice.family == family]
            if members:
                menu.addSection(self._family_title(family))
                self._add_choices(menu, members)
        for action in tail:
            menu.addSeparator() if action is None else menu.addAction(action)

    def _family_title(self, family: str | None) -> str:
        if family == OPENAI:
            return self.tr("OpenAI CLIP — labels in English")
        if family == CHINESE_CLIP:
            return self.tr("Chinese-CLIP — labels in Chinese (中文)")
        return self.tr("Other models")

    def _add_choices(self, menu: QMenu, choices: list[services.ModelChoice]) -> None:
        for choice in choices:
            if choice.cached:
                note = self.tr("on this computer")
            elif choice.size:
                note = self.tr("download %1").replace("%1", data_size(choice.size))
            else:
                note = self.tr("download")
            item = menu.addAction(f"{services.display_name(choice.name)}\t{note}")
            item.setCheckable(True)
            item.setChecked(choice.name == self.settings.model)
            item.setToolTip(choice.name)
            item.triggered.connect(lambda _=False, name=choice.name: self.choose(name))
