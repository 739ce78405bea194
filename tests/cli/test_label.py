"""``clipdesk label``: folders of real and broken photos, CSV/JSON results, progress, caches, and
usage errors caught before any work."""

from __future__ import annotations

import csv
import json
import os
import shutil
import sys
from pathlib import Path

import pytest

import clipdesk.labeling
from clipdesk.labeling import ZeroShotClassifier
from tests.cli.conftest import write_photos

LABELS = ["cat", "rocket", "astronaut", "coffee cup"]


def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def test_mixed_folder_good_photos_labelled_broken_ones_reported(cli, mixed_folder: dict[str, Path],
                                                                tiny_vit_path: Path, tmp_path: Path) -> None:
    folder = next(iter(mixed_folder.values())).parent
    out_csv, out_json = tmp_path / "results.csv", tmp_path / "results.json"
    for out in (out_csv, out_json):
        run = cli("label", folder, "--labels", ",".join(LABELS), "--model", tiny_vit_path, "--out", out)
        assert run.code == 1, run.err
        assert f"labelled {sum(k.startswith('photo-') for k in mixed_folder)}, " \
               f"failed {sum(k.startswith('broken-') for k in mixed_folder)}" in run.err

    with open(out_csv, encoding="utf-8", newline="") as stream:
        header = next(csv.reader(stream))
    assert header == ["path", "top_label", "top_probability", *LABELS, "error"]
    rows = {Path(row["path"]): row for row in _read_csv(out_csv)}
    assert set(rows) == set(mixed_folder.values())  # readme.txt and .hidden.jpg were skipped
    for kind, path in mixed_folder.items():
        row = rows[path]
        if kind.startswith("photo-"):
            assert row["error"] == "" and row["top_label"] in LABELS, kind
            assert sum(float(row[label]) for label in LABELS) == pytest.approx(1.0, abs=1e-5)
            assert float(row["top_probability"]) == max(float(row[label]) for label in LABELS)
        else:
            assert row["error"] and row["top_label"] == "" and all(row[label] == "" for label in LABELS), kind
    assert rows[mixed_folder["broken-folder"]]["error"] == "is a directory"
    assert "truncated" in rows[mixed_folder["broken-truncated-jpeg"]]["error"]
    assert "too large" in rows[mixed_folder["broken-bomb"]]["error"]
    assert "not an image" in rows[mixed_folder["broken-text"]]["error"]

    document = json.loads(out_json.read_text(encoding="utf-8"))
    assert set(document) == {"model", "templates", "labels", "top", "results", "complete", "not_labelled"}
    assert document["complete"] is True and document["not_labelled"] == [] and document["top"] is None
    # every label of a short list: top is null
    assert document["labels"] == LABELS and document["templates"] == ["a photo of a {}."]
    by_path = {Path(r["path"]): r for r in document["results"]}
    assert set(by_path) == set(rows)
    for path, result in by_path.items():
        if rows[path]["error"]:
            assert result["error"] == rows[path]["error"] and result["predictions"] == []
        else:
            assert result["error"] is None
            assert result["predictions"][0]["label"] == rows[path]["top_label"]
            assert [p["probability"] for p in result["predictions"]] == sorted(
                (p["probability"] for p in result["predictions"]), reverse=True)


def test_rotated_photo_is_labelled_as_seen_upright(cli, tmp_path: Path, tiny_vit_path: Path) -> None:
    from tests import photos

    upright = photos.write_jpeg(tmp_path / "a", "coffee", quality=100)
    rotated = photos.write_jpeg(tmp_path / "b", "coffee", orientation=6, quality=100)
    out = tmp_path / "r.json"
    assert cli("label", upright, rotated, "--labels", ",".join(LABELS), "--model", tiny_vit_path,
               "--out", out).code == 0
    first, second = json.loads(out.read_text())["results"]
    assert [p["label"] for p in first["predictions"]] == [p["label"] for p in second["predictions"]]
    for a, b in zip(first["predictions"], second["predictions"]):
        assert a["probability"] == pytest.approx(b["probability"], abs=0.02)


def test_all_good_exits_0_with_progress_and_summary(cli, tmp_path: Path, tiny_vit_path: Path) -> None:
    write_photos(tmp_path / "photos", 5)
    out = tmp_path / "out.csv"
    run = cli("label", tmp_path / "photos", "--labels", "dog,cat", "--model", tiny_vit_path, "--out", out,
              "--batch-size", 2)
    assert run.code == 0, run.err
    assert "Labelling: 100% 5/5 photos" in run.err
    assert "labelled 5, failed 0 in " in run.err and f"results in {out}" in run.err
    assert len(_read_csv(out)) == 5


def test_recursive_includes_subfolders_and_skips_hidden_ones(cli, tmp_path: Path, tiny_vit_path: Path) -> None:
    write_photos(tmp_path / "top", 2)
    write_photos(tmp_path / "top" / "sub", 2)
    write_photos(tmp_path / "top" / ".thumbnails", 2)
    out = tmp_path / "out.csv"
    assert cli("label", tmp_path / "top", "--labels", "dog,cat", "--model", tiny_vit_path, "--out", out).code == 0
    assert len(_read_csv(out)) == 2
    assert cli("label", tmp_path / "top", "-r", "--labels", "dog,cat", "--model", tiny_vit_path,
               "--out", out).code == 0
    assert sorted(Path(r["path"]).relative_to(tmp_path / "top").as_posix() for r in _read_csv(out)) == [
        "p00.jpg", "p01.jpg", "sub/p00.jpg", "sub/p01.jpg"]


class _CountingClassifier(ZeroShotClassifier):
    instances: list[_CountingClassifier] = []

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.encoded = 0
        encode_image = self.model.encode_image

        def counted(pixels):
            self.encoded += pixels.shape[0]
            return encode_image(pixels)

        self.model.encode_image = counted
        _CountingClassifier.instances.append(self)


def test_second_run_with_new_labels_encodes_no_photo(cli, tmp_path: Path, tiny_vit_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clipdesk.labeling, "ZeroShotClassifier", _CountingClassifier)
    _CountingClassifier.instances = []
    write_photos(tmp_path / "photos", 4)
    out = tmp_path / "out.csv"
    assert cli("label", tmp_path / "photos", "--labels", "dog,cat", "--model", tiny_vit_path, "--out", out).code == 0
    assert cli("label", tmp_path / "photos", "--labels", "bird,tree", "--model", tiny_vit_path, "--out", out).code == 0
    assert [c.encoded for c in _CountingClassifier.instances] == [4, 0]
    info = cli("cache", "info")
    assert "embeddings: 4 (for 1 model)" in info.out
    assert cli("cache", "clear").out.startswith("Cleared 4 cached embeddings")
    assert cli("label", tmp_path / "photos", "--labels", "dog", "--model", tiny_vit_path, "--out", out).code == 0
    assert cli("label", tmp_path / "photos", "--labels", "dog", "--model", tiny_vit_path, "--out", out,
               "--no-cache").code == 0
    assert [c.encoded for c in _CountingClassifier.instances] == [4, 0, 4, 4]


class _MustNotLoad:
    def __init__(self, *args, **kwargs) -> None:
        raise AssertionError("the model was loaded although the command line was unusable")


@pytest.mark.parametrize("change, message", [
    ({"--out": "results.txt"}, "must end in .csv or .json"),
    ({"--out": "no/such/folder/results.csv"}, "does not exist"),
    ({"--out": "a-file/results.csv"}, "does not exist"),
    ({"--out": "folder.csv"}, "is a folder"),
    ({"--labels": ", ,"}, "no labels"),
    ({"--template": "plain"}, "no {}"),
    ({"--labels-file": "labels.xlsx"}, "use a .txt"),
    ({"PATH": "empty"}, "no photos found"),
])
def test_usage_errors_exit_2_before_any_work(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             change: dict[str, str], message: str) -> None:
    monkeypatch.setattr(clipdesk.labeling, "ZeroShotClassifier", _MustNotLoad)
    monkeypatch.chdir(tmp_path)
    write_photos(tmp_path / "photos", 1)
    (tmp_path / "empty").mkdir()
    (tmp_path / "a-file").write_text("x")
    (tmp_path / "folder.csv").mkdir()
    options = {"--labels": "dog,cat", "--out": "results.csv", **change}
    if "--labels-file" in options:
        del options["--labels"]
    args = [change.get("PATH", "photos")]
    for key, value in options.items():
        if key != "PATH":
            args += [key, value]
    run = cli("label", *args)
    assert run.code == 2
    assert message in run.err
    assert not (tmp_path / "results.csv").exists()


def test_unknown_model_exits_2_and_writes_nothing(cli, tmp_path: Path) -> None:
    write_photos(tmp_path / "photos", 1)
    run = cli("label", tmp_path / "photos", "--labels", "dog", "--model", "ViT-Z/99", "--out", tmp_path / "r.csv")
    assert run.code == 2 and "ViT-Z/99" in run.err
    assert not (tmp_path / "r.csv").exists()


def test_failed_files_are_listed_on_stderr(cli, tmp_path: Path, tiny_vit_path: Path) -> None:
    write_photos(tmp_path / "photos", 1)
    (tmp_path / "photos" / "zero.jpg").write_bytes(b"")
    run = cli("label", tmp_path / "photos", "--labels", "dog", "--model", tiny_vit_path, "--out", tmp_path / "r.csv")
    assert run.code == 1
    assert f"{tmp_path / 'photos' / 'zero.jpg'}: " in run.err


def test_a_second_ctrl_c_still_writes_the_batches_already_done(cli, tmp_path: Path, tiny_vit_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from clipdesk.cli.progress import ProgressBar

    update = ProgressBar.update

    def impatient_user(self, done: int, total: int) -> None:  # Ctrl-C twice while batch 3 runs
        update(self, done, total)
        if done >= 4:
            raise KeyboardInterrupt

    monkeypatch.setattr(ProgressBar, "update", impatient_user)
    write_photos(tmp_path / "photos", 7)
    out = tmp_path / "r.csv"
    run = cli("label", tmp_path / "photos", "--labels", "dog,cat", "--model", tiny_vit_path, "--out", out,
              "--batch-size", 2)
    assert run.code == 130, run.err
    assert "stopped by Ctrl-C after 4 of 7" in run.err
    rows = _read_csv(out)
    assert [Path(row["path"]).name for row in rows] == [f"p{i:02d}.jpg" for i in range(7)]
    assert all(row["error"] == "" for row in rows[:4])
    assert all(row["error"] == "not labelled: the run was stopped" for row in rows[4:])


def test_an_old_results_file_among_the_inputs_is_not_labelled(cli, tmp_path: Path, tiny_vit_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """`clipdesk label * --out results.csv`, run a second time, must not report results.csv as a bad photo."""
    photos = write_photos(tmp_path, 2)
    out = tmp_path / "results.csv"
    out.write_text("old results\n")
    monkeypatch.chdir(tmp_path)
    run = cli("label", *photos, "results.csv", "--labels", "dog,cat", "--model", tiny_vit_path, "--out", "results.csv")
    assert run.code == 0, run.err
    assert sorted(Path(row["path"]).name for row in _read_csv(out)) == ["p00.jpg", "p01.jpg"]


@pytest.mark.skipif(sys.platform != "linux", reason="only Linux file systems accept names that are not UTF-8")
def test_a_photo_whose_name_is_not_utf8_is_labelled_and_exported(cli, tmp_path: Path, tiny_vit_path: Path) -> None:
    """Old cameras and Windows zip files leave Latin-1 names ("caf\\xe9.jpg"): the photo is labelled
    (and cached), and both exports stay valid UTF-8 instead of failing at the very end."""
    photo = write_photos(tmp_path / "src", 1)[0]
    folder = tmp_path / "photos"
    folder.mkdir()
    shutil.copy(photo, os.path.join(os.fsencode(folder), b"caf\xe9.jpg"))
    for out in (tmp_path / "r.csv", tmp_path / "r.json"):
        run = cli("label", folder, "--labels", "dog,cat", "--model", tiny_vit_path, "--out", out)
        assert run.code == 0, run.err
        text = out.read_bytes().decode("utf-8")  # strict: valid UTF-8
        assert "caf\\xe9.jpg" in text.replace("\\\\", "\\")
    assert cli("label", folder, "--labels", "bird", "--model", tiny_vit_path, "--out", tmp_path / "r.csv").code == 0
    assert "embeddings: 1 " in cli("cache", "info").out  # the cache took it too


def test_a_results_file_that_cannot_be_written_exits_3_and_says_the_old_one_is_stale(
        cli, tmp_path: Path, tiny_vit_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A script that accepts exit 1 ("some photos failed") must not then read last week's results."""
    write_photos(tmp_path / "photos", 2)
    out = tmp_path / "r.csv"
    out.write_text("last week's results\n")

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)  # the results are all written, making them durable fails
    run = cli("label", tmp_path / "photos", "--labels", "dog,cat", "--model", tiny_vit_path, "--out", out)
    assert run.code == 3, run.err
    assert "No space left on device" in run.err and "not this run's results" in run.err
    assert out.read_text() == "last week's results\n"
    assert list(tmp_path.glob("r.csv*.partial")) == []  # nor is a useless half file left beside it


def test_out_through_a_symbolic_link_updates_the_linked_file(cli, tmp_path: Path, tiny_vit_path: Path) -> None:
    write_photos(tmp_path / "photos", 1)
    real = tmp_path / "real.csv"
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    run = cli("label", tmp_path / "photos", "--labels", "dog,cat", "--model", tiny_vit_path, "--out", link)
    assert run.code == 0, run.err
    assert link.is_symlink() and len(_read_csv(real)) == 1


def test_a_photo_over_pillows_warning_size_is_read_without_a_raw_warning(cli, tmp_path: Path, tiny_vit_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """89-179 MP photos (panoramas, scans) are below Pillow's hard limit: labelled, without Pillow's
    DecompressionBombWarning text in the terminal. Scaled down here: a 1,000-pixel limit, a 40x40 photo."""
    import warnings

    from PIL import Image

    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    folder = tmp_path / "photos"
    folder.mkdir()
    Image.new("RGB", (40, 40), "red").save(folder / "panorama.png")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run = cli("label", folder, "--labels", "dog,cat", "--model", tiny_vit_path, "--out", tmp_path / "r.csv")
    assert run.code == 0, run.err
    assert not [w for w in caught if issubclass(w.category, Image.DecompressionBombWarning)]
    assert _read_csv(tmp_path / "r.csv")[0]["error"] == ""


def test_unreadable_folders_are_failures_with_their_reason(cli, tmp_path: Path, tiny_vit_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    write_photos(tmp_path / "photos", 2)
    write_photos(tmp_path / "photos" / "locked", 1)
    real_scandir = os.scandir

    def scandir(path):  # root ignores chmod 000, so the refusal is simulated
        if isinstance(path, (str, os.PathLike)) and Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    out = tmp_path / "r.csv"
    run = cli("label", tmp_path / "photos", "-r", "--labels", "dog,cat", "--model", tiny_vit_path, "--out", out)
    assert run.code == 1, run.err
    assert "labelled 2, failed 1" in run.err
    rows = _read_csv(out)
    assert rows[0]["path"] == str(tmp_path / "photos" / "locked") and "permission denied" in rows[0]["error"]

    alone = cli("label", tmp_path / "photos" / "locked", "--labels", "dog", "--model", tiny_vit_path, "--out", out)
    assert alone.code == 2 and "permission denied" in alone.err and "no photos found" not in alone.err


def test_sigterm_while_a_huge_label_list_is_encoded_stops_at_the_next_chunk(cli, tmp_path: Path, tiny_vit_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """With 200,000 labels the prompts take minutes to encode; a stop request must be heard between
    chunks of prompts, not after all of them (the first SIGTERM used to do nothing for over 30 s)."""
    import signal

    write_photos(tmp_path / "photos", 1)
    labels = tmp_path / "labels.txt"
    labels.write_text("\n".join(f"label number {i}" for i in range(3000)), encoding="utf-8")
    encode = ZeroShotClassifier._encode_prompts
    chunks = []

    def encode_and_get_stopped(self, prompts):
        chunks.append(len(prompts))
        if len(chunks) == 1:
            os.kill(os.getpid(), signal.SIGTERM)  # the user stops the run while the first chunk encodes
        return encode(self, prompts)

    monkeypatch.setattr(ZeroShotClassifier, "_encode_prompts", encode_and_get_stopped)
    run = cli("label", tmp_path / "photos", "--labels-file", labels, "--model", tiny_vit_path, "--out",
              tmp_path / "r.csv", "--no-cache")
    assert run.code == 143, run.err
    assert len(chunks) == 1  # 3,000 labels are a dozen chunks; none after the stop request
    assert "stopped by SIGTERM" in run.err


def test_results_are_on_disk_while_the_run_goes_and_the_old_file_stays_until_the_end(
        cli, tmp_path: Path, tiny_vit_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Memory stays that of one batch: each batch is written as it finishes, into FILE.….partial."""
    from clipdesk.cli.progress import ProgressBar

    seen: list[tuple[int, list[str], str]] = []
    update = ProgressBar.update
    out = tmp_path / "r.csv"
    out.write_text("last week's results\n")

    def look_at_the_disk(self, done: int, total: int) -> None:
        update(self, done, total)
        if self.label == "Labelling" and 0 < done < total:
            [partial] = tmp_path.glob("r.csv.*.partial")
            seen.append((done, [row["path"] for row in _read_csv(partial)], out.read_text()))

    monkeypatch.setattr(ProgressBar, "update", look_at_the_disk)
    write_photos(tmp_path / "photos", 6)
    run = cli("label", tmp_path / "photos", "--labels", "dog,cat", "--model", tiny_vit_path, "--out", out,
              "--batch-size", 2)
    assert run.code == 0, run.err
    assert seen, "progress was reported between batches"
    for done, rows, target in seen:
        assert len(rows) >= done - 2  # every batch but the one just reported is already in the file
        assert target == "last week's results\n"
    assert len(_read_csv(out)) == 6 and list(tmp_path.glob("*.partial")) == []


def test_a_run_killed_outright_leaves_the_old_results_and_a_partial_file_with_the_photos_done(
        tmp_path: Path, tiny_vit_path: Path) -> None:
    """kill -9 (out of memory, power cut): nothing can be finished, but nothing is lost or mixed up."""
    import signal
    import subprocess
    import time

    write_photos(tmp_path / "photos", 12)
    out = tmp_path / "r.json"
    out.write_text('{"old": true}\n')
    slow_machine = (  # each batch takes a while, so the run is surely killed in the middle
        "import sys, time\n"
        "import clipdesk.labeling.results_file as rf\n"
        "add = rf.ResultsFile.add\n"
        "def slow_add(self, rows):\n"
        "    add(self, rows); time.sleep(0.4)\n"
        "rf.ResultsFile.add = slow_add\n"
        "from clipdesk.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n")
    process = subprocess.Popen(
        [sys.executable, "-c", slow_machine, "label", str(tmp_path / "photos"), "--labels", "dog,cat",
         "--model", str(tiny_vit_path), "--out", str(out), "--batch-size", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    try:
        deadline = time.monotonic() + 120
        partial = None
        while time.monotonic() < deadline and process.poll() is None:
            found = list(tmp_path.glob("r.json.*.partial"))
            if found and found[0].read_text(encoding="utf-8").count('"path"') >= 4:
                partial = found[0]
                break
            time.sleep(0.05)
        assert partial is not None, process.stderr.read().decode() if process.poll() is not None else "too slow"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
        process.stderr.close()
    assert out.read_text() == '{"old": true}\n'
    text = partial.read_text(encoding="utf-8")
    assert text.startswith("{") and '"results": [' in text and '"complete"' not in text
    assert text.count('"path"') >= 4


def test_a_list_beyond_a_thousand_labels_keeps_the_ten_most_probable_per_photo(cli, tmp_path: Path,
                                                                            tiny_vit_path: Path) -> None:
    write_photos(tmp_path / "photos", 2)
    labels = tmp_path / "labels.txt"
    labels.write_text("\n".join(f"thing {i}" for i in range(1001)), encoding="utf-8")
    out_csv, out_json = tmp_path / "r.csv", tmp_path / "r.json"
    for out in (out_csv, out_json):
        run = cli("label", tmp_path / "photos", "--labels-file", labels, "--model", tiny_vit_path, "--out", out)
        assert run.code == 0, run.err
        assert "keeping the 10 most probable of the 1,001 labels" in run.err
    with open(out_csv, encoding="utf-8", newline="") as stream:
        header, *rows = list(csv.reader(stream))
    assert header[:3] == ["path", "top_label", "top_probability"] and header[-1] == "error"
    assert len(header) == 2 + 2 * 10 and len(rows) == 2
    document = json.loads(out_json.read_text(encoding="utf-8"))
    assert document["top"] == 10 and len(document["labels"]) == 1001
    for result in document["results"]:
        probabilities = [p["probability"] for p in result["predictions"]]
        assert len(probabilities) == 10 and probabilities == sorted(probabilities, reverse=True)
        assert 0 < sum(probabilities) <= 1.0 + 1e-6  # the ten best of a distribution over all 1,001


def test_top_k_and_top_all_choose_what_each_photo_keeps(cli, tmp_path: Path, tiny_vit_path: Path) -> None:
    write_photos(tmp_path / "photos", 1)
    out = tmp_path / "r.json"
    run = cli("label", tmp_path / "photos", "--labels", "dog,cat,bird,fish", "--model", tiny_vit_path,
              "--out", out, "--top", "3")
    assert run.code == 0, run.err
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["top"] == 3 and len(document["results"][0]["predictions"]) == 3
    labels = tmp_path / "labels.txt"
    labels.write_text("\n".join(f"thing {i}" for i in range(1001)), encoding="utf-8")
    run = cli("label", tmp_path / "photos", "--labels-file", labels, "--model", tiny_vit_path, "--out", out,
              "--top", "all")
    assert run.code == 0, run.err
    assert "keeping the" not in run.err
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["top"] is None and len(document["results"][0]["predictions"]) == 1001
    assert cli("label", tmp_path / "photos", "--labels", "dog", "--model", tiny_vit_path, "--out", out,
               "--top", "0").code == 2


def test_a_long_label_phase_shows_progress_and_a_huge_list_is_warned_with_the_time_it_takes(
        cli, tmp_path: Path, tiny_vit_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Scaled down: 'huge' is 500 labels here, and a bar shows for any phase (not only after 1 s)."""
    import clipdesk.cli.labeling_args as labeling_args
    import clipdesk.labeling.labels as labels_module

    monkeypatch.setattr(labels_module, "HUGE_LABEL_COUNT", 500)
    monkeypatch.setattr(labeling_args, "PROGRESS_AFTER_S", 0.0)
    monkeypatch.setattr(labeling_args, "HUGE_LIST_ESTIMATE_AFTER_S", 0.0)
    write_photos(tmp_path / "photos", 1)
    labels = tmp_path / "labels.txt"
    labels.write_text("\n".join(f"thing {i}" for i in range(600)), encoding="utf-8")
    run = cli("label", tmp_path / "photos", "--labels-file", labels, "--model", tiny_vit_path,
              "--out", tmp_path / "r.csv", "--no-cache")
    assert run.code == 0, run.err
    assert "Reading labels" in run.err and "Encoding labels" in run.err
    [warning] = [line for line in run.err.splitlines() if "far beyond what anyone reads" in line]
    assert "600 labels" in warning and "labels/s measured" in warning and "Ctrl-C stops" in warning
    assert run.err.index("Encoding labels") < run.err.index("Labelling")


def test_thousands_of_label_warnings_are_capped_with_a_count(cli, tmp_path: Path, tiny_vit_path: Path) -> None:
    write_photos(tmp_path / "photos", 1)
    labels = tmp_path / "labels.txt"
    labels.write_text("\n".join(f"thing {i % 30}" for i in range(60)), encoding="utf-8")  # 30 repeated
    run = cli("label", tmp_path / "photos", "--labels-file", labels, "--model", tiny_vit_path,
              "--out", tmp_path / "r.csv")
    assert run.code == 0, run.err
    warnings = [line for line in run.err.splitlines() if line.startswith("clipdesk: warning:")]
    assert len(warnings) == 21 and "… and 10 more like these" in warnings[-1]
