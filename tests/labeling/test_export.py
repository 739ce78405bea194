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
