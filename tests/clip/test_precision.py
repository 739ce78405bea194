"""precision="fast": bf16 matrix products with an fp32 residual stream give embeddings within 1e-4 of
the exact ones in cosine and the same top-1 label; "exact" stays the default and the reference's
numbers; fast changes nothing where it would not be faster. Correctness only: speed is measured by
``clipdesk bench``, never asserted here."""

from __future__ import annotations

import pytest
import torch

import clipdesk.clip as ours
from clipdesk.clip import fast_model, precision
from clipdesk.clip.fast_model import FastBlock, to_fast
from clipdesk.clip.model import build_model
from clipdesk.clip.onednn import PackedLinear, PackedSelfAttention, packing_available
from clipdesk.clip.preprocess import transform as ours_transform
from tests import checkpoints, photos
from tests.clip.test_model_conformance import TEXTS, images_for, reference_tokens

MIN_COSINE = 0.9999  # issue 6's bound for fast-mode embeddings against fp32


def cosines(expected: torch.Tensor, actual: torch.Tensor) -> torch.Tensor:
    return torch.nn.functional.cosine_similarity(expected.float(), actual.float(), dim=-1)


def fast_copy(state_dict: dict[str, torch.Tensor], pack: bool | None = None) -> torch.nn.Module:
    """The fast recipe applied whatever this CPU is (bf16 is emulated where not native: slow, same numbers)."""
    return to_fast(build_model(state_dict), pack=pack)


# Both fast recipes: oneDNN-packed products (what a bf16 CPU gets) and plain bf16 F.linear (the fallback,
# and all there is on torch builds without the packed ops: ARM, macOS).
RECIPES = {"packed": True, "plain": False}
needs_packing = pytest.mark.skipif(not packing_available(), reason="this torch build has no oneDNN packed products")


def recipe_params(*others):
    """One ``pytest.param`` per recipe -- the recipe, or ``(*others, recipe)`` -- the packed one skipped
    where torch lacks it."""
    return [pytest.param((*others, recipe) if others else recipe, id="-".join([*others, recipe]),
                         marks=[needs_packing] if RECIPES[recipe] else [])
            for recipe in RECIPES]


@pytest.fixture(scope="module", params=[p for arch in checkpoints.TINY_CONFIGS for p in recipe_params(arch)])
def exact_and_fast(request):
    arch, recipe = request.param
    source = checkpoints.make_reference_model(checkpoints.TINY_CONFIGS[arch], seed=21)
    state = {key: value.clone() for key, value in source.state_dict().items()}
    return build_model(state), fast_copy(state, pack=RECIPES[recipe])


@torch.no_grad()
def test_fast_embeddings_point_the_same_way_as_exact_ones(exact_and_fast):
    exact, fast = exact_and_fast
    image = images_for(exact.visual.input_resolution, count=4)
    text = reference_tokens()

    image_cos = cosines(exact.encode_image(image), fast.encode_image(image))
    text_cos = cosines(exact.encode_text(text), fast.encode_text(text))

    assert image_cos.min().item() >= MIN_COSINE, image_cos
    assert text_cos.min().item() >= MIN_COSINE, text_cos


def conformance_images(resolution: int) -> torch.Tensor:
    """The sample photos plus noise images of growing contrast."""
    transform = ours_transform(resolution)
    real = [transform(photos.photo(name)) for name in photos.COLOUR_PHOTOS + photos.GREY_PHOTOS]
    noise = images_for(resolution, count=4) * torch.tensor([0.5, 1.0, 2.0, 4.0]).view(4, 1, 1, 1)
    return torch.cat([torch.stack(real), noise])


def top_labels(logits: torch.Tensor, clear_lead: float = 0.0) -> list[int | None]:
    """Each row's winner; None where it leads the runner-up by less than ``clear_lead`` (relative)."""
    best = logits.topk(2, dim=-1).values
    lead = (best[:, 0] - best[:, 1]) / best[:, 0].abs()
    return [index if margin >= clear_lead else None
            for index, margin in zip(logits.argmax(dim=-1).tolist(), lead.tolist())]


# The packed recipe (what a bf16 CPU runs) must keep every winner. The plain-F.linear fallback rounds
# more (QuickGELU in bf16, three roundings): it must keep every winner that leads by 2 % or more, about
# five times bf16's relative precision; closer calls are coin flips at that precision.
CLEAR_LEAD = {"packed": 0.0, "plain": 0.02}


@pytest.mark.parametrize("recipe", recipe_params())
@pytest.mark.parametrize("seed", [21, 23])
@torch.no_grad()
def test_fast_mode_picks_the_same_top_label_for_every_image_and_text(seed, recipe):
    """Tiny random ViTs, whose labels really compete (tiny random ResNets give every image nearly the
    same embedding, so their rankings are ties that say nothing about precision)."""
    source = checkpoints.make_reference_model(checkpoints.TINY_CONFIGS["vit"], seed=seed)
    state = {key: value.clone() for key, value in source.state_dict().items()}
    exact, fast = build_model(state), fast_copy(state, pack=RECIPES[recipe])
    image = conformance_images(exact.visual.input_resolution)
    text = reference_tokens()

    exact_per_image, exact_per_text = exact(image, text)
    fast_per_image, fast_per_text = fast(image, text)

    for exact_logits, fast_logits in ((exact_per_image, fast_per_image), (exact_per_text, fast_per_text)):
        expected = top_labels(exact_logits, CLEAR_LEAD[recipe])
        got = fast_logits.argmax(dim=-1).tolist()
        assert [g if e is not None else None for e, g in zip(expected, got)] == expected
        assert sum(e is not None for e in expected) >= 0.75 * len(expected)  # most calls are clear ones
    winners = exact_per_image.argmax(dim=-1).unique().numel() + exact_per_text.argmax(dim=-1).unique().numel()
    assert winners > 3  # several different winners: the candidates really compete


@torch.no_grad()
def test_fast_transformer_blocks_keep_the_residual_stream_in_fp32(exact_and_fast):
    """What keeps fast accurate: only the products are bf16; the sum across layers is not rounded."""
    _, fast = exact_and_fast
    block = fast.transformer.resblocks[0]
    x = torch.randn(2, 5, block.ln_1.normalized_shape[0])

    assert isinstance(block, FastBlock)
    assert all(p.dtype == torch.bfloat16 for p in block.attn.parameters())  # packed ones have none
    assert block.ln_1.weight.dtype == torch.float32
    assert block(x).dtype == torch.float32
    assert fast.dtype == torch.float32  # images and token embeddings enter in fp32
    assert precision.describe(fast) == "bf16+fp32"


@torch.no_grad()
def test_fast_models_take_an_empty_batch(exact_and_fast):
    _, fast = exact_and_fast
    resolution = fast.visual.input_resolution

    assert fast.encode_image(torch.zeros(0, 3, resolution, resolution)).shape[0] == 0
    assert fast.encode_text(torch.zeros(0, 77, dtype=torch.long)).shape[0] == 0


@pytest.mark.parametrize("available", [True, False], ids=["packing", "no-packing"])
def test_fast_uses_the_packed_recipe_exactly_where_torch_has_it(available, monkeypatch):
    """Where torch has oneDNN's packed products every block uses them; where it has not (or they
    disagree with F.linear) every block falls back to plain bf16 weights -- never a crash."""
    if available and not packing_available():
        pytest.skip("this torch build has no oneDNN packed products")
    monkeypatch.setattr(fast_model, "packing_available", lambda: available)
    model = to_fast(build_model(checkpoints.make_reference_model(checkpoints.TINY_CONFIGS["vit"], seed=3).state_dict()))
    blocks = [*model.visual.transformer.resblocks, *model.transformer.resblocks]
    if available:
        assert all(isinstance(block.attn, PackedSelfAttention) for block in blocks)
        assert all(isinstance(block.mlp.c_fc, PackedLinear) and block.mlp.c_fc.activation == "swish"
                   for block in blocks)
    else:
        assert not any(isinstance(module, (PackedLinear, PackedSelfAttention)) for module in model.modules())
        assert all(block.attn.in_proj_weight.dtype == torch.bfloat16 for block in blocks)
        assert all(block.mlp.c_fc.weight.dtype == torch.bfloat16 for block in blocks)


@pytest.mark.slow
@pytest.mark.parametrize("recipe", recipe_params())
@torch.no_grad()
def test_full_size_vit_b_32_fast_embeddings_and_top_labels(recipe):
    """Realistic depth: 12 layers of rounding, as the default model has."""
    state = checkpoints.make_reference_model(checkpoints.VIT_B_32, seed=7).state_dict()
    exact, fast = build_model(state), fast_copy(state, pack=RECIPES[recipe])
    image = images_for(224, count=4)
    text = reference_tokens(TEXTS[:5])

    assert cosines(exact.encode_image(image), fast.encode_image(image)).min().item() >= MIN_COSINE
    assert cosines(exact.encode_text(text), fast.encode_text(text)).min().item() >= MIN_COSINE
    assert exact(image, text)[0].argmax(-1).tolist() == fast(image, text)[0].argmax(-1).tolist()


def test_load_is_exact_by_default_and_fast_on_request(tiny_vit_path, monkeypatch):
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: True)

    exact, _ = ours.load(tiny_vit_path, device="cpu")
    fast, _ = ours.load(tiny_vit_path, device="cpu", precision="fast")

    assert precision.describe(exact) == "fp32"
    assert all(p.dtype == torch.float32 for p in exact.parameters())
    assert precision.describe(fast) == "bf16+fp32"


def test_fast_changes_nothing_on_a_cpu_without_native_bf16(tiny_vit_path, monkeypatch):
    """Emulated bf16 is slower than fp32: there fast must mean the exact model."""
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: False)

    fast, _ = ours.load(tiny_vit_path, device="cpu", precision="fast")

    assert precision.describe(fast) == "fp32"
    assert precision.default_precision("cpu") == "exact"


def test_default_precision_is_fast_where_the_hardware_is(monkeypatch):
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: True)

    assert precision.default_precision("cpu") == "fast"
    assert precision.default_precision(torch.device("cpu")) == "fast"
    assert precision.default_precision("cuda") == "fast"  # fp16 is the reference's own GPU recipe


def test_an_unknown_precision_is_refused_before_reading_the_file(tmp_path):
    with pytest.raises(ValueError, match="unknown precision 'half'.*exact, fast"):
        ours.load(tmp_path / "does-not-exist.pt", device="cpu", precision="half")


def test_native_bf16_detection_agrees_with_the_cpu_flags():
    flags = precision._cpuinfo_flags()
    if flags:  # Linux: the kernel's flags are the ground truth torch's probes read too
        assert precision.cpu_has_native_bf16() == bool(flags & {"avx512_bf16", "amx_bf16"})
    else:
        assert isinstance(precision.cpu_has_native_bf16(), bool)


@pytest.mark.parametrize("family", list(checkpoints.TINY_CONFIGS))
def test_the_exact_models_weights_are_the_checkpoints_and_building_the_fast_one_leaves_them(family, tmp_path):
    """The exact model is the reference's: its ``state_dict()`` holds the checkpoint's tensors under the
    checkpoint's keys (OpenAI's file is fp16, the CPU model fp32: the same numbers), and converting it
    to the fast model changes none of them."""
    from clipdesk.clip.architecture import EXTRA_KEYS
    from clipdesk.clip.checkpoint import read_state_dict

    source = checkpoints.make_reference_model(checkpoints.TINY_CONFIGS[family], seed=2)
    path = checkpoints.save_torchscript(source, tmp_path / "model.pt")
    stored = read_state_dict(path)
    exact, _ = ours.load(path, device="cpu")
    state = exact.state_dict()
    assert set(state) == {key for key in stored if key not in EXTRA_KEYS}
    assert all(torch.equal(state[key], stored[key].to(state[key].dtype)) for key in state)
    before = {key: value.clone() for key, value in state.items()}
    fast = to_fast(exact, pack=False)
    assert all(torch.equal(value, before[key]) for key, value in exact.state_dict().items())
    assert type(fast.transformer).__name__ == "FastTransformer" and type(exact.transformer).__name__ == "Transformer"
