"""A cluster run's output: a folder of Parquet part files, each written whole or not at all.

Each part is written under a hidden temporary name and renamed into place, so a job killed at any
moment leaves only complete parts (pyarrow and Ray skip hidden ``.``-names when reading the folder);
the next run removes such leftovers. A rerun reads which photos are done -- path and content hash --
and labels only the rest, so every photo ends up in the output once. Only a photo whose content
changed between runs gets a second row (with the new hash); :func:`latest_rows` keeps the newest.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

PART_PREFIX = "part-"
PART_SUFFIX = ".parquet"
TEMPORARY_PREFIX = ".writing-"
NO_HASH = ""  # in a "done" map: the photo has a row, but its bytes could not be read


def schema(with_embeddings: bool) -> pa.Schema:
    """The columns of every part file (embedding columns only when ``--embeddings`` was asked)."""
    import pyarrow as pa

    fields = [
        pa.field("path", pa.string(), nullable=False),
        pa.field("content_hash", pa.string()),  # SHA-256 of the photo's bytes; null when unreadable
        pa.field("labels", pa.list_(pa.string())),  # most probable first
        pa.field("probabilities", pa.list_(pa.float64())),  # of ``labels``, over every label given
        pa.field("kept", pa.list_(pa.string())),  # what the keep rule gives the photo
        pa.field("error", pa.string()),  # why the photo failed; null when labelled
        pa.field("model", pa.string(), nullable=False),
    ]
    if with_embeddings:
        fields += [
            pa.field("embedding", pa.list_(pa.float32())),  # the raw image features (exact for bf16/f16)
            pa.field("embedding_dtype", pa.string()),  # the dtype the model computed them in
            pa.field("embedding_key", pa.string()),  # where the local image cache files them
        ]
    return pa.schema(fields)


def part_files(folder: Path) -> list[Path]:
    """The complete part files, oldest run first (names start with the run's time)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.name.startswith(PART_PREFIX) and p.name.endswith(PART_SUFFIX))


@dataclass
class DoneRows:
    """What an earlier run wrote: ``hashes[path]`` is the content hash of its newest row (NO_HASH when
    it could not be read); ``warnings`` name part files that were set aside as unreadable."""

    hashes: dict[str, str] = field(default_factory=dict)
    failed: set[str] = field(default_factory=set)  # paths whose newest row is a failure
    warnings: list[str] = field(default_factory=list)
    with_embeddings: bool | None = None  # None: no earlier rows


def read_done(folder: Path) -> DoneRows:
    """Paths and hashes already in ``folder``; a part that cannot be read is renamed ``….damaged``
    (kept, never deleted) and its photos are labelled again."""
    import pyarrow.parquet as pq

    done = DoneRows()
    for part in part_files(folder):
        try:
            table = pq.read_table(part, columns=["path", "content_hash", "error"])
            names = pq.read_schema(part).names
        except Exception as error:  # noqa: BLE001 - a damaged file must not stop the rerun
            aside = part.with_name(part.name + ".damaged")
            os.replace(part, aside)
            done.warnings.append(f"{part} could not be read ({error}); renamed to {aside.name}, and its "
                                 "photos are labelled again")
            continue
        done.with_embeddings = bool(done.with_embeddings) or "embedding" in names
        columns = (table.column(name).to_pylist() for name in ("path", "content_hash", "error"))
        for path, digest, failure in zip(*columns):
            done.hashes[path] = digest or NO_HASH
            if failure is None:
                done.failed.discard(path)
            else:
                done.failed.add(path)
    return done


def remove_leftovers(folder: Path) -> None:
    """Delete temporary files of a run that was killed while writing a part."""
    if folder.is_dir():
        for leftover in folder.glob(TEMPORARY_PREFIX + "*"):
            leftover.unlink(missing_ok=True)


JOB_METADATA_KEY = b"clipdesk.job"


def job_of(folder: Path) -> dict[str, Any] | None:
    """The job identity stored with the newest readable part (see ``ClusterJob.identity``), or None
    when the folder holds no part (or parts from before identities were stored)."""
    import json

    import pyarrow.parquet as pq

    for part in reversed(part_files(folder)):
        try:
            metadata = pq.read_schema(part).metadata or {}
        except Exception:  # noqa: BLE001 - a damaged part: read_done sets it aside
            continue
        if JOB_METADATA_KEY in metadata:
            found: dict[str, Any] = json.loads(metadata[JOB_METADATA_KEY])
            return found
    return None


class PartWriter:
    """Writes tables into ``folder`` as whole part files: ``part-<time>-<run>-<n>.parquet``; ``job``
    (a JSON-able identity of the settings) is stored in each part's schema metadata."""

    def __init__(self, folder: Path, with_embeddings: bool, job: dict[str, Any] | None = None) -> None:
        import json

        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.schema = schema(with_embeddings)
        if job is not None:
            self.schema = self.schema.with_metadata({JOB_METADATA_KEY: json.dumps(job).encode("utf-8")})
        now = time.time_ns()  # to the nanosecond: a later run's parts sort after an earlier one's
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now // 1_000_000_000))
        self._run = f"{stamp}.{now % 1_000_000_000:09d}-{uuid.uuid4().hex[:8]}"
        self._count = 0
        self.rows = 0

    def write(self, tables: Sequence[pa.Table]) -> Path | None:
        """One part file holding ``tables`` (None when they hold no row)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        rows = [t.select(self.schema.names).cast(self.schema) for t in tables if t.num_rows]
        if not rows:
            return None
        table = pa.concat_tables(rows)
        name = f"{PART_PREFIX}{self._run}-{self._count:06d}{PART_SUFFIX}"
        temporary = self.folder / f"{TEMPORARY_PREFIX}{name}"
        try:
            pq.write_table(table, temporary)
            with open(temporary, "rb") as handle:
                os.fsync(handle.fileno())
            os.replace(temporary, self.folder / name)
        finally:
            temporary.unlink(missing_ok=True)
        self._count += 1
        self.rows += table.num_rows
        return self.folder / name


def rows_table(rows: Sequence[dict[str, Any]], with_embeddings: bool) -> pa.Table:
    """Rows (dicts with the schema's columns) as a table of the output's schema."""
    import pyarrow as pa

    return pa.Table.from_pylist(list(rows), schema=schema(with_embeddings))


def latest_rows(folder: Path, columns: Sequence[str] | None = None, batch_rows: int = 4096) -> Iterator[pa.RecordBatch]:
    """Every row of ``folder`` in part order, in batches; for a path with rows from several runs (its
    photo was edited between them) only the newest row is given. Memory: the set of paths."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    parts = part_files(folder)
    newest: dict[str, tuple[int, int]] = {}
    for index, part in enumerate(parts):
        for row, path in enumerate(pq.read_table(part, columns=["path"]).column("path").to_pylist()):
            newest[path] = (index, row)
    wanted = list(columns) if columns is not None else None
    if wanted is not None and "path" not in wanted:
        wanted.append("path")
    for index, part in enumerate(parts):
        offset = 0
        for batch in pq.ParquetFile(part).iter_batches(batch_size=batch_rows, columns=wanted):
            paths = batch.column("path").to_pylist()
            keep = [newest[p] == (index, offset + i) for i, p in enumerate(paths)]
            offset += len(paths)
            yield batch.filter(pa.array(keep)) if not all(keep) else batch
