"""What the results pane shows for the current photo: its preview, and its ranked labels -- or the
one sentence that says why there are none yet (no labels, unreadable, labelling, no model…)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject

from clipdesk.gui.image_list import PhotoListModel, readable_reason
from clipdesk.gui.jobs import JobKind
from clipdesk.gui.model_control import FAILED, MISSING, READY, ModelControl
from clipdesk.gui.panes import PREVIEW, ResultsPane
from clipdesk.gui.results_model import ResultsModel
from clipdesk.gui.thumbnails import ThumbnailLoader
from clipdesk.gui.worker_client import WorkerClient


class ResultsPresenter(QObject):
    """Fills ``pane`` and its table model ``results`` for one photo at a time; reads the photo list,
    the thumbnails, the model's state and whether ranking runs."""

    def __init__(self, pane: ResultsPane, results: ResultsModel, photos: PhotoListModel,
                 thumbnails: ThumbnailLoader, model: ModelControl, client: WorkerClient) -> None:
        super().__init__(pane)
        self._pane, self._results, self._photos = pane, results, photos
        self._thumbnails, self._model, self._client = thumbnails, model, client

    def show(self, path: str | None, device_pixel_ratio: float = 1.0) -> None:
        pane, photos = self._pane, self._photos
        if path is None:
            pane.set_photo("", None)
            self._results.set_prediction(None)
            pane.show_note(self.tr("Select a photo to see how well each label fits it.") if photos.rowCount()
                           else self.tr("Drop photos on the window to begin."))
            return
        ratio = max(1.0, device_pixel_ratio)
        size = int(PREVIEW * ratio)
        pixmap = self._thumbnails.get(path, size)
        if pixmap is not None:
            pixmap.setDevicePixelRatio(ratio)
        pane.set_photo(Path(path).name, pixmap, self.tr("No preview") if self._thumbnails.failed(path, size) else "")
        prediction = photos.prediction(path)
        if prediction is not None and prediction.error is None and photos.is_up_to_date(path):
            self._results.set_prediction(prediction)
            pane.show_table()
            return
        self._results.set_prediction(None)
        note, error = self._why_no_results(prediction.error if prediction is not None else None)
        pane.show_note(note, error=error)

    def _why_no_results(self, error: str | None) -> tuple[str, bool]:
        state = self._model.state
        if self._photos.current_signature is None:
            return self.tr("Type some labels on the left — e.g. receipt, cat, red envelope — and "
                           "each photo gets ranked against them."), False
        if error:
            return self.tr("This photo could not be read:\n%1").replace("%1", readable_reason(error)), True
        if state == READY and JobKind.RANK in self._client.active_kinds():
            return self.tr("Labelling…"), False
        if state == READY:
            return self.tr("Not labelled yet: press Ctrl+Return to label all photos."), False
        if state == MISSING:
            return self.tr("The model is not on this computer yet: use Model → Download or Import Weights…"), False
        if state == FAILED:
            return self.tr("No model is loaded: pick one in the Model menu."), False
        return self.tr("Waiting for the model…"), False
