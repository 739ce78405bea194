"""How long the window takes to open a project of N photos (issue 13: 20,000 in under 2 s), and the
memory it holds afterwards. A benchmark script, not a collected test::

    python tests/benchmarks/project_open.py                 # 20,000 photos, the tiny test model
    python tests/benchmarks/project_open.py --photos 50000

It writes N empty photo files and a project naming them in a temporary folder, runs the real window
offscreen, and times File → Open Project from the call to the first painted grid. The photos are empty
files, so ranking them afterwards fails fast; what is timed is reading the project, checking every
photo is there and filling the grid (thumbnails load lazily, for visible photos only).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=20_000)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory(prefix="clipdesk-project-bench-") as folder:
        root = Path(folder)
        for name in ("data", "cache", "config"):
            os.environ[f"CLIPDESK_{name.upper()}_DIR"] = str(root / name)
        sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
        from tests import checkpoints

        model = checkpoints.save_state_dict(checkpoints.make_reference_model(checkpoints.TINY_CONFIGS["vit"]),
                                            root / "tiny.pt")
        from clipdesk.labeling.project import Project, save_project

        paths = []
        for index in range(args.photos):
            sub = root / "photos" / f"{index // 1000:03d}"
            sub.mkdir(parents=True, exist_ok=True)
            path = sub / f"IMG_{index:06d}.jpg"
            path.touch()
            paths.append(str(path))
        project = save_project(Project(photos=tuple(paths), labels=("cat", "dog")), root / "big.clipdesk")

        from PySide6.QtWidgets import QApplication

        from clipdesk.gui.main_window import MainWindow
        from clipdesk.gui.settings import Settings

        app = QApplication([])
        settings = Settings()
        settings.model = str(model)
        window = MainWindow(settings)
        window.resize(1280, 800)
        window.show()
        app.processEvents()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        start = time.perf_counter()
        window.projects.open(str(project), quiet=True)
        app.processEvents()
        seconds = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"opened a project of {window.photos.rowCount():,} photos in {seconds:.2f} s "
              f"(peak RSS {before:.0f} MB before, {after:.0f} MB after)")
        os._exit(0)  # the worker may still be loading torch; nothing to save


if __name__ == "__main__":
    sys.exit(main())
