"""File → New / Open / Save Project, Recent Projects and Locate Missing Photos…, and reopening where
the user left off: the window's work is saved on closing (to its project, or to the unnamed session)
and opened again on starting. Given only what it uses: a parent for dialogs, the settings, and two
callables that read the window's work into a :class:`Project` and put an opened one back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QWidget

from clipdesk.gui.settings import Settings
from clipdesk.labeling.project import (
    SUFFIX,
    OpenedProject,
    Project,
    ProjectError,
    open_project,
    save_project,
    session_path,
)


class ProjectActions(QObject):
    project_changed = Signal(str)  # the open project's file ("" for the unnamed session)
    message = Signal(str)

    def __init__(self, parent: QWidget, settings: Settings, capture: Callable[[], Project],
                 apply: Callable[[OpenedProject], None]) -> None:
        super().__init__(parent)
        self._parent = parent
        self._settings = settings
        self._capture = capture
        self._apply = apply
        self.path = ""  # the project file, "" for the session

    # -- starting and closing -------------------------------------------------------------------
    def restore(self) -> bool:
        """Open the project of last time (or the unnamed session); False when there is none."""
        chosen = self._settings.project
        if chosen and Path(chosen).is_file():
            return self.open(chosen, quiet=True)
        session = session_path()
        if session.is_file():
            opened = self._read(str(session), quiet=True)
            if opened is not None:
                self._set_path("")
                self._apply(opened)
                return True
        return False

    def save_on_close(self) -> None:
        """Keep the work for next time, without asking (the session file, or the named project)."""
        try:
            target = Path(self.path) if self.path else session_path()
            target.parent.mkdir(parents=True, exist_ok=True)  # a first run has no data folder yet
            save_project(self._capture(), target)
        except OSError:
            pass  # closing must never fail; the settings still hold the labels

    # -- menu actions ---------------------------------------------------------------------------
    def new(self) -> None:
        """An empty photo list under the same labels (the work so far is saved first)."""
        self.save_on_close()
        self._set_path("")
        now = self._capture()
        self._apply(OpenedProject(Project(labels=now.labels, templates=now.templates, keep=now.keep,
                                          model=now.model)))

    def choose_and_open(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self._parent, self.tr("Open Project"), self._settings.last_folder(
            "projects"), self.tr("clipdesk projects (*%1);;All files (*)").replace("%1", SUFFIX))
        if path:
            self.open(path)

    def open(self, path: str, quiet: bool = False) -> bool:
        opened = self._read(path, quiet)
        if opened is None:
            return False
        if self.path != path:
            self.save_on_close()
        self._set_path(path)
        self._settings.add_recent_project(path)
        self._settings.set_last_folder("projects", path)
        self._apply(opened)
        return True

    def save(self) -> bool:
        if not self.path:
            return self.save_as()
        return self.write_to(self.path)

    def save_as(self) -> bool:
        folder = Path(self._settings.last_folder("projects"))
        path, _ = QFileDialog.getSaveFileName(self._parent, self.tr("Save Project"), str(folder / f"photos{SUFFIX}"),
                                              self.tr("clipdesk projects (*%1)").replace("%1", SUFFIX))
        if not path:
            return False
        path = path if path.endswith(SUFFIX) else path + SUFFIX
        if not self.write_to(path):
            return False
        self._set_path(path)
        self._settings.add_recent_project(path)
        self._settings.set_last_folder("projects", path)
        return True

    def fill_recent_menu(self, menu: QMenu) -> None:
        menu.clear()
        recent = [p for p in self._settings.recent_projects if Path(p).is_file()]
        for path in recent:
            item = menu.addAction(Path(path).name)
            item.setToolTip(path)
            item.triggered.connect(lambda _=False, p=path: self.open(p))
        if not recent:
            menu.addAction(self.tr("No recent projects")).setEnabled(False)

    # -- internals ------------------------------------------------------------------------------
    def _read(self, path: str, quiet: bool) -> OpenedProject | None:
        try:
            opened = open_project(path)
        except ProjectError as error:
            if not quiet:
                QMessageBox.warning(self._parent, self.tr("Could not open the project"), str(error))
            return None
        if opened.warnings or opened.missing:
            lines = list(opened.warnings)
            if opened.missing:
                lines.append(self.tr("%1 photo(s) are not where they were; they are kept in the list as "
                                     "missing: File → Locate Missing Photos… finds them.").replace(
                    "%1", str(len(opened.missing))))
            box = QMessageBox(QMessageBox.Icon.Information, self.tr("Project opened"), "\n\n".join(lines),
                              QMessageBox.StandardButton.Ok, self._parent)
            box.open()
        return opened

    def write_to(self, path: str) -> bool:
        try:
            save_project(self._capture(), path)
        except OSError as error:
            QMessageBox.warning(self._parent, self.tr("Could not save the project"),
                                self.tr("%1 could not be written (%2); the file as it was is unchanged.").replace(
                                    "%1", path).replace("%2", error.strerror or str(error)))
            return False
        self.message.emit(self.tr("Saved the project %1").replace("%1", Path(path).name))
        return True

    def _set_path(self, path: str) -> None:
        self.path = path
        self._settings.project = path
        self.project_changed.emit(path)
