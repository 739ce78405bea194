"""The window reopens where the user left off, projects save and open, and photos that moved are
shown as missing and can be found again — results from the caches, no photo encoded twice."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from clipdesk.gui.image_list import MISSING_ROLE
from clipdesk.gui.main_window import MainWindow
from clipdesk.gui.model_control import READY
from clipdesk.labeling.keep_rule import parse_keep_rule
from clipdesk.labeling.project import open_project
from tests import photos as sample_photos
from tests.gui.conftest import MODEL_TIMEOUT_MS, wait_labelled

LABELS = ["astronaut", "cup of coffee", "cat", "红包"]


@pytest.fixture
def shoot(tmp_path) -> list[Path]:
    folder = tmp_path / "shoot"
    return [sample_photos.write_jpeg(folder, name) for name in ("astronaut", "coffee", "chelsea", "rocket")]


def start(qtbot, settings) -> MainWindow:
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.model.state == READY, timeout=MODEL_TIMEOUT_MS)
    return window


def results(window) -> dict[str, object]:
    return {path: window.photos.prediction(path) for path in window.photos.paths()}


def test_the_window_reopens_with_its_photos_labels_rule_and_selection_and_encodes_nothing(
        qtbot, settings, shoot, encode_counter):
    first = start(qtbot, settings)
    first.labels_pane.editor.set_labels(LABELS)
    first.set_keep_rule(parse_keep_rule("top:2"))
    first.add_paths([str(p) for p in shoot])
    wait_labelled(qtbot, first, len(shoot))
    first.photos_pane.view.setCurrentIndex(first.photos.index(2))
    before = results(first)
    first.close()
    encoded_before = encode_counter.images
    assert encoded_before == len(shoot)

    second = start(qtbot, settings)  # the app started again
    wait_labelled(qtbot, second, len(shoot))
    assert second.photos.paths() == [str(p) for p in shoot]
    assert second.labels_pane.editor.labels() == LABELS
    assert second.results.keep_rule.text == "top:2"
    assert second.current_path() == str(shoot[2])
    assert results(second) == before  # the same probabilities
    assert encode_counter.images == encoded_before  # from the embedding cache: zero encodes
    second.close()


def test_save_and_open_a_project_and_missing_photos_are_kept_and_located(qtbot, settings, shoot, tmp_path):
    window = start(qtbot, settings)
    window.labels_pane.editor.set_labels(LABELS)
    window.add_paths([str(p) for p in shoot])
    wait_labelled(qtbot, window, len(shoot))
    path = tmp_path / "trip.clipdesk"
    assert window.projects.write_to(str(path))
    window.projects.new()
    assert window.photos.rowCount() == 0 and window.labels_pane.editor.labels() == LABELS

    moved = tmp_path / "usb"
    shutil.move(str(shoot[0].parent), moved)
    assert window.projects.open(str(path))
    assert window.photos.paths() == [str(p) for p in shoot]  # never silently dropped
    assert all(window.photos.index(row).data(MISSING_ROLE) for row in range(4))
    assert "trip" in window.windowTitle()
    found = window.photos.relocate(dict(zip([str(p) for p in shoot], [str(moved / p.name) for p in shoot])))
    window.ranking.request_rank()
    assert found == 4
    wait_labelled(qtbot, window, len(shoot))
    assert window.photos.paths() == [str(moved / p.name) for p in shoot]


def test_a_damaged_project_says_so_and_opens_what_it_can(qtbot, settings, shoot, tmp_path):
    window = start(qtbot, settings)
    path = tmp_path / "cut.clipdesk"
    text = json.dumps({"format": "clipdesk-project", "version": 1, "labels": ["cat"],
                       "photos": [str(p) for p in shoot]}, indent=1)
    path.write_text(text[:text.index(shoot[3].name)], encoding="utf-8")
    assert window.projects.open(str(path))
    assert window.photos.paths() == [str(p) for p in shoot[:3]]
    qtbot.waitUntil(lambda: any(box.isVisible() and "cut short" in box.text()
                                for box in window.findChildren(QMessageBox)))
    assert open_project(path).warnings  # the file itself is left as it was, for the user to keep


def test_a_file_that_is_not_a_project_changes_nothing(qtbot, settings, shoot, tmp_path, monkeypatch):
    window = start(qtbot, settings)
    window.add_paths([str(p) for p in shoot])
    qtbot.waitUntil(lambda: window.photos.rowCount() == 4)
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: shown.append(args[2]))
    bad = tmp_path / "bad.clipdesk"
    bad.write_text("not json", encoding="utf-8")
    assert not window.projects.open(str(bad))
    assert window.photos.rowCount() == 4 and "bad.clipdesk" in shown[0]


def test_a_watched_folder_adds_and_labels_new_photos_and_the_project_remembers_it(qtbot, settings, tmp_path):
    window = start(qtbot, settings)
    window.labels_pane.editor.set_labels(LABELS)
    folder = tmp_path / "camera"
    sample_photos.write_jpeg(folder, "astronaut")
    window.watch.add(str(folder))
    wait_labelled(qtbot, window, 1)
    new = sample_photos.write_jpeg(folder, "rocket")  # a photo arrives while the window is open
    qtbot.waitUntil(lambda: str(new) in window.photos.paths(), timeout=15_000)
    wait_labelled(qtbot, window, 2)
    path = tmp_path / "watched.clipdesk"
    assert window.projects.write_to(str(path))
    assert open_project(path).project.watched == (str(folder),)
    window.close()

    later = sample_photos.write_jpeg(folder, "coffee")  # and one while it was closed
    again = start(qtbot, settings)
    assert again.projects.open(str(path))
    qtbot.waitUntil(lambda: str(later) in again.photos.paths(), timeout=15_000)
    wait_labelled(qtbot, again, 3)
    again.close()
