"""``precision="fast"`` for Chinese-CLIP: a model built *from* the exact one, never by hooks inside it;
the exact model is left as it was.

The image tower is OpenAI's, so it gets ``clipdesk.clip.precision``'s bf16 conversion. In the BERT
tower every matrix product (query/key/value, attention output, feed-forward) becomes a
:class:`Bf16Linear`: bf16 operands on CPUs that multiply bf16 natively, fp32 results, while the
residual stream, LayerNorms, softmax and embeddings stay fp32 -- post-LN BERT renormalises after
every block, so the rounding does not pile up (feature cosine vs exact above 0.9999 in the benchmark).
Elsewhere (GPUs: already fp16; CPUs without native bf16: emulated, slower) nothing changes.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any, cast

import torch
import torch.nn.functional as F
from torch import nn

from clipdesk.clip.fast_model import fast_vision_tower
from clipdesk.clip.onednn import PackedLinear, packing_available
from clipdesk.clip.precision import check_precision, fast_differs
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


def _bf16_bert(bert: nn.Module, pack: bool, release: bool) -> nn.Module:
    """The BERT encoder with every ``nn.Linear`` a :class:`Bf16Linear`: a copy, or with ``release``
    the encoder itself (its fp32 products freed one by one)."""
    fast = bert if release else copy.deepcopy(bert)
    encoder = cast(Any, fast).encoder
    for layer in cast(Iterable[Any], encoder.layer):  # BERT layers: modules by attribute name
        attention = layer.attention.self
        for name in ("query", "key", "value"):
            setattr(attention, name, Bf16Linear(getattr(attention, name), pack))
        layer.attention.output.dense = Bf16Linear(layer.attention.output.dense, pack)
        layer.intermediate.dense = Bf16Linear(layer.intermediate.dense, pack)
        layer.output.dense = Bf16Linear(layer.output.dense, pack)
    return fast


class FastChineseCLIP(ChineseCLIP):
    """``ChineseCLIP``'s interface over a fast image tower (OpenAI's, ``clip.fast_model``) and a BERT
    tower with bf16 products. Built from an exact model by :func:`to_fast`."""

    def __init__(self, exact: ChineseCLIP, pack: bool, release: bool = False) -> None:
        nn.Module.__init__(self)
        self.config, self.context_length, self.vocab_size = exact.config, exact.context_length, exact.vocab_size
        self.visual = fast_vision_tower(exact.visual, pack, release)  # type: ignore[assignment]
        self.bert = _bf16_bert(exact.bert, pack, release)  # type: ignore[assignment]
        self.text_projection, self.logit_scale = exact.text_projection, exact.logit_scale
        self.eval()


def to_fast(model: ChineseCLIP, pack: bool | None = None, release: bool = False) -> FastChineseCLIP:
    """The fast model built from ``model`` (fp32), which is left unchanged unless ``release`` (a loader
    dropping ``model``: its parts are freed as they are converted)."""
    return FastChineseCLIP(model, packing_available() if pack is None else pack, release)


def apply_precision(model: ChineseCLIP, precision: str, device: str | torch.device) -> ChineseCLIP:
    """``model`` (fp32, as ``build_model`` made it) in ``precision`` for ``device``: itself, or the fast
    model built from it where ``fast`` computes differently (a native-bf16 CPU)."""
    check_precision(precision)
    if precision == "fast" and fast_differs(device):
        return to_fast(model, release=True)  # the loader drops the exact model
    return model
