"""Transformer products with bf16 weights packed once for oneDNN: the ``precision="fast"`` CPU path.

``F.linear`` on bf16 tensors already runs on oneDNN, but from the plain weight layout on every call. A
weight packed once into oneDNN's blocked layout multiplies 5-10 % faster (measured on the ViT-B/32
shapes), and the MLP's activation runs inside the product (oneDNN's "swish" post-op) instead of as
three more passes over the activations. Together with fp32 attention and a packed patch embedding,
the ViT-B/32 image tower runs about 15 % faster than with bf16 ``F.linear`` (``clipdesk bench``).

The two ops are PyTorch's own (those its Inductor compiler uses on CPUs) but private, so
``packing_available`` checks once that they exist and agree with ``F.linear`` before anything relies
on them; without them the fast path keeps bf16 ``F.linear``. Packed weights are plain attributes, not
parameters: they belong to the CPU they were made on, and a fast model is not moved or saved.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from typing import cast

import torch
import torch.nn.functional as F
from torch import nn

from clipdesk.clip.model import QUICK_GELU_SCALE, MultiheadSelfAttention

ACTIVATIONS = ("none", "swish")  # oneDNN post-ops used here; swish(x) = x * sigmoid(x) = SiLU
ROWS_HINT = 1024  # oneDNN asks how many rows to expect when packing; 1 to 12,000 measured the same


@functools.cache
def packing_available() -> bool:
    """Whether this torch build has oneDNN's packed linear ops and they give ``F.linear``'s numbers."""
    try:
        if not torch.backends.mkldnn.is_available():  # type: ignore[no-untyped-call]
            return False
        weight = torch.linspace(-1, 1, 96).reshape(12, 8).to(torch.bfloat16)
        bias = torch.linspace(-0.5, 0.5, 12).to(torch.bfloat16)
        rows = torch.linspace(-2, 2, 40).reshape(5, 8).to(torch.bfloat16)
        packed = torch.ops.mkldnn._reorder_linear_weight(weight, ROWS_HINT)
        got = torch.ops.mkldnn._linear_pointwise(rows, packed, bias, "swish", [], "")
    except (AttributeError, RuntimeError, TypeError, NotImplementedError):  # op absent or refused here
        return False
    want = F.silu(F.linear(rows.float(), weight.float(), bias.float()))
    return got.shape == want.shape and torch.allclose(got.float(), want, rtol=2e-2, atol=2e-2)


def attend_queries(qkv: torch.Tensor, heads: int, causal: bool, queries: int | None = None) -> torch.Tensor:
    """``model.attend`` answering only the first ``queries`` tokens (each still attends over all the
    keys it may see): [batch, tokens, 3 * width] -> [batch, queries, width]; all tokens when None."""
    batch, tokens, width = qkv.shape[0], qkv.shape[1], qkv.shape[2] // 3
    q, k, v = qkv.view(batch, tokens, 3, heads, width // heads).permute(2, 0, 3, 1, 4)  # each [b, h, t, hw]
    q = q[:, :, :queries]
    x = F.scaled_dot_product_attention(q, k, v, is_causal=causal)  # [batch, heads, queries, head_width]
    return x.transpose(1, 2).reshape(batch, q.shape[2], width)


class PackedLinear(nn.Module):
    """``F.linear`` in bf16 (then SiLU, with ``activation="swish"``) on a weight packed for oneDNN.

    Takes any float weight and rounds it to bf16 once; inputs are bf16 ``[..., in_features]``.
    """

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor | None, activation: str = "none") -> None:
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}")
        self.out_features, self.in_features = weight.shape
        self.activation = activation
        plain = weight.detach().to(torch.bfloat16).contiguous()
        self.packed_weight = torch.ops.mkldnn._reorder_linear_weight(plain, ROWS_HINT)
        self.packed_bias = None if bias is None else bias.detach().to(torch.bfloat16).contiguous()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        rows = x.reshape(-1, self.in_features)
        if rows.shape[0] == 0:
            return x.new_empty(*x.shape[:-1], self.out_features)
        out = torch.ops.mkldnn._linear_pointwise(rows, self.packed_weight, self.packed_bias,
                                                 self.activation, [], "")
        return out.view(*x.shape[:-1], self.out_features)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.packed_bias is not None}, activation={self.activation}")


class PackedSelfAttention(nn.Module):
    """``MultiheadSelfAttention`` with packed bf16 projections. Attention itself runs in fp32: on the
    short sequences CLIP has (50-257 image patches, up to 77 tokens) it is no slower than bf16 here, and
    the softmax sees unrounded scores."""

    def __init__(self, attention: MultiheadSelfAttention) -> None:
        super().__init__()
        self.heads, self.causal = attention.heads, attention.causal
        self.in_proj = PackedLinear(attention.in_proj_weight, attention.in_proj_bias)
        self.out_proj = PackedLinear(attention.out_proj.weight, attention.out_proj.bias)

    def forward(self, x: torch.Tensor, queries: int | None = None) -> torch.Tensor:  # x: [batch, tokens, width]
        qkv = self.in_proj(x).float()  # [batch, tokens, 3 * width]
        return self.out_proj(attend_queries(qkv, self.heads, self.causal, queries).to(torch.bfloat16))


def packed_mlp(mlp: nn.Module) -> nn.Sequential:
    """A block's ``c_fc -> QuickGELU -> c_proj`` as two packed products with SiLU fused into the first.

    QuickGELU(h) = h * sigmoid(1.702 h) = SiLU(1.702 h) / 1.702, so ``c_fc``'s weight and bias are
    scaled by 1.702 and ``c_proj``'s weight by 1 / 1.702 -- in fp32, before the single rounding to bf16.
    """
    scale = QUICK_GELU_SCALE
    c_fc, c_proj = cast(nn.Linear, mlp.c_fc), cast(nn.Linear, mlp.c_proj)
    return nn.Sequential(OrderedDict([
        ("c_fc", PackedLinear(c_fc.weight.float() * scale, c_fc.bias.float() * scale, activation="swish")),
        ("c_proj", PackedLinear(c_proj.weight.float() / scale, c_proj.bias)),
    ]))


class PackedPatchEmbedding(nn.Module):
    """A ViT's patch convolution (kernel = stride, no padding or bias) as one packed product over the
    flattened patches. Keeps the convolution's fp32 ``weight`` parameter: ``CLIP.dtype`` reads it, so
    images and token embeddings stay fp32, and the output is fp32 like the convolution's."""

    def __init__(self, conv: nn.Conv2d) -> None:
        super().__init__()
        kernel = conv.kernel_size[0]
        if (conv.kernel_size != (kernel, kernel) or conv.stride != conv.kernel_size or conv.bias is not None
                or conv.groups != 1 or any(conv.padding) or any(d != 1 for d in conv.dilation)):
            raise ValueError("only a square, non-overlapping, bias-free patch convolution can be packed")
        self.weight = conv.weight
        self.patch = kernel
        self.project = PackedLinear(conv.weight.reshape(conv.out_channels, -1), None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # [batch, 3, height, width] -> [batch, out, gh, gw]
        batch, channels, height, width = x.shape
        patch, rows, cols = self.patch, height // self.patch, width // self.patch
        pixels = x[:, :, :rows * patch, :cols * patch].to(torch.bfloat16)  # a convolution drops the rest
        patches = (pixels.reshape(batch, channels, rows, patch, cols, patch).permute(0, 2, 4, 1, 3, 5)
                   .reshape(batch, rows * cols, channels * patch * patch))  # (channel, y, x) as the weight
        out = self.project(patches).float()  # [batch, rows * cols, out]
        return out.view(batch, rows, cols, self.project.out_features).permute(0, 3, 1, 2)
