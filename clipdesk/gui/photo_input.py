"""Photos coming in: drops, paste, the Add dialogs and command-line arguments, expanded off the GUI
thread by ``PathScanner`` and appended to the window's photo list (which then ranks what is new)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QMimeData, QObject
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QFileDialog

from clipdesk.gui.label_editor import split_labels
from clipdesk.gui.photo_sources import PathScanner, local_paths, paths_in_text

if TYPE_CHECKING:
    from clipdesk.gui.main_window import MainWindow

PHOTO_PATTERNS = "*.jpg *.jpeg *.png *.webp *.bmp *.gif *.tif *.tiff *.heic *.heif"


class PhotoInput(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.scanner = PathScanner(self)
        self.scanner.found.connect(self.on_photos_found)
        self.scanner.failed.connect(self.on_image_not_kept)

    def add_paths(self, paths: list[str]) -> None:
        """Files and folders (walked recursively) from a drop, paste, dialog or the command line."""
        if paths:
            self.window.status.set_activity(self.tr("Looking for photos…"), cancellable=True)
            self.scanner.scan(paths)
            self.window.ranking.update_activity_actions()

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
            self.window.status.flash(self.tr("Not found: %1").replace("%1", ", ".join(missing)))

    def add_image(self, image: QImage) -> None:
        """Pixels without a file: saved as a PNG in the cache folder (off the GUI thread: encoding a
        big photo takes seconds), then added like any photo."""
        self.window.status.set_activity(self.tr("Keeping the pasted image…"))
        self.scanner.add_image(image)

    def on_image_not_kept(self, reason: str) -> None:
        self.window.status.clear_activity()
        self.window.status.flash(self.tr("Could not keep the pasted image: %1").replace("%1", reason))

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
                added = self.window.labels_pane.editor.add_labels(split_labels(text))
                self.window.status.flash(self.tr("Added %n label(s)", "", added))

    def choose_images(self) -> None:
        settings = self.window.settings
        paths, _ = QFileDialog.getOpenFileNames(self.window, self.tr("Add Photos"), settings.last_folder("images"),
                                                self.tr("Photos (%1);;All files (*)").replace("%1", PHOTO_PATTERNS))
        if paths:
            settings.set_last_folder("images", paths[0])
            self.add_paths(paths)

    def choose_folder(self) -> None:
        settings = self.window.settings
        folder = QFileDialog.getExistingDirectory(self.window, self.tr("Add a Folder of Photos"),
                                                  settings.last_folder("images"))
        if folder:
            settings.set_last_folder("images", folder)
            self.add_paths([folder])

    def on_photos_found(self, photos: list[str], skipped: int, stopped: bool = False) -> None:
        window = self.window
        new = window.photos.add_paths(photos)
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
            window.status.clear_activity()
        window.status.flash(note)
        window.ranking.update_activity_actions()
        view = window.photos_pane.view
        if new and not view.currentIndex().isValid():
            view.setCurrentIndex(window.photos.index(window.photos.row_of(new[0]) or 0))
        window.ranking.request_rank()

    def shutdown(self, timeout_ms: int = 1000) -> bool:
        return self.scanner.shutdown(timeout_ms)
