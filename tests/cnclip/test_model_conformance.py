"""Chinese-CLIP gives the reference's numbers (``cn-clip==1.6.0``) on equal weights, for every pairing."""

from __future__ import annotations

import warnings

import pytest
import torch

import clipdesk.cnclip as cnclip
from clipdesk.clip.checkpoint import read_state_dict
from clipdesk.cnclip.model import build_model
from clipdesk.cnclip.text_chunks import encode_text_by_length
from tests.cn_checkpoints import TINY_CN_CONFIGS

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import cn_clip.clip as reference
    from cn_clip.clip.model import convert_weights as reference_convert_weights

PAIRINGS = list(TINY_CN_CONFIGS)
TEXTS = ["一张红包的照片。", "猫", "a photo of a dog", "繁體中文的照片", "😀 emoji 和 ＡＢＣ！", "",
         "很长的标签" * 20]


def images(resolution: int, count: int = 3) -> torch.Tensor:
    return torch.randn(count, 3, resolution, resolution, generator=torch.Generator().manual_seed(resolution))


@pytest.mark.parametrize("pairing", PAIRINGS)
def test_features_and_logits_equal_the_reference_within_1e_4(pairing, cn_reference_models, cn_checkpoints):
    ref = cn_reference_models[pairing]
    model, _ = cnclip.load(cn_checkpoints[pairing], device="cpu")
    pixels = images(model.visual.input_resolution)
    tokens = reference.tokenize(TEXTS, context_length=model.context_length)

    with torch.no_grad():
        torch.testing.assert_close(model.encode_image(pixels), ref.encode_image(pixels), atol=1e-4, rtol=1e-4)
        torch.testing.assert_close(model.encode_text(tokens), ref.encode_text(tokens), atol=1e-4, rtol=1e-4)
        logits_image, logits_text = model(pixels, tokens)
        expected = ref.get_similarity(pixels, tokens)
    torch.testing.assert_close(logits_image, expected[0], atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(logits_text, expected[1], atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("pairing", PAIRINGS)
def test_hyper_parameters_come_from_the_shapes(pairing, cn_reference_models, cn_checkpoints):
    config = TINY_CN_CONFIGS[pairing]
    model, _ = cnclip.load(cn_checkpoints[pairing], device="cpu")
    assert model.visual.input_resolution == config.image_resolution
    heads = (config.vision_width * (32 if config.vision_patch_size is None else 1)) // config.vision_head_width
    attention = (model.visual.attnpool.num_heads if config.vision_patch_size is None
                 else model.visual.transformer.resblocks[0].attn.heads)
    assert attention == heads
    assert len(model.bert.encoder.layer) == config.text_num_hidden_layers
    assert model.context_length == min(52, config.text_max_position_embeddings)


def test_rounding_through_fp16_reproduces_the_reference_loader_exactly(cn_reference_models, cn_checkpoints):
    """``cn_clip.load_from_name`` converts to fp16 before loading, even on a CPU, then casts back."""
    ref = cn_reference_models["vit-base"]
    rounded_ref = type(ref)(**TINY_CN_CONFIGS["vit-base"].kwargs())
    reference_convert_weights(rounded_ref)
    rounded_ref.load_state_dict(ref.state_dict())
    rounded_ref.float().eval()
    model = build_model(read_state_dict(cn_checkpoints["vit-base"]), round_to_fp16=True)
    tokens = reference.tokenize(TEXTS)

    with torch.no_grad():
        torch.testing.assert_close(model.encode_text(tokens), rounded_ref.encode_text(tokens), atol=1e-5, rtol=1e-5)
        full = build_model(read_state_dict(cn_checkpoints["vit-base"])).encode_text(tokens)
    assert not torch.equal(full, model.encode_text(tokens))  # the default keeps the fp32 weights


def test_cutting_the_padding_changes_nothing(cn_checkpoints):
    model, _ = cnclip.load(cn_checkpoints["rn50-rbt3"], device="cpu")
    tokens = cnclip.tokenize(TEXTS)
    with torch.no_grad():
        together = model.encode_text(tokens)
        one_by_one = torch.cat([model.encode_text(tokens[i:i + 1]) for i in range(len(TEXTS))])
        chunked = encode_text_by_length(model, tokens, most=2)  # several passes of similar lengths
    torch.testing.assert_close(together, one_by_one, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(together, chunked, atol=1e-5, rtol=1e-5)


def test_state_dict_round_trips_to_the_checkpoint(cn_checkpoints):
    stored = read_state_dict(cn_checkpoints["vit-h-large"])
    model, _ = cnclip.load(cn_checkpoints["vit-h-large"], device="cpu")
    ours = model.state_dict()
    assert set(ours) == {key for key in stored if not key.startswith("bert.pooler.")}
    assert all(torch.equal(ours[key], stored[key]) for key in ours)


def test_an_empty_batch_and_a_wrong_shape_are_handled(cn_checkpoints):
    model, _ = cnclip.load(cn_checkpoints["vit-base"], device="cpu")
    assert model.encode_text(torch.zeros(0, 52, dtype=torch.long)).shape == (0, 32)
    with pytest.raises(ValueError, match="token ids"):
        model.encode_text(torch.zeros(52, dtype=torch.long))
