"""What the window remembers between runs, and that it never touches the real user's settings."""

from __future__ import annotations

import json
import os
from pathlib import Path

from PySide6.QtCore import QSettings

from clipdesk.gui.dialogs import Preferences
from clipdesk.gui.main_window import MainWindow
from clipdesk.gui.model_control import READY
from clipdesk.gui.settings import DEFAULT_TEMPLATE, SETTINGS_FILE, Settings


def test_settings_live_in_the_configured_folder(settings):
    assert Path(settings.file_name) == Path(os.environ["CLIPDESK_CONFIG_DIR"]) / SETTINGS_FILE


def test_everything_the_user_set_up_comes_back_after_a_restart(qtbot, settings, tmp_path):
    first = MainWindow(settings)
    qtbot.addWidget(first)
    first.show()
    qtbot.waitUntil(lambda: first.model.state == READY, timeout=60_000)
    first.resize(1111, 707)
    first.splitter.setSizes([300, 500, 311])
    sizes = first.splitter.sizes()
    first.labels_pane.editor.add_labels(["红包", "receipt", "🐱 cat"])
    first.labels_pane.templates.setText("a blurry photo of {}\nan old photo of a {}")
    first.results_pane.top_k.setValue(3)
    first.apply_preferences(Preferences(device="cpu", precision="exact", batch_size=7, language="en"))
    qtbot.waitUntil(lambda: first.model.state == READY, timeout=60_000)
    first.settings.set_last_folder("images", str(tmp_path))
    first.close()

    second = MainWindow(Settings())  # a fresh reader: only what reached the disk counts
    qtbot.addWidget(second)
    second.show()
    assert (second.width(), second.height()) == (1111, 707)
    assert second.splitter.sizes() == sizes
    assert second.labels_pane.editor.labels() == ["红包", "receipt", "🐱 cat"]
    assert second.labels_pane.templates.templates() == ("a blurry photo of {}", "an old photo of a {}")
    assert second.results_pane.top_k.value() == 3 and second.results.top_k == 3
    restored = second.settings
    assert (restored.device, restored.precision, restored.batch_size, restored.language) == ("cpu", "exact", 7, "en")
    assert restored.model == settings.model
    assert restored.last_folder("images") == str(tmp_path)


def test_labels_survive_a_crash_because_they_are_saved_on_every_edit(qtbot, window):
    window.labels_pane.editor.add_labels(["cat", "dog"])
    qtbot.waitUntil(lambda: Settings().labels == ["cat", "dog"])
    # no close(), no write_settings(): a fresh reader still finds them


def test_damaged_or_odd_values_fall_back_to_defaults(settings):
    store = QSettings(settings.file_name, QSettings.Format.IniFormat)
    store.setValue("labels/current", "{not json")
    store.setValue("model/device", "quantum")
    store.setValue("model/batch_size", "lots")
    store.setValue("ui/top_k", -5)
    store.setValue("labels/template", "")
    store.sync()
    fresh = Settings()
    assert fresh.labels == []
    assert fresh.device == "auto"
    assert fresh.batch_size == 16
    assert fresh.top_k == 0
    assert fresh.templates == (DEFAULT_TEMPLATE,)


def test_a_one_element_label_list_stays_a_list(settings):
    settings.labels = ["only one"]
    assert Settings().labels == ["only one"]


def test_recent_label_sets_are_newest_first_without_repeats(settings):
    for path in ("a.json", "b.json", "a.json"):
        settings.add_recent_label_set(path)
    assert Settings().recent_label_sets == ["a.json", "b.json"]


def test_saved_and_opened_label_sets_round_trip_and_show_in_recent(qtbot, window, tmp_path):
    editor = window.labels_pane.editor
    editor.add_labels(["receipt", "红包"])
    window.labels_pane.templates.setText("a scan of a {}\na photo of the {}")
    target = tmp_path / "sets" / "office.json"
    assert window.files.save_label_set(str(target))
    editor.set_labels(["something else"])
    assert window.files.open_label_set(str(target))
    assert editor.labels() == ["receipt", "红包"]
    assert window.labels_pane.templates.text() == "a scan of a {}\na photo of the {}"
    window.files.fill_recent_menu(window.recent_menu)
    assert [a.text() for a in window.recent_menu.actions()][0] == "office.json"
    text_list = tmp_path / "labels.txt"
    text_list.write_text("cat\n# a comment\ndog\n", encoding="utf-8")
    assert window.files.open_label_set(str(text_list))
    assert editor.labels() == ["cat", "dog"]


def test_settings_that_cannot_be_written_are_reported_once(qtbot, tmp_path, monkeypatch, tiny_vit_path):
    from PySide6.QtWidgets import QMessageBox

    blocked = tmp_path / "config-is-a-file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("CLIPDESK_CONFIG_DIR", str(blocked))
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: shown.append(args[2]))
    settings = Settings()
    settings.model = str(tiny_vit_path)
    win = MainWindow(settings)
    qtbot.addWidget(win)
    win.labels_pane.editor.add_labels(["cat"])
    qtbot.waitUntil(lambda: bool(shown))
    win.labels_pane.editor.add_labels(["dog"])
    qtbot.wait(50)
    assert len(shown) == 1 and "Save Label Set" in shown[0] and str(blocked) in shown[0]
    assert win.labels_pane.editor.labels() == ["cat", "dog"]  # the window keeps working


def test_settings_from_qts_own_location_are_adopted_beside_models_json(tmp_path, monkeypatch):
    """0.1 kept the window's settings at Qt's per-user location; they now live in clipdesk's config
    folder. The first start copies them over: the user's labels are still there."""
    import platformdirs

    from clipdesk.gui.settings import open_qsettings

    monkeypatch.delenv("CLIPDESK_CONFIG_DIR")
    monkeypatch.setattr(platformdirs, "user_config_dir", lambda *args, **kwargs: str(tmp_path / "config"))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qt"))
    old = QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "clipdesk", "clipdesk")
    old.setValue("labels/current", json.dumps(["receipt", "红包"], ensure_ascii=False))
    old.sync()
    del old
    store = open_qsettings()
    assert Path(store.fileName()) == tmp_path / "config" / SETTINGS_FILE
    assert Settings(store).labels == ["receipt", "红包"]
