"""The label editor: typing, pasting, editing, deleting and reordering labels — each change saved at
once and followed by a re-rank that reuses the photos' cached embeddings."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtWidgets import QApplication

from clipdesk.gui.label_editor import LabelEditor, split_labels
from clipdesk.gui.settings import Settings
from clipdesk.gui.templates_field import TemplatesField
from tests.gui.conftest import wait_labelled


def type_text(widget, text: str) -> None:
    """Type any text, Chinese and emoji included (keyClicks aborts on non-ASCII characters)."""
    for char in text:
        QApplication.sendEvent(widget, QKeyEvent(QKeyEvent.Type.KeyPress, Qt.Key.Key_unknown,
                                                 Qt.KeyboardModifier.NoModifier, char))


def ranked_labels(win, path) -> list[str]:
    return [score.label for score in win.photos.prediction(str(path)).scores]


def test_enter_adds_a_label_and_commas_add_several(qtbot):
    editor = LabelEditor()
    qtbot.addWidget(editor)
    qtbot.keyClicks(editor.entry, "receipt")
    qtbot.keyClick(editor.entry, Qt.Key.Key_Return)
    qtbot.keyClicks(editor.entry, "cat, red envelope")
    with qtbot.waitSignal(editor.labels_changed) as changed:
        qtbot.keyClick(editor.entry, Qt.Key.Key_Return)
    assert changed.args == [["receipt", "cat", "red envelope"]]
    assert editor.entry.text() == ""


def test_chinese_emoji_and_full_width_commas_are_accepted(qtbot):
    editor = LabelEditor()
    qtbot.addWidget(editor)
    type_text(editor.entry, "红包，猫、🐱 cat")
    qtbot.keyClick(editor.entry, Qt.Key.Key_Return)
    assert editor.labels() == ["红包", "猫", "🐱 cat"]


def test_pasting_several_lines_adds_each_as_a_label(qtbot):
    editor = LabelEditor()
    qtbot.addWidget(editor)
    editor.add_labels(["dog"])
    QGuiApplication.clipboard().setText("cat\n\n  receipt  \ndog\n")
    editor.entry.setFocus()
    qtbot.keyClick(editor.entry, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert editor.labels() == ["dog", "cat", "receipt"]  # blank line dropped, repeat ignored
    assert editor.entry.text() == ""


def test_a_single_pasted_line_is_ordinary_text_in_the_entry(qtbot):
    editor = LabelEditor()
    qtbot.addWidget(editor)
    QGuiApplication.clipboard().setText("red envelope")
    qtbot.keyClick(editor.entry, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert editor.entry.text() == "red envelope" and editor.labels() == []


def test_editing_in_place_renames_and_refuses_duplicates(qtbot):
    editor = LabelEditor()
    qtbot.addWidget(editor)
    editor.add_labels(["cat", "dgo"])
    with qtbot.waitSignal(editor.labels_changed) as changed:
        editor.list.item(1).setText("dog")
    assert changed.args == [["cat", "dog"]]
    editor.list.item(1).setText("cat")  # would duplicate: reverted with a note
    assert editor.labels() == ["cat", "dog"]
    editor.list.item(0).setText("   ")  # emptied: the label goes away
    assert editor.labels() == ["dog"]


def test_delete_key_removes_selected_labels(qtbot):
    editor = LabelEditor()
    qtbot.addWidget(editor)
    editor.add_labels(["a", "b", "c"])
    editor.list.item(1).setSelected(True)
    editor.list.setFocus()
    qtbot.keyClick(editor.list, Qt.Key.Key_Delete)
    assert editor.labels() == ["a", "c"]


def test_reordering_by_drag_emits_the_new_order(qtbot):
    editor = LabelEditor()
    qtbot.addWidget(editor)
    editor.add_labels(["a", "b", "c"])
    qtbot.wait(10)
    with qtbot.waitSignal(editor.labels_changed) as changed:
        # What an internal drag of "c" to the top does to the list's model.
        assert editor.list.model().moveRow(QModelIndex(), 2, QModelIndex(), 0)
    assert changed.args == [["c", "a", "b"]]


def test_template_without_placeholder_is_flagged_and_not_used(qtbot):
    field = TemplatesField()
    qtbot.addWidget(field)
    with qtbot.waitSignal(field.templates_changed) as changed:
        field.setText("a blurry photo of {}")
    assert changed.args == [("a blurry photo of {}",)]
    with qtbot.assertNotEmitted(field.templates_changed):
        field.setText("a blurry photo of {}\na blurry photo")
    assert not field.is_valid() and field.templates() == ("a blurry photo of {}",)
    assert "Line 2" in field.toolTip()


def test_several_template_lines_are_one_ensemble_and_blank_lines_or_repeats_do_not_count(qtbot):
    field = TemplatesField()
    qtbot.addWidget(field)
    with qtbot.waitSignal(field.templates_changed) as changed:
        field.setText("  a photo of a {}.\n\nart of the {}\na photo of a {}.\n")
    assert changed.args == [("a photo of a {}.", "art of the {}")]
    field.setText("")
    assert field.templates() == ("a photo of a {}.",) and field.is_valid()  # the default


def test_split_labels_understands_commas_lines_and_chinese_separators():
    assert split_labels(" cat ,dog\n红包；猫、\t🐱 ") == ["cat", "dog", "红包", "猫", "🐱"]


def test_labels_are_saved_as_you_edit(qtbot, window):
    window.labels_pane.editor.add_labels(["receipt", "猫"])
    qtbot.waitUntil(lambda: Settings().labels == ["receipt", "猫"])  # a fresh reader sees the file
    window.labels_pane.templates.setText("a picture of {}\na drawing of {}")
    assert Settings().templates == ("a picture of {}", "a drawing of {}")


def test_label_edits_rerank_every_photo_without_encoding_any_twice(qtbot, window, photo_files,
                                                                      encode_counter):
    editor = window.labels_pane.editor
    editor.add_labels(["astronaut", "coffee"])
    window.add_paths([str(p) for p in photo_files])
    wait_labelled(qtbot, window, len(photo_files))
    assert encode_counter.images == len(photo_files)

    editor.add_labels(["cat"])  # add
    wait_labelled(qtbot, window, len(photo_files))
    assert sorted(ranked_labels(window, photo_files[0])) == ["astronaut", "cat", "coffee"]

    editor.list.item(1).setText("cup of coffee")  # edit in place
    wait_labelled(qtbot, window, len(photo_files))
    assert sorted(ranked_labels(window, photo_files[0])) == ["astronaut", "cat", "cup of coffee"]

    editor.list.item(0).setSelected(True)  # delete
    editor.remove_selected()
    wait_labelled(qtbot, window, len(photo_files))
    assert sorted(ranked_labels(window, photo_files[0])) == ["cat", "cup of coffee"]

    window.labels_pane.templates.setText("a picture of a {}")  # a new template re-ranks too
    wait_labelled(qtbot, window, len(photo_files))
    assert encode_counter.images == len(photo_files)  # every photo was encoded exactly once


def test_a_label_too_long_for_the_model_gets_a_visible_warning(qtbot, window, photo_files):
    long_label = "a " + "very " * 90 + "long description"
    window.labels_pane.editor.add_labels(["cat", long_label])
    window.add_paths([str(photo_files[0])])
    wait_labelled(qtbot, window, 1)
    editor = window.labels_pane.editor
    qtbot.waitUntil(lambda: "too long" in editor.status.text())
    assert not editor.list.item(1).icon().isNull() and editor.list.item(0).icon().isNull()
    assert "77" in editor.list.item(1).toolTip()
    assert long_label in ranked_labels(window, photo_files[0])  # truncated, still ranked


def test_a_label_too_long_is_flagged_before_any_photo_is_added(qtbot, window):
    editor = window.labels_pane.editor
    long_chinese = "红包" * 200  # each character is a token or more: far past the 77-token context
    editor.add_labels(["cat", long_chinese])
    qtbot.waitUntil(lambda: "too long" in editor.status.text(), timeout=10_000)
    assert window.photos.rowCount() == 0
    assert editor.list.item(0).icon().isNull() and not editor.list.item(1).icon().isNull()
    editor.list.item(1).setSelected(True)
    editor.remove_selected()
    qtbot.waitUntil(lambda: editor.status.text() == "1 label", timeout=10_000)


def test_several_templates_in_the_window_rank_as_the_averaged_ensemble(qtbot, window, photo_files, tiny_vit_path):
    from clipdesk.labeling import ZeroShotClassifier

    templates = ("a photo of a {}.", "a drawing of the {}")
    window.labels_pane.editor.add_labels(["astronaut", "coffee", "rocket"])
    window.labels_pane.templates.setText("\n".join(templates))
    window.add_paths([str(photo_files[0])])
    wait_labelled(qtbot, window, 1)
    assert window.photos.current_signature.templates == templates
    shown = {s.label: s.probability for s in window.photos.prediction(str(photo_files[0])).scores}
    expected = ZeroShotClassifier(tiny_vit_path, device="cpu", precision=window.settings.precision).rank(
        [photo_files[0]], ["astronaut", "coffee", "rocket"], templates)[0]
    single = ZeroShotClassifier(tiny_vit_path, device="cpu", precision=window.settings.precision).rank(
        [photo_files[0]], ["astronaut", "coffee", "rocket"], templates[:1])[0]
    assert shown == pytest.approx({s.label: s.probability for s in expected.scores}, abs=1e-5)
    assert shown != pytest.approx({s.label: s.probability for s in single.scores}, abs=1e-5)
