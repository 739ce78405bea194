"""The window keeps its size and shows whole messages: long texts are elided or wrapped, never pushed
off screen."""

from __future__ import annotations

from clipdesk.gui.dialogs import FirstRunDialog
from clipdesk.gui.jobs import JobFailed, ModelMissing

LONG_PATH = "/home/someone/" + "/".join(f"folder-{i}" for i in range(40)) + "/photo.jpg"


def test_a_long_status_message_never_widens_the_window(qtbot, window):
    window.resize(1000, 700)
    qtbot.waitUntil(lambda: window.width() == 1000)
    window.status.flash(f"Could not keep the pasted image: {LONG_PATH}")
    window.status.set_model(f"Model: {LONG_PATH}", "NVIDIA GeForce RTX 4090 Laptop GPU with a very long name")
    qtbot.wait(50)
    assert window.minimumSizeHint().width() < 1000
    assert window.width() == 1000
    assert window.status.activity.text().endswith(LONG_PATH)  # the whole text is kept ...
    assert window.status.activity.toolTip().endswith(LONG_PATH)  # ... and shown on hover


def test_the_first_run_dialog_grows_to_show_a_long_error(qtbot, window):
    dialog = FirstRunDialog(window.client, ModelMissing(0, "RN50", 244 << 20, 0), window.settings, window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog._job = 99
    message = f"could not reach example.org (Connection refused); download the file ({LONG_PATH}) elsewhere"
    dialog._on_errored(JobFailed(99, "download", message))
    qtbot.wait(50)
    assert dialog.body.height() >= dialog.body.heightForWidth(dialog.body.width())
    detail = dialog.detail
    assert LONG_PATH in detail.text()  # whole, and selectable to copy the address
    assert detail.document().size().height() <= detail.viewport().height()  # every line on screen
    assert detail.document().idealWidth() <= detail.viewport().width()  # the long path wraps
    assert dialog.height() >= dialog.layout().totalMinimumSize().height()


def test_the_photo_grid_spreads_its_columns_over_the_whole_pane(qtbot, window, tmp_path):
    from clipdesk.gui.image_list import CELL
    from tests import photos as sample_photos

    one = sample_photos.write_jpeg(tmp_path, "rocket")
    paths = []
    for i in range(8):
        link = tmp_path / f"copy{i}.jpg"
        link.symlink_to(one)
        paths.append(str(link))
    window.photos.add_paths(paths)
    view = window.photos_pane.view
    for width in (1000, 1240, 1500):
        window.resize(width, 700)
        qtbot.waitUntil(lambda w=width: window.width() == w)
        qtbot.wait(20)
        first_row = [view.visualRect(window.photos.index(i)) for i in range(8)]
        first_row = [rect for rect in first_row if rect.top() == first_row[0].top()]
        assert len(first_row) >= view.viewport().width() // CELL.width() - 1  # columns fill the width ...
        unused = view.viewport().width() - (first_row[-1].center().x() + view.gridSize().width() // 2)
        assert unused < CELL.width() // 3  # ... with no empty strip down the right-hand side
