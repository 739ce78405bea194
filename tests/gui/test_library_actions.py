"""Write Keywords…, Sort into Folders… and Edit → Undo in the window: previews, work off the GUI
thread, progress and Cancel, and an undo that restores the photos."""

from __future__ import annotations

from pathlib import Path

import pytest

from clipdesk.gui.keep_rule_field import AT_LEAST, BOTH, KeepRuleField
from clipdesk.gui.library_dialogs import SortDialog, WriteKeywordsDialog
from clipdesk.gui.results_model import FLOOR_ROLE, KEPT_ROLE, ResultsModel
from clipdesk.labeling import LabelScore, Prediction
from clipdesk.labeling.keep_rule import KeepRule, parse_keep_rule
from clipdesk.labeling.library.folder_sort import SortOptions
from clipdesk.labeling.library.keyword_writer import KeywordOptions
from tests.gui.conftest import wait_labelled
from tests.labeling.library.library_photos import camera_photo, exiftool_read, pixels

LABELS = ["astronaut", "cup of coffee", "cat", "红包"]


@pytest.fixture
def camera_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "camera"
    folder.mkdir()
    for fmt, name in (("jpeg", "coffee"), ("png", "astronaut"), ("webp", "chelsea")):
        camera_photo(folder, fmt, name=name)
    return folder


def labelled_window(qtbot, window, folder: Path):
    window.labels_pane.editor.add_labels(LABELS)
    files = sorted(folder.iterdir())
    window.add_paths([str(p) for p in files])
    wait_labelled(qtbot, window, len(files))
    return files


def test_the_results_tick_the_labels_the_rule_keeps_and_draw_its_floor(qtbot):
    model = ResultsModel()
    model.set_prediction(Prediction("a.jpg", (LabelScore("cat", 0.5), LabelScore("dog", 0.3),
                                              LabelScore("car", 0.2))))
    model.set_keep_rule(parse_keep_rule("min:0.25"))
    assert [model.index(r, 0).data(KEPT_ROLE) for r in range(3)] == [True, True, False]
    assert model.index(0, 1).data(FLOOR_ROLE) == 0.25
    model.set_keep_rule(KeepRule(top=1))
    assert [model.index(r, 0).data(KEPT_ROLE) for r in range(3)] == [True, False, False]
    assert model.index(0, 1).data(FLOOR_ROLE) is None


def test_the_keep_field_makes_the_cli_rules(qtbot):
    field = KeepRuleField()
    qtbot.addWidget(field)
    seen = []
    field.rule_changed.connect(seen.append)
    field.top.setValue(3)
    field.mode.setCurrentIndex(AT_LEAST)
    field.floor.setValue(40)
    field.mode.setCurrentIndex(BOTH)
    assert [rule.text for rule in seen] == ["top:3", "min:0.3", "min:0.4", "top:3,min:0.4"]
    field.set_rule(parse_keep_rule("min:0.15"))
    assert field.rule.text == "min:0.15" and field.floor.isVisibleTo(field) and not field.top.isVisibleTo(field)


def test_the_rule_is_remembered_and_saved_with_the_label_set(qtbot, window, tmp_path):
    window.labels_pane.editor.add_labels(["cat", "dog"])
    window.set_keep_rule(parse_keep_rule("top:2,min:0.2"))
    assert window.settings.keep_rule.text == "top:2,min:0.2"
    path = tmp_path / "pets.json"
    assert window.files.save_label_set(str(path))
    window.set_keep_rule(KeepRule())
    assert window.files.open_label_set(str(path))
    assert window.results.keep_rule.text == "top:2,min:0.2"
    assert window.results_pane.keep_rule.rule.text == "top:2,min:0.2"


def test_write_keywords_runs_off_the_gui_thread_and_undo_restores_every_photo(qtbot, window, camera_folder):
    files = labelled_window(qtbot, window, camera_folder)
    before = {p.name: pixels(p) for p in files}
    window.set_keep_rule(parse_keep_rule("top:2"))
    items = window.kept_items()
    assert len(items) == len(files) and all(len(kept) == 2 for _, kept in items)
    with qtbot.waitSignal(window.library.busy_changed, timeout=30_000, check_params_cb=lambda busy: not busy):
        window.library.start_keywords(items, KeywordOptions())
        assert window.library.busy and not window.write_keywords_action.isEnabled()
    for path, kept in items:
        assert exiftool_read(Path(path))["XMP-dc:Subject"] == list(kept)
    assert window.undo_action.isEnabled() and "Keywords" in window.undo_action.text()
    with qtbot.waitSignal(window.library.busy_changed, timeout=30_000, check_params_cb=lambda busy: not busy):
        window.library.undo_now()
    for path, _ in items:
        assert "XMP-dc:Subject" not in exiftool_read(Path(path))
        assert pixels(Path(path)) == before[Path(path).name]
    assert not window.undo_action.isEnabled()


def test_sort_into_folders_copies_and_undo_removes_the_copies(qtbot, window, camera_folder, tmp_path):
    labelled_window(qtbot, window, camera_folder)
    into = tmp_path / "sorted"
    items = window.kept_items()
    with qtbot.waitSignal(window.library.busy_changed, timeout=30_000, check_params_cb=lambda busy: not busy):
        window.library.start_sort(items, SortOptions(into))
    assert sorted(p.parent.name for p in into.rglob("*") if p.is_file()) == sorted(k[0] for _, k in items)
    assert "Sort" in window.undo_action.text()
    with qtbot.waitSignal(window.library.busy_changed, timeout=30_000, check_params_cb=lambda busy: not busy):
        window.library.undo_now()
    assert not into.exists()


def test_cancel_stops_between_photos_and_what_was_done_can_be_undone(qtbot, window, tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    paths = [camera_photo(folder, "jpeg", stem=f"p{i:03d}") for i in range(60)]
    items = [(str(p), ("cat",)) for p in paths]
    messages = []
    window.library.finished.connect(messages.append)
    with qtbot.waitSignal(window.library.busy_changed, timeout=60_000, check_params_cb=lambda busy: not busy):
        window.library.start_keywords(items, KeywordOptions())
        qtbot.waitUntil(lambda: window.status.progress.value() >= 2, timeout=30_000)
        window.cancel_work()
    written = [p for p in paths if exiftool_read(p).get("XMP-dc:Subject") == ["cat"]]
    assert 0 < len(written) < len(paths) and "stopped" in messages[-1]
    with qtbot.waitSignal(window.library.busy_changed, timeout=60_000, check_params_cb=lambda busy: not busy):
        window.library.undo_now()
    assert not [p for p in paths if exiftool_read(p).get("XMP-dc:Subject")]


def test_the_keywords_dialog_previews_every_photo_and_where_its_keywords_go(qtbot, tmp_path):
    jpeg, heic = camera_photo(tmp_path, "jpeg"), tmp_path / "IMG.heic"
    heic.write_bytes(b"heic")
    dialog = WriteKeywordsDialog([(str(jpeg), ("猫", "cat")), (str(heic), ())], "embedded")
    qtbot.addWidget(dialog)
    rows = [[dialog.preview.index(r, c).data() for c in range(3)] for r in range(dialog.preview.rowCount())]
    assert rows[0] == ["coffee.jpg", "猫, cat", "the photo"]
    assert rows[1][0] == "IMG.heic" and rows[1][2] == "sidecar IMG.heic.xmp" and "none" in rows[1][1]
    dialog.sidecar.setChecked(True)
    assert dialog.preview.index(0, 2).data() == "sidecar coffee.jpg.xmp"
    dialog.parent_field.setText("Auto")
    assert dialog.values() == KeywordOptions(mode="sidecar", parent="Auto")


def test_the_sort_dialog_previews_each_photos_folders(qtbot, tmp_path):
    dialog = SortDialog([("/p/a.jpg", ("cat", "红包")), ("/p/b.jpg", ())], str(tmp_path))
    qtbot.addWidget(dialog)
    assert dialog.preview.index(0, 1).data() == "cat, 红包" and dialog.preview.index(1, 1).data() == "unsorted"
    dialog.move.setChecked(True)
    assert dialog.values() == SortOptions(into=tmp_path, move=True)
    dialog.folder.setText("")
    assert not dialog.sort_button.isEnabled()
