"""``clipdesk bench --cluster``: the same photos are labelled locally and on a local Ray, and each
figure is measured (speeds are never asserted, only that they were measured)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from clipdesk.bench.run import run_benchmark
from tests.bench.test_run import options, photo_folder, rows_by_key  # noqa: F401 - the fixture is used

EXTRA = "needs the cluster extra: pip install -e '.[cluster]'"


@pytest.mark.ray
def test_the_cluster_figure_compares_the_local_run_with_ray_on_the_same_photos(
        tiny_vit_path: Path, photo_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    pytest.importorskip("ray", reason=EXTRA)
    home = tempfile.mkdtemp(prefix="cdbench-")  # short: Ray's socket paths must fit 107 bytes
    monkeypatch.setenv("HOME", home)
    monkeypatch.setenv("RAY_TMPDIR", home)
    try:
        report = run_benchmark(options(tiny_vit_path, photo_folder, cluster=True))
    finally:
        shutil.rmtree(home, ignore_errors=True)
    rows = rows_by_key(report)
    for key in ("cluster_local", "cluster_ray_job", "cluster_ray_steady"):
        assert rows[key].ours > 0 and rows[key].unit == "photos/s"
    assert rows["cluster_ray_start"].ours > 0  # no Ray was running: this one was started, and timed
    assert any("per actor" in note for note in report.notes)
