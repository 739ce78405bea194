"""Getting photos into the window: drops of files and folders, paste of image data and of copied files,
the file dialogs' entry point — and thumbnails that never block the window."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, Qt, QUrl
from PySide6.QtGui import QColor, QGuiApplication, QImage

from clipdesk.gui.image_list import ERROR_ROLE, PATH_ROLE
from clipdesk.gui.photo_sources import pasted_images_dir
from clipdesk.gui.thumbnails import ThumbnailLoader
from tests import photos as sample_photos
from tests.gui.conftest import drop_mime, drop_urls, wait_labelled


def listed(win) -> list[str]:
    return win.photos.paths()


def test_dropping_files_on_the_photo_grid_adds_and_labels_them(qtbot, window, photo_files):
    window.labels_pane.editor.add_labels(["astronaut", "cup of coffee", "cat"])
    with qtbot.waitSignal(window.photo_input.scanner.found, timeout=10_000):
        drop_urls(window.photos_pane.view.viewport(), photo_files[:2])
    assert listed(window) == [str(p) for p in photo_files[:2]]
    wait_labelled(qtbot, window, 2)
    for path in photo_files[:2]:
        prediction = window.photos.prediction(str(path))
        assert prediction.error is None
        assert {score.label for score in prediction.scores} == {"astronaut", "cup of coffee", "cat"}


def test_dropping_a_folder_adds_its_photos_recursively_and_nothing_else(qtbot, window, tmp_path):
    folder = tmp_path / "phone"
    expected = [sample_photos.write_jpeg(folder, "coffee"),
                sample_photos.write_png(folder / "2024" / "march", "chelsea")]
    (folder / "notes.txt").write_text("not a photo")
    sample_photos.write_jpeg(folder / ".thumbnails", "rocket")  # hidden folder: skipped
    with qtbot.waitSignal(window.photo_input.scanner.found, timeout=10_000):
        drop_urls(window.photos_pane.view.viewport(), [folder])
    assert sorted(listed(window)) == sorted(str(p) for p in expected)


def test_dropping_the_same_photo_twice_lists_it_once(qtbot, window, photo_files):
    for _ in range(2):
        with qtbot.waitSignal(window.photo_input.scanner.found, timeout=10_000):
            drop_urls(window.photos_pane.view.viewport(), [photo_files[0]])
    assert listed(window) == [str(photo_files[0])]


def test_dropping_on_the_label_pane_adds_photos_too(qtbot, window, photo_files):
    with qtbot.waitSignal(window.photo_input.scanner.found, timeout=10_000):
        drop_urls(window, photo_files[:1])
    assert listed(window) == [str(photo_files[0])]


def test_non_photo_files_are_skipped_with_a_note(qtbot, window, tmp_path):
    text = tmp_path / "report.pdf"
    text.write_bytes(b"%PDF-1.4")
    with qtbot.waitSignal(window.photo_input.scanner.found, timeout=10_000):
        drop_urls(window.photos_pane.view.viewport(), [text])
    assert listed(window) == []
    assert "1 file skipped: not a photo" in window.status.activity.text()


def test_pasting_image_data_saves_a_png_and_adds_it(qtbot, window):
    image = QImage(64, 48, QImage.Format.Format_RGB32)
    image.fill(QColor("orange"))
    QGuiApplication.clipboard().setImage(image)
    with qtbot.waitSignal(window.photo_input.scanner.found, timeout=10_000):
        window.paste_action.trigger()
    [path] = listed(window)
    assert Path(path).parent == pasted_images_dir() and path.endswith(".png")
    saved = QImage(path)
    assert (saved.width(), saved.height()) == (64, 48)
    assert saved.pixelColor(10, 10) == QColor("orange")


def test_dropping_image_data_without_a_file_adds_it(qtbot, window):
    image = QImage(20, 20, QImage.Format.Format_RGB32)
    image.fill(QColor("red"))
    mime = QMimeData()
    mime.setImageData(image)
    with qtbot.waitSignal(window.photo_input.scanner.found, timeout=10_000):
        drop_mime(window.photos_pane.view.viewport(), mime)
    assert len(listed(window)) == 1 and listed(window)[0].endswith(".png")


def test_pasting_copied_files_adds_them(qtbot, window, photo_files):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in photo_files])
    QGuiApplication.clipboard().setMimeData(mime)
    window.photos_pane.view.setFocus()
    with qtbot.waitSignal(window.photo_input.scanner.found, timeout=10_000):
        window.paste_action.trigger()
    assert listed(window) == [str(p) for p in photo_files]


def test_pasting_plain_text_adds_labels_instead(qtbot, window):
    QGuiApplication.clipboard().setText("receipt\ncat\nred envelope\n")
    window.paste_action.trigger()
    assert window.labels_pane.editor.labels() == ["receipt", "cat", "red envelope"]


def test_delete_removes_selected_photos_and_clear_empties(qtbot, window, photo_files):
    with qtbot.waitSignal(window.photo_input.scanner.found, timeout=10_000):
        window.add_paths([str(p) for p in photo_files])
    view = window.photos_pane.view
    view.setFocus()
    view.setCurrentIndex(window.photos.index(1))
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert listed(window) == [str(p) for i, p in enumerate(photo_files) if i != 1]
    window.clear_photos_action.trigger()
    assert listed(window) == []


def test_photo_rows_expose_their_path_and_error(qtbot, window, tmp_path):
    broken = sample_photos.write_text_as_image(tmp_path)
    window.labels_pane.editor.add_labels(["cat", "dog"])
    with qtbot.waitSignal(window.photo_input.scanner.found, timeout=10_000):
        window.add_paths([str(broken)])
    wait_labelled(qtbot, window, 1)
    index = window.photos.index(0)
    assert index.data(PATH_ROLE) == str(broken)
    assert index.data(ERROR_ROLE)


def test_thumbnails_are_made_off_the_gui_thread_scaled_and_upright(qtbot, tmp_path):
    # coffee is 600x400; orientation 6 stores it as 400x600 pixels that viewers turn back upright.
    sideways = sample_photos.write_jpeg(tmp_path, "coffee", orientation=6)
    loader = ThumbnailLoader()
    assert loader.get(str(sideways), 120) is None  # nothing yet: queued, the caller does not wait
    with qtbot.waitSignal(loader.ready, timeout=10_000) as ready:
        pass
    assert ready.args == [str(sideways)]
    pixmap = loader.get(str(sideways), 120)
    assert (pixmap.width(), pixmap.height()) == (120, 80)
    loader.shutdown()


def test_a_thousand_photos_only_get_thumbnails_for_what_is_on_screen(qtbot, window, tmp_path):
    one = sample_photos.write_jpeg(tmp_path, "rocket")
    paths = []
    for i in range(1000):
        link = tmp_path / f"copy{i:04d}.jpg"
        link.symlink_to(one)
        paths.append(str(link))
    window.photos.add_paths(paths)
    qtbot.wait(200)  # let the view paint what is visible
    requested = window.thumbnails.pending() + len(window.thumbnails.cached())
    assert 0 < requested < 200


def test_a_pasted_image_is_encoded_off_the_gui_thread(qtbot, window, monkeypatch):
    import threading

    from clipdesk.gui import photo_input, photo_sources

    threads = []
    original = photo_sources.save_pasted_image

    def recording(image):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread() is threading.main_thread())
        return original(image)

    monkeypatch.setattr(photo_sources, "save_pasted_image", recording)
    monkeypatch.setattr(photo_input, "save_pasted_image", recording, raising=False)
    image = QImage(64, 48, QImage.Format.Format_RGB32)
    image.fill(QColor("teal"))
    QGuiApplication.clipboard().setImage(image)
    with qtbot.waitSignal(window.photo_input.scanner.found, timeout=10_000):
        window.paste_action.trigger()
    assert threads == [False]  # a 12-megapixel photo takes seconds to encode as PNG
    assert len(listed(window)) == 1


def test_a_pasted_image_that_cannot_be_kept_is_explained(qtbot, window, monkeypatch, tmp_path):
    from clipdesk.gui import photo_sources

    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the pasted-images folder should be")
    monkeypatch.setattr(photo_sources, "pasted_images_dir", lambda: blocked / "pasted")
    image = QImage(8, 8, QImage.Format.Format_RGB32)
    image.fill(QColor("red"))
    QGuiApplication.clipboard().setImage(image)
    with qtbot.waitSignal(window.photo_input.scanner.failed, timeout=10_000):
        window.paste_action.trigger()
    assert "Could not keep the pasted image" in window.status.activity.text()
    assert listed(window) == []


def copied_files_mime(paths: list[Path]) -> QMimeData:
    """What a file manager puts on the clipboard or in a drag: the files as URLs and as text."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    mime.setText("\n".join(str(p) for p in paths))
    return mime


def test_ctrl_v_in_the_label_entry_pastes_photos_not_their_paths(qtbot, window, photo_files):
    entry = window.labels_pane.editor.entry  # has the focus when the window opens
    entry.setFocus()
    QGuiApplication.clipboard().setMimeData(copied_files_mime(photo_files[:2]))
    with qtbot.waitSignal(window.photo_input.scanner.found, timeout=10_000):
        qtbot.keyClick(entry, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert listed(window) == [str(p) for p in photo_files[:2]]
    assert entry.text() == ""
    image = QImage(16, 16, QImage.Format.Format_RGB32)
    image.fill(QColor("blue"))
    QGuiApplication.clipboard().setImage(image)
    with qtbot.waitSignal(window.photo_input.scanner.found, timeout=10_000):
        qtbot.keyClick(entry, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert len(listed(window)) == 3 and entry.text() == ""
    QGuiApplication.clipboard().setText("red envelope")
    qtbot.keyClick(entry, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert entry.text() == "red envelope"  # text is still text


def test_photos_dropped_on_a_text_field_join_the_photos_and_leave_the_text_alone(qtbot, window, photo_files):
    template = window.labels_pane.templates.text()
    for target, photo in ((window.labels_pane.editor.entry, photo_files[0]),
                          (window.labels_pane.templates, photo_files[1])):
        with qtbot.waitSignal(window.photo_input.scanner.found, timeout=10_000):
            drop_mime(target, copied_files_mime([photo]))
    assert listed(window) == [str(photo_files[0]), str(photo_files[1])]
    assert window.labels_pane.editor.entry.text() == ""
    assert window.labels_pane.templates.text() == template


def test_looking_through_a_huge_folder_can_be_cancelled_and_keeps_what_was_found(qtbot, window, tmp_path,
                                                                                   monkeypatch):
    """A whole disk dropped by mistake: Escape stops the walk; photos found before it are added."""
    import threading

    from clipdesk.labeling import files

    folder = tmp_path / "disk"
    early = sample_photos.write_jpeg(folder / "a-early", "coffee")
    sample_photos.write_jpeg(folder / "b-slow", "rocket")
    sample_photos.write_jpeg(folder / "c-late", "chelsea")
    reached, gate = threading.Event(), threading.Event()
    real_is_hidden = files.is_hidden

    def slow_is_hidden(path: Path) -> bool:
        if path.name == "b-slow":  # the walk stalls here, as on a slow network drive
            reached.set()
            gate.wait(10)
        return real_is_hidden(path)

    monkeypatch.setattr(files, "is_hidden", slow_is_hidden)
    window.add_paths([str(folder)])
    qtbot.waitUntil(reached.is_set, timeout=10_000)
    assert window.cancel_action.isEnabled()
    assert window.status.cancel_button.isVisible()

    with qtbot.waitSignal(window.photo_input.scanner.found, timeout=10_000) as found:
        window.cancel_action.trigger()  # Escape
        gate.set()

    assert found.args[2] is True  # stopped part-way
    assert listed(window) == [str(early)]
    assert window.status.activity.text() == "Stopped looking for photos; 1 photo added"
    assert not window.cancel_action.isEnabled()
    assert not window.status.cancel_button.isVisible()
