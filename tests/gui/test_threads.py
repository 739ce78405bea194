"""Background threads and the GUI thread call into Qt at the same time for as long as the window is open
(thumbnails, folder scans, the model worker). A binding that handles Python reference counts without the
GIL turns that into a crash some minutes into a session; PySide6 6.12.0 does (``none_dealloc`` /
``bool_dealloc`` / segfault within seconds here), which is why pyproject.toml excludes it. This test runs
the app's own thumbnail loader hard, in a child process so a crash is a failure and not the end of the run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests import photos as sample_photos

STRESS = r"""
import sys
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication
from clipdesk.gui.thumbnails import ThumbnailLoader

app = QApplication([])
paths = sys.argv[1:]
arrived = 0
for round_ in range(300):
    loader = ThumbnailLoader()
    def count(path):
        global arrived
        arrived += 1
    loader.ready.connect(count)
    for size in (120, 240):
        for path in paths:
            loader.get(path, size)
    for _ in range(3):
        QCoreApplication.processEvents()  # the GUI thread takes results while the pool still decodes
    assert loader.wait_idle(10_000)
    QCoreApplication.processEvents()
    loader.deleteLater()
    QCoreApplication.processEvents()
print("thumbnails arrived:", arrived)
"""


def test_thumbnails_made_on_pool_threads_never_crash_the_app(tmp_path: Path):
    folder = tmp_path / "photos"
    files = [sample_photos.write_jpeg(folder, name) for name in ("astronaut", "coffee")]
    files += [sample_photos.write_garbage_jpeg(folder, f"garbage-{i}.jpg") for i in range(4)]
    files += [sample_photos.write_empty(folder, f"empty-{i}.jpg") for i in range(4)]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QT_LOGGING_RULES="qt.gui.imageio*=false",
               PYTHONFAULTHANDLER="1")
    done = subprocess.run([sys.executable, "-c", STRESS, *map(str, files)], env=env, capture_output=True,
                          text=True, timeout=300, cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr[-3000:]
    assert "thumbnails arrived:" in done.stdout
    assert int(done.stdout.split(":")[-1]) == 300 * 2 * len(files)  # every request answered
