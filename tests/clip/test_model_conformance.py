"""clipdesk's CLIP networks give the reference's numbers on the same weights (fp32, CPU), for every
architecture family, from both checkpoint formats; build_model understands all nine OpenAI shapes."""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import pytest
import torch

import clipdesk.clip as ours
from clipdesk.clip.architecture import RELEASED
from clipdesk.clip.model import (
    CLIPConfig,
    StateDictError,
    attend,
    build_model,
    convert_weights,
)
from clipdesk.clip.onednn import attend_queries
from clipdesk.clip.text_chunks import encode_text_by_length
from tests import checkpoints

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # pkg_resources deprecation inside clip-anytorch
    import clip as reference
    from clip import model as reference_model

TOLERANCE = 1e-4  # max abs difference allowed against the reference, fp32 on CPU

# Real strings of very different token counts; the last two fill all 77 positions.
TEXTS = [
    "",
    "a dog",
    "a photo of a cat sitting on a red sofa",
    "Crème brûlée, 東京の夜景 and a 🐶 on the beach at sunset",
    "receipt",
    "word " * 120,
    "a very long caption that keeps going " * 12,
]



def reference_tokens(texts: list[str] = TEXTS) -> torch.Tensor:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return reference.tokenize(texts, truncate=True)


def load_reference(path: Path) -> tuple[torch.nn.Module, object]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return reference.load(str(path), device="cpu", jit=False)


def images_for(resolution: int, count: int = 3) -> torch.Tensor:
    generator = torch.Generator().manual_seed(resolution)
    return torch.randn(count, 3, resolution, resolution, generator=generator)


@torch.no_grad()
def outputs(model: torch.nn.Module, image: torch.Tensor, text: torch.Tensor) -> dict[str, torch.Tensor]:
    logits_per_image, logits_per_text = model(image, text)
    return {"encode_image": model.encode_image(image), "encode_text": model.encode_text(text),
            "logits_per_image": logits_per_image, "logits_per_text": logits_per_text}


def max_differences(expected: dict[str, torch.Tensor], actual: dict[str, torch.Tensor]) -> dict[str, float]:
    for name in expected:
        assert actual[name].shape == expected[name].shape, name
        assert actual[name].dtype == torch.float32, name
    return {name: (actual[name] - expected[name]).abs().max().item() for name in expected}


def reference_meta_model(config: CLIPConfig) -> torch.nn.Module:
    """A reference model of a real architecture with no memory behind its tensors."""
    with torch.device("meta"):
        return reference_model.CLIP(*dataclasses.astuple(config))


@pytest.mark.parametrize("checkpoint_format", ["torchscript", "state_dict"])
@pytest.mark.parametrize("family", list(checkpoints.TINY_CONFIGS))
def test_loaded_model_gives_the_reference_numbers(tiny_checkpoints, family, checkpoint_format):
    path = tiny_checkpoints[(family, checkpoint_format)]
    reference_model_, _ = load_reference(path)
    model, _ = ours.load(path, device="cpu")
    image = images_for(model.visual.input_resolution)
    text = reference_tokens()
    expected = outputs(reference_model_, image, text)
    actual = outputs(model, image, text)

    differences = max_differences(expected, actual)

    assert max(differences.values()) <= TOLERANCE, differences
    assert expected["encode_text"].std(dim=0).min() > 0  # texts really differ: not a degenerate model


@pytest.mark.slow
def test_full_size_vit_b_32_gives_the_reference_numbers(tmp_path):
    """Realistic depth and width (12 layers, 8 and 12 heads, 224 px): errors that tiny models hide."""
    path = checkpoints.save_state_dict(checkpoints.make_reference_model(checkpoints.VIT_B_32, seed=7),
                                       tmp_path / "ViT-B-32-random.pt")
    reference_model_, _ = load_reference(path)
    model, _ = ours.load(path, device="cpu")
    image = images_for(224, count=2)
    text = reference_tokens(TEXTS[:4] + TEXTS[-1:])

    differences = max_differences(outputs(reference_model_, image, text), outputs(model, image, text))

    assert max(differences.values()) <= TOLERANCE, differences


@pytest.mark.parametrize("name", list(RELEASED))
def test_build_model_infers_each_openai_architecture_from_shapes(name):
    config = RELEASED[name]
    reference_ = reference_meta_model(config)
    state_dict = reference_.state_dict()

    model = build_model(state_dict)

    assert model.config == config
    ours_shapes = {key: tuple(value.shape) for key, value in model.state_dict().items()}
    assert ours_shapes == {key: tuple(value.shape) for key, value in state_dict.items()}
    assert model.visual.input_resolution == reference_.visual.input_resolution
    assert model.context_length == reference_.context_length
    assert model.transformer.heads == reference_.transformer.resblocks[0].attn.num_heads
    if config.vision_patch_size is None:
        assert model.visual.attnpool.num_heads == reference_.visual.attnpool.num_heads
    else:
        assert (model.visual.transformer.heads ==
                reference_.visual.transformer.resblocks[0].attn.num_heads)


@pytest.mark.parametrize("name", ["RN50", "ViT-B/32"])
def test_gpu_precision_keeps_the_same_tensors_in_fp16_as_the_reference(name):
    reference_ = reference_meta_model(RELEASED[name])
    reference_model.convert_weights(reference_)
    model = build_model(reference_meta_model(RELEASED[name]).state_dict())

    convert_weights(model)

    assert ({key: value.dtype for key, value in model.state_dict().items()} ==
            {key: value.dtype for key, value in reference_.state_dict().items()})
    assert model.dtype == torch.float16


@pytest.mark.parametrize("family", ["vit", "resnet"])
def test_half_precision_as_used_on_gpus_follows_the_reference_half_model(family):
    """The GPU recipe (fp16 weights, LayerNorm in fp32), run on the CPU: same numbers up to fp16 rounding."""
    source = checkpoints.make_reference_model(checkpoints.TINY_CONFIGS[family], seed=11)
    reference_ = reference_model.build_model({key: value.clone() for key, value in source.state_dict().items()})
    model = build_model(source.state_dict())
    convert_weights(model)
    image = images_for(model.visual.input_resolution, count=2)
    text = reference_tokens(TEXTS[:4])

    with torch.no_grad():
        for method, inputs in (("encode_image", image), ("encode_text", text)):
            expected = getattr(reference_, method)(inputs)
            actual = getattr(model, method)(inputs)
            assert actual.dtype == expected.dtype == torch.float16
            assert (actual.float() - expected.float()).abs().max().item() <= 1e-2, method


@pytest.fixture(scope="module")
def vit_state_dict() -> dict[str, torch.Tensor]:
    model = checkpoints.make_reference_model(checkpoints.TINY_CONFIGS["vit"], seed=3)
    return {key: value.clone() for key, value in model.state_dict().items()}


def test_fp32_weights_are_rounded_as_the_reference_rounds_them_unless_asked_not_to(vit_state_dict):
    weight = vit_state_dict["visual.conv1.weight"]
    assert not torch.equal(weight, weight.half().float())  # the noise is not fp16-representable

    assert torch.equal(build_model(vit_state_dict).visual.conv1.weight, weight.half().float())
    assert torch.equal(build_model(vit_state_dict, round_to_fp16=False).visual.conv1.weight, weight)
    # LayerNorms and embeddings stay fp32 in the reference, so they are never rounded
    assert torch.equal(build_model(vit_state_dict).ln_final.weight, vit_state_dict["ln_final.weight"])


def test_build_model_drops_the_archive_scalars_and_leaves_the_callers_dict_alone(vit_state_dict):
    state = dict(vit_state_dict, input_resolution=torch.tensor(32), context_length=torch.tensor(77),
                 vocab_size=torch.tensor(49408))
    keys_before = list(state)

    model = build_model(state)

    assert list(state) == keys_before
    assert model.visual.input_resolution == 32
    assert not model.training
    assert all(parameter.dtype == torch.float32 for parameter in model.parameters())


def test_missing_and_unexpected_keys_are_listed_by_name(vit_state_dict):
    state = dict(vit_state_dict)
    del state["ln_final.bias"]
    del state["visual.transformer.resblocks.1.mlp.c_fc.weight"]
    state["visual.extra_head.weight"] = torch.zeros(3)

    with pytest.raises(StateDictError) as caught:
        build_model(state)

    message = str(caught.value)
    assert "missing: " in message and "ln_final.bias" in message
    assert "visual.transformer.resblocks.1.mlp.c_fc.weight" in message
    assert "unexpected: visual.extra_head.weight" in message


def test_a_wrongly_shaped_tensor_is_named_with_both_shapes(vit_state_dict):
    state = dict(vit_state_dict, **{"visual.ln_pre.weight": torch.ones(100)})

    with pytest.raises(StateDictError, match=r"visual\.ln_pre\.weight \(100,\) \(expected \(128,\)\)"):
        build_model(state)


def test_a_state_dict_of_some_other_network_is_refused_clearly():
    other = torch.nn.Sequential(torch.nn.Linear(4, 4)).state_dict()

    with pytest.raises(StateDictError, match="no image tower"):
        build_model(other)


def test_a_gap_in_the_block_numbering_is_reported_as_missing_keys(vit_state_dict):
    state = {key: value for key, value in vit_state_dict.items() if not key.startswith("transformer.resblocks.0.")}

    with pytest.raises(StateDictError, match=r"missing: transformer\.resblocks\.0\.attn\.in_proj_weight"):
        build_model(state)


# ------------------------------------------------------------------------------------ text cut


@pytest.fixture(scope="module")
def tiny_pair(vit_state_dict) -> tuple[torch.nn.Module, torch.nn.Module]:
    """(reference model, clipdesk model) on equal weights, both fp32."""
    reference_ = checkpoints.make_reference_model(checkpoints.TINY_CONFIGS["vit"], seed=3).float()
    return reference_, build_model(vit_state_dict, round_to_fp16=False)


@torch.no_grad()
def full_length_text_features(model: torch.nn.Module, text: torch.Tensor) -> torch.Tensor:
    """encode_text as the reference computes it: every one of the 77 positions through the transformer."""
    x = model.token_embedding(text) + model.positional_embedding  # [batch, 77, width]
    x = model.ln_final(model.transformer(x))
    return x[torch.arange(text.shape[0]), text.argmax(dim=-1)] @ model.text_projection


def test_text_cut_to_the_longest_label_gives_the_full_length_numbers(tiny_pair):
    _, model = tiny_pair
    text = reference_tokens(TEXTS[:5])  # all short: the cut really drops positions
    assert int(text.argmax(dim=-1).max()) + 1 < 40

    with torch.no_grad():
        cut = encode_text_by_length(model, text)

    assert (cut - full_length_text_features(model, text)).abs().max().item() <= TOLERANCE
    assert (cut - model.encode_text(text)).abs().max().item() <= TOLERANCE


@pytest.mark.parametrize("causal", [False, True])
@torch.no_grad()
def test_attention_asked_for_its_first_tokens_gives_the_full_attentions_first_tokens(causal):
    """What the fast path's class-token shortcut relies on: fewer queries, same answers for them."""
    torch.manual_seed(4)
    qkv = torch.randn(3, 9, 3 * 128)

    full = attend(qkv, 2, causal)
    first = attend_queries(qkv, 2, causal, 2)

    assert first.shape == (3, 2, 128)
    assert (first - full[:, :2]).abs().max().item() <= 1e-5


def test_the_exact_model_is_the_reference_computation_without_shortcuts(tiny_pair):
    """No fast-path switches on the exact model: its vision tower runs every token through every block."""
    _, model = tiny_pair
    assert not hasattr(model.visual, "class_token_only") and not hasattr(model, "text_chunk")
    passes: list[int] = []
    hook = model.visual.transformer.resblocks[-1].register_forward_hook(
        lambda _, args, output: passes.append(output.shape[1]))
    try:
        with torch.no_grad():
            model.encode_image(images_for(model.visual.input_resolution, count=1))
    finally:
        hook.remove()
    assert passes == [(model.visual.input_resolution // model.visual.conv1.kernel_size[0]) ** 2 + 1]


def test_chunked_text_encoding_keeps_order_and_numbers(tiny_pair):
    reference_, model = tiny_pair
    texts = ["a dog", "word " * 120, "", "a cat on a mat", "a dog", "receipt", "an old red bicycle leaning"] * 2
    text = reference_tokens(texts)
    with torch.no_grad():
        expected = reference_.encode_text(text)
        chunked = encode_text_by_length(model, text, most=3)  # five chunks of sorted lengths
        one_by_one = torch.cat([encode_text_by_length(model, row[None]) for row in text])

    assert (chunked - expected).abs().max().item() <= TOLERANCE
    assert (one_by_one - expected).abs().max().item() <= TOLERANCE
    assert torch.equal(chunked[0], chunked[4])  # same label, same features, wherever it lands


def test_short_labels_are_not_run_through_all_77_positions_and_chunks_stay_bounded(tiny_pair):
    """Where the speed comes from: each pass stops at its longest label; no pass exceeds the chunk size."""
    _, model = tiny_pair
    texts = ["dog", "a cat", "receipt", "a photo of a red envelope", "word " * 120] * 5
    text = reference_tokens(texts)
    passes: list[tuple[int, int]] = []
    hook = model.transformer.register_forward_pre_hook(lambda _, args: passes.append(tuple(args[0].shape[:2])))
    try:
        with torch.no_grad():
            encode_text_by_length(model, text, most=4)
    finally:
        hook.remove()

    lengths = sorted((text.argmax(dim=-1) + 1).tolist())
    assert sum(rows for rows, _ in passes) == len(texts)
    assert max(rows for rows, _ in passes) <= 4
    assert sorted(length for _, length in passes)[0] == lengths[0] < 77  # the shortest labels ran short
    assert sum(rows * length for rows, length in passes) < len(texts) * 77 / 2


def test_any_token_tensor_is_accepted_as_the_reference_accepts_it(tiny_pair):
    reference_, model = tiny_pair
    generator = torch.Generator().manual_seed(5)
    random_ids = torch.randint(0, 49408, (6, 77), generator=generator)  # end-of-text anywhere
    short_context = reference.tokenize(["a dog", "a cat in the snow"], context_length=20)
    with torch.no_grad():
        for text in (random_ids, short_context):
            assert (model.encode_text(text) - reference_.encode_text(text)).abs().max().item() <= TOLERANCE
            assert (encode_text_by_length(model, text) - reference_.encode_text(text)).abs().max().item() <= TOLERANCE
        assert model.encode_text(torch.zeros(0, 77, dtype=torch.long)).shape == (0, 32)
        assert encode_text_by_length(model, torch.zeros(0, 77, dtype=torch.long)).shape == (0, 32)


def test_text_longer_than_the_context_is_refused_with_a_clear_message(tiny_pair):
    _, model = tiny_pair
    text = torch.zeros(1, 90, dtype=torch.long)
    text[0, 85] = 49407

    with pytest.raises(ValueError, match="more than this model's context length of 77"):
        model.encode_text(text)
    with pytest.raises(ValueError, match="more than this model's context length of 77"):
        encode_text_by_length(model, text)


@pytest.mark.parametrize("dtype", [torch.int64, torch.bool, torch.complex64])
def test_weights_that_are_not_floating_point_are_refused_by_name(vit_state_dict, dtype):
    state = dict(vit_state_dict, **{"ln_final.weight": vit_state_dict["ln_final.weight"].to(dtype)})

    with pytest.raises(StateDictError, match=rf"not floating point: ln_final\.weight \({dtype}\)"):
        build_model(state)


@pytest.mark.parametrize("family", ["vit", "resnet"])
def test_an_empty_batch_of_images_gives_an_empty_batch_of_features(family):
    """A folder run may hand over zero decodable photos; that is no reason to raise."""
    config = checkpoints.TINY_CONFIGS[family]
    model = build_model(checkpoints.make_reference_model(config, seed=2).state_dict())

    with torch.no_grad():
        features = model.encode_image(images_for(config.image_resolution, count=0))

    assert features.shape == (0, config.embed_dim)


def test_a_zero_sized_patch_is_refused_as_a_bad_state_dict(vit_state_dict):
    state = dict(vit_state_dict, **{"visual.conv1.weight": torch.zeros(128, 3, 0, 0)})

    with pytest.raises(StateDictError, match="patches of size 0"):
        build_model(state)
