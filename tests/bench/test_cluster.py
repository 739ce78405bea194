"""``clipdesk bench --cluster``: the same photos are labelled locally and on a local Ray, and each
figure is measured (speeds are never asserted, only that they were measured)."""

from __future__ import annotations

from pathlib import Path

import pytest

from clipdesk.bench.run import run_benchmark
from tests.bench.test_run import options, photo_folder, rows_by_key  # noqa: F401 - the fixture is used


@pytest.mark.ray
def test_the_cluster_figure_compares_the_local_run_with_ray_on_the_same_photos(
        tiny_vit_path: Path, photo_folder: Path, ray_home: dict[str, str],  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in ray_home.items():
        monkeypatch.setenv(key, value)
    report = run_benchmark(options(tiny_vit_path, photo_folder, cluster=True))
    rows = rows_by_key(report)
    for key in ("cluster_local", "cluster_ray_job", "cluster_ray_steady"):
        assert rows[key].ours > 0 and rows[key].unit == "photos/s"
    assert rows["cluster_ray_start"].ours > 0  # no Ray was running: this one was started, and timed
    assert any("per actor" in note for note in report.notes)
