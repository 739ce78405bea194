"""Watch folders: a project's folders the user chose to follow. New photos there join the list (and are
labelled with the current labels) — at once while the window is open (a file watcher, its bursts
merged), and when the project is opened again (a refresh). Nothing is ever removed from the list
because it left a watched folder: that is the missing-photo path's job."""

from __future__ import annotations

import os

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

SETTLE_MS = 1000  # a camera import writes many files: look once the folder has been quiet this long


class FolderWatch(QObject):
    folders_to_scan = Signal(list)  # folders that may hold new photos (the window adds what is new)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._watcher = QFileSystemWatcher(self)
        self._watcher.directoryChanged.connect(self._on_changed)
        self._folders: list[str] = []
        self._pending: set[str] = set()
        self._timer = QTimer(self, singleShot=True, interval=SETTLE_MS)
        self._timer.timeout.connect(self._flush)

    @property
    def folders(self) -> tuple[str, ...]:
        return tuple(self._folders)

    def set_folders(self, folders: tuple[str, ...] | list[str]) -> None:
        """Follow exactly ``folders`` (a project opened), and look for photos added while it was closed."""
        for folder in self._folders:
            self._unwatch(folder)
        self._folders = []
        for folder in folders:
            self.add(folder, scan=False)
        self.refresh()

    def add(self, folder: str, scan: bool = True) -> None:
        folder = os.path.abspath(folder)
        if folder in self._folders:
            return
        self._folders.append(folder)
        for path in self._tree(folder):
            self._watcher.addPath(path)
        if scan:
            self.folders_to_scan.emit([folder])

    def refresh(self) -> None:
        present = [f for f in self._folders if os.path.isdir(f)]
        if present:
            self.folders_to_scan.emit(present)

    def _on_changed(self, path: str) -> None:
        self._pending.add(path)
        for sub in self._tree(path):  # a new sub-folder is followed too
            if sub not in self._watcher.directories():
                self._watcher.addPath(sub)
        self._timer.start()

    def _flush(self) -> None:
        pending, self._pending = sorted(self._pending), set()
        existing = [p for p in pending if os.path.isdir(p)]
        if existing:
            self.folders_to_scan.emit(existing)

    def _unwatch(self, folder: str) -> None:
        watched = [p for p in self._watcher.directories() if p == folder or p.startswith(folder + os.sep)]
        if watched:
            self._watcher.removePaths(watched)

    @staticmethod
    def _tree(folder: str) -> list[str]:
        found = []
        for root, dirs, _ in os.walk(folder):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            found.append(root)
        return found
