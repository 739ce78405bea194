"""``clipdesk bench``'s measurements: every figure is there and sane, the reference comparison is a
real oracle (exact mode matches it to 1e-4, fast mode points the same way), random weights of the
right architecture stand in for missing real weights, and cached real weights are used when there.
Speeds are never asserted: only that they were measured."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from clipdesk.bench.inputs import (
    choose_weights,
    typical_labels,
    typical_prompts,
    write_camera_photos,
)
from clipdesk.bench.pipelines import text_memory_peak_mb
from clipdesk.bench.run import BenchOptions, Row, run_benchmark
from clipdesk.clip import precision
from clipdesk.clip.architecture import RELEASED
from tests import photos

REFERENCE_TOLERANCE = 1e-4


@pytest.fixture(scope="module")
def photo_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("bench-photos")
    for name in photos.COLOUR_PHOTOS:
        photos.write_jpeg(folder, name)
    return folder


def options(model: Path, folder: Path, **changes) -> BenchOptions:
    settings = {"model": str(model), "device": "cpu", "precision": "exact", "batch_sizes": (1, 3), "repeats": 1,
                "labels": 6, "images": folder}
    settings.update(changes)
    return BenchOptions(**settings)


def rows_by_key(report) -> dict[str, Row]:
    return {row.key: row for row in report.rows}


def test_exact_mode_measures_every_figure_and_matches_the_reference(tiny_vit_path, photo_folder):
    report = run_benchmark(options(tiny_vit_path, photo_folder, compare_reference=True))
    rows = rows_by_key(report)

    assert set(rows) == {"load", "image_encode_b1", "image_encode_b3", "latency_1", "text_encode_6",
                         "end_to_end", "peak_rss"}
    for row in report.rows:
        assert row.ours > 0 and math.isfinite(row.ours), row
    for key in ("load", "image_encode_b1", "image_encode_b3", "latency_1", "text_encode_6", "end_to_end"):
        assert rows[key].reference is not None and rows[key].reference > 0 and rows[key].ratio > 0, key
    for key in ("image_encode_b1", "image_encode_b3", "text_encode_6"):
        assert rows[key].max_abs_diff <= REFERENCE_TOLERANCE, rows[key]
    assert report.precision == "exact" and report.numerics == "fp32"
    assert not report.random_weights and str(tiny_vit_path) in report.weights
    assert f"top-1 label equal to the reference's for {len(photos.COLOUR_PHOTOS)} of" in " ".join(report.notes)


def test_fast_mode_reports_draft_decoding_and_stays_within_the_cosine_bound(tiny_vit_path, photo_folder,
                                                                            monkeypatch):
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: True)

    report = run_benchmark(options(tiny_vit_path, photo_folder, precision="auto", compare_reference=True))
    rows = rows_by_key(report)

    assert (report.precision, report.numerics) == ("fast", "bf16+fp32")
    assert rows["image_encode_b3"].min_cosine >= 0.9999
    assert rows["text_encode_6"].min_cosine >= 0.9999
    assert 30 < rows["draft_psnr"].ours < math.inf  # the sample photos are many times the 32-px input


def test_without_the_reference_only_clipdesk_is_measured(tiny_vit_path, photo_folder):
    report = run_benchmark(options(tiny_vit_path, photo_folder))

    assert all(row.reference is None and row.ratio is None for row in report.rows)
    json.dumps(report.as_dict())  # --json output is plain data


def test_ratio_is_how_many_times_better_clipdesk_is():
    assert Row("a", "speed", "photos/s", ours=30.0, reference=10.0).ratio == 3.0
    assert Row("b", "time", "s", ours=1.0, reference=4.0, higher_is_better=False).ratio == 4.0
    assert Row("c", "time", "s", ours=1.0).ratio is None


def test_a_model_not_downloaded_is_measured_with_random_weights_of_its_architecture(tmp_path):
    weights = choose_weights("ViT-B/32", tmp_path)

    assert not weights.real and "RANDOM" in weights.description
    import clipdesk.clip as clip

    model, _ = clip.load(weights.path, device="cpu")
    assert (model.config.embed_dim, model.visual.input_resolution, model.config.vision_layers) == (512, 224, 12)
    assert weights.path.stat().st_size > 300e6  # fp16 like OpenAI's 338 MB file, not fp32


def test_cached_real_weights_are_used_when_the_model_is_in_the_cache(tiny_vit_path, tmp_path):
    from clipdesk.clip.model_files import import_weights

    import_weights(tiny_vit_path, name="tiny-vit")

    weights = choose_weights("tiny-vit", tmp_path)

    assert weights.real and weights.path.is_file() and "cached" in weights.description


def test_an_unknown_model_name_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="unknown model 'ViT-Z/99'.*ViT-B/32"):
        choose_weights("ViT-Z/99", tmp_path)


def test_generated_photos_are_distinct_camera_sized_jpegs(tmp_path):
    from PIL import Image

    paths = write_camera_photos(tmp_path, 2, size=(1200, 900))

    with Image.open(paths[0]) as first, Image.open(paths[1]) as second:
        assert first.format == "JPEG" and first.size == (1200, 900)
        assert first.tobytes() != second.tobytes()


def test_typical_labels_are_short_distinct_prompts():
    assert len(set(typical_labels(1000))) == 1000
    assert typical_prompts(2) == ["a photo of a dog.", "a photo of a cat."]
    assert set(RELEASED) >= {"ViT-B/32", "RN50", "ViT-L/14@336px"}


def test_text_memory_is_measured_in_a_fresh_process(tiny_vit_path):
    peak = text_memory_peak_mb(tiny_vit_path, "cpu", "exact", 50, reference=False)

    assert 50 < peak < 4000  # a Python process with torch, well under the 1000-label budget


def test_a_chinese_clip_file_is_benchmarked_with_chinese_prompts(cn_checkpoints, photo_folder):
    report = run_benchmark(options(cn_checkpoints["rn50-rbt3"], photo_folder))
    rows = rows_by_key(report)
    assert {"load", "image_encode_b1", "text_encode_6", "end_to_end"} <= set(rows)
    assert "一张" in rows["text_encode_6"].note and rows["text_encode_6"].ours > 0


@pytest.mark.slow
def test_chinese_clip_is_compared_with_cn_clip_on_the_same_random_release_weights(photo_folder):
    report = run_benchmark(options("CN-CLIP/RN50", photo_folder, compare_reference=True, batch_sizes=(2,)))
    rows = rows_by_key(report)
    assert report.random_weights and "CN-CLIP/RN50" in report.weights
    for key in ("load", "image_encode_b2", "text_encode_6", "end_to_end"):
        assert rows[key].reference is not None and rows[key].ratio > 0, key
    for key in ("image_encode_b2", "text_encode_6"):  # the reference rounds the fp32 weights through fp16
        assert rows[key].min_cosine > 0.9999, rows[key]
