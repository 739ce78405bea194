"""The first run without the model: a friendly dialog that downloads (with progress, cancel and resume)
or imports a weights file for offline machines — and explains failures without losing anything."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from clipdesk.gui.main_window import MainWindow
from clipdesk.gui.model_control import MISSING, READY
from clipdesk.weights import download as weights_download
from tests.weights.helpers import MODEL_NAME, MODEL_URL_PATH, write_models_json
from tests.weights.http_server import FileServer


@pytest.fixture(autouse=True)
def no_retry_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Downloads give up at once instead of backing off for seconds."""
    monkeypatch.setitem(weights_download.download.__kwdefaults__, "retry_delays", ())


@pytest.fixture
def tiny_bytes(tiny_vit_path: Path) -> bytes:
    return tiny_vit_path.read_bytes()


def register(url: str, data: bytes) -> None:
    write_models_json([{"name": MODEL_NAME, "url": url, "sha256": hashlib.sha256(data).hexdigest(),
                        "size": len(data)}])


def models_root() -> Path:
    return Path(os.environ["CLIPDESK_DATA_DIR"]) / "models"


def open_window(qtbot, settings) -> MainWindow:
    settings.model = MODEL_NAME
    win = MainWindow(settings)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.model.first_run is not None and win.model.first_run.isVisible(), timeout=60_000)
    assert win.model.state == MISSING
    return win


def test_unreachable_download_is_explained_then_an_import_gets_going(qtbot, settings, tiny_vit_path,
                                                                        tiny_bytes):
    with FileServer() as probe:  # a port where nothing listens once the server is gone
        port = probe.port
    register(f"http://127.0.0.1:{port}{MODEL_URL_PATH}", tiny_bytes)
    win = open_window(qtbot, settings)
    dialog = win.model.first_run
    assert MODEL_NAME in dialog.heading.text()
    assert "KB" in dialog.download_button.text() or "MB" in dialog.download_button.text()  # size shown

    qtbot.mouseClick(dialog.download_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "could not reach" in dialog.detail.text(), timeout=30_000)
    assert "import" in dialog.detail.text().lower()  # the next step is offered: the button right there,
    assert "Import Weights File… below" in dialog.detail.text()  # not a terminal command
    assert "clipdesk models" not in dialog.detail.text()
    assert dialog.import_button.isEnabled() and dialog.download_button.isVisible()
    assert not (models_root() / "tiny-vit.pt").exists()

    dialog.import_file(str(tiny_vit_path))  # what "Import Weights File…" does after the file dialog
    qtbot.waitUntil(lambda: win.model.state == READY, timeout=60_000)
    assert win.model.first_run is None
    assert win.settings.model == MODEL_NAME
    assert (models_root() / "tiny-vit.pt").read_bytes() == tiny_bytes


def test_download_shows_progress_can_be_cancelled_and_resumes(qtbot, settings, tiny_bytes):
    with FileServer({MODEL_URL_PATH: tiny_bytes}) as server:
        register(server.url(MODEL_URL_PATH), tiny_bytes)
        win = open_window(qtbot, settings)
        dialog = win.model.first_run
        server.pause_after = len(tiny_bytes) // 3
        server.faults_left = 1
        qtbot.mouseClick(dialog.download_button, Qt.MouseButton.LeftButton)
        assert server.paused.wait(30)
        qtbot.waitUntil(lambda: dialog.progress.value() > 0, timeout=10_000)
        assert dialog.cancel_button.isVisible() and not dialog.import_button.isEnabled()
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
        server.resume.set()
        qtbot.waitUntil(lambda: "Resume" in dialog.download_button.text(), timeout=10_000)
        qtbot.waitUntil(lambda: "download" not in win.client.active_kinds(), timeout=30_000)
        part = models_root() / "tiny-vit.pt.part"
        assert part.is_file() and 0 < part.stat().st_size < len(tiny_bytes)

        qtbot.mouseClick(dialog.download_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: win.model.state == READY, timeout=60_000)
        assert server.requests[-1].range is not None  # it resumed instead of starting over
    assert (models_root() / "tiny-vit.pt").read_bytes() == tiny_bytes


def test_importing_a_file_that_is_not_a_model_says_so_and_keeps_the_dialog(qtbot, settings, tiny_bytes,
                                                                             tmp_path):
    register("http://127.0.0.1:9/tiny-vit.pt", tiny_bytes)
    win = open_window(qtbot, settings)
    dialog = win.model.first_run
    junk = tmp_path / "holiday.pt"
    junk.write_bytes(b"definitely not weights")
    dialog.import_file(str(junk))
    qtbot.waitUntil(lambda: "cannot be used" in dialog.detail.text(), timeout=30_000)
    assert "holiday.pt" in dialog.detail.text()
    assert dialog.isVisible() and dialog.import_button.isEnabled()


def test_a_checkpoint_with_nan_weights_is_refused_by_the_import_button_too(qtbot, settings, tiny_bytes, tmp_path):
    """The window checks a file as `clipdesk models import` does; it used to accept NaN weights."""
    import torch

    from tests import checkpoints

    register("http://127.0.0.1:9/tiny-vit.pt", tiny_bytes)
    win = open_window(qtbot, settings)
    dialog = win.model.first_run
    state = checkpoints.make_reference_model(checkpoints.TINY_CONFIGS["vit"], seed=3).state_dict()
    state["visual.proj"][0, 0] = float("nan")
    broken = tmp_path / "fine-tune.pt"
    torch.save(state, broken)
    dialog.import_file(str(broken))
    qtbot.waitUntil(lambda: "NaN or infinite" in dialog.detail.text(), timeout=30_000)
    assert dialog.isVisible() and dialog.import_button.isEnabled()
    assert not (models_root() / "fine-tune.pt").exists()


def test_not_now_leaves_a_usable_window_that_says_how_to_get_the_model(qtbot, settings, tiny_bytes):
    register("http://127.0.0.1:9/tiny-vit.pt", tiny_bytes)
    win = open_window(qtbot, settings)
    qtbot.mouseClick(win.model.first_run.later_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.model.first_run is None)
    assert "Download or Import Weights" in win.status.activity.text()
    win.labels_pane.editor.add_labels(["still", "editable"])
    assert win.labels_pane.editor.labels() == ["still", "editable"]


def test_model_menu_lists_the_nine_models_and_marks_downloaded_ones(qtbot, window, tiny_vit_path):
    window.model.fill_menu(window.model_menu, [])
    texts = [action.text() for action in window.model_menu.actions() if action.isCheckable()]
    names = [text.split("\t")[0] for text in texts]
    for name in ("RN50", "RN101", "RN50x4", "RN50x16", "RN50x64", "ViT-B/32", "ViT-B/16", "ViT-L/14",
                 "ViT-L/14@336px"):
        assert name in names
    current = [a for a in window.model_menu.actions() if a.isChecked()]
    assert [a.text().split("\t")[0] for a in current] == [tiny_vit_path.name]
    assert "on this computer" in current[0].text()
    vit = next(text for text in texts if text.startswith("ViT-B/32\t"))
    assert "download" in vit and "MB" in vit


def test_choosing_another_model_reloads_it_on_the_worker_and_reranks(qtbot, window, photo_files,
                                                                       tiny_checkpoints):
    from tests.gui.conftest import wait_labelled

    paths = [str(p) for p in photo_files]
    window.labels_pane.editor.add_labels(["astronaut", "coffee", "cat"])
    window.add_paths(paths)
    wait_labelled(qtbot, window, len(paths))
    before = {path: window.photos.prediction(path) for path in paths}
    other = tiny_checkpoints[("resnet", "state_dict")]
    window.model.choose(str(other))
    assert window.model.state != READY  # loading: results stay on screen, dimmed as out of date
    qtbot.waitUntil(lambda: window.model.state == READY, timeout=60_000)
    wait_labelled(qtbot, window, len(paths))
    assert window.model.info.model == str(other)
    assert window.status.model.text() == f"Model: {other.name}"
    after = {path: window.photos.prediction(path) for path in paths}
    assert all(after[path].scores != before[path].scores for path in paths)


def test_results_of_the_previous_model_are_dimmed_while_another_loads_or_fails(qtbot, window, photo_files,
                                                                              tmp_path):
    from clipdesk.gui.image_list import STALE_ROLE
    from clipdesk.gui.model_control import FAILED
    from tests.gui.conftest import wait_labelled

    paths = [str(p) for p in photo_files[:2]]
    window.labels_pane.editor.add_labels(["astronaut", "coffee"])
    window.add_paths(paths)
    wait_labelled(qtbot, window, len(paths))
    window.photos_pane.view.setCurrentIndex(window.photos.index(0))
    assert window.results.prediction is not None
    broken = tmp_path / "broken.pt"
    broken.write_bytes(b"PK\x03\x04 not really a checkpoint")
    window.model.choose(str(broken))
    qtbot.waitUntil(lambda: window.model.state == FAILED, timeout=60_000)
    for row in range(len(paths)):
        assert window.photos.index(row).data(STALE_ROLE)  # drawn greyed: not this model's results
        assert not window.photos.is_up_to_date(paths[row])
    assert window.results.prediction is None  # the table does not present them as current
    assert "Model menu" in window.results_pane.note.text()
    assert window.photos.counts() == (0, 0)


def test_switching_precision_reranks_every_photo(qtbot, window, photo_files):
    from clipdesk.gui.dialogs import Preferences
    from tests.gui.conftest import wait_labelled

    paths = [str(p) for p in photo_files[:2]]
    window.labels_pane.editor.add_labels(["astronaut", "coffee"])
    window.add_paths(paths)
    wait_labelled(qtbot, window, len(paths))
    settings = window.settings
    other = "exact" if settings.precision == "fast" else "fast"
    ranked = []
    window.client.ranked.connect(lambda batch: ranked.extend(p.path for p in batch.predictions))
    window.apply_preferences(Preferences(settings.device, other, settings.batch_size, settings.language))
    qtbot.waitUntil(lambda: window.model.state == READY, timeout=60_000)
    wait_labelled(qtbot, window, len(paths))
    assert sorted(ranked) == sorted(paths)  # numbers from the other precision are not kept as current


def test_importing_another_checkpoint_under_a_known_models_file_name_gets_a_free_name(
        qtbot, settings, tiny_bytes, tiny_checkpoints, tmp_path):
    import shutil

    register("http://127.0.0.1:9/tiny-vit.pt", tiny_bytes)
    win = open_window(qtbot, settings)
    dialog = win.model.first_run
    mirror_copy = tmp_path / "tiny-vit.pt"  # a re-saved file from a mirror: same name, other bytes
    shutil.copy(tiny_checkpoints[("vit", "state_dict")], mirror_copy)
    dialog.import_file(str(mirror_copy))
    qtbot.waitUntil(lambda: win.model.state == READY, timeout=60_000)
    assert win.settings.model == "tiny-vit-2"  # the window has no --name to ask for: it picks one
    assert (models_root() / "tiny-vit-2.pt").read_bytes() == mirror_copy.read_bytes()
    assert not (models_root() / "tiny-vit.pt").exists()  # the known model's file is left alone
