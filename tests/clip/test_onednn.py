"""The oneDNN-packed pieces of the fast CPU path each compute what they replace: a packed product is
``F.linear`` in bf16, the fused-SiLU MLP is CLIP's QuickGELU MLP, the packed patch embedding is the ViT's
convolution, packed attention is the block's attention -- within bf16 rounding of the fp32 originals.

The packed ops are private to PyTorch and absent from some builds (ARM, macOS): there
``packing_available`` says no and the fast path keeps plain bf16 ``F.linear`` (its numbers are tested in
``test_precision.py`` under both recipes). The pieces themselves are tested where the ops exist."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from clipdesk.clip.model import MultiheadSelfAttention, ResidualAttentionBlock
from clipdesk.clip.onednn import PackedLinear, PackedPatchEmbedding, PackedSelfAttention, packed_mlp, packing_available

BF16_RTOL = 2 ** -7  # bf16 keeps 8 significant bits


def close(actual: torch.Tensor, expected: torch.Tensor, relative: float) -> bool:
    """Within ``relative`` of the largest expected magnitude (rounding errors scale with the values)."""
    return (actual.float() - expected.float()).abs().max().item() <= relative * expected.abs().max().item()


@pytest.fixture(autouse=True)
def seeded():
    torch.manual_seed(0)


needs_packing = pytest.mark.skipif(not packing_available(), reason="this torch build has no oneDNN packed "
                                   "products; the plain-bf16 fallback is tested in test_precision.py")


def test_without_onednn_packing_is_reported_unavailable_instead_of_failing(monkeypatch):
    monkeypatch.setattr(torch.backends.mkldnn, "is_available", lambda: False)
    packing_available.cache_clear()
    try:
        assert packing_available() is False
    finally:
        packing_available.cache_clear()


@needs_packing
@pytest.mark.parametrize("rows", [0, 1, 7, 50, 333])
def test_a_packed_product_is_f_linear_in_bf16_for_any_number_of_rows(rows):
    weight, bias = torch.randn(40, 24), torch.randn(40)
    x = torch.randn(3, rows, 24).to(torch.bfloat16)

    packed = PackedLinear(weight, bias)
    expected = F.linear(x, weight.to(torch.bfloat16), bias.to(torch.bfloat16))

    out = packed(x)
    assert out.shape == (3, rows, 40) and out.dtype == torch.bfloat16
    if rows:
        assert close(out, expected, BF16_RTOL)


@needs_packing
def test_the_swish_product_applies_silu_to_the_result():
    weight, bias = torch.randn(16, 8), torch.randn(16)
    x = torch.randn(5, 8).to(torch.bfloat16)

    fused = PackedLinear(weight, bias, activation="swish")(x)

    assert close(fused, F.silu(F.linear(x.float(), weight, bias)), 4 * BF16_RTOL)
    assert (fused.float() < 0).any()  # SiLU, not ReLU: small negative outputs survive


@needs_packing
def test_an_unknown_activation_is_refused():
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        PackedLinear(torch.randn(4, 4), None, activation="gelu")


@needs_packing
@torch.no_grad()
def test_the_packed_mlp_is_the_quick_gelu_mlp():
    block = ResidualAttentionBlock(64, 1, causal=False)
    x = torch.randn(2, 9, 64)

    expected = block.mlp(x)
    packed = packed_mlp(block.mlp)

    assert list(packed) == [packed.c_fc, packed.c_proj]  # the activation lives inside c_fc now
    assert close(packed(x.to(torch.bfloat16)), expected, 4 * BF16_RTOL)


@needs_packing
@pytest.mark.parametrize("causal", [False, True])
@torch.no_grad()
def test_packed_attention_is_the_blocks_attention(causal):
    attention = MultiheadSelfAttention(128, 2, causal)
    x = torch.randn(3, 11, 128)

    expected = attention(x)
    packed = PackedSelfAttention(attention)

    assert close(packed(x.to(torch.bfloat16)), expected, 4 * BF16_RTOL)


@needs_packing
@pytest.mark.parametrize("size", [(32, 32), (35, 29)])  # the second leaves pixels a convolution ignores
@torch.no_grad()
def test_the_packed_patch_embedding_is_the_patch_convolution(size):
    conv = nn.Conv2d(3, 48, kernel_size=8, stride=8, bias=False)
    image = torch.randn(2, 3, *size)

    expected = conv(image)
    packed = PackedPatchEmbedding(conv)
    out = packed(image)

    assert out.shape == expected.shape and out.dtype == torch.float32
    assert close(out, expected, 4 * BF16_RTOL)
    assert packed.weight is conv.weight  # CLIP.dtype still reads an fp32 parameter here


@needs_packing
def test_an_overlapping_convolution_cannot_be_packed():
    with pytest.raises(ValueError, match="non-overlapping"):
        PackedPatchEmbedding(nn.Conv2d(3, 8, kernel_size=4, stride=2, bias=False))
