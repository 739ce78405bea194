"""Starting the app as a user does: the window is on screen before torch is imported, photos named on
the command line ("Open with clipdesk") are opened, and closing exits with status 0."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests import photos as sample_photos

SCRIPT = textwrap.dedent("""
    import json, sys
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    from clipdesk.gui.app import create_application, run
    from clipdesk.gui.main_window import MainWindow

    report = {}
    app = create_application(sys.argv[1:])

    def first_tick():
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        report["window_visible"] = bool(windows)
        report["torch_imported_when_shown"] = "torch" in sys.modules
        QTimer.singleShot(50, lambda: wait_for_photos(windows[0]))

    def wait_for_photos(window):
        if window.photos.rowCount() and window.model.state == "ready":
            report["photos"] = window.photos.paths()
            report["status"] = window.status.model.text()
            report["cluster_imported"] = sorted({"ray", "pyarrow"} & set(sys.modules))
            window.close()
        else:
            QTimer.singleShot(50, lambda: wait_for_photos(window))

    QTimer.singleShot(0, first_tick)
    report["exit_code"] = run(sys.argv[1:])
    print(json.dumps(report))
""")


def test_window_shows_before_torch_and_opens_photos_given_as_arguments(tmp_path, tiny_vit_path):
    photo = sample_photos.write_jpeg(tmp_path, "rocket")
    config = Path(os.environ["CLIPDESK_CONFIG_DIR"])
    config.mkdir(parents=True, exist_ok=True)
    (config / "clipdesk-gui.ini").write_text(f"[model]\nname={tiny_vit_path}\n", encoding="utf-8")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(photo), str(tmp_path / "missing.jpg")],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["window_visible"]
    assert report["torch_imported_when_shown"] is False
    assert report["photos"] == [str(photo)]
    assert report["status"] == f"Model: {tiny_vit_path.name}"
    assert report["exit_code"] == 0
    assert report["cluster_imported"] == []  # the optional cluster extra never loads with the window


HIDPI_SCRIPT = textwrap.dedent("""
    import json, sys, time
    from clipdesk.gui.app import create_application
    from clipdesk.gui.main_window import MainWindow
    from clipdesk.gui.settings import Settings

    app = create_application([])
    settings = Settings()
    settings.model = sys.argv[1]
    window = MainWindow(settings)
    window.resize(1000, 640)
    window.show()
    window.photos.add_paths([sys.argv[2]])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (window.thumbnails.cached() and window.model.state == "ready"):
        app.processEvents()
        time.sleep(0.01)
    app.processEvents()
    shot = window.grab()
    shot.save(sys.argv[3])
    print(json.dumps({"dpr": shot.devicePixelRatio(), "size": [shot.width(), shot.height()],
                      "thumbnail_sizes": sorted({size for _, size in window.thumbnails.cached()})}))
    window.close()
""")


def test_on_a_high_dpi_screen_everything_is_drawn_at_full_resolution(tmp_path, tiny_vit_path, artifacts):
    from clipdesk.gui.thumbnails import read_scaled  # noqa: F401 - the module the pool runs

    screen = tmp_path / "hidpi.json"
    screen.write_text(json.dumps({"screens": [{"name": "retina", "x": 0, "y": 0, "width": 2880, "height": 1800,
                                               "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    photo = sample_photos.write_jpeg(tmp_path, "chelsea")
    target = artifacts / "main-window-hidpi.png"
    # The offscreen platform ignores a screen's own ratio; Qt's scale factor gives the same 2x drawing.
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={screen}", QT_SCALE_FACTOR="2")
    done = subprocess.run([sys.executable, "-c", HIDPI_SCRIPT, str(tiny_vit_path), str(photo), str(target)],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["dpr"] == 2
    assert report["size"] == [2000, 1280]  # device pixels: twice the logical window size
    assert report["thumbnail_sizes"] == [240]  # thumbnails decoded for the screen's real pixels


EXIT_SCRIPT = textwrap.dedent("""
    import threading, sys
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    from clipdesk.gui.main_window import MainWindow
    from clipdesk.main import gui_main

    # Something still running after the window closes (a folder walk, a decoder, torch's own threads):
    # it must not keep the process alive.
    threading.Thread(target=threading.Event().wait, name="busy-in-background").start()

    def close_when_ready():
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        if windows and windows[0].model.state == "ready":
            print("closing", flush=True)
            windows[0].close()
        else:
            QTimer.singleShot(50, close_when_ready)

    QTimer.singleShot(0, close_when_ready)
    gui_main(sys.argv[1:])
    print("not reached", flush=True)
""")


def test_closing_the_window_ends_the_process_even_with_work_left_in_the_background(tmp_path, tiny_vit_path):
    config = Path(os.environ["CLIPDESK_CONFIG_DIR"])
    config.mkdir(parents=True, exist_ok=True)
    (config / "clipdesk-gui.ini").write_text(f"[model]\nname={tiny_vit_path}\n", encoding="utf-8")
    photo = sample_photos.write_jpeg(tmp_path, "coffee")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-c", EXIT_SCRIPT, str(photo)], env=env, capture_output=True,
                          text=True, timeout=120)  # without the fix: blocked forever by the thread
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["closing"]
    assert "geometry=" in (config / "clipdesk-gui.ini").read_text(encoding="utf-8")  # settings were saved
