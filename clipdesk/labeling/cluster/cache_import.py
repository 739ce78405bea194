"""Embeddings from a cluster run into the local image cache, so the window re-ranks the archive
without encoding a photo.

Each row carries the cache key its model files embeddings under (weights hash, family, precision,
preprocessing version) and the photo's content hash, so the imported vectors land exactly where a
local run of the same model looks. The vectors are stored in the dtype the model computed them in
(float32 in Parquet holds bf16 and f16 values exactly).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from clipdesk.labeling.cluster.output import part_files
from clipdesk.labeling.embedding_cache import ImageEmbeddingCache

COLUMNS = ("content_hash", "embedding", "embedding_dtype", "embedding_key")
_DTYPES = frozenset({"float32", "float16", "bfloat16", "float64"})


class ImportError_(ValueError):
    """The folder holds no cluster results with embeddings (the message says what to do)."""


@dataclass(frozen=True)
class ImportResult:
    imported: int  # embeddings stored in the cache
    without_embedding: int  # rows with none (failed photos, skipped rows)
    models: tuple[str, ...]  # cache keys they were filed under


def import_embeddings(folder: Path, cache: ImageEmbeddingCache,
                      on_progress: Callable[[int, int], None] | None = None, batch_rows: int = 2048) -> ImportResult:
    """Store every embedding in ``folder``'s parts in ``cache``, a batch at a time (memory stays flat)."""
    import pyarrow.parquet as pq
    import torch

    parts = part_files(folder)
    if not parts:
        raise ImportError_(f"{folder} holds no results of `clipdesk label --on ray` (no part-*.parquet files)")
    files = [pq.ParquetFile(part) for part in parts]
    if not any("embedding" in f.schema_arrow.names for f in files):
        raise ImportError_(f"{folder} was written without embeddings: label again with --embeddings "
                           "(photos already done are skipped only when their rows have embeddings)")
    total = sum(f.metadata.num_rows for f in files)
    done = imported = missing = 0
    keys: dict[str, None] = {}
    for parquet in files:
        if "embedding" not in parquet.schema_arrow.names:
            missing += parquet.metadata.num_rows
            done += parquet.metadata.num_rows
            continue
        for batch in parquet.iter_batches(batch_size=batch_rows, columns=list(COLUMNS)):
            grouped: dict[str, dict[str, torch.Tensor]] = {}
            columns = [batch.column(name).to_pylist() for name in COLUMNS]
            for digest, vector, dtype, key in zip(*columns):
                if not digest or vector is None or not key or dtype not in _DTYPES:
                    missing += 1
                    continue
                vector32 = torch.tensor(vector, dtype=torch.float32)
                grouped.setdefault(key, {})[digest] = vector32.to(getattr(torch, dtype))
            for key, vectors in grouped.items():
                cache.put_many(key, vectors)
                imported += len(vectors)
                keys[key] = None
            done += batch.num_rows
            if on_progress is not None:
                on_progress(done, total)
    return ImportResult(imported, missing, tuple(keys))
