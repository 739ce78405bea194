"""English and Simplified Chinese: the system locale picks the language, Preferences switch it live,
and every visible string has a translation that keeps its placeholders."""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import QApplication

from clipdesk.gui.dialogs import Preferences
from clipdesk.gui.i18n import apply_language
from clipdesk.gui.main_window import MainWindow
from clipdesk.resource_files import resource_path

GUI_SOURCES = sorted(Path(__file__).resolve().parents[2].joinpath("clipdesk", "gui").glob("*.py"))
PLACEHOLDER = re.compile(r"%(?:n|\d)")


def messages(ts: Path) -> list[tuple[str, str, ET.Element]]:
    root = ET.parse(ts).getroot()
    return [(context.findtext("name"), message.findtext("source"), message)
            for context in root.iter("context") for message in context.iter("message")]


def test_the_chinese_locale_gives_a_chinese_window(qtbot, qapp, settings):
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    assert apply_language(qapp, "system")
    win = MainWindow(settings)
    qtbot.addWidget(win)
    assert win.windowTitle() == "clipdesk — 照片标注"
    assert [m.title() for m in (win.file_menu, win.edit_menu, win.model_menu, win.help_menu)] == [
        "文件(&F)", "编辑(&E)", "模型(&M)", "帮助(&H)"]
    assert win.labels_pane.title.text() == "标签"
    assert win.photos_pane.view.empty_title == "把照片或文件夹拖到这里"
    assert win.results.headerData(1, win.results_pane.table.horizontalHeader().orientation()) == "概率"


def test_other_locales_fall_back_to_english(qtbot, qapp, settings):
    QLocale.setDefault(QLocale(QLocale.Language.German, QLocale.Country.Germany))
    assert not apply_language(qapp, "system")
    win = MainWindow(settings)
    qtbot.addWidget(win)
    assert win.file_menu.title() == "&File"
    assert win.photos_pane.tr("%n photo(s)", "", 1) == "1 photo"  # English plurals still apply


def test_switching_language_in_preferences_retranslates_the_open_window(qtbot, window):
    window.apply_preferences(Preferences(window.settings.device, window.settings.precision,
                                         window.settings.batch_size, "zh_CN"))
    qtbot.waitUntil(lambda: window.file_menu.title() == "文件(&F)")  # LanguageChange events are posted
    assert window.labels_pane.label_all_button.text() == "为所有照片打标签"
    assert window.labels_pane.editor.entry.placeholderText() == "输入标签后按回车"
    assert window.status.model.text().startswith("模型：")
    assert window.status.activity.text() == "就绪"  # not left in English from before the switch
    window.apply_preferences(Preferences(window.settings.device, window.settings.precision,
                                         window.settings.batch_size, "en"))
    qtbot.waitUntil(lambda: window.file_menu.title() == "&File")
    assert window.settings.language == "en"


@pytest.mark.parametrize("language", ["zh_CN"])
def test_every_message_is_translated_and_keeps_its_placeholders(language):
    found = messages(resource_path("translations", f"clipdesk_{language}.ts"))
    assert len(found) > 100
    for context, source, message in found:
        translation = message.find("translation")
        assert translation.get("type") not in ("unfinished", "obsolete", "vanished"), (context, source)
        texts = [form.text or "" for form in translation.iter("numerusform")] or [translation.text or ""]
        for text in texts:
            assert text.strip(), (context, source)
            assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(source)), (context, source)
    assert resource_path("translations", f"clipdesk_{language}.qm").is_file()


def test_the_translation_files_cover_every_string_in_the_code(tmp_path):
    lupdate = shutil.which("pyside6-lupdate")
    if lupdate is None:
        pytest.fail("pyside6-lupdate (shipped with PySide6) is not on PATH")
    fresh = tmp_path / "fresh.ts"
    subprocess.run([lupdate, *map(str, GUI_SOURCES), "-ts", str(fresh), "-locations", "none", "-silent"],
                   check=True, capture_output=True)
    in_code = {(context, source) for context, source, _ in messages(fresh)}
    shipped = {(context, source) for context, source, _ in
               messages(resource_path("translations", "clipdesk_zh_CN.ts"))}
    assert in_code - shipped == set(), "new strings: run pyside6-lupdate and translate them"
    assert shipped - in_code == set(), "strings no longer in the code: run pyside6-lupdate -no-obsolete"


def test_why_a_photo_could_not_be_read_is_said_in_chinese(qtbot, window, tmp_path):
    from tests import photos as sample_photos
    from tests.gui.conftest import wait_labelled

    empty = sample_photos.write_empty(tmp_path)
    garbage = sample_photos.write_garbage_jpeg(tmp_path)
    window.labels_pane.editor.add_labels(["cat"])
    window.add_paths([str(empty), str(garbage)])
    wait_labelled(qtbot, window, 2)
    assert apply_language(QApplication.instance(), "zh_CN")
    qtbot.waitUntil(lambda: window.file_menu.title() == "文件(&F)")  # LanguageChange events are posted
    view = window.photos_pane.view
    for path in (empty, garbage):
        reason = window.photos.prediction(str(path)).error
        view.setCurrentIndex(window.photos.index(window.photos.row_of(str(path))))
        note = window.results_pane.note.text()
        tooltip = window.photos.index(window.photos.row_of(str(path))).data(Qt.ItemDataRole.ToolTipRole)
        assert note.startswith("无法读取这张照片")
        assert reason not in note and reason not in tooltip  # not left in English ...
        assert re.search(r"[\u4e00-\u9fff]", note.splitlines()[-1])  # ... but said in Chinese
