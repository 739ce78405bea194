"""Results are written while the run goes: memory stays that of one batch, a run killed outright leaves
the photos done in a file named as incomplete, and the target is only ever replaced whole."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from clipdesk.labeling.predictions import LabelScore, Prediction
from clipdesk.labeling.results_file import NOT_LABELLED, ResultsFile

LABELS = ("dog", "cat", "bird")


def prediction(name: str, scores: tuple[tuple[str, float], ...] = (("cat", 0.6), ("dog", 0.3), ("bird", 0.1))
               ) -> Prediction:
    return Prediction(name, tuple(LabelScore(label, p) for label, p in scores))


def partials(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.partial"))


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_rows_reach_the_disk_as_they_are_added_and_the_target_only_at_the_end(tmp_path: Path, suffix: str) -> None:
    target = tmp_path / f"results{suffix}"
    target.write_text("yesterday's results\n")
    results = ResultsFile(target, LABELS, ("a photo of a {}.",), "ViT-B/32")
    results.add([prediction("a.jpg"), prediction("b.jpg")])
    [partial] = partials(tmp_path)
    assert partial.name.startswith(f"results{suffix}.")
    assert "a.jpg" in partial.read_text() and "b.jpg" in partial.read_text()  # flushed, not buffered
    assert target.read_text() == "yesterday's results\n"
    results.add([prediction("c.jpg")])
    assert results.finish() == target
    assert partials(tmp_path) == [] and results.finished
    assert "c.jpg" in target.read_text()


def test_a_finished_json_document_is_strict_json_marked_complete(tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    with ResultsFile(target, LABELS, ("{}",), "RN50") as results:
        results.add([prediction("a.jpg"), Prediction.failed("bad.jpg", "truncated or corrupt")])
        results.finish()
    document = json.loads(target.read_text(), parse_constant=lambda name: pytest.fail(name))
    assert document["complete"] is True and document["not_labelled"] == []
    assert document["labels"] == list(LABELS) and document["model"] == "RN50"
    assert [r["path"] for r in document["results"]] == ["a.jpg", "bad.jpg"]
    assert document["results"][1]["error"] == "truncated or corrupt"


def test_an_empty_run_still_writes_a_valid_document(tmp_path: Path) -> None:
    with ResultsFile(tmp_path / "r.json", LABELS, ("{}",), "RN50") as results:
        results.finish()
    assert json.loads((tmp_path / "r.json").read_text())["results"] == []


def test_a_stopped_run_lists_the_photos_it_did_not_reach(tmp_path: Path) -> None:
    with ResultsFile(tmp_path / "r.json", LABELS, ("{}",), "RN50") as results:
        results.add([prediction("a.jpg")])
        results.finish(not_labelled=["b.jpg", "c.jpg"])
    document = json.loads((tmp_path / "r.json").read_text())
    assert document["complete"] is False and document["not_labelled"] == ["b.jpg", "c.jpg"]

    with ResultsFile(tmp_path / "r.csv", LABELS, ("{}",), "RN50") as results:
        results.add([prediction("a.jpg")])
        results.finish(not_labelled=["b.jpg"])
    rows = list(csv.DictReader((tmp_path / "r.csv").open(encoding="utf-8", newline="")))
    assert [(r["path"], r["error"]) for r in rows] == [("a.jpg", ""), ("b.jpg", NOT_LABELLED)]


def test_a_failed_write_leaves_the_old_results_and_no_half_file(tmp_path: Path) -> None:
    target = tmp_path / "r.csv"
    target.write_text("old\n")
    with pytest.raises(OSError):
        with ResultsFile(target, LABELS, ("{}",), "RN50") as results:
            results.add([prediction("a.jpg")])
            raise OSError(28, "No space left on device")
    assert target.read_text() == "old\n" and partials(tmp_path) == []


def test_an_interrupt_keeps_the_partial_file_with_every_row_added(tmp_path: Path) -> None:
    target = tmp_path / "r.csv"
    with pytest.raises(KeyboardInterrupt):
        with ResultsFile(target, LABELS, ("{}",), "RN50") as results:
            results.add([prediction("a.jpg"), prediction("b.jpg")])
            raise KeyboardInterrupt
    assert not target.exists()
    [partial] = partials(tmp_path)
    rows = list(csv.DictReader(partial.open(encoding="utf-8", newline="")))
    assert [r["path"] for r in rows] == ["a.jpg", "b.jpg"]


def test_top_k_results_use_the_ranked_layout(tmp_path: Path) -> None:
    with ResultsFile(tmp_path / "r.csv", LABELS, ("{}",), "RN50", keep=2) as results:
        results.add([prediction("a.jpg", (("cat", 0.6), ("dog", 0.3)))])
        results.finish()
    with (tmp_path / "r.csv").open(encoding="utf-8", newline="") as stream:
        header, row = list(csv.reader(stream))
    assert header == ["path", "top_label", "top_probability", "label_2", "probability_2", "error"]
    assert row[0:2] == ["a.jpg", "cat"] and row[3] == "dog"
    assert (float(row[2]), float(row[4]), row[5]) == (0.6, 0.3, "")


def test_other_suffixes_are_refused_before_anything_is_created(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\.csv or \.json"):
        ResultsFile(tmp_path / "r.txt", LABELS, ("{}",), "RN50")
    assert list(tmp_path.iterdir()) == []
