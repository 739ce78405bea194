"""Embeddings a cluster run wrote land where the local cache looks: re-ranking encodes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from clipdesk.labeling import ImageEmbeddingCache, ZeroShotClassifier
from clipdesk.labeling.cluster.cache_import import ImportError_, import_embeddings
from clipdesk.labeling.cluster.labeller import SKIPPED_COLUMN, ClusterJob, PhotoLabeller, label_paths
from clipdesk.labeling.cluster.output import PartWriter
from tests.labeling.conftest import make_photos


def _write_run(out: Path, model: Path, paths: list[str], embeddings: bool, precision: str = "exact") -> None:
    job = ClusterJob(model=str(model), labels=("a", "b"), templates=("{}",), precision=precision,
                     embeddings=embeddings)
    table = label_paths(PhotoLabeller(job), paths).drop_columns([SKIPPED_COLUMN])
    PartWriter(out, embeddings).write([table])


@pytest.mark.parametrize("precision", ["exact", "fast"])
def test_imported_embeddings_make_a_local_rerank_encode_nothing(tiny_vit_path: Path, tmp_path: Path,
                                                                precision: str) -> None:
    photos = [str(p) for p in make_photos(tmp_path / "photos", 5)]
    (tmp_path / "photos" / "broken.jpg").write_bytes(b"\xff\xd8 not really")
    out = tmp_path / "run.parquet"
    _write_run(out, tiny_vit_path, [*photos, str(tmp_path / "photos" / "broken.jpg")], True, precision)
    with ImageEmbeddingCache(tmp_path / "cache.sqlite3") as cache:
        result = import_embeddings(out, cache)
        assert (result.imported, result.without_embedding) == (5, 1)
        classifier = ZeroShotClassifier(tiny_vit_path, device="cpu", precision=precision, image_cache=cache)
        encoded: list[int] = []
        encode = classifier.labeling_model.encode_images
        classifier.labeling_model.encode_images = lambda pixels: encoded.append(len(pixels)) or encode(pixels)
        ranked = classifier.rank(photos, ["sunset", "receipt", "cat"])
    assert encoded == [] and all(p.error is None for p in ranked)
    fresh_classifier = ZeroShotClassifier(tiny_vit_path, device="cpu", precision=precision)
    fresh = fresh_classifier.rank(photos, ["sunset", "receipt", "cat"])
    for imported, computed in zip(ranked, fresh):
        assert [s.label for s in imported.scores] == [s.label for s in computed.scores]
        assert [s.probability for s in imported.scores] == pytest.approx([s.probability for s in computed.scores],
                                                                         abs=1e-6)


def test_a_run_without_embeddings_says_how_to_get_them(tiny_vit_path: Path, tmp_path: Path) -> None:
    photos = [str(p) for p in make_photos(tmp_path / "photos", 2)]
    out = tmp_path / "run.parquet"
    _write_run(out, tiny_vit_path, photos, embeddings=False)
    with ImageEmbeddingCache(tmp_path / "cache.sqlite3") as cache, pytest.raises(ImportError_, match="--embeddings"):
        import_embeddings(out, cache)
    with ImageEmbeddingCache(tmp_path / "cache.sqlite3") as cache, pytest.raises(ImportError_, match="no results"):
        import_embeddings(tmp_path / "photos", cache)
