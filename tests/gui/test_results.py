"""The results table shows exactly what the labeling service computes, and results leave the window
(copy, export) in the CLI's formats."""

from __future__ import annotations

import csv
import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from clipdesk.gui.image_list import PhotoListModel
from clipdesk.gui.results_model import PROBABILITY_ROLE, ResultsModel, prediction_as_text
from clipdesk.labeling import ImageEmbeddingCache, LabelScore, Prediction, ZeroShotClassifier
from clipdesk.labeling.export import csv_text, json_document
from tests import photos as sample_photos
from tests.gui.conftest import wait_labelled

LABELS = ["astronaut", "cup of coffee", "cat", "rocket", "红色信封"]


def table_rows(model: ResultsModel) -> list[tuple[str, float]]:
    return [(model.index(row, 0).data(), model.index(row, 1).data(PROBABILITY_ROLE))
            for row in range(model.rowCount())]


@pytest.fixture
def service(tiny_vit_path, settings):
    """The labeling service configured as the window configures it (same model, precision, device)."""
    return ZeroShotClassifier(str(tiny_vit_path), device=settings.device, precision=settings.precision,
                              image_cache=ImageEmbeddingCache())


def test_results_table_equals_the_labeling_service_for_every_photo(qtbot, window, photo_files, service):
    window.labels_pane.editor.add_labels(LABELS)
    window.results_pane.top_k.setValue(0)  # all labels
    window.add_paths([str(p) for p in photo_files])
    wait_labelled(qtbot, window, len(photo_files))
    expected = service.rank([str(p) for p in photo_files], LABELS)
    view = window.photos_pane.view
    for row, prediction in enumerate(expected):
        view.setCurrentIndex(window.photos.index(row))
        assert window.results.prediction == prediction
        assert table_rows(window.results) == [(s.label, s.probability) for s in prediction.scores]
        assert window.results.index(0, 1).data() == f"{prediction.scores[0].probability:.2%}"


def test_top_k_limits_the_rows_shown(qtbot):
    model = ResultsModel()
    scores = tuple(LabelScore(f"label {i}", p) for i, p in enumerate((0.5, 0.3, 0.1, 0.06, 0.04)))
    model.set_prediction(Prediction("a.jpg", scores))
    model.set_top_k(3)
    assert [label for label, _ in table_rows(model)] == ["label 0", "label 1", "label 2"]
    model.set_top_k(0)
    assert model.rowCount() == 5


def test_results_model_passes_qt_model_tests(qtmodeltester):
    model = ResultsModel()
    model.set_prediction(Prediction("a.jpg", (LabelScore("cat", 0.7), LabelScore("dog", 0.3))))
    qtmodeltester.check(model)
    model.set_top_k(1)
    model.set_prediction(Prediction("b.jpg", error="truncated file"))
    qtmodeltester.check(model)


def test_photo_list_model_passes_qt_model_tests(qtmodeltester):
    model = PhotoListModel()
    model.add_paths(["/photos/a.jpg", "/photos/b.jpg", "/photos/c.jpg"])
    signature = ("m", ("cat",), ("a photo of a {}.",))
    model.set_current_signature(signature)
    model.set_predictions((Prediction("/photos/b.jpg", (LabelScore("cat", 1.0),)),
                           Prediction("/photos/c.jpg", error="not an image")), signature)
    qtmodeltester.check(model)
    model.remove_rows([0])
    qtmodeltester.check(model)


def test_copy_results_puts_ranked_labels_on_the_clipboard(qtbot, window, photo_files):
    window.labels_pane.editor.add_labels(["cat", "rocket"])
    window.add_paths([str(photo_files[3])])
    wait_labelled(qtbot, window, 1)
    window.photos_pane.view.setCurrentIndex(window.photos.index(0))
    window.copy_results_action.trigger()
    prediction = window.photos.prediction(str(photo_files[3]))
    text = QGuiApplication.clipboard().text()
    assert text == prediction_as_text(prediction, window.results.top_k)
    assert text.splitlines()[0] == str(photo_files[3])
    assert f"{prediction.top.label}: {prediction.top.probability:.2%}" in text


def test_export_writes_the_cli_formats(qtbot, window, photo_files, tmp_path, service):
    broken = sample_photos.write_empty(tmp_path / "photos")
    paths = [str(p) for p in photo_files] + [str(broken)]
    window.labels_pane.editor.add_labels(LABELS)
    window.add_paths(paths)
    wait_labelled(qtbot, window, len(paths))
    for name in ("out.csv", "out.json"):
        with qtbot.waitSignal(window.files.exported, timeout=10_000) as exported:
            assert window.files.export_to(str(tmp_path / name))
        assert exported.args == [str(tmp_path / name), True]
    expected = service.rank(paths, LABELS)
    assert (tmp_path / "out.csv").read_text(encoding="utf-8") == csv_text(expected, LABELS)
    rows = list(csv.DictReader((tmp_path / "out.csv").open(encoding="utf-8")))
    assert rows[-1]["path"] == str(broken) and rows[-1]["error"]
    document = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert document["labels"] == LABELS and document["templates"] == ["a photo of a {}."]
    assert [r["path"] for r in document["results"]] == paths
    assert document["results"][0]["predictions"][0]["label"] == expected[0].top.label
    # what `clipdesk label --model <the same model> --out x.json` writes, the model field included
    assert document == json_document(expected, LABELS, ["a photo of a {}."], window.settings.model)


def test_export_to_an_unwritable_place_explains_and_keeps_results(qtbot, window, photo_files, tmp_path,
                                                                    monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: shown.append(args[2]))
    window.labels_pane.editor.add_labels(["cat"])
    window.add_paths([str(photo_files[0])])
    wait_labelled(qtbot, window, 1)
    with qtbot.waitSignal(window.files.exported, timeout=10_000) as exported:
        window.files.export_to(str(tmp_path / "missing-folder" / "deeper" / "out.txt"))
    assert exported.args[1] is False
    assert shown and ".csv" in shown[0]
    assert window.photos.prediction(str(photo_files[0])) is not None


def test_results_pane_explains_what_to_do_when_there_are_no_labels(qtbot, window, photo_files):
    window.add_paths([str(photo_files[0])])
    qtbot.waitUntil(lambda: window.photos.rowCount() == 1)
    window.photos_pane.view.setCurrentIndex(window.photos.index(0))
    assert window.results_pane.stack.currentWidget() is window.results_pane.note
    assert "labels" in window.results_pane.note.text()
    assert window.results.rowCount() == 0
    assert window.photos.index(0).data(Qt.ItemDataRole.DisplayRole) == photo_files[0].name


def test_export_is_written_off_the_gui_thread(qtbot, window, photo_files, tmp_path, monkeypatch):
    import threading

    import clipdesk.labeling

    threads = []
    original = clipdesk.labeling.write_results

    def recording(*args, **kwargs):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread() is threading.main_thread())
        return original(*args, **kwargs)

    monkeypatch.setattr(clipdesk.labeling, "write_results", recording)
    window.labels_pane.editor.add_labels(["cat"])
    window.add_paths([str(photo_files[0])])
    wait_labelled(qtbot, window, 1)
    with qtbot.waitSignal(window.files.exported, timeout=10_000):
        window.files.export_to(str(tmp_path / "out.json"))
    assert threads == [False]  # ten thousand photos, or a network drive, would freeze the window
    assert json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))["results"]
