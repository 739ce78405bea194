"""CSV and JSON exports: the documented columns and keys, readable by standard parsers, atomic."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest

from clipdesk.labeling import export
from clipdesk.labeling.export import write_csv, write_json, write_results
from clipdesk.labeling.predictions import LabelScore, Prediction

LABELS = ("dog", "猫", "a, \"quoted\" label")
OK = Prediction("photos/a.jpg", (LabelScore("猫", 0.7), LabelScore("dog", 0.2999999), LabelScore(LABELS[2], 1e-7)))
BAD = Prediction.failed("photos/b.jpg", "truncated or damaged image")


def test_csv_header_rows_and_error_column(tmp_path: Path) -> None:
    target = write_csv(tmp_path / "out.csv", [OK, BAD], LABELS)
    with open(target, encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream))
    assert rows[0] == ["path", "top_label", "top_probability", *LABELS, "error"]
    assert rows[1] == ["photos/a.jpg", "猫", "0.700000", "0.300000", "0.700000", "0.000000", ""]
    assert rows[2] == ["photos/b.jpg", "", "", "", "", "", "truncated or damaged image"]
    assert len(rows) == 3


def test_csv_probabilities_are_plain_decimals(tmp_path: Path) -> None:
    tiny = Prediction("x.png", (LabelScore("dog", 1 - 1e-9), LabelScore("猫", 1e-9), LabelScore(LABELS[2], 0.0)))
    text = (write_csv(tmp_path / "o.csv", [tiny], LABELS)).read_text(encoding="utf-8")
    assert "e-" not in text
    row = list(csv.DictReader(text.splitlines()))[0]
    assert float(row["dog"]) == pytest.approx(1.0) and float(row["猫"]) == 0.0


def test_json_document_shape(tmp_path: Path) -> None:
    target = write_json(tmp_path / "out.json", [OK, BAD], LABELS, ["a photo of a {}.", "{}"], "ViT-B/32")
    document = json.loads(target.read_text(encoding="utf-8"))
    assert document["model"] == "ViT-B/32"
    assert document["templates"] == ["a photo of a {}.", "{}"]
    assert document["labels"] == list(LABELS)
    first, second = document["results"]
    assert first == {"path": "photos/a.jpg", "error": None, "predictions": [
        {"label": "猫", "probability": 0.7}, {"label": "dog", "probability": 0.2999999},
        {"label": LABELS[2], "probability": 1e-7}]}
    assert second == {"path": "photos/b.jpg", "predictions": [], "error": "truncated or damaged image"}


def test_write_results_picks_format_by_suffix_and_refuses_others(tmp_path: Path) -> None:
    assert write_results(tmp_path / "r.CSV", [OK], LABELS, ["{}"], "m").read_text().startswith("path,")
    assert json.loads(write_results(tmp_path / "r.json", [OK], LABELS, ["{}"], "m").read_text())["model"] == "m"
    with pytest.raises(ValueError, match=r"\.csv or \.json"):
        write_results(tmp_path / "r.txt", [OK], LABELS, ["{}"], "m")


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temp(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.csv"
    target.write_text("previous results\n")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export.os, "replace", broken_replace)
    with pytest.raises(OSError, match="No space"):
        write_csv(target, [OK], LABELS)
    assert target.read_text() == "previous results\n"
    assert os.listdir(tmp_path) == ["out.csv"]


def test_new_export_is_an_ordinary_readable_file(tmp_path: Path) -> None:
    target = write_csv(tmp_path / "out.csv", [OK], LABELS)
    old_mask = os.umask(0o022)
    os.umask(old_mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~old_mask


@pytest.mark.parametrize("name", ["two\rrows.jpg", "line\nbreak.jpg", "cr\r\nlf.jpg", "sep\u2028arator.jpg"])
def test_a_line_break_in_a_file_name_keeps_one_row_per_photo(tmp_path: Path, name: str) -> None:
    photos = [Prediction(f"photos/{name}", OK.scores), Prediction("photos/next.jpg", OK.scores), BAD]
    target = write_csv(tmp_path / "out.csv", photos, LABELS)
    with open(target, encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert [row["path"] for row in rows] == [f"photos/{name}", "photos/next.jpg", "photos/b.jpg"]


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_cells_a_spreadsheet_would_run_as_formulas_are_written_as_text(tmp_path: Path, cell: str) -> None:
    prediction = Prediction(f"{cell}.jpg", (LabelScore(cell, 0.6), LabelScore("dog", 0.4)))
    failed = Prediction.failed(f"{cell}-bad.jpg", f"{cell} error")
    target = write_csv(tmp_path / "out.csv", [prediction, failed], (cell, "dog"))
    with open(target, encoding="utf-8", newline="") as stream:
        header, row, bad = list(csv.reader(stream))
    assert header[3] == "'" + cell and row[0] == f"'{cell}.jpg" and row[1] == "'" + cell
    assert row[2] == "0.600000" and bad[0] == f"'{cell}-bad.jpg" and bad[-1] == f"'{cell} error"


def test_ordinary_cells_and_numbers_are_written_as_they_are(tmp_path: Path) -> None:
    prediction = Prediction("photos/a-b.jpg", (LabelScore("dog", 0.5), LabelScore("猫", 0.5)))
    text = write_csv(tmp_path / "out.csv", [prediction], ("dog", "猫")).read_text(encoding="utf-8")
    assert "'" not in text and "photos/a-b.jpg,dog,0.500000" in text


def test_an_export_to_a_symbolic_link_writes_through_to_its_target(tmp_path: Path) -> None:
    real = tmp_path / "shared" / "results.csv"
    real.parent.mkdir()
    real.write_text("old\n")
    link = tmp_path / "results.csv"
    link.symlink_to(real)
    write_csv(link, [OK], LABELS)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text(encoding="utf-8").startswith("path,top_label")
    assert sorted(p.name for p in real.parent.iterdir()) == ["results.csv"]  # no temp file left


def test_json_never_holds_nan_which_strict_parsers_reject(tmp_path: Path) -> None:
    broken = Prediction("x.jpg", (LabelScore("dog", float("nan")), LabelScore("cat", 0.5)))
    target = write_json(tmp_path / "out.json", [broken], ["dog", "cat"], ["{}"], "m")
    text = target.read_text(encoding="utf-8")
    assert "NaN" not in text
    json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in JSON"))
