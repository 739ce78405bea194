"""Running the model over every photo: progress, Cancel, errors per photo, stale results dropped, and a
window that closes promptly while the worker is busy."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from clipdesk.gui.image_list import ERROR_ROLE
from clipdesk.gui.jobs import JobDone, RankRequest
from tests import photos as sample_photos
from tests.gui.conftest import wait_labelled


def distinct_photos(folder: Path, count: int) -> list[str]:
    """Small pictures that differ in content (the embedding cache keys on content, not names)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        image = Image.new("RGB", (48, 40), ((i * 53) % 256, (i * 97) % 256, (i * 31) % 256))
        ImageDraw.Draw(image).ellipse((i % 20, 4, 24 + i % 20, 30), fill=(255 - i, i * 3 % 256, 128))
        path = folder / f"photo{i:03d}.png"
        image.save(path)
        paths.append(str(path))
    return paths


class Gate:
    """Holds the model's image encoder inside a batch until the test lets it go."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()

    def wait_inside(self, timeout: float = 30.0) -> None:
        assert self.entered.wait(timeout), "the worker never reached the image encoder"


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Gate:
    from clipdesk.clip.model import CLIP

    gate = Gate()
    original = CLIP.encode_image

    def gated(self, image, *args, **kwargs):  # type: ignore[no-untyped-def]
        gate.entered.set()
        gate.release.wait(30)
        return original(self, image, *args, **kwargs)

    monkeypatch.setattr(CLIP, "encode_image", gated)
    yield gate
    gate.release.set()  # never leave a worker thread waiting


def test_label_all_ranks_every_photo_with_progress(qtbot, window, tmp_path):
    paths = distinct_photos(tmp_path / "photos", 10)
    window.labels_pane.editor.add_labels(["red", "green", "blue"])
    qtbot.waitUntil(lambda: window.photos.current_signature is not None)  # labels settled
    window.photos.add_paths(paths)  # listed, not ranked yet
    reports = []
    phases = []
    window.client.progress.connect(lambda p: reports.append((p.done, p.total)) if p.phase == "photos" else None)
    window.client.progress.connect(lambda p: phases.append(p.phase) if p.kind == "rank" else None)
    with qtbot.waitSignal(window.client.progress, timeout=10_000):
        qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert window.status.progress.isVisible() and window.status.cancel_button.isVisible()
    assert window.cancel_action.isEnabled()
    wait_labelled(qtbot, window, len(paths))
    assert set(phases) <= {"labels", "photos"} and phases[-1] == "photos"
    assert phases == sorted(phases)  # the labels are prepared first (when not prepared already)
    assert reports[0] == (0, 10) and reports[-1] == (10, 10)
    assert [done for done, _ in reports] == sorted(done for done, _ in reports)
    assert not window.status.progress.isVisible()
    assert "Labelled 10 photos" in window.status.activity.text()


def test_escape_cancels_and_results_arriving_after_cancel_are_dropped(qtbot, window, tmp_path, gate):
    paths = distinct_photos(tmp_path / "photos", 12)
    window.labels_pane.editor.add_labels(["red", "green"])
    qtbot.waitUntil(lambda: window.photos.current_signature is not None)  # labels settled
    window.photos.add_paths(paths)
    raw_batches = []
    window.client.worker.ranked.connect(lambda batch: raw_batches.append(batch), Qt.ConnectionType.DirectConnection)
    window.label_all_action.trigger()
    gate.wait_inside()  # the worker is encoding the first batch
    with qtbot.waitSignal(window.client.worker.finished, timeout=30_000) as finished:
        qtbot.keyClick(window, Qt.Key.Key_Escape)
        gate.release.set()
    assert finished.args[0].cancelled
    QApplication.processEvents()
    assert len(raw_batches) == 1  # the batch in flight finished after Cancel ...
    assert window.photos.predictions() == []  # ... but never reached the view
    assert "Cancelled" in window.status.activity.text()
    assert not window.status.progress.isVisible() and not window.cancel_action.isEnabled()


def test_a_superseded_rank_never_reaches_the_view(qtbot, window, tmp_path, gate):
    paths = distinct_photos(tmp_path / "photos", 3)
    window.photos.add_paths(paths)
    client = window.client
    old = RankRequest(tuple(paths), ("red", "green"), ("a photo of a {}.",), 8)
    new = RankRequest(tuple(paths), ("cat", "dog"), ("a photo of a {}.",), 8)
    delivered = []
    client.ranked.connect(delivered.append)
    first = client.rank(old)
    gate.wait_inside()
    second = client.rank(new)  # labels changed while the first run was encoding
    gate.release.set()
    with qtbot.waitSignal(client.finished, timeout=30_000, check_params_cb=lambda d: d.job_id == second):
        pass
    assert {batch.job_id for batch in delivered} == {second}
    assert all(batch.request.labels == ("cat", "dog") for batch in delivered)
    assert first != second


def test_unreadable_photos_get_a_badge_while_the_others_are_labelled(qtbot, window, tmp_path, photo_files):
    folder = tmp_path / "photos"
    broken = [sample_photos.write_truncated_jpeg(folder), sample_photos.write_empty(folder),
              sample_photos.write_text_as_image(folder)]
    window.labels_pane.editor.add_labels(["cat", "coffee"])
    window.add_paths([str(folder)])
    wait_labelled(qtbot, window, len(photo_files) + len(broken))
    for path in photo_files:
        prediction = window.photos.prediction(str(path))
        assert prediction.error is None and prediction.top is not None
    for path in broken:
        index = window.photos.index(window.photos.row_of(str(path)))
        reason = index.data(ERROR_ROLE)
        assert reason
        assert reason in index.data(Qt.ItemDataRole.ToolTipRole)
    assert QApplication.activeModalWidget() is None  # no dialog storm
    assert "3 could not be read" in window.status.activity.text()
    assert window.photos_pane.count.text().endswith("3 unreadable")


def test_selecting_a_broken_photo_shows_why_in_the_results_pane(qtbot, window, tmp_path):
    broken = sample_photos.write_empty(tmp_path)
    window.labels_pane.editor.add_labels(["cat"])
    window.add_paths([str(broken)])
    wait_labelled(qtbot, window, 1)
    window.photos_pane.view.setCurrentIndex(window.photos.index(0))
    pane = window.results_pane
    assert pane.stack.currentWidget() is pane.note
    assert window.photos.prediction(str(broken)).error in pane.note.text()
    qtbot.waitUntil(lambda: pane.preview.text() == "No preview")  # not an empty hole above the note


def test_closing_the_window_during_a_run_stops_the_worker_promptly(qtbot, settings, tmp_path, gate):
    from clipdesk.gui.main_window import MainWindow
    from clipdesk.gui.model_control import READY

    win = MainWindow(settings)
    win.show()
    qtbot.waitUntil(lambda: win.model.state == READY, timeout=60_000)
    win.labels_pane.editor.add_labels(["red", "green"])
    qtbot.waitUntil(lambda: win.photos.current_signature is not None)  # labels settled
    win.photos.add_paths(distinct_photos(tmp_path / "photos", 40))
    win.label_all_action.trigger()
    gate.wait_inside()
    threading.Timer(0.2, gate.release.set).start()  # the batch in flight takes a moment to finish
    win.close()
    assert win.worker_stopped
    assert win.client.thread.isFinished()
    win.deleteLater()


def test_a_missing_model_file_is_explained_with_a_next_step(qtbot, settings, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from clipdesk.gui.main_window import MainWindow
    from clipdesk.gui.model_control import FAILED

    bad = tmp_path / "not-a-model.pt"
    bad.write_bytes(b"this is not a checkpoint")
    settings.model = str(bad)
    boxes = []
    monkeypatch.setattr(QMessageBox, "open", lambda self: boxes.append(self))
    win = MainWindow(settings)
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.model.state == FAILED, timeout=60_000)
    [box] = boxes
    assert "not-a-model.pt" in box.text() + box.informativeText()
    assert any(button.text() == "Choose Another File…" for button in box.buttons())
    assert "not-a-model.pt" in win.status.activity.text()


def failed_load_box(qtbot, settings, monkeypatch):  # type: ignore[no-untyped-def]
    """Open a window on ``settings`` and return the message box its failed model load shows."""
    from PySide6.QtWidgets import QMessageBox

    from clipdesk.gui.main_window import MainWindow
    from clipdesk.gui.model_control import FAILED

    boxes = []
    monkeypatch.setattr(QMessageBox, "open", lambda self: boxes.append(self))
    win = MainWindow(settings)
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.model.state == FAILED, timeout=60_000)
    [box] = boxes
    return win, box


def test_a_checkpoint_file_that_was_moved_away_is_explained(qtbot, settings, tmp_path, monkeypatch):
    settings.model = str(tmp_path / "on-a-usb-stick" / "my-clip.pt")
    _, box = failed_load_box(qtbot, settings, monkeypatch)
    assert "is not there any more" in box.informativeText()
    assert box.text() == "clipdesk could not load the model my-clip.pt."  # the whole path is below
    assert "unknown model" not in box.informativeText()
    assert any(button.text() == "Choose Another File…" for button in box.buttons())


def test_a_device_that_is_not_there_offers_preferences(qtbot, settings, monkeypatch):
    import torch

    from clipdesk.gui.main_window import MainWindow

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    settings.device = "cuda"
    settings.labels = ["cat", "dog"]
    opened = []
    monkeypatch.setattr(MainWindow, "show_preferences", lambda self: opened.append(self))
    win, box = failed_load_box(qtbot, settings, monkeypatch)
    assert "Preferences" in box.informativeText()
    [button] = [b for b in box.buttons() if b.text() == "Open Preferences…"]
    button.click()
    assert opened == [win]
    assert win.labels_pane.editor.labels() == ["cat", "dog"]  # nothing the user typed is lost


def test_worker_reports_every_job_done_exactly_once(qtbot, window, tmp_path):
    paths = distinct_photos(tmp_path / "photos", 2)
    done: list[JobDone] = []
    window.client.worker.finished.connect(done.append)
    job = window.client.rank(RankRequest(tuple(paths), ("a", "b"), ("{}",), 1))
    qtbot.waitUntil(lambda: any(d.job_id == job for d in done), timeout=30_000)
    assert [d.job_id for d in done].count(job) == 1


def test_removing_every_label_stops_the_run(qtbot, window, tmp_path, gate):
    window.labels_pane.editor.add_labels(["red", "green"])
    qtbot.waitUntil(lambda: window.photos.current_signature is not None)  # labels settled
    window.photos.add_paths(distinct_photos(tmp_path / "photos", 12))
    window.label_all_action.trigger()
    gate.wait_inside()
    window.labels_pane.editor.set_labels([])
    window.ranking.request_rank()  # what the re-rank timer does after the edit
    gate.release.set()
    assert "rank" not in window.client.active_kinds()
    assert not window.status.progress.isVisible() and not window.status.cancel_button.isVisible()
    assert window.photos.counts() == (0, 0)


def test_a_huge_pasted_label_list_says_it_is_preparing_labels_and_escape_stops_it(qtbot, window, tmp_path,
                                                                                 monkeypatch):
    """Thousands of labels take long to encode: the status bar says so (with Cancel) before any photo."""
    from clipdesk.clip import text_chunks

    entered, release = threading.Event(), threading.Event()
    original = text_chunks.encode_text_by_length

    def gated(model, text, *args, **kwargs):  # type: ignore[no-untyped-def]
        entered.set()
        release.wait(30)
        return original(model, text, *args, **kwargs)

    monkeypatch.setattr(text_chunks, "encode_text_by_length", gated)  # how the service encodes labels
    paths = distinct_photos(tmp_path / "photos", 3)
    window.photos.add_paths(paths)
    window.labels_pane.editor.add_labels([f"keyword {i}" for i in range(3000)])
    window.label_all_action.trigger()
    try:
        assert entered.wait(30), "the worker never started encoding the labels"
        qtbot.waitUntil(lambda: window.status.activity.text().startswith("Preparing labels…"), timeout=10_000)
        assert "of 3,000" in window.status.activity.text()
        assert window.status.cancel_button.isVisible()
        with qtbot.waitSignal(window.client.worker.finished, timeout=30_000) as finished:
            qtbot.keyClick(window, Qt.Key.Key_Escape)
            release.set()
    finally:
        release.set()
    assert finished.args[0].cancelled
    assert window.photos.predictions() == []
    assert not window.status.progress.isVisible()


def test_a_list_beyond_what_anyone_reads_is_warned_with_the_minutes_it_takes_here(window):
    from clipdesk.gui.jobs import JobProgress
    from clipdesk.labeling.labels import HUGE_LABEL_COUNT

    readable = window.ranking.labels_progress_text(JobProgress(1, "rank", 100, 5000, "labels", 20.0))
    assert readable == "Preparing labels… 100 of 5,000"
    huge = window.ranking.labels_progress_text(JobProgress(1, "rank", 0, 200_000, "labels", 400.0))
    assert "200,000 labels" in huge and f"{HUGE_LABEL_COUNT:,}" in huge
    assert "about 8 minutes more" in huge and "Cancel" in huge  # 200,000 / 400 per second
