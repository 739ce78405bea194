"""Photos coming in: drops, paste, the Add dialogs and command-line arguments, expanded off the GUI
thread by ``PathScanner`` and appended to the photo list.

It is handed the photo list, the settings (last folders) and the status bar, and tells the window the
rest by signals: which photos are new (to select and rank), labels that were pasted, and when a scan
starts or ends (for Cancel)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QObject, Signal
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QFileDialog, QWidget

from clipdesk.gui.image_list import PhotoListModel
from clipdesk.gui.label_editor import split_labels
from clipdesk.gui.photo_sources import PathScanner, local_paths, paths_in_text
from clipdesk.gui.settings import Settings
from clipdesk.gui.status_bar import ActivityStatusBar

PHOTO_PATTERNS = "*.jpg *.jpeg *.png *.webp *.bmp *.gif *.tif *.tiff *.heic *.heif"


class PhotoInput(QObject):
    photos_added = Signal(list)  # the paths new to the list (may be empty): select the first, rank them
    labels_pasted = Signal(list)  # text pasted that is not paths: labels for the label list
    scanning_changed = Signal()  # a folder walk started or ended

    def __init__(self, photos: PhotoListModel, settings: Settings, status: ActivityStatusBar,
                 dialog_parent: QWidget) -> None:
        super().__init__(dialog_parent)
        self._photos, self._settings, self._status = photos, settings, status
        self._dialog_parent = dialog_parent
        self.scanner = PathScanner(self)
        self.scanner.found.connect(self.on_photos_found)
        self.scanner.failed.connect(self.on_image_not_kept)

    def add_paths(self, paths: list[str]) -> None:
        """Files and folders (walked recursively) from a drop, paste, dialog or the command line."""
        if paths:
            self._status.set_activity(self.tr("Looking for photos…"), cancellable=True)
            self.scanner.scan(paths)
            self.scanning_changed.emit()

    def scanning(self) -> bool:
        """Whether folders are still being looked through."""
        return self.scanner.scanning()

    def cancel_scans(self) -> None:
        """Escape or Cancel while folders are walked (a whole disk dropped by mistake): stop looking;
        the photos found so far are added."""
        self.scanner.cancel()

    def open_arguments(self, arguments: list[str]) -> None:
        """Photos and folders named on the command line ("Open with clipdesk" arrives this way)."""
        arguments = [arg for arg in arguments if arg]
        found = [arg for arg in arguments if Path(arg).exists()]
        self.add_paths(found)
        missing = [arg for arg in arguments if arg not in found]
        if missing:
            self._status.flash(self.tr("Not found: %1").replace("%1", ", ".join(missing)))

    def add_image(self, image: QImage) -> None:
        """Pixels without a file: saved as a PNG in the cache folder (off the GUI thread: encoding a
        big photo takes seconds), then added like any photo."""
        self._status.set_activity(self.tr("Keeping the pasted image…"))
        self.scanner.add_image(image)

    def on_image_not_kept(self, reason: str) -> None:
        self._status.clear_activity()
        self._status.flash(self.tr("Could not keep the pasted image: %1").replace("%1", reason))

    def paste(self) -> None:
        """Ctrl+V: image data, copied files, pasted paths — or, for any other text, labels."""
        mime: QMimeData = QGuiApplication.clipboard().mimeData()
        paths = local_paths(mime) if mime.hasUrls() else []
        if paths:
            self.add_paths(paths)
        elif mime.hasImage():
            self.add_image(QImage(mime.imageData()))
        elif mime.hasText():
            text = mime.text()
            paths = paths_in_text(text)
            if paths:
                self.add_paths(paths)
            else:
                self.labels_pasted.emit(split_labels(text))

    def choose_images(self) -> None:
        settings = self._settings
        paths, _ = QFileDialog.getOpenFileNames(self._dialog_parent, self.tr("Add Photos"),
                                                settings.last_folder("images"),
                                                self.tr("Photos (%1);;All files (*)").replace("%1", PHOTO_PATTERNS))
        if paths:
            settings.set_last_folder("images", paths[0])
            self.add_paths(paths)

    def choose_folder(self) -> None:
        settings = self._settings
        folder = QFileDialog.getExistingDirectory(self._dialog_parent, self.tr("Add a Folder of Photos"),
                                                  settings.last_folder("images"))
        if folder:
            settings.set_last_folder("images", folder)
            self.add_paths([folder])

    def on_photos_found(self, photos: list[str], skipped: int, stopped: bool = False) -> None:
        new = self._photos.add_paths(photos)
        if stopped:
            note = self.tr("Stopped looking for photos; %n photo(s) added", "", len(new))
        elif new:
            note = self.tr("Added %n photo(s)", "", len(new))
        elif photos:
            note = self.tr("Those photos are already in the list")
        elif not skipped:
            note = self.tr("No photos found there")
        else:
            note = ""
        if skipped:
            extra = self.tr("%n file(s) skipped: not photos", "", skipped)
            note = f"{note}; {extra}" if note else extra
        if not self.scanner.scanning():
            self._status.clear_activity()
        self._status.flash(note)
        self.scanning_changed.emit()
        self.photos_added.emit(new)

    def shutdown(self, timeout_ms: int = 1000) -> bool:
        return self.scanner.shutdown(timeout_ms)
