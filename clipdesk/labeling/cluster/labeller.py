"""What each Ray actor runs: one loaded model labelling batches of photo paths into output rows.

Ray-free on purpose (a plain callable class), so it is tested directly and Ray only schedules it. The
actor reads each photo's bytes itself (local paths or any URI pyarrow reads), hashes them, and skips
the photo when an earlier run already wrote a row for the same path and content; everything else
goes through :meth:`ZeroShotClassifier.rank_contents` -- the local run's preprocessing and scoring.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from clipdesk.defaults import DEFAULT_BATCH_SIZE
from clipdesk.labeling.cluster.output import NO_HASH, rows_table
from clipdesk.labeling.cluster.sources import is_uri
from clipdesk.labeling.embedding_cache import hash_bytes
from clipdesk.labeling.files import describe_error
from clipdesk.labeling.keep_rule import DEFAULT_KEEP_RULE, KeepRule
from clipdesk.labeling.parallel_map import ordered_parallel_map

if TYPE_CHECKING:
    import pyarrow as pa
    import torch

    from clipdesk.labeling.classifier import PhotoContent
    from clipdesk.labeling.predictions import Prediction

SKIPPED_COLUMN = "skipped"  # rows the driver counts as done and does not write


@dataclass(frozen=True)
class ClusterJob:
    """Everything an actor needs to label like the local run would (it is pickled to each actor)."""

    model: str
    labels: tuple[str, ...]
    templates: tuple[str, ...]
    keep: int | None = None  # most probable labels kept per row (None: every label)
    rule: KeepRule = DEFAULT_KEEP_RULE  # which labels a photo gets (the ``kept`` column)
    precision: str = "auto"  # resolved on each actor, for the device it has
    batch_size: int = DEFAULT_BATCH_SIZE
    embeddings: bool = False
    threads: int = 1  # torch and decoding threads per actor
    download_root: str | None = None

    def identity(self) -> dict[str, object]:
        """What makes two runs' rows interchangeable: a rerun into the same folder must match it, else
        photos done under other labels (or another model) would be skipped as if done under these."""
        import hashlib
        import json

        settings = [self.model, list(self.labels), list(self.templates), self.keep, self.rule.text,
                    self.precision, self.embeddings]
        digest = hashlib.sha256(json.dumps(settings, ensure_ascii=False).encode("utf-8")).hexdigest()
        return {"settings_sha256": digest, "model": self.model, "labels": len(self.labels),
                "precision": self.precision, "embeddings": self.embeddings}


class PhotoLabeller:
    """Holds one model for the life of an actor; ``labeller(batch)`` turns a table of ``path`` and
    ``done_hash`` (null: no earlier row) into output rows, plus a ``skipped`` flag per photo."""

    def __init__(self, job: ClusterJob, device: str = "cpu") -> None:
        import torch

        from clipdesk.labeling.classifier import ZeroShotClassifier

        if device == "cpu":
            torch.set_num_threads(job.threads)
        precision = job.precision
        if precision == "auto":
            from clipdesk.clip.precision import default_precision

            precision = default_precision(device)
        self.job = job
        self.classifier = ZeroShotClassifier(job.model, device=device, precision=precision,
                                             download_root=job.download_root, batch_size=job.batch_size,
                                             workers=job.threads)
        self._reader = PhotoReader()

    def __call__(self, batch: pa.Table) -> pa.Table:
        paths = [str(p) for p in batch.column("path").to_pylist()]
        expected = batch.column("done_hash").to_pylist()
        contents = list(ordered_parallel_map(self._reader.read, paths, self.job.threads, 2 * len(paths) or 1))
        skipped = [_already_done(c, e) for c, e in zip(contents, expected)]
        todo = [c for c, skip in zip(contents, skipped) if not skip]
        ranked = self.classifier.rank_contents(todo, self.job.labels, self.job.templates, self.job.keep) if todo else []
        rows = [self._row(content, prediction, embedding)
                for content, (prediction, embedding) in zip(todo, ranked)]
        rows += [_skipped_row(c.path, self.classifier.model_name) for c, skip in zip(contents, skipped) if skip]
        table = rows_table(rows, self.job.embeddings)
        import pyarrow as pa

        flags = [False] * len(todo) + [True] * (len(rows) - len(todo))
        return table.append_column(SKIPPED_COLUMN, pa.array(flags, pa.bool_()))

    def _row(self, content: PhotoContent, prediction: Prediction, embedding: torch.Tensor | None) -> dict[str, Any]:
        ok = prediction.error is None
        row: dict[str, Any] = {
            "path": content.path,
            "content_hash": content.digest,
            "labels": [s.label for s in prediction.scores] if ok else None,
            "probabilities": [s.probability for s in prediction.scores] if ok else None,
            "kept": list(self.job.rule.kept(prediction)) if ok else None,
            "error": prediction.error,
            "model": self.classifier.model_name,
        }
        if self.job.embeddings:
            row["embedding"] = embedding.float().tolist() if embedding is not None else None
            row["embedding_dtype"] = str(embedding.dtype).removeprefix("torch.") if embedding is not None else None
            row["embedding_key"] = self.classifier.embedding_key if embedding is not None else None
        return row


def _already_done(content: PhotoContent, expected: str | None) -> bool:
    """An earlier run has a row for this path and the same content (or it was unreadable then and is now)."""
    if expected is None:
        return False
    return content.digest == expected if content.digest is not None else expected == NO_HASH


def _skipped_row(path: str, model: str) -> dict[str, Any]:
    return {"path": path, "model": model}


class PhotoReader:
    """Reads a photo's bytes from a local path or a URI (one pyarrow filesystem per scheme and host)."""

    def __init__(self) -> None:
        self._filesystems: dict[str, Any] = {}
        self._lock = threading.Lock()

    def read(self, path: str) -> PhotoContent:
        from clipdesk.labeling.classifier import PhotoContent

        try:
            data = self._read_uri(path) if is_uri(path) else _read_local(path)
        except Exception as error:  # noqa: BLE001 - an unreadable photo is a row with its reason
            return PhotoContent(path, error=describe_error(error))
        return PhotoContent(path, data=data, digest=hash_bytes(data))

    def _read_uri(self, uri: str) -> bytes:
        from pyarrow import fs

        root = uri.split("://", 1)[0] + "://" + uri.split("://", 1)[1].split("/", 1)[0]
        with self._lock:
            filesystem = self._filesystems.get(root)
            if filesystem is None:
                filesystem = self._filesystems[root] = fs.FileSystem.from_uri(uri)[0]
        path = fs.FileSystem.from_uri(uri)[1] if root.startswith("file://") else uri.split("://", 1)[1]
        info = filesystem.get_file_info(path)
        if info.type == fs.FileType.NotFound:
            raise FileNotFoundError(path)
        if info.type == fs.FileType.Directory:
            raise IsADirectoryError(path)
        with filesystem.open_input_stream(path) as stream:
            return bytes(stream.read())


def _read_local(path: str) -> bytes:
    """The file's bytes; refuses a FIFO or device (reading one could wait forever)."""
    from clipdesk.labeling.embedding_cache import regular_file_stat

    if os.path.isdir(path):
        raise IsADirectoryError(path)
    regular_file_stat(path)
    with open(path, "rb") as handle:
        return handle.read()


def label_paths(labeller: PhotoLabeller, paths: Sequence[str]) -> pa.Table:
    """Label ``paths`` with no earlier rows (a helper for tests and benchmarks)."""
    import pyarrow as pa

    return labeller(pa.table({"path": pa.array(list(paths), pa.string()),
                              "done_hash": pa.array([None] * len(paths), pa.string())}))
