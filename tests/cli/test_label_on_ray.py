"""``clipdesk label --on ray``: on a local Ray (2 CPUs, loopback only) the rows equal the local run's,
a job killed outright and run again has every photo exactly once, and the embeddings it wrote make a
local re-rank encode nothing. The Ray tests skip, saying why, only where the cluster extra is missing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.cli.conftest import write_photos
from tests.conftest import CLUSTER_EXTRA as EXTRA
from tests.conftest import kill_processes_of

LABELS = "dog,cat,red envelope,receipt,sunset"


def _listening() -> set[tuple[str, int]]:
    """(address, port) of every listening TCP socket on this machine, from /proc."""
    found = set()
    for name, width in (("tcp", 8), ("tcp6", 32)):
        try:
            lines = Path(f"/proc/net/{name}").read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] != "0A":  # LISTEN
                continue
            address, port = fields[1].split(":")
            raw = bytes.fromhex(address)
            words = [raw[i:i + 4][::-1] for i in range(0, len(raw), 4)]  # each 32-bit word is little-endian
            ip = ".".join(str(b) for b in words[0]) if width == 8 else ":".join(w.hex() for w in words)
            found.add((ip, int(port, 16)))
    return found


def _loopback(address: str) -> bool:
    """127.x.x.x, ::1, or 127.x.x.x mapped into IPv6."""
    if "." in address:
        return address.startswith("127.")
    return address == "00000000:00000000:00000000:00000001" or address.startswith("00000000:00000000:0000ffff:7f")


@pytest.fixture(scope="module")
def local_ray(ray_home: dict[str, str]) -> Iterator[SimpleNamespace]:
    import ray

    saved = {key: os.environ.get(key) for key in ray_home}
    os.environ.update(ray_home)
    before = _listening()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, _node_ip_address="127.0.0.1")
    try:
        yield SimpleNamespace(new_listeners=_listening() - before)
    finally:
        ray.shutdown()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _parquet_rows(out: Path) -> list[dict]:
    import pyarrow.parquet as pq

    from clipdesk.labeling.cluster.output import part_files

    return [row for part in part_files(out) for row in pq.read_table(part).to_pylist()]


@pytest.mark.ray
def test_rows_equal_the_local_run_row_for_row_including_broken_photos(
        cli, local_ray: SimpleNamespace, mixed_folder: dict[str, Path], tiny_vit_path: Path, tmp_path: Path) -> None:
    folder = mixed_folder["broken-folder"].parent
    common = [folder, "--labels", LABELS, "--model", tiny_vit_path, "--precision", "exact", "--top", "3"]
    local = cli("label", *common, "--out", tmp_path / "local.json", "--no-cache")
    started = time.monotonic()
    cluster = cli("label", *common, "--on", "ray", "--out", tmp_path / "run.parquet", "--batch-size", "4")
    assert time.monotonic() - started < 120
    assert local.code == cluster.code == 1, cluster.err  # some photos are broken: reported, not fatal
    expected = {r["path"]: r for r in json.loads((tmp_path / "local.json").read_text())["results"]}
    rows = _parquet_rows(tmp_path / "run.parquet")
    assert Counter(r["path"] for r in rows) == Counter(list(expected))
    assert any(r["error"] for r in rows) and any(not r["error"] for r in rows)
    for row in rows:
        want = expected[row["path"]]
        assert row["error"] == want["error"]
        if want["error"] is None:
            assert row["labels"] == [p["label"] for p in want["predictions"]]
            assert row["probabilities"] == pytest.approx([p["probability"] for p in want["predictions"]], abs=1e-6)
            assert row["kept"] == [want["predictions"][0]["label"]]  # the default keep rule, top:1
    assert "Labelling: 100%" in cluster.err and "photos/s" in cluster.err
    assert local_ray.new_listeners and all(_loopback(address) for address, _ in local_ray.new_listeners)


@pytest.mark.ray
def test_embeddings_imported_from_a_cluster_run_make_the_local_rerank_encode_nothing(
        cli, local_ray: SimpleNamespace, tmp_path: Path, tiny_vit_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from clipdesk.labeling.labeling_model import LabelingModel

    photos = write_photos(tmp_path / "photos", 6)
    out = tmp_path / "archive.parquet"
    done = cli("label", tmp_path / "photos", "--labels", LABELS, "--model", tiny_vit_path, "--precision", "exact",
               "--on", "ray", "--out", out, "--embeddings")
    assert done.code == 0, done.err
    imported = cli("cache", "import", out)
    assert imported.code == 0 and "Imported 6 embeddings" in imported.out
    encoded: list[int] = []
    encode = LabelingModel.encode_images
    monkeypatch.setattr(LabelingModel, "encode_images", lambda self, px: encoded.append(len(px)) or encode(self, px))
    rerank = cli("label", tmp_path / "photos", "--labels", "lighthouse,bicycle", "--model", tiny_vit_path,
                 "--precision", "exact", "--out", tmp_path / "rerank.json")
    assert rerank.code == 0 and encoded == []
    results = json.loads((tmp_path / "rerank.json").read_text())["results"]
    assert sorted(r["path"] for r in results) == sorted(str(p) for p in photos)


@pytest.mark.ray
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_job_killed_outright_and_run_again_has_every_photo_exactly_once(
        ray_home: dict[str, str], tmp_path: Path, tiny_vit_path: Path) -> None:
    from clipdesk.labeling.cluster.output import part_files

    folder = tmp_path / "archive"
    photos = write_photos(folder, 40)
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff definitely not a whole JPEG")
    out = tmp_path / "run.parquet"
    command = [sys.executable, "-m", "clipdesk", "label", str(folder), "--labels", LABELS, "--model",
               str(tiny_vit_path), "--precision", "exact", "--on", "ray", "--out", str(out), "--batch-size", "1",
               "--rows-per-part", "2", "--actors", "1"]
    env = {**os.environ, **ray_home, "PYTHONWARNINGS": "ignore"}
    at_rest = _listening()
    job = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while len(part_files(out)) < 3 and job.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        listeners = _listening()
        os.killpg(job.pid, signal.SIGKILL)  # no chance to clean up: the driver and everything it started
    finally:
        job.wait(timeout=30)
        kill_processes_of(ray_home["HOME"])
    before = _parquet_rows(out)
    total = len(photos) + 1
    assert 0 < len(before) < total, "the first run must be cut short for this test to mean anything"
    assert listeners - at_rest and all(_loopback(address) for address, _ in listeners - at_rest)
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=240)
    kill_processes_of(ray_home["HOME"])
    assert again.returncode == 1, again.stderr  # the broken photo: a row with its error
    assert f"{len(before)} already done" in again.stderr
    rows = _parquet_rows(out)
    assert Counter(r["path"] for r in rows) == Counter([str(p) for p in photos] + [str(folder / "broken.jpg")])
    assert [r["path"] for r in rows if r["error"]] == [str(folder / "broken.jpg")]
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # the killed run's half part is gone


def test_without_the_cluster_extra_the_message_says_what_to_install(cli, tmp_path: Path, tiny_vit_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    write_photos(tmp_path / "photos", 1)
    monkeypatch.setitem(sys.modules, "ray", None)  # as if Ray were not installed
    done = cli("label", tmp_path / "photos", "--labels", "dog", "--model", tiny_vit_path, "--on", "ray",
               "--out", tmp_path / "run.parquet")
    assert done.code == 2
    assert "pip install 'clipdesk[cluster]'" in done.err and not (tmp_path / "run.parquet").exists()


@pytest.mark.parametrize("arguments, message", [
    (["--out", "run.csv"], "--out DIR.parquet"),
    (["--out", "run.parquet", "--write-keywords", "sidecar"], "--write-keywords is for local runs"),
])
def test_cluster_usage_errors_exit_2_before_any_work(cli, tmp_path: Path, tiny_vit_path: Path, arguments: list[str],
                                                     message: str, monkeypatch: pytest.MonkeyPatch) -> None:
    write_photos(tmp_path / "photos", 1)
    monkeypatch.chdir(tmp_path)
    done = cli("label", "photos", "--labels", "dog", "--model", tiny_vit_path, "--on", "ray", *arguments)
    assert done.code == 2 and message in done.err


def test_ray_only_options_are_refused_for_a_local_run(cli, tmp_path: Path, tiny_vit_path: Path) -> None:
    write_photos(tmp_path / "photos", 1)
    done = cli("label", tmp_path / "photos", "--labels", "dog", "--model", tiny_vit_path, "--embeddings",
               "--out", tmp_path / "r.csv")
    assert done.code == 2 and "for --on ray" in done.err
    parquet = cli("label", tmp_path / "photos", "--labels", "dog", "--model", tiny_vit_path,
                  "--out", tmp_path / "r.parquet")
    assert parquet.code == 2 and "--on ray" in parquet.err


def test_a_rerun_with_other_labels_is_refused_before_ray_starts(cli, tmp_path: Path, tiny_vit_path: Path) -> None:
    pytest.importorskip("ray", reason=EXTRA)
    pytest.importorskip("pyarrow", reason=EXTRA)
    from clipdesk.labeling.cluster.labeller import ClusterJob
    from clipdesk.labeling.cluster.output import PartWriter, rows_table

    photo = write_photos(tmp_path / "photos", 1)[0]
    out = tmp_path / "run.parquet"
    earlier = ClusterJob(model=str(tiny_vit_path), labels=("dog",), templates=("a photo of a {}.",), precision="exact")
    PartWriter(out, False, earlier.identity()).write([rows_table([{"path": str(photo), "model": "m"}], False)])
    done = cli("label", tmp_path / "photos", "--labels", "dog,cat", "--model", tiny_vit_path, "--precision", "exact",
               "--on", "ray", "--out", out)
    assert done.code == 2
    assert "other settings (labels 1 then, 2 now)" in done.err and "new --out" in done.err
    assert "Labelling" not in done.err


def test_a_cluster_address_where_nothing_answers_is_a_clear_error_at_once(cli, tmp_path: Path,
                                                                         tiny_vit_path: Path) -> None:
    pytest.importorskip("ray", reason=EXTRA)
    write_photos(tmp_path / "photos", 1)
    started = time.monotonic()
    done = cli("label", tmp_path / "photos", "--labels", "dog", "--model", tiny_vit_path, "--on", "ray",
               "--ray-address", "127.0.0.1:9", "--out", tmp_path / "run.parquet")
    assert done.code == 2 and "nothing answers at 127.0.0.1:9" in done.err
    assert time.monotonic() - started < 30 and not (tmp_path / "run.parquet").exists()
