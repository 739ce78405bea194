"""Write Keywords…, Sort into Folders… and Edit → Undo: the window's way of putting labels into the
photo library. Given only what it uses (a parent for dialogs, the settings, a way to get each labelled
photo's kept labels); it reports upward by signals and runs every file change on ``LibraryThread``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from clipdesk.gui.library_dialogs import SortDialog, WriteKeywordsDialog
from clipdesk.gui.library_worker import LibraryJob, LibraryOutcome, LibraryRequest, LibraryThread
from clipdesk.gui.settings import Settings
from clipdesk.labeling.library.folder_sort import SortOptions
from clipdesk.labeling.library.keyword_writer import KeywordOptions

Items = list[tuple[str, tuple[str, ...]]]
MAX_LISTED = 30  # failures listed in the summary's details


class LibraryActions(QObject):
    busy_changed = Signal(bool)
    progress = Signal(str, int, int)  # what, done, total
    finished = Signal(str)  # a one-line outcome for the status bar
    undo_changed = Signal(str)  # the Undo action's text ("" when there is nothing to undo)

    def __init__(self, parent: QWidget, settings: Settings, kept_items: Callable[[], Items]) -> None:
        super().__init__(parent)
        self._parent = parent
        self._settings = settings
        self._kept_items = kept_items
        self._thread = LibraryThread(self)
        self._thread.progress.connect(self._on_progress)
        self._thread.finished.connect(self._on_finished)
        self._undo_stack: list[tuple[LibraryJob, Path]] = []  # logs of this session, newest last
        self._job: LibraryJob | None = None

    @property
    def busy(self) -> bool:
        return self._thread.busy

    def write_keywords(self) -> None:
        items = self._items_or_say()
        if not items:
            return
        dialog = WriteKeywordsDialog(items, self._settings.keyword_mode, self._parent)
        if dialog.exec() != WriteKeywordsDialog.DialogCode.Accepted:
            return
        self.start_keywords(items, dialog.values())

    def start_keywords(self, items: Items, options: KeywordOptions) -> None:
        """Write ``items``' kept labels as keywords on the library thread (the dialog's Write button)."""
        self._settings.keyword_mode = options.mode
        self._start(LibraryRequest(LibraryJob.KEYWORDS, tuple(items), options))

    def sort_into_folders(self) -> None:
        items = self._items_or_say()
        if not items:
            return
        dialog = SortDialog(items, self._settings.last_folder("sort"), self._parent)
        if dialog.exec() != SortDialog.DialogCode.Accepted:
            return
        self.start_sort(items, dialog.values())

    def start_sort(self, items: Items, options: SortOptions) -> None:
        self._settings.set_last_folder("sort", str(options.into))
        self._start(LibraryRequest(LibraryJob.SORT, tuple(items), options))

    def undo(self) -> None:
        if not self._undo_stack or self.busy:
            return
        job = self._undo_stack[-1][0]
        question = (self.tr("Take back the keywords clipdesk just wrote? Keywords added since by you or "
                            "other programs are kept.") if job is LibraryJob.KEYWORDS else
                    self.tr("Take back the sort into folders? Copies are removed and moved photos go back, "
                            "each only while it is still the file clipdesk placed."))
        if QMessageBox.question(self._parent, self.tr("Undo"), question) == QMessageBox.StandardButton.Yes:
            self.undo_now()

    def undo_now(self) -> None:
        """Undo the newest run of this session, without asking."""
        if self._undo_stack and not self.busy:
            self._start(LibraryRequest(LibraryJob.UNDO, log=self._undo_stack[-1][1]))

    def cancel(self) -> None:
        self._thread.cancel()

    def shutdown(self, timeout_ms: int) -> bool:
        return self._thread.shutdown(timeout_ms)

    def undo_text(self) -> str:
        if not self._undo_stack:
            return ""
        return (self.tr("&Undo Write Keywords") if self._undo_stack[-1][0] is LibraryJob.KEYWORDS
                else self.tr("&Undo Sort into Folders"))

    # -- internals --------------------------------------------------------------------------------
    def _items_or_say(self) -> Items:
        items = self._kept_items()
        if not items:
            QMessageBox.information(self._parent, self.tr("Nothing labelled yet"), self.tr(
                "Label the photos first: keywords and folders come from the labels each photo keeps."))
        return items

    def _start(self, request: LibraryRequest) -> None:
        if self._thread.start(request):
            self._job = request.job
            self.busy_changed.emit(True)
            self.progress.emit(self._doing(request.job), 0, len(request.items))

    def _doing(self, job: LibraryJob) -> str:
        return {LibraryJob.KEYWORDS: self.tr("Writing keywords…"), LibraryJob.SORT: self.tr("Sorting into folders…"),
                LibraryJob.UNDO: self.tr("Undoing…")}[job]

    def _on_progress(self, done: int, total: int) -> None:
        if self._job is not None:
            self.progress.emit(self._doing(self._job), done, total)

    def _on_finished(self, outcome: LibraryOutcome) -> None:
        self._job = None
        self.busy_changed.emit(False)
        if outcome.error:
            QMessageBox.warning(self._parent, self.tr("Nothing was changed"), outcome.error)
            self.finished.emit("")
            return
        report = outcome.report
        if outcome.job is LibraryJob.UNDO:
            self._undo_stack.pop()
            self.undo_changed.emit(self.undo_text())
            self._say_undo(report)
            return
        if report.log_path is not None:
            self._undo_stack.append((outcome.job, report.log_path))
            self.undo_changed.emit(self.undo_text())
        self._say_run(outcome.job, report)

    def _say_run(self, job: LibraryJob, report) -> None:
        from clipdesk.labeling.library import folder_sort, keyword_writer

        failed = [o for o in report.outcomes if o.status in (keyword_writer.FAILED, folder_sort.FAILED)]
        if job is LibraryJob.KEYWORDS:
            done = report.counts.get(keyword_writer.WRITTEN, 0)
            line = self.tr("Keywords written to %1 photo(s), %2 already up to date, %3 failed").replace(
                "%1", str(done)).replace("%2", str(report.counts.get(keyword_writer.UNCHANGED, 0)))
        else:
            done = report.counts.get(folder_sort.COPIED, 0) + report.counts.get(folder_sort.MOVED, 0)
            line = self.tr("Sorted %1 photo(s), %2 already there, %3 failed").replace("%1", str(done)).replace(
                "%2", str(report.counts.get(folder_sort.ALREADY_THERE, 0)))
        line = line.replace("%3", str(len(failed)))
        if report.cancelled:
            line += self.tr(" (stopped; what was done can be undone)")
        self.finished.emit(line)
        if failed:
            self._details(self.tr("Some photos were left as they were"), line,
                          [f"{Path(o.photo).name}: {o.error}" for o in failed])

    def _say_undo(self, report) -> None:
        from clipdesk.labeling.library.undo import FAILED, RESTORED, SKIPPED

        if report.already_undone:
            self.finished.emit(self.tr("That was already undone"))
            return
        line = self.tr("Undone: %1 restored, %2 skipped, %3 failed").replace(
            "%1", str(report.count(RESTORED))).replace("%2", str(report.count(SKIPPED))).replace(
            "%3", str(report.count(FAILED)))
        self.finished.emit(line)
        others = [f"{Path(o.path).name}: {o.detail}" for o in report.outcomes if o.status != RESTORED]
        if others:
            self._details(self.tr("Undo"), line, others)

    def _details(self, title: str, text: str, lines: Sequence[str]) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.Ok, self._parent)
        shown = list(lines[:MAX_LISTED])
        if len(lines) > MAX_LISTED:
            shown.append(self.tr("… and %1 more").replace("%1", str(len(lines) - MAX_LISTED)))
        box.setDetailedText("\n".join(shown))
        box.open()
