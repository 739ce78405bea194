"""Search in the window: words or a photo sort the grid best match first, with the score, computed as
the CLI computes it; clearing returns to the order the photos were added in."""

from __future__ import annotations

import shutil

import pytest
import torch

from clipdesk.gui.image_list import SCORE_ROLE, PhotoListModel
from clipdesk.labeling import ImageEmbeddingCache, ZeroShotClassifier
from tests import photos as sample_photos
from tests.gui.conftest import wait_labelled


@pytest.fixture
def album(tmp_path):
    folder = tmp_path / "album"
    paths = [sample_photos.write_jpeg(folder, name) for name in ("astronaut", "coffee", "chelsea", "rocket")]
    copy = folder / "coffee again.jpg"
    shutil.copy(paths[1], copy)
    return [*paths, copy]


def expected_order(tiny_vit_path, settings, paths, text=None, like=None):
    classifier = ZeroShotClassifier(str(tiny_vit_path), device=settings.device, precision=settings.precision,
                                    image_cache=ImageEmbeddingCache())
    features = torch.stack(classifier.image_features(paths)).float()
    features = features / features.norm(dim=-1, keepdim=True)
    query = (classifier.text_features([text], ("{}",))[0].cpu() if text is not None
             else classifier.image_features([like])[0]).float()
    scores = features @ (query / query.norm())
    order = sorted(range(len(paths)), key=lambda i: (-float(scores[i]), i))
    return [str(paths[i]) for i in order], {str(p): float(s) for p, s in zip(paths, scores)}


def grid(window):
    return [window.photos.path_at(row) for row in range(window.photos.rowCount())]


def test_typing_words_sorts_the_grid_by_similarity_and_clearing_restores_it(qtbot, window, album, tiny_vit_path,
                                                                            settings):
    window.labels_pane.editor.add_labels(["cat", "cup"])
    window.add_paths([str(p) for p in album])
    wait_labelled(qtbot, window, len(album))
    added = grid(window)
    field = window.photos_pane.search
    with qtbot.waitSignal(window.search.ordered, timeout=30_000):
        qtbot.keyClicks(field, "a red envelope")  # QTest types Latin-1 only
    order, scores = expected_order(tiny_vit_path, settings, album, text="a red envelope")
    assert grid(window) == order
    for row, path in enumerate(order):
        assert window.photos.index(row).data(SCORE_ROLE) == pytest.approx(scores[path], abs=1e-5)
    assert window.photos_pane.end_search_button.isVisible()
    with qtbot.waitSignal(window.search.ordered, timeout=5_000):
        field.clear()
        field.textEdited.emit("")
    assert grid(window) == added and window.photos.index(0).data(SCORE_ROLE) is None


def test_find_similar_photos_puts_the_photo_and_its_copy_first(qtbot, window, album, tiny_vit_path, settings):
    window.labels_pane.editor.add_labels(["cat"])
    window.add_paths([str(p) for p in album])
    wait_labelled(qtbot, window, len(album))
    window.photos_pane.view.setCurrentIndex(window.photos.index(1))  # coffee.jpg
    with qtbot.waitSignal(window.search.ordered, timeout=30_000):
        window.find_similar_action.trigger()
    order, _ = expected_order(tiny_vit_path, settings, album, like=album[1])
    assert grid(window) == order
    assert set(grid(window)[:2]) == {str(album[1]), str(album[4])}
    assert window.current_path() == str(album[1])  # the selection stays on the same photo
    window.photos_pane.end_search_button.click()
    assert grid(window) == [str(p) for p in album]


def test_a_search_keeps_the_selection_on_the_same_photos(qtbot):
    model = PhotoListModel()
    model.add_paths(["a", "b", "c"])
    selected = model.index(2)
    from PySide6.QtCore import QPersistentModelIndex

    kept = QPersistentModelIndex(selected)
    model.show_search({"a": 0.1, "b": 0.2, "c": 0.9})
    assert model.paths() == ["c", "b", "a"] and kept.row() == 0
    model.add_paths(["d"])
    model.clear_search()
    assert model.paths() == ["a", "b", "c", "d"] and kept.row() == 2


def test_photos_without_a_score_go_last_and_ties_keep_the_added_order(qtbot):
    model = PhotoListModel()
    model.add_paths(["a", "b", "c", "d"])
    model.show_search({"b": 0.5, "c": 0.5, "d": 0.7})
    assert model.paths() == ["d", "b", "c", "a"]


def test_group_near_duplicates_puts_each_photo_beside_its_copy(qtbot, window, album):
    window.labels_pane.editor.add_labels(["cat"])
    window.add_paths([str(p) for p in album])
    wait_labelled(qtbot, window, len(album))
    with qtbot.waitSignal(window.search.ordered, timeout=30_000):
        window.search.group_duplicates(0.9999)
    order = grid(window)
    assert order[:2] == [str(album[1]), str(album[4])]  # coffee and its copy, first
    assert window.photos.index(1).data(SCORE_ROLE) == pytest.approx(1.0, abs=1e-5)
    assert window.photos.index(2).data(SCORE_ROLE) is None  # the rest, as added, without a score
    assert order[2:] == [str(album[i]) for i in (0, 2, 3)]
    window.usual_order_action.trigger()
    assert grid(window) == [str(p) for p in album]


def test_the_duplicates_slider_gives_the_similarity(qtbot):
    from clipdesk.gui.duplicates_dialog import DuplicatesDialog

    dialog = DuplicatesDialog(0.9)
    qtbot.addWidget(dialog)
    dialog.slider.setValue(97)
    assert dialog.value == 0.97 and "0.97" in dialog.value_label.text()
