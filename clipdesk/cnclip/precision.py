"""``precision="fast"`` for Chinese-CLIP: built *from* the exact model by replacing modules, never by
hooks inside it.

The image tower is OpenAI's, so it gets ``clipdesk.clip.precision``'s bf16 conversion. In the BERT
tower every matrix product (query/key/value, attention output, feed-forward) becomes a
:class:`Bf16Linear`: bf16 operands on CPUs that multiply bf16 natively, fp32 results, while the
residual stream, LayerNorms, softmax and embeddings stay fp32 -- post-LN BERT renormalises after
every block, so the rounding does not pile up (feature cosine vs exact above 0.9999 in the benchmark).
Elsewhere (GPUs: already fp16; CPUs without native bf16: emulated, slower) nothing changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

import torch
import torch.nn.functional as F
from torch import nn

from clipdesk.clip.onednn import PackedLinear, packing_available
from clipdesk.clip.precision import check_precision, fast_differs, to_bf16
from clipdesk.cnclip.model import ChineseCLIP


class Bf16Linear(nn.Module):
    """An ``nn.Linear`` computed in bf16 and returned in the input's dtype (fp32)."""

    def __init__(self, linear: nn.Linear, pack: bool) -> None:
        super().__init__()
        self.out_features = linear.out_features
        self.packed = PackedLinear(linear.weight, linear.bias) if pack else None
        self.weight = None if pack else nn.Parameter(linear.weight.detach().to(torch.bfloat16), requires_grad=False)
        self.bias = None if pack or linear.bias is None else nn.Parameter(
            linear.bias.detach().to(torch.bfloat16), requires_grad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        low = x.to(torch.bfloat16)
        if self.packed is not None:
            out = self.packed(low)
        else:
            assert self.weight is not None  # not packed: the bf16 weight is kept
            out = F.linear(low, self.weight, self.bias)
        return out.to(x.dtype)


def text_to_bf16(model: ChineseCLIP, pack: bool | None = None) -> None:
    """Replace every ``nn.Linear`` of the BERT encoder by a :class:`Bf16Linear`, in place."""
    if pack is None:
        pack = packing_available()
    for layer in cast(Iterable[Any], model.bert.encoder.layer):  # BERT layers: modules by attribute name
        attention = layer.attention.self
        for name in ("query", "key", "value"):
            setattr(attention, name, Bf16Linear(getattr(attention, name), pack))
        layer.attention.output.dense = Bf16Linear(layer.attention.output.dense, pack)
        layer.intermediate.dense = Bf16Linear(layer.intermediate.dense, pack)
        layer.output.dense = Bf16Linear(layer.output.dense, pack)


def apply_precision(model: ChineseCLIP, precision: str, device: str | torch.device) -> ChineseCLIP:
    """Put ``model`` (fp32, as ``build_model`` made it) in ``precision`` for ``device``, in place."""
    check_precision(precision)
    if precision == "fast" and fast_differs(device):
        to_bf16(model)  # type: ignore[arg-type]  # the image tower: OpenAI's conversion
        text_to_bf16(model)
    return model
