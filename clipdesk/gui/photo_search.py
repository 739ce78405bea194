"""Search in the window: words typed above the grid (or Find Similar Photos on one photo) sort the
photos best match first, with the score; clearing the field returns to the usual order. The query is
encoded and the photos compared on the worker; this controller gets only what it uses and reports
upward by signals."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QToolButton

from clipdesk.gui.image_list import PhotoListModel
from clipdesk.gui.jobs import DuplicatesDone, DuplicatesRequest, JobFailed, JobKind, SearchDone, SearchRequest
from clipdesk.gui.worker_client import WorkerClient

TYPING_PAUSE_MS = 350  # a search starts once typing pauses this long


class PhotoSearch(QObject):
    message = Signal(str)  # a one-line outcome for the status bar
    ordered = Signal()  # the grid's order changed (a search shown or ended)

    def __init__(self, client: WorkerClient, photos: PhotoListModel, field: QLineEdit, note: QLabel,
                 end_button: QToolButton, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._client = client
        self._photos = photos
        self._field = field
        self._note = note
        self._end_button = end_button
        self._job: int | None = None
        self._like = ""  # the photo of a Find Similar Photos, while it is shown
        self._timer = QTimer(self, singleShot=True, interval=TYPING_PAUSE_MS)
        self._timer.timeout.connect(self._search_text)
        field.textEdited.connect(self._typed)
        field.returnPressed.connect(self._search_text)
        end_button.clicked.connect(self.end)
        client.searched.connect(self._on_searched)
        client.grouped.connect(self._on_grouped)
        client.errored.connect(self._on_errored)

    @property
    def active(self) -> bool:
        return self._photos.searching

    def find_similar(self, path: str) -> None:
        """Photos that look like ``path``, best first (the photo itself leads)."""
        self._timer.stop()
        self._field.clear()
        self._like = path
        self._start(SearchRequest(tuple(self._photos.paths()), like=path))

    def group_duplicates(self, min_similarity: float) -> None:
        """Photos at least ``min_similarity`` alike, side by side."""
        paths = tuple(self._photos.paths_as_added())
        if not paths:
            return
        self._timer.stop()
        self._field.clear()
        self._like = ""
        self._job = self._client.group_duplicates(DuplicatesRequest(paths, min_similarity))
        self._show_note(self.tr("Looking for near-duplicates…"))

    def _on_grouped(self, result: DuplicatesDone) -> None:
        if result.job_id != self._job:
            return
        self._job = None
        self._photos.show_groups([list(group) for group in result.groups])
        count = sum(len(group) for group in result.groups)
        self._show_note(self.tr("%1 groups of near-duplicates first").replace("%1", str(len(result.groups))))
        self.message.emit(self.tr("%1 photos in %2 groups of near-duplicates (similarity at least %3)").replace(
            "%1", str(count)).replace("%2", str(len(result.groups))).replace(
            "%3", f"{result.request.min_similarity:.2f}"))
        self.ordered.emit()

    def end(self) -> None:
        self._timer.stop()
        self._client.cancel(JobKind.SEARCH)
        self._job = None
        self._like = ""
        self._field.clear()
        self._photos.clear_search()
        self._show_note("")
        self.ordered.emit()

    def _typed(self, text: str) -> None:
        if not text.strip():
            self.end()
            return
        self._like = ""
        self._timer.start()

    def _search_text(self) -> None:
        text = self._field.text().strip()
        if text:
            self._start(SearchRequest(tuple(self._photos.paths()), text=text))

    def _start(self, request: SearchRequest) -> None:
        if not request.paths:
            return
        self._job = self._client.search(request)
        self._show_note(self.tr("Searching…"))

    def _on_searched(self, result: SearchDone) -> None:
        if result.job_id != self._job:
            return
        self._job = None
        self._photos.show_search(result.scores)
        query = (self.tr("like %1").replace("%1", Path(result.request.like).name) if result.request.like
                 else f"“{result.request.text}”")
        self._show_note(self.tr("best match first: %1").replace("%1", query))
        self.message.emit(self.tr("%1 photos sorted by how well they match %2").replace(
            "%1", str(len(result.scores))).replace("%2", query))
        self.ordered.emit()

    def _on_errored(self, failure: JobFailed) -> None:
        if failure.kind == JobKind.SEARCH and failure.job_id == self._job:
            self._job = None
            self._show_note("")
            self.message.emit(self.tr("Could not search: %1").replace("%1", failure.message))

    def _show_note(self, text: str) -> None:
        self._note.setText(text)
        self._end_button.setVisible(bool(text) and (self._photos.searching or bool(self._like) or self._job is None))
