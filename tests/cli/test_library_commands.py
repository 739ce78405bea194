"""``label --write-keywords``, ``sort`` and ``keywords show|undo`` as a photographer runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clipdesk.labeling import ZeroShotClassifier
from clipdesk.labeling.keep_rule import parse_keep_rule
from clipdesk.labeling.library.change_log import changes_dir
from tests.labeling.library.library_photos import camera_photo, exiftool_read, folder_hashes

LABELS = ["红包", "cat", "rocket", "coffee cup"]


@pytest.fixture
def shoot(tmp_path: Path) -> Path:
    folder = tmp_path / "shoot"
    folder.mkdir()
    for index, (fmt, name) in enumerate([("jpeg", "coffee"), ("png", "rocket"), ("tiff", "chelsea"),
                                         ("webp", "astronaut")]):
        camera_photo(folder, fmt, name=name, stem=f"IMG_{index:04d}")
    (folder / "broken.jpg").write_bytes(b"not a photo")
    return folder


def expected_keep(tiny_vit_path: Path, folder: Path, rule: str) -> dict[str, tuple[str, ...]]:
    classifier = ZeroShotClassifier(str(tiny_vit_path), device="cpu", image_cache=None)
    photos = sorted(p for p in folder.iterdir() if p.name != "broken.jpg")
    return {p.name: parse_keep_rule(rule).kept(prediction)
            for p, prediction in zip(photos, classifier.rank([str(p) for p in photos], LABELS))}


def test_label_writes_the_kept_labels_as_keywords_and_prints_how_to_undo(cli, shoot, tiny_vit_path):
    run = cli("label", shoot, "--labels", ",".join(LABELS), "--model", tiny_vit_path, "--keep", "top:2",
              "--write-keywords", "embedded")
    assert run.code == 1, run.err  # broken.jpg failed to label; the others got their keywords
    expected = expected_keep(tiny_vit_path, shoot, "top:2")
    for name, kept in expected.items():
        assert exiftool_read(shoot / name).get("XMP-dc:Subject") == list(kept), name
    assert "keywords: written 4" in run.err and "clipdesk keywords undo" in run.err
    log = next(changes_dir().glob("*.jsonl"))
    assert str(log) in run.err


def test_dry_run_changes_nothing_and_undo_restores_everything(cli, shoot, tiny_vit_path):
    before = folder_hashes(shoot)
    dry = cli("label", shoot, "--labels", ",".join(LABELS), "--model", tiny_vit_path, "--write-keywords",
              "sidecar", "--dry-run")
    assert "would write 4" in dry.err and folder_hashes(shoot) == before
    wet = cli("label", shoot, "--labels", ",".join(LABELS), "--model", tiny_vit_path, "--write-keywords",
              "sidecar")
    assert len(list(shoot.glob("*.xmp"))) == 4 and "written 4" in wet.err
    undo = cli("keywords", "undo", "--last")
    assert undo.code == 0 and "restored 4" in undo.err
    assert folder_hashes(shoot) == before


def test_a_floor_leaves_doubtful_photos_without_keywords(cli, shoot, tiny_vit_path):
    run = cli("label", shoot, "--labels", ",".join(LABELS), "--model", tiny_vit_path, "--keep", "min:0.99",
              "--write-keywords", "embedded", "--out", shoot.parent / "r.csv")
    expected = expected_keep(tiny_vit_path, shoot, "min:0.99")
    for name, kept in expected.items():
        assert exiftool_read(shoot / name).get("XMP-dc:Subject", []) == list(kept)
    assert (shoot.parent / "r.csv").exists() and run.code == 1


def test_sort_copies_into_label_folders_and_undo_removes_the_copies(cli, shoot, tiny_vit_path, tmp_path):
    into = tmp_path / "sorted"
    run = cli("sort", shoot, "--labels", ",".join(LABELS), "--model", tiny_vit_path, "--into", into,
              "--keep", "top:1,min:0.3")
    expected = expected_keep(tiny_vit_path, shoot, "top:1,min:0.3")
    placed = {p.name: p.parent.name for p in into.rglob("*") if p.is_file()}
    assert placed == {name: (kept[0] if kept else "unsorted") for name, kept in expected.items()}
    assert run.code == 1 and "sorted: copied 4" in run.err  # broken.jpg is reported, not sorted
    log = run.err.split("undo with: clipdesk keywords undo ")[1].split()[0]
    assert cli("keywords", "undo", log).code == 0 and not into.exists()


def test_a_change_log_that_cannot_be_started_stops_the_sort_before_any_file_moves(cli, shoot, tiny_vit_path,
                                                                                 tmp_path):
    into, before = tmp_path / "sorted", folder_hashes(shoot)
    (tmp_path / "notes.txt").write_text("a file, so no folder can be made there\n")
    run = cli("sort", shoot, "--labels", ",".join(LABELS), "--model", tiny_vit_path, "--into", into, "--move",
              "--log", tmp_path / "notes.txt" / "sort.jsonl")
    assert run.code == 3 and "could not start the change log" in run.err
    assert folder_hashes(shoot) == before and not any(into.rglob("*.*"))


def test_sort_never_sorts_the_target_folder_into_itself(cli, shoot, tiny_vit_path):
    into = shoot / "sorted"
    cli("sort", shoot, "--labels", ",".join(LABELS), "--model", tiny_vit_path, "--into", into, "-r")
    again = cli("sort", shoot, "--labels", ",".join(LABELS), "--model", tiny_vit_path, "--into", into, "-r")
    assert "already there 4" in again.err
    assert len([p for p in into.rglob("*") if p.is_file()]) == 4


def test_keywords_show_lists_each_place_and_marks_clipdesks(cli, shoot, tiny_vit_path):
    cli("label", shoot / "IMG_0000.jpg", "--labels", "红包,cat", "--model", tiny_vit_path, "--keep", "top:2",
        "--write-keywords", "embedded")
    run = cli("keywords", "show", shoot / "IMG_0000.jpg", "--json")
    record = json.loads(run.out)[0]
    assert sorted(record["embedded"]["subject"]) == ["cat", "红包"]
    assert sorted(record["embedded"]["by_clipdesk"]) == ["cat", "红包"]
    assert sorted(record["embedded"]["iptc_keywords"]) == ["cat", "红包"]
    text = cli("keywords", "show", shoot / "IMG_0000.jpg").out
    assert "红包*" in text and "written by clipdesk" in text


@pytest.mark.parametrize("args, message", [
    (["--keep", "top:0", "--write-keywords", "embedded"], "top:N"),
    (["--dry-run", "--out", "x.csv"], "--dry-run"),
    ([], "--write-keywords"),
    (["--write-keywords", "inside"], "invalid choice"),
])
def test_usage_errors_are_caught_before_any_work(cli, shoot, tiny_vit_path, args, message):
    before = folder_hashes(shoot)
    run = cli("label", shoot, "--labels", "cat", "--model", tiny_vit_path, *args)
    assert run.code == 2 and message in run.err and folder_hashes(shoot) == before


def test_undo_of_a_file_that_is_not_a_log_says_so(cli, tmp_path):
    other = tmp_path / "notes.jsonl"
    other.write_text("hello\n")
    run = cli("keywords", "undo", other)
    assert run.code == 2 and "change log" in run.err


def test_without_exiftool_the_reason_and_the_install_hint_are_given(cli, shoot, tiny_vit_path, monkeypatch,
                                                                    tmp_path):
    monkeypatch.setenv("CLIPDESK_EXIFTOOL", str(tmp_path / "no-such-exiftool"))
    run = cli("label", shoot, "--labels", "cat", "--model", tiny_vit_path, "--write-keywords", "embedded")
    assert run.code == 2 and "ExifTool was not found" in run.err and "apt install" in run.err


def test_results_files_say_which_labels_each_photo_keeps(cli, shoot, tiny_vit_path, tmp_path):
    import csv

    expected = expected_keep(tiny_vit_path, shoot, "min:0.2")
    for out in (tmp_path / "r.csv", tmp_path / "r.json"):
        run = cli("label", shoot, "--labels", ",".join(LABELS), "--model", tiny_vit_path, "--keep", "min:0.2",
                  "--out", out)
        assert run.code == 1, run.err
    with open(tmp_path / "r.csv", encoding="utf-8", newline="") as stream:
        rows = {Path(r["path"]).name: r for r in csv.DictReader(stream)}
    document = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    by_name = {Path(r["path"]).name: r for r in document["results"]}
    assert document["keep"] == "min:0.2"
    for name, kept in expected.items():
        assert rows[name]["kept"] == "|".join(kept) and by_name[name]["kept"] == list(kept)
    assert rows["broken.jpg"]["kept"] == "" and by_name["broken.jpg"]["kept"] == []
    plain = cli("label", shoot, "--labels", "cat", "--model", tiny_vit_path, "--out", tmp_path / "p.csv")
    assert plain.code == 1 and "kept" not in (tmp_path / "p.csv").read_text(encoding="utf-8").splitlines()[0]
