"""Labels typed in Chinese, ranked by a Chinese-CLIP checkpoint through the same service as OpenAI's."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
import torch
from PIL import Image

from clipdesk.labeling import ImageEmbeddingCache, ZeroShotClassifier
from clipdesk.labeling.labeling_model import looks_chinese
from clipdesk.weights.registry import CHINESE_CLIP, OPENAI

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import cn_clip.clip as reference

LABELS = ["红包", "猫", "收据", "夜景里的城市", "一只在草地上奔跑的狗"]


def reference_probabilities(ref_model, photos: list[Path], labels: list[str], templates: list[str]) -> torch.Tensor:
    """The Chinese-CLIP README recipe (and the prompt ensemble), with the reference package."""
    preprocess = reference.image_transform(ref_model.visual.input_resolution)
    with torch.no_grad():
        image = ref_model.encode_image(torch.stack([preprocess(Image.open(p)) for p in photos]))
        image = image / image.norm(dim=-1, keepdim=True)
        text = []
        for label in labels:
            per_template = ref_model.encode_text(reference.tokenize([t.format(label) for t in templates]))
            per_template = per_template / per_template.norm(dim=-1, keepdim=True)
            mean = per_template.mean(dim=0)
            text.append(mean / mean.norm())
        return (ref_model.logit_scale.exp() * image @ torch.stack(text).T).softmax(dim=-1)


@pytest.mark.parametrize("pairing", ["vit-base", "rn50-rbt3", "vit-h-large"])
def test_chinese_labels_get_the_reference_recipes_probabilities(pairing, cn_checkpoints, cn_reference_models,
                                                                photos):
    classifier = ZeroShotClassifier(cn_checkpoints[pairing], device="cpu", batch_size=3)
    assert classifier.family.id == CHINESE_CLIP and classifier.context_length == 52

    predictions = classifier.rank(photos, LABELS)

    got = torch.tensor([[p.probability_of(label) for label in LABELS] for p in predictions])
    expected = reference_probabilities(cn_reference_models[pairing], photos, LABELS, ["一张{}的照片。"])
    torch.testing.assert_close(got, expected, atol=2e-6, rtol=1e-5)


def test_the_family_template_is_the_default_and_ensembles_work(cn_checkpoints, cn_reference_models, photos):
    classifier = ZeroShotClassifier(cn_checkpoints["vit-base"], device="cpu")
    assert classifier.default_templates == ("一张{}的照片。",)
    templates = ["一张{}的照片。", "{}的特写。", "这是{}"]

    got = torch.tensor([[p.probability_of(label) for label in LABELS]
                        for p in classifier.rank(photos[:3], LABELS, templates)])

    expected = reference_probabilities(cn_reference_models["vit-base"], photos[:3], LABELS, templates)
    torch.testing.assert_close(got, expected, atol=2e-6, rtol=1e-5)


def test_too_long_labels_are_measured_against_52_tokens(cn_checkpoints):
    classifier = ZeroShotClassifier(cn_checkpoints["vit-base"], device="cpu")
    long_label = "猫" * 45  # 45 + the template's 6 + [CLS] [SEP] = 53 tokens
    cleaned = classifier.check_labels(["猫", long_label])
    assert classifier.truncated_labels(["猫", long_label]) == (long_label,)
    assert any("52-token" in warning for warning in cleaned.warnings)


def test_image_cache_keys_name_the_family_and_keep_openais_format(cn_checkpoints, tiny_vit_path, tmp_path):
    cache = ImageEmbeddingCache(tmp_path / "cache.sqlite")
    chinese = ZeroShotClassifier(cn_checkpoints["vit-base"], device="cpu", image_cache=cache)
    openai = ZeroShotClassifier(tiny_vit_path, device="cpu", image_cache=cache)
    assert openai.family.id == OPENAI
    assert chinese._embedding_key().split("|")[1:] == ["cnclip", "float32", "32px", "v1"]
    assert openai._embedding_key().split("|")[1:] == ["float32", "32px", "v1"]  # as in every earlier version


def test_a_second_run_reuses_cached_chinese_clip_embeddings(cn_checkpoints, photos, tmp_path):
    cache = ImageEmbeddingCache(tmp_path / "cache.sqlite")
    first = ZeroShotClassifier(cn_checkpoints["rn50-rbt3"], device="cpu", image_cache=cache).rank(photos, LABELS)
    again = ZeroShotClassifier(cn_checkpoints["rn50-rbt3"], device="cpu", image_cache=cache)
    calls = []
    encode = again.model.encode_image
    again.model.encode_image = lambda pixels: calls.append(len(pixels)) or encode(pixels)
    second = again.rank(photos, ["狗", "猫"])
    assert calls == [] and len(second) == len(first)


@pytest.mark.parametrize("labels, chinese", [
    (["红包", "猫", "receipt"], True), (["red envelope", "cat", "猫"], False), (["猫"], True),
    (["cat", "dog"], False), (["123", "!!"], False), (["夜景 city", "sunset"], True),
])
def test_mostly_chinese_label_lists_are_recognised(labels, chinese):
    assert looks_chinese(labels) is chinese
