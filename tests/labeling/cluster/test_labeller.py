"""What each Ray actor computes equals the local run: same labels, same probabilities, same errors for
broken photos -- read from a path or from a URI -- and a photo already done is skipped."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from clipdesk.labeling import ZeroShotClassifier
from clipdesk.labeling.cluster.labeller import SKIPPED_COLUMN, ClusterJob, PhotoLabeller, label_paths
from clipdesk.labeling.cluster.output import NO_HASH
from clipdesk.labeling.embedding_cache import hash_file
from clipdesk.labeling.keep_rule import parse_keep_rule
from tests import photos as sample_photos

LABELS = ("dog", "cat", "red envelope", "receipt")


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("mixed-for-actors")
    files = sample_photos.write_all(folder)
    return sorted(p for p in files.values() if p.is_file() and p.stat().st_size < 5_000_000)


def _job(model: Path, **options) -> ClusterJob:
    return ClusterJob(model=str(model), labels=LABELS, templates=("a photo of a {}.",), precision="exact",
                      batch_size=3, **options)


def test_rows_equal_the_local_run_for_good_and_broken_photos(tiny_vit_path: Path, mixed: list[Path]) -> None:
    local = ZeroShotClassifier(tiny_vit_path, device="cpu", precision="exact", batch_size=5)
    expected = {p.path: p for p in local.rank([str(p) for p in mixed], LABELS, ["a photo of a {}."])}
    rule = parse_keep_rule("top:2")
    table = label_paths(PhotoLabeller(_job(tiny_vit_path, rule=rule)), [str(p) for p in mixed])
    rows = {row["path"]: row for row in table.to_pylist()}
    assert set(rows) == set(expected) and not any(table.column(SKIPPED_COLUMN).to_pylist())
    assert any(p.error for p in expected.values()) and any(not p.error for p in expected.values())
    for path, prediction in expected.items():
        row = rows[path]
        assert row["error"] == prediction.error
        if prediction.error:
            assert row["labels"] is None and row["kept"] is None
            continue
        assert row["labels"] == [s.label for s in prediction.scores]
        assert row["probabilities"] == pytest.approx([s.probability for s in prediction.scores], abs=1e-6)
        assert row["kept"] == list(rule.kept(prediction))
        assert row["content_hash"] == hash_file(path)


def test_photos_read_through_a_uri_get_the_same_numbers(tiny_vit_path: Path, mixed: list[Path]) -> None:
    labeller = PhotoLabeller(_job(tiny_vit_path))
    good = [p for p in mixed if p.suffix == ".jpg"][:3]
    by_path = label_paths(labeller, [str(p) for p in good]).to_pylist()
    by_uri = label_paths(labeller, [p.as_uri() for p in good] + [(good[0].parent / "gone.jpg").as_uri()]).to_pylist()
    for path_row, uri_row in zip(by_path, by_uri):
        assert uri_row["labels"] == path_row["labels"]
        assert uri_row["probabilities"] == pytest.approx(path_row["probabilities"], abs=1e-6)
        assert uri_row["content_hash"] == path_row["content_hash"]
    assert by_uri[-1]["error"] == "not found"


def test_a_photo_with_the_same_content_as_its_earlier_row_is_skipped(tiny_vit_path: Path, tmp_path: Path) -> None:
    same = sample_photos.write_jpeg(tmp_path, "rocket")
    edited = sample_photos.write_jpeg(tmp_path, "coffee")
    missing = tmp_path / "missing.jpg"
    labeller = PhotoLabeller(_job(tiny_vit_path))
    batch = pa.table({"path": [str(same), str(edited), str(missing)],
                      "done_hash": [hash_file(same), "0" * 64, NO_HASH]})
    rows = labeller(batch).to_pylist()
    skipped = {row["path"] for row in rows if row[SKIPPED_COLUMN]}
    assert skipped == {str(same), str(missing)}  # unchanged, and still unreadable: already in the output
    (labelled,) = [row for row in rows if not row[SKIPPED_COLUMN]]
    assert labelled["path"] == str(edited) and labelled["content_hash"] == hash_file(edited)
