"""Screenshots of the window as a user sees it — photos, labels and results — in English and Chinese,
saved for people to look at (in $CLIPDESK_TEST_ARTIFACTS, else in pytest's temporary folder) and checked
here for the basics."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QLocale
from PySide6.QtGui import QImage

from clipdesk.gui.i18n import apply_language
from clipdesk.gui.library_dialogs import WriteKeywordsDialog
from clipdesk.gui.main_window import MainWindow
from clipdesk.gui.model_control import READY
from clipdesk.labeling.keep_rule import parse_keep_rule
from tests import photos as sample_photos
from tests.gui.conftest import wait_labelled

SIZE = (1280, 800)
SCENES = {
    "en": ["astronaut", "cup of coffee", "cat", "rocket launch", "receipt", "red envelope"],
    "zh_CN": ["宇航员", "一杯咖啡", "猫", "火箭发射", "收据", "红包"],
}


def distinct_colours(image: QImage) -> int:
    step = 16
    return len({image.pixel(x, y) for x in range(0, image.width(), step) for y in range(0, image.height(), step)})


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_screenshot_of_the_window_with_photos_and_results(qtbot, qapp, settings, tmp_path, artifacts, language):
    locale = QLocale(language if language != "en" else "en_US")
    QLocale.setDefault(locale)
    apply_language(qapp, "system")
    folder = tmp_path / "holiday"
    paths = [sample_photos.write_jpeg(folder, name) for name in ("astronaut", "coffee", "chelsea", "rocket")]
    paths += [sample_photos.write_jpeg(folder, "camera", orientation=6, filename="scan-rotated.jpg"),
              sample_photos.write_png(folder, "chelsea", mode="RGBA", filename="cat-transparent.png"),
              sample_photos.write_truncated_jpeg(folder)]
    win = MainWindow(settings)
    qtbot.addWidget(win)
    win.resize(*SIZE)
    win.show()
    qtbot.waitUntil(lambda: win.model.state == READY, timeout=60_000)
    win.labels_pane.editor.add_labels(SCENES[language])
    win.set_keep_rule(parse_keep_rule("top:3,min:0.15"))  # ticks and a threshold line on the bars
    win.add_paths([str(folder)])
    wait_labelled(qtbot, win, len(paths))
    win.photos_pane.view.setCurrentIndex(win.photos.index(win.photos.row_of(str(paths[2]))))
    qtbot.waitUntil(lambda: win.results_pane.preview.pixmap() is not None
                    and not win.results_pane.preview.pixmap().isNull(), timeout=10_000)
    qtbot.waitUntil(lambda: not win.thumbnails.pending(), timeout=10_000)
    qtbot.wait(50)  # let the grid repaint with every thumbnail

    target = artifacts / f"main-window-{language}.png"
    assert win.grab().save(str(target))
    shot = QImage(str(target))
    assert (shot.width(), shot.height()) == SIZE
    assert distinct_colours(shot) > 200  # photos and bars, not an empty grey window
    assert win.results.rowCount() == min(5, len(SCENES[language]))
    if language == "zh_CN":
        assert win.file_menu.title() == "文件(&F)"
    assert Path(target).stat().st_size > 50_000


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_screenshot_of_the_first_run_dialog(qtbot, qapp, artifacts, language):
    from clipdesk.gui.settings import Settings

    QLocale.setDefault(QLocale(language if language != "en" else "en_US"))
    apply_language(qapp, "system")
    win = MainWindow(Settings())  # the default model, not downloaded in a fresh data folder
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.model.first_run is not None and win.model.first_run.isVisible(), timeout=60_000)
    dialog = win.model.first_run
    assert dialog.grab().save(str(artifacts / f"first-run-{language}.png"))
    if language == "en":
        assert "ViT-B/32" in dialog.heading.text() and "338" in dialog.download_button.text()
    else:  # a Chinese window proposes the Chinese model, from its first source (here a local mirror)
        assert "CN-CLIP/ViT-B-16" in dialog.heading.text() and "718" in dialog.download_button.text()
        assert "127.0.0.1:9" in dialog.body.text()


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_screenshot_of_the_write_keywords_preview(qtbot, qapp, tmp_path, artifacts, language):
    QLocale.setDefault(QLocale(language if language != "en" else "en_US"))
    apply_language(qapp, "system")
    photo = sample_photos.write_jpeg(tmp_path, "coffee")
    raw = tmp_path / "IMG_0042.CR2"
    raw.write_bytes(b"raw")
    labels = SCENES[language]
    dialog = WriteKeywordsDialog([(str(photo), (labels[1],)), (str(raw), (labels[5], labels[4])),
                                  (str(tmp_path / "IMG_0043.jpg"), ())], "embedded")
    qtbot.addWidget(dialog)
    dialog.resize(720, 480)
    dialog.show()
    target = artifacts / f"write-keywords-{language}.png"
    assert dialog.grab().save(str(target))
    assert dialog.preview.rowCount() == 3
    if language == "zh_CN":
        assert dialog.windowTitle() == "写入关键词"


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_screenshot_of_a_search(qtbot, qapp, settings, tmp_path, artifacts, language):
    QLocale.setDefault(QLocale(language if language != "en" else "en_US"))
    apply_language(qapp, "system")
    folder = tmp_path / "library"
    paths = [sample_photos.write_jpeg(folder, name) for name in ("astronaut", "coffee", "chelsea", "rocket")]
    win = MainWindow(settings)
    qtbot.addWidget(win)
    win.resize(*SIZE)
    win.show()
    qtbot.waitUntil(lambda: win.model.state == READY, timeout=60_000)
    win.labels_pane.editor.add_labels(SCENES[language])
    win.add_paths([str(folder)])
    wait_labelled(qtbot, win, len(paths))
    query = SCENES[language][1]
    win.photos_pane.search.setText(query)
    with qtbot.waitSignal(win.search.ordered, timeout=30_000):
        win.photos_pane.search.returnPressed.emit()
    qtbot.waitUntil(lambda: not win.thumbnails.pending(), timeout=10_000)
    qtbot.wait(50)
    target = artifacts / f"search-{language}.png"
    assert win.grab().save(str(target))
    assert win.photos.searching and query in win.photos_pane.search_note.text()
