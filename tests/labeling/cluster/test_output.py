"""The Parquet folder survives kills: only whole parts count, leftovers go, a damaged part is set aside
(never deleted) and its photos are done again, and the newest row of an edited photo wins."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from clipdesk.labeling.cluster.output import (
    NO_HASH,
    PartWriter,
    latest_rows,
    part_files,
    read_done,
    remove_leftovers,
    rows_table,
)


def _rows(*items: tuple[str, str | None]) -> list[dict]:
    return [{"path": path, "content_hash": digest, "labels": ["a"], "probabilities": [1.0], "kept": ["a"],
             "error": None if digest else "not found", "model": "m"} for path, digest in items]


def test_parts_are_whole_and_reruns_know_what_is_done(tmp_path: Path) -> None:
    out = tmp_path / "out.parquet"
    writer = PartWriter(out, with_embeddings=False)
    writer.write([rows_table(_rows(("/p/1.jpg", "h1"), ("/p/2.jpg", None)), False)])
    assert writer.write([]) is None  # nothing to write: no empty part
    (out / ".writing-part-killed.parquet").write_bytes(b"PAR1 half a file")
    assert len(part_files(out)) == 1
    done = read_done(out)
    assert done.hashes == {"/p/1.jpg": "h1", "/p/2.jpg": NO_HASH} and done.warnings == []
    remove_leftovers(out)
    assert sorted(p.name for p in out.iterdir()) == [p.name for p in part_files(out)]


def test_a_damaged_part_is_renamed_and_its_photos_labelled_again(tmp_path: Path) -> None:
    out = tmp_path / "out.parquet"
    PartWriter(out, False).write([rows_table(_rows(("/p/1.jpg", "h1")), False)])
    broken = out / "part-00000000T000000-broken-000000.parquet"
    broken.write_bytes(b"not parquet at all")
    done = read_done(out)
    assert done.hashes == {"/p/1.jpg": "h1"}
    assert "could not be read" in done.warnings[0]
    assert (out / (broken.name + ".damaged")).read_bytes() == b"not parquet at all"


def test_the_newest_row_of_a_photo_edited_between_runs_wins(tmp_path: Path) -> None:
    out = tmp_path / "out.parquet"
    PartWriter(out, False).write([rows_table(_rows(("/p/1.jpg", "old"), ("/p/2.jpg", "h2")), False)])
    PartWriter(out, False).write([rows_table(_rows(("/p/1.jpg", "new")), False)])
    rows = [r for batch in latest_rows(out, ["content_hash"]) for r in batch.to_pylist()]
    assert sorted((r["path"], r["content_hash"]) for r in rows) == [("/p/1.jpg", "new"), ("/p/2.jpg", "h2")]
    assert str(pq.read_table(part_files(out)[0]).schema.field("probabilities").type) == "list<element: double>"
