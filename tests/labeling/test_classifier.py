"""ZeroShotClassifier: the reference recipe exactly, template ensembles, label clean-up, and caches
that keep photos and labels from being encoded twice."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
import torch
from PIL import Image

from clipdesk.labeling import DeviceError, ImageEmbeddingCache, ZeroShotClassifier
from tests.labeling.conftest import make_photos

LABELS = ["dog", "cat", "red envelope", "receipt"]


class EncodeCounter:
    """Wraps a model's encode methods to count how many images / texts they were given."""

    def __init__(self, model: torch.nn.Module) -> None:
        self.images = 0
        self.texts = 0
        self.image_calls = 0
        encode_image, encode_text = model.encode_image, model.encode_text

        def counted_image(pixels: torch.Tensor) -> torch.Tensor:
            self.images += pixels.shape[0]
            self.image_calls += 1
            return encode_image(pixels)

        def counted_text(tokens: torch.Tensor) -> torch.Tensor:
            self.texts += tokens.shape[0]
            return encode_text(tokens)

        model.encode_image = counted_image
        if hasattr(model, "token_embedding"):  # OpenAI's: every way to encode texts embeds their tokens once
            model.token_embedding.register_forward_pre_hook(lambda _, args: self._count_texts(args[0]))
        else:  # Chinese-CLIP's chunked encoding calls encode_text once per chunk
            model.encode_text = counted_text

    def _count_texts(self, tokens: torch.Tensor) -> None:
        self.texts += tokens.shape[0]


def _reference_probabilities(reference_clip, checkpoint: Path, images: list[Path], labels: list[str],
                             templates: list[str]) -> torch.Tensor:
    """OpenAI's README recipe (plus the notebook's ensemble), with OpenAI's own package."""
    model, preprocess = reference_clip.load(str(checkpoint), device="cpu", jit=False)
    with torch.no_grad():
        pixels = torch.stack([preprocess(Image.open(p)) for p in images])
        image_features = model.encode_image(pixels)
        image_features /= image_features.norm(dim=-1, keepdim=True)
        text_features = []
        for label in labels:
            per_template = model.encode_text(reference_clip.tokenize([t.format(label) for t in templates]))
            per_template /= per_template.norm(dim=-1, keepdim=True)
            mean = per_template.mean(dim=0)
            text_features.append(mean / mean.norm())
        text_features = torch.stack(text_features)
        return (model.logit_scale.exp() * image_features @ text_features.T).softmax(dim=-1)


def _as_matrix(predictions, labels: list[str]) -> torch.Tensor:
    return torch.tensor([[p.probability_of(label) for label in labels] for p in predictions])


@pytest.mark.parametrize("family, fmt", [("vit", "torchscript"), ("resnet", "state_dict")])
def test_probabilities_equal_the_reference_recipe(tiny_checkpoints: dict, reference_clip, photos: list[Path],
                                                  family: str, fmt: str) -> None:
    checkpoint = tiny_checkpoints[(family, fmt)]
    classifier = ZeroShotClassifier(checkpoint, device="cpu", batch_size=3)
    predictions = classifier.rank(photos, LABELS)
    assert [p.path for p in predictions] == [str(p) for p in photos]
    got = _as_matrix(predictions, LABELS)
    expected = _reference_probabilities(reference_clip, checkpoint, photos, LABELS, ["a photo of a {}."])
    torch.testing.assert_close(got, expected, atol=2e-6, rtol=1e-5)
    torch.testing.assert_close(got.sum(dim=1), torch.ones(len(photos)), atol=1e-6, rtol=0)


def test_scores_are_sorted_most_probable_first(tiny_vit_path: Path, photos: list[Path]) -> None:
    prediction = ZeroShotClassifier(tiny_vit_path, device="cpu").rank(photos[:1], LABELS)[0]
    probabilities = [s.probability for s in prediction.scores]
    assert probabilities == sorted(probabilities, reverse=True)
    assert prediction.top == prediction.scores[0] and prediction.error is None
    assert sorted(s.label for s in prediction.scores) == sorted(LABELS)


def test_template_ensemble_is_mean_of_unit_text_features_renormalised(tiny_vit_path: Path, reference_clip,
                                                                       photos: list[Path]) -> None:
    templates = ["a photo of a {}.", "a blurry photo of the {}.", "{}"]
    classifier = ZeroShotClassifier(tiny_vit_path, device="cpu")
    got = _as_matrix(classifier.rank(photos, LABELS, templates), LABELS)
    expected = _reference_probabilities(reference_clip, tiny_vit_path, photos, LABELS, templates)
    torch.testing.assert_close(got, expected, atol=2e-6, rtol=1e-5)
    single = _as_matrix(classifier.rank(photos, LABELS, templates[:1]), LABELS)
    assert not torch.allclose(got, single, atol=1e-4)  # the ensemble really changed the text side


def test_bare_placeholder_template_uses_the_raw_label(tiny_vit_path: Path, reference_clip, photos: list[Path]) -> None:
    got = _as_matrix(ZeroShotClassifier(tiny_vit_path, device="cpu").rank(photos, LABELS, ["{}"]), LABELS)
    expected = _reference_probabilities(reference_clip, tiny_vit_path, photos, LABELS, ["{}"])
    torch.testing.assert_close(got, expected, atol=2e-6, rtol=1e-5)


def test_labels_are_cleaned_before_ranking(tiny_vit_path: Path, photos: list[Path]) -> None:
    classifier = ZeroShotClassifier(tiny_vit_path, device="cpu")
    checked = classifier.check_labels([" dog", "", "cat", "dog "])
    assert checked.labels == ("dog", "cat") and len(checked.warnings) == 1
    prediction = classifier.rank(photos[:1], [" dog", "", "cat", "dog "])[0]
    assert sorted(s.label for s in prediction.scores) == ["cat", "dog"]
    with pytest.raises(ValueError, match="no labels"):
        classifier.rank(photos[:1], ["", "   "])


def test_over_long_label_is_truncated_with_a_warning_not_an_error(tiny_vit_path: Path, photos: list[Path]) -> None:
    classifier = ZeroShotClassifier(tiny_vit_path, device="cpu")
    long_label = "a very long description of a red envelope " * 12
    checked = classifier.check_labels(["dog", long_label])
    assert len(checked.warnings) == 1 and "truncated" in checked.warnings[0] and "77" in checked.warnings[0]
    prediction = classifier.rank(photos[:1], ["dog", long_label])[0]
    assert prediction.probability_of(long_label.strip()) is not None
    assert sum(s.probability for s in prediction.scores) == pytest.approx(1.0, abs=1e-6)


def test_only_new_labels_are_encoded(tiny_vit_path: Path, photos: list[Path]) -> None:
    classifier = ZeroShotClassifier(tiny_vit_path, device="cpu")
    counter = EncodeCounter(classifier.model)
    first = classifier.rank(photos[:2], LABELS)
    assert counter.texts == len(LABELS)
    second = classifier.rank(photos[:2], LABELS + ["bicycle"])
    assert counter.texts == len(LABELS) + 1
    classifier.rank(photos[:2], LABELS, ["a photo of a {}.", "{}"])  # other templates: other prompts
    assert counter.texts == len(LABELS) + 1 + 2 * len(LABELS)
    # cached text features give the numbers freshly encoded ones give (batch composition may move
    # the last float bit, nothing more)
    assert second[0].probability_of("dog") < first[0].probability_of("dog")
    fresh = ZeroShotClassifier(tiny_vit_path, device="cpu").rank(photos[:2], LABELS + ["bicycle"])
    torch.testing.assert_close(_as_matrix(fresh, LABELS), _as_matrix(second, LABELS), atol=1e-6, rtol=0)


def test_image_cache_hit_means_no_image_is_encoded_again(tiny_vit_path: Path, photos: list[Path],
                                                         tmp_path: Path) -> None:
    cache_file = tmp_path / "cache.sqlite3"
    classifier = ZeroShotClassifier(tiny_vit_path, device="cpu", image_cache=ImageEmbeddingCache(cache_file))
    counter = EncodeCounter(classifier.model)
    first = classifier.rank(photos, LABELS)
    assert counter.images == len(photos)
    relabelled = classifier.rank(photos, ["bicycle", "dog"])  # new labels, same photos
    assert counter.images == len(photos)
    assert all(p.ok for p in relabelled)

    # a new process (new classifier, reopened cache file) and renamed / copied photos still hit
    classifier.image_cache.close()
    moved = tmp_path / "moved"
    moved.mkdir()
    renamed = [Path(shutil.move(str(p), moved / f"renamed-{p.name}")) for p in photos]
    again = ZeroShotClassifier(tiny_vit_path, device="cpu", image_cache=ImageEmbeddingCache(cache_file))
    counter = EncodeCounter(again.model)
    second = again.rank(renamed, LABELS)
    assert counter.images == 0
    assert _as_matrix(second, LABELS).tolist() == _as_matrix(first, LABELS).tolist()


def test_cached_and_uncached_probabilities_are_identical(tiny_vit_path: Path, photos: list[Path],
                                                         tmp_path: Path) -> None:
    plain = ZeroShotClassifier(tiny_vit_path, device="cpu").rank(photos, LABELS)
    cached = ZeroShotClassifier(tiny_vit_path, device="cpu", image_cache=ImageEmbeddingCache(tmp_path / "c"))
    cached.rank(photos, LABELS)
    from_cache = cached.rank(photos, LABELS)
    assert _as_matrix(from_cache, LABELS).tolist() == _as_matrix(plain, LABELS).tolist()


def test_edited_photo_is_encoded_again(tiny_vit_path: Path, photos: list[Path], tmp_path: Path) -> None:
    classifier = ZeroShotClassifier(tiny_vit_path, device="cpu",
                                    image_cache=ImageEmbeddingCache(tmp_path / "c.sqlite3"))
    counter = EncodeCounter(classifier.model)
    classifier.rank(photos[:1], LABELS)
    Image.open(photos[0]).transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(photos[0])
    classifier.rank(photos[:1], LABELS)
    assert counter.images == 2


@pytest.mark.parametrize("dtype, vector", [("float32", b"\x00" * 7), ("float32", b"\x00" * 8), ("load", b"\x00" * 8)])
def test_a_damaged_cache_row_is_encoded_again_not_fatal(tiny_vit_path: Path, photos: list[Path], tmp_path: Path,
                                                        dtype: str, vector: bytes) -> None:
    """Damage SQLite cannot see (a vector of the wrong length or type) must cost one re-encode, never
    the photo or the whole run."""
    import sqlite3

    cache_file = tmp_path / "c.sqlite3"
    classifier = ZeroShotClassifier(tiny_vit_path, device="cpu", image_cache=ImageEmbeddingCache(cache_file))
    first = classifier.rank(photos, LABELS)
    with sqlite3.connect(cache_file) as conn:
        conn.execute("UPDATE embeddings SET dtype=?, vector=? WHERE rowid=1", (dtype, vector))
    conn.close()
    counter = EncodeCounter(classifier.model)
    again = classifier.rank(photos, LABELS)
    assert counter.images == 1 and all(p.ok for p in again)
    torch.testing.assert_close(_as_matrix(again, LABELS), _as_matrix(first, LABELS), atol=1e-6, rtol=0)


def test_another_model_does_not_reuse_embeddings(tiny_checkpoints: dict, photos: list[Path], tmp_path: Path) -> None:
    cache = ImageEmbeddingCache(tmp_path / "c.sqlite3")
    ZeroShotClassifier(tiny_checkpoints[("vit", "torchscript")], device="cpu", image_cache=cache).rank(photos, LABELS)
    other = ZeroShotClassifier(tiny_checkpoints[("resnet", "torchscript")], device="cpu", image_cache=cache)
    counter = EncodeCounter(other.model)
    other.rank(photos, LABELS)
    assert counter.images == len(photos)


def test_bad_files_get_a_reason_and_the_rest_are_labelled(tiny_vit_path: Path, photos: list[Path],
                                                          tmp_path: Path) -> None:
    text_file = tmp_path / "notes.jpg"
    text_file.write_text("not a picture")
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes(photos[1].read_bytes()[:300])
    folder = tmp_path / "x.png"
    folder.mkdir()
    inputs = [photos[0], text_file, empty, photos[1], truncated, tmp_path / "missing.jpg", folder, photos[2]]
    for cache in (None, ImageEmbeddingCache(tmp_path / "c.sqlite3")):
        predictions = ZeroShotClassifier(tiny_vit_path, device="cpu", batch_size=3, image_cache=cache).rank(
            inputs, LABELS)
        assert [p.path for p in predictions] == [str(p) for p in inputs]
        assert [p.ok for p in predictions] == [True, False, False, True, False, False, False, True]
        reasons = {Path(p.path).name: p.error for p in predictions if not p.ok}
        assert "not an image" in reasons["notes.jpg"]
        assert reasons["empty.png"]
        assert "truncated" in reasons["truncated.jpg"] or "corrupt" in reasons["truncated.jpg"]
        assert reasons["missing.jpg"] == "not found"
        assert reasons["x.png"] == "is a directory"
        assert all(p.scores == () and p.top is None for p in predictions if not p.ok)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_called_photo_jpg_fails_instead_of_hanging_the_run(tiny_vit_path: Path, photos: list[Path],
                                                                        tmp_path: Path) -> None:
    """Reading (or hashing, for the cache) a FIFO waits for a writer that never comes."""
    pipe = tmp_path / "pipe.jpg"
    os.mkfifo(pipe)
    classifier = ZeroShotClassifier(tiny_vit_path, device="cpu", image_cache=ImageEmbeddingCache(tmp_path / "c"))
    results: list = []
    runner = threading.Thread(target=lambda: results.extend(classifier.rank([pipe, photos[0]], LABELS)), daemon=True)
    runner.start()
    runner.join(timeout=60)
    if runner.is_alive():  # unblock the stuck reader so the test process can end, then fail
        with open(pipe, "wb"):
            pass
        pytest.fail("the run hung on a named pipe")
    assert results[0].error == "not a regular file" and results[1].ok


def test_should_stop_between_batches_keeps_the_finished_prefix(tiny_vit_path: Path, tmp_path: Path) -> None:
    many = make_photos(tmp_path / "many", 10)
    classifier = ZeroShotClassifier(tiny_vit_path, device="cpu", batch_size=3)
    counter = EncodeCounter(classifier.model)
    progress: list[tuple[int, int]] = []
    stop_after_two = lambda: len(progress) >= 3  # noqa: E731 - (0, 10), (3, 10), (6, 10)
    predictions = classifier.rank(many, LABELS, on_progress=lambda d, t: progress.append((d, t)),
                                  should_stop=stop_after_two)
    assert progress == [(0, 10), (3, 10), (6, 10)]
    assert [p.path for p in predictions] == [str(p) for p in many[:6]]
    assert all(p.ok for p in predictions)
    assert counter.images <= 6 + 6  # what was decoded ahead may have been dropped, never encoded


def test_progress_reaches_total(tiny_vit_path: Path, photos: list[Path]) -> None:
    progress: list[tuple[int, int]] = []
    ZeroShotClassifier(tiny_vit_path, device="cpu", batch_size=4).rank(
        photos, LABELS, on_progress=lambda d, t: progress.append((d, t)))
    assert progress == [(0, 7), (4, 7), (7, 7)]


def test_device_and_model_description(tiny_vit_path: Path) -> None:
    classifier = ZeroShotClassifier(tiny_vit_path, device="cpu")
    assert classifier.device_description == "CPU"
    assert classifier.model_name == str(tiny_vit_path)
    assert next(classifier.model.parameters()).dtype == torch.float32


def test_missing_device_and_bad_settings_are_refused_before_loading(tiny_vit_path: Path) -> None:
    if not torch.cuda.is_available():
        with pytest.raises(DeviceError, match="no CUDA GPU"):
            ZeroShotClassifier(tiny_vit_path, device="cuda")
    with pytest.raises(DeviceError, match="unknown device"):
        ZeroShotClassifier(tiny_vit_path, device="tpu")
    with pytest.raises(ValueError, match="precision"):
        ZeroShotClassifier(tiny_vit_path, precision="sloppy")
    with pytest.raises(ValueError, match="template"):
        ZeroShotClassifier(tiny_vit_path, device="cpu").rank([], LABELS, ["no placeholder"])


def test_model_by_name_and_by_path_share_cached_embeddings(tiny_vit_path: Path, photos: list[Path],
                                                            tmp_path: Path) -> None:
    from clipdesk.clip.model_files import import_weights

    import_weights(tiny_vit_path, name="tiny-vit")  # into the (test's own) weights cache
    cache = ImageEmbeddingCache(tmp_path / "c.sqlite3")
    by_path = ZeroShotClassifier(tiny_vit_path, device="cpu", image_cache=cache)
    by_path.rank(photos, LABELS)
    by_name = ZeroShotClassifier("tiny-vit", device="cpu", image_cache=cache)
    counter = EncodeCounter(by_name.model)
    by_name.rank(photos, LABELS)
    assert by_name.model_name == "tiny-vit"
    assert counter.images == 0


def test_heic_photo_is_labelled_like_its_lossless_twin(tiny_vit_path: Path, tmp_path: Path) -> None:
    pytest.importorskip("pillow_heif")
    from clipdesk.labeling.files import heif_supported
    from tests import photos as sample_photos

    assert heif_supported()
    picture = sample_photos.photo("coffee")
    twin = tmp_path / "coffee.png"
    picture.save(twin)
    heic = tmp_path / "coffee.heic"
    picture.save(heic, quality=95)
    first, second = ZeroShotClassifier(tiny_vit_path, device="cpu").rank([twin, heic], LABELS)
    assert second.ok, second.error
    for label in LABELS:
        assert second.probability_of(label) == pytest.approx(first.probability_of(label), abs=0.03)


def test_a_photo_replaced_during_a_run_never_poisons_the_cache(tiny_vit_path: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Another program swaps the photo's bytes right after clipdesk has read them once (here: the first
    time a read of it is closed). Whatever was decoded, the embedding stored under a content hash must be
    the embedding of exactly that content -- or a renamed copy later gets another photo's labels."""
    import builtins
    import hashlib

    folder = tmp_path / "photos"
    folder.mkdir()
    photo, other = folder / "photo.png", tmp_path / "other.png"
    Image.new("RGB", (64, 48), (200, 30, 30)).save(photo)
    Image.new("RGB", (64, 48), (20, 30, 220)).save(other)
    contents = {hashlib.sha256(p.read_bytes()).hexdigest(): p.read_bytes() for p in (photo, other)}
    real_open, swapped = builtins.open, []

    class SwapAfterRead:
        def __init__(self, handle):
            self._handle = handle

        def __getattr__(self, name):
            return getattr(self._handle, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.close()

        def close(self):
            self._handle.close()
            if not swapped:
                swapped.append(True)
                replacement = tmp_path / "replacement.png"
                replacement.write_bytes(other.read_bytes())
                os.replace(replacement, photo)

    def spying_open(file, mode="r", *args, **kwargs):
        handle = real_open(file, mode, *args, **kwargs)
        if "r" in mode and "b" in mode and os.fspath(file) == str(photo):
            return SwapAfterRead(handle)
        return handle

    monkeypatch.setattr(builtins, "open", spying_open)
    cache = ImageEmbeddingCache(tmp_path / "cache.sqlite3")
    classifier = ZeroShotClassifier(tiny_vit_path, device="cpu", image_cache=cache, workers=1)
    classifier.rank([photo], LABELS)
    monkeypatch.setattr(builtins, "open", real_open)
    assert swapped  # the race really happened

    plain = ZeroShotClassifier(tiny_vit_path, device="cpu", workers=1)
    key = classifier._embedding_key()
    stored = {digest: cache.get(key, digest) for digest in contents}
    assert any(vector is not None for vector in stored.values())
    for digest, vector in stored.items():
        if vector is not None:
            (tmp_path / "check.png").write_bytes(contents[digest])
            (expected,) = plain.image_features([tmp_path / "check.png"])
            assert torch.equal(vector, expected), "an embedding is stored under another content's hash"


def test_label_encoding_hears_a_stop_between_calls_and_keeps_what_it_encoded(tiny_vit_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A huge label list takes minutes to encode: Cancel/Ctrl-C is asked between model calls."""
    classifier = ZeroShotClassifier(tiny_vit_path, device="cpu")
    calls: list[int] = []
    encode = ZeroShotClassifier._encode_prompts
    monkeypatch.setattr(ZeroShotClassifier, "_encode_prompts",
                        lambda self, prompts: calls.append(len(prompts)) or encode(self, prompts))
    labels = [f"thing {i}" for i in range(2000)]
    progress: list[tuple[int, int]] = []
    assert classifier.text_features(labels, should_stop=lambda: len(calls) >= 2,
                                    on_progress=lambda d, t: progress.append((d, t))) is None
    assert len(calls) == 2 and progress[0] == (0, 2000) and progress[-1] == (sum(calls), 2000)
    calls.clear()
    features = classifier.text_features(labels)  # the labels done are not encoded again
    assert features is not None and features.shape[0] == 2000
    assert sum(calls) == 2000 - progress[-1][0]
    assert classifier.text_rate is not None and classifier.text_rate > 0


def test_labels_encoded_in_paced_calls_equal_one_big_call(tiny_vit_path: Path) -> None:
    classifier = ZeroShotClassifier(tiny_vit_path, device="cpu")
    labels = [f"thing {i}" for i in range(300)]
    paced = classifier.text_features(labels, ("a photo of a {}.", "{}"))
    fresh = ZeroShotClassifier(tiny_vit_path, device="cpu")
    prompts = [t.format(label) for label in labels for t in ("a photo of a {}.", "{}")]
    whole = fresh._encode_prompts(prompts).reshape(300, 2, -1).mean(dim=1)
    whole = whole / whole.norm(dim=-1, keepdim=True)
    torch.testing.assert_close(paced, whole, rtol=1e-5, atol=1e-6)


def test_huge_label_lists_keep_only_the_top_k_per_photo(tiny_vit_path: Path, photos: list[Path]) -> None:
    classifier = ZeroShotClassifier(tiny_vit_path, device="cpu")
    labels = [f"thing {i}" for i in range(50)]
    full = classifier.rank(photos[:2], labels)
    kept = [p for batch in classifier.iter_batches(photos[:2], labels, keep=5) for p in batch]
    for whole, top in zip(full, kept):
        assert [s.label for s in top.scores] == [s.label for s in whole.scores[:5]]
        assert [s.probability for s in top.scores] == pytest.approx([s.probability for s in whole.scores[:5]])
