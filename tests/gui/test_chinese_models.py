"""The window with Chinese labels: a Chinese-CLIP checkpoint ranks them with its own template and
52-token limit; Chinese labels on OpenAI's English model bring one offer to switch, never a silent one;
a Chinese window proposes Chinese-CLIP on a fresh install; the Model menu groups the two families."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QMenu, QMessageBox

from clipdesk.gui.main_window import MainWindow
from clipdesk.gui.model_control import READY
from clipdesk.gui.settings import Settings
from clipdesk.labeling import ZeroShotClassifier
from tests.gui.conftest import MODEL_TIMEOUT_MS, wait_labelled

LABELS = ["红包", "猫", "宇航员", "咖啡"]


@pytest.fixture
def chinese_window(qtbot, cn_checkpoints) -> MainWindow:
    settings = Settings()
    settings.model = str(cn_checkpoints["vit-base"])
    settings.batch_size = 4
    win = MainWindow(settings)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.model.state == READY, timeout=MODEL_TIMEOUT_MS)
    return win


def test_a_chinese_clip_file_ranks_chinese_labels_with_its_own_template(qtbot, chinese_window, photo_files,
                                                                        cn_checkpoints):
    win = chinese_window
    assert win.model.family.id == "cnclip"
    assert win.labels_pane.templates.templates() == ("一张{}的照片。",)  # the English default was replaced
    win.labels_pane.editor.add_labels(LABELS)
    win.add_paths([str(p) for p in photo_files[:2]])
    wait_labelled(qtbot, win, 2)

    expected = ZeroShotClassifier(cn_checkpoints["vit-base"], device="cpu", precision=win.settings.precision).rank(
        [photo_files[0]], LABELS)[0]
    shown = {s.label: s.probability for s in win.photos.prediction(str(photo_files[0])).scores}
    assert shown == pytest.approx({s.label: s.probability for s in expected.scores}, abs=1e-5)
    assert win.language_advice.box is None  # Chinese labels on a Chinese model: nothing to say


def test_a_template_the_user_wrote_survives_a_change_of_family(qtbot, settings, cn_checkpoints):
    settings.templates = ("a snapshot of {}",)
    settings.model = str(cn_checkpoints["rn50-rbt3"])
    win = MainWindow(settings)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.model.state == READY, timeout=MODEL_TIMEOUT_MS)
    assert win.labels_pane.templates.templates() == ("a snapshot of {}",)
    assert win.labels_pane.templates.placeholderText() == "一张{}的照片。"


def test_labels_too_long_for_chinese_clip_are_flagged_at_52_tokens(qtbot, chinese_window):
    editor = chinese_window.labels_pane.editor
    editor.add_labels(["猫", "猫" * 44, "猫" * 46])  # with 一张{}的照片。: 52 and 54 tokens
    qtbot.waitUntil(lambda: "too long" in editor.status.text(), timeout=10_000)
    assert "52" in editor.status.text()
    assert [editor.list.item(i).icon().isNull() for i in range(3)] == [True, True, False]
    assert "52 tokens" in editor.list.item(2).toolTip()


def test_chinese_labels_on_the_english_model_offer_the_switch_once(qtbot, window):
    window.labels_pane.editor.add_labels(LABELS)
    qtbot.waitUntil(lambda: window.language_advice.box is not None, timeout=10_000)
    box = window.language_advice.box
    assert "Chinese" in box.text() and "CN-CLIP/ViT-B-16" in box.informativeText()
    assert window.settings.model != "CN-CLIP/ViT-B-16"  # nothing switched behind the user's back
    keep = next(b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.RejectRole)
    keep.click()
    qtbot.waitUntil(lambda: window.language_advice.box is None)
    window.labels_pane.editor.add_labels(["夜景"])  # said once: not again for this model
    qtbot.wait(100)
    assert window.language_advice.box is None


def test_accepting_the_offer_switches_to_chinese_clip(qtbot, window):
    window.labels_pane.editor.add_labels(LABELS)
    qtbot.waitUntil(lambda: window.language_advice.box is not None, timeout=10_000)
    box = window.language_advice.box
    switch = next(b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole)
    switch.click()
    qtbot.waitUntil(lambda: window.settings.model == "CN-CLIP/ViT-B-16", timeout=10_000)
    # not downloaded in this fresh data folder: the first-run dialog offers it
    qtbot.waitUntil(lambda: window.model.first_run is not None, timeout=MODEL_TIMEOUT_MS)
    assert "CN-CLIP/ViT-B-16" in window.model.first_run.heading.text()
    window.model.close_dialogs()


@pytest.mark.parametrize("language, expected", [("zh_CN", "CN-CLIP/ViT-B-16"), ("en_US", "ViT-B/32")])
def test_a_fresh_install_proposes_the_model_for_the_windows_language(language, expected):
    QLocale.setDefault(QLocale(language))
    settings = Settings()
    assert settings.model == expected
    settings.model = "ViT-B/16"  # a choice, once made, is kept whatever the language
    assert settings.model == "ViT-B/16"


def test_the_model_menu_groups_the_two_families(qtbot, window):
    menu = QMenu(window)
    window.model.fill_menu(menu, [])
    sections = [action.text() for action in menu.actions() if action.isSeparator() and action.text()]
    assert sections[:2] == ["OpenAI CLIP — labels in English", "Chinese-CLIP — labels in Chinese (中文)"]
    names = [action.toolTip() for action in menu.actions() if not action.isSeparator()]
    assert names.index("ViT-B/32") < names.index("CN-CLIP/ViT-B-16") < names.index("CN-CLIP/RN50")


def test_a_chinese_clip_file_can_be_imported_in_the_window(cn_checkpoints):
    from clipdesk.gui import services

    name = services.import_weights(cn_checkpoints["rn50-rbt3"], on_progress=lambda done, total: None)
    assert name == "clip_cn_rn50-rbt3"
    assert services.missing_weights(name) is None  # in the cache now
