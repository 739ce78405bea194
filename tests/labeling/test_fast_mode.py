"""The classifier's precision="fast" (bf16 products where native, draft JPEG decoding): the same top
label for every photo as exact mode, probabilities close to it, and never an exact-mode answer
taken from a fast-mode cache entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from clipdesk.clip import precision
from clipdesk.labeling import ImageEmbeddingCache, ZeroShotClassifier
from tests import photos
from tests.labeling.test_classifier import EncodeCounter, _as_matrix

LABELS = ["dog", "cat", "red envelope", "receipt", "a rocket on its launch pad", "coffee", "an astronaut",
          "a diagram", "a street at night"]


@pytest.fixture(autouse=True)
def native_bf16(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fast mode's bf16 path on any CPU (emulated where not native: slower, same numbers)."""
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: True)


@pytest.fixture
def camera_photos(tmp_path: Path) -> list[Path]:
    """JPEGs many times the tiny model's 32-px input, so draft decoding applies, and a PNG."""
    paths = [photos.write_jpeg(tmp_path, name) for name in photos.COLOUR_PHOTOS]
    paths.append(photos.write_jpeg(tmp_path, "astronaut", orientation=6))
    paths.append(photos.write_grey_jpeg(tmp_path))
    paths.append(photos.write_png(tmp_path, "coffee", "RGBA"))
    return paths


def test_fast_mode_gives_every_photo_the_same_top_label_as_exact_mode(tiny_vit_path, camera_photos):
    exact = ZeroShotClassifier(tiny_vit_path, device="cpu").rank(camera_photos, LABELS)
    fast_classifier = ZeroShotClassifier(tiny_vit_path, device="cpu", precision="fast")
    fast = fast_classifier.rank(camera_photos, LABELS)

    assert precision.describe(fast_classifier.model) == "bf16+fp32"
    assert all(p.ok for p in exact + fast)
    assert [p.top.label for p in fast] == [p.top.label for p in exact]
    # within 3 percentage points (the tiny model's 32-px input magnifies draft-decoding differences)
    assert (_as_matrix(fast, LABELS) - _as_matrix(exact, LABELS)).abs().max().item() < 0.03
    assert len({p.top.label for p in exact}) > 1  # the labels really compete


def test_exact_mode_never_reuses_embeddings_computed_in_fast_mode(tiny_vit_path, camera_photos, tmp_path):
    cache_file = tmp_path / "cache.sqlite3"
    ZeroShotClassifier(tiny_vit_path, device="cpu", precision="fast",
                       image_cache=ImageEmbeddingCache(cache_file)).rank(camera_photos, LABELS)

    exact = ZeroShotClassifier(tiny_vit_path, device="cpu", image_cache=ImageEmbeddingCache(cache_file))
    counter = EncodeCounter(exact.model)
    cached_run = exact.rank(camera_photos, LABELS)

    assert counter.images == len(camera_photos)
    uncached = ZeroShotClassifier(tiny_vit_path, device="cpu").rank(camera_photos, LABELS)
    assert _as_matrix(cached_run, LABELS).tolist() == _as_matrix(uncached, LABELS).tolist()


def test_fast_mode_reports_broken_files_like_exact_mode(tiny_vit_path, camera_photos, tmp_path):
    broken = [photos.write_truncated_jpeg(tmp_path / "bad"), photos.write_text_as_image(tmp_path / "bad")]

    exact = ZeroShotClassifier(tiny_vit_path, device="cpu").rank(broken + camera_photos[:1], LABELS)
    fast = ZeroShotClassifier(tiny_vit_path, device="cpu", precision="fast").rank(broken + camera_photos[:1],
                                                                                   LABELS)

    assert [p.error for p in fast] == [p.error for p in exact]
    assert fast[0].error and fast[1].error and fast[2].ok
