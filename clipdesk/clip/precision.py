"""Numeric precision of a loaded model: ``"exact"`` (the reference's numbers) or ``"fast"``.

``exact`` is what OpenAI's ``clip.load`` gives: fp32 on the CPU, fp16 weights on GPUs.

``fast`` on a CPU with native bf16 arithmetic (AVX-512 BF16 or AMX) runs the matrix products of every
transformer block in bf16, which such CPUs multiply about 2.5 times faster than fp32, while the
residual stream, LayerNorms, embeddings and projections stay fp32 -- so rounding errors do not pile up
across layers (embedding cosine vs fp32 above 0.9999). Where torch has oneDNN's packed products (see
``onednn.py``) the blocks use them, with attention in fp32, and a ViT's last block computes only the
class token it is read for. The modified-ResNet image tower has no residual stream to protect; it runs
in bf16 from its second convolution on. On GPUs the reference's own recipe (fp16 weights) is already
the fast one, so ``fast`` changes nothing there. On a CPU *without* native bf16, bf16 is emulated and
slower than fp32, so ``fast`` changes nothing either.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

import torch
from torch import nn

from clipdesk.clip.model import CLIP, ModifiedResNet, ResidualAttentionBlock, Transformer, VisionTransformer
from clipdesk.clip.onednn import PackedLinear, PackedPatchEmbedding, PackedSelfAttention, packed_mlp, packing_available
from clipdesk.defaults import PRECISIONS

# Bumped whenever fast mode computes different numbers, so image embeddings cached under the old ones
# are not reused (2: oneDNN-packed products, fused SiLU, fp32 attention, LayerNorm weights kept exact).
FAST_REVISION = 2


def cpu_has_native_bf16() -> bool:
    """True when this CPU multiplies bf16 in hardware (x86 AVX-512 BF16 or AMX tiles)."""
    cpu = getattr(torch, "cpu", None)
    for probe in ("_is_avx512_bf16_supported", "_is_amx_tile_supported"):
        check = getattr(cpu, probe, None)
        try:
            if check is not None and check():
                return True
        except RuntimeError:
            continue
    return _cpuinfo_flags() & {"avx512_bf16", "amx_bf16"} != set()


def _cpuinfo_flags() -> set[str]:
    """The CPU feature flags Linux reports (empty elsewhere): a fallback for torch builds without probes."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as file:
            for line in file:
                if line.startswith("flags"):
                    return set(line.partition(":")[2].split())
    except OSError:
        pass
    return set()


def fast_differs(device: str | torch.device) -> bool:
    """Whether ``precision="fast"`` computes anything differently from ``"exact"`` on ``device``."""
    return torch.device(device).type == "cpu" and cpu_has_native_bf16()


def default_precision(device: str | torch.device) -> str:
    """What the window and the CLI use unless told otherwise: ``"fast"`` where the hardware computes
    in low precision natively (a bf16 CPU, any GPU), else ``"exact"``."""
    kind = torch.device(device).type
    if kind == "cpu":
        return "fast" if cpu_has_native_bf16() else "exact"
    return "fast"  # GPUs run the reference's fp16 recipe either way; fast adds draft JPEG decoding


def check_precision(precision: str) -> str:
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; choose one of {', '.join(PRECISIONS)}")
    return precision


def apply_precision(model: CLIP, precision: str, device: str | torch.device) -> CLIP:
    """Put ``model`` (as ``build_model`` made it, fp32) in ``precision`` for ``device``, in place.

    Only ``fast`` on a native-bf16 CPU changes anything (see the module docstring); the GPU fp16
    conversion is ``clip.load``'s job, as in the reference.
    """
    check_precision(precision)
    if precision == "fast" and fast_differs(device):
        to_bf16(model)
    return model


def to_bf16(model: CLIP, pack: bool | None = None) -> None:
    """bf16 weights for the matrix products inside every transformer block and the whole ResNet image
    tower; ``ResidualAttentionBlock`` then casts its LayerNorm outputs to bf16 and adds the results
    to the fp32 residual stream.

    With ``pack`` (default: where this torch has them, see ``onednn.py``) the blocks' products -- and a
    ViT's patch embedding -- become oneDNN-packed bf16 products with SiLU fused into the MLP, attention
    in fp32; otherwise the weights are simply cast to bf16 and ``F.linear`` runs them.
    """
    if pack is None:
        pack = packing_available()
    transformers = [module for module in model.modules() if isinstance(module, Transformer)]
    for transformer in transformers:
        for block in cast(Iterable[ResidualAttentionBlock], transformer.resblocks):  # LayerNorms: fp32
            if pack:
                block.attn = PackedSelfAttention(block.attn)  # type: ignore[assignment]
                block.mlp = packed_mlp(block.mlp)
            else:
                block.attn.to(torch.bfloat16)
                block.mlp.to(torch.bfloat16)
    if isinstance(model.visual, ModifiedResNet):
        _resnet_to_bf16(model.visual)
    elif isinstance(model.visual, VisionTransformer):
        model.visual.class_token_only = True  # the last block skips outputs nobody reads
        if pack:
            model.visual.conv1 = PackedPatchEmbedding(model.visual.conv1)  # type: ignore[assignment]


def _resnet_to_bf16(visual: ModifiedResNet) -> None:
    """bf16 from the stem's second convolution to the attention pool. The first convolution stays
    fp32 (it is 0.5 % of the work), so ``model.dtype`` -- what images and token embeddings are cast to
    -- stays fp32 and the text tower keeps its fp32 residual stream; the features come out fp32."""
    visual.to(torch.bfloat16)
    visual.conv1.float()
    visual.bn1.float()
    visual.conv2.register_forward_pre_hook(lambda module, args: (args[0].to(torch.bfloat16),))
    visual.attnpool.register_forward_hook(lambda module, args, output: output.float())


def describe(model: nn.Module) -> str:
    """A short name for the dtypes of a model's weights -- ``fp32`` (exact on CPU), ``fp16+fp32`` (the
    GPU recipe), ``bf16+fp32`` (fast on CPU) -- for cache keys and benchmark reports."""
    dtypes = {parameter.dtype for parameter in model.parameters() if parameter.is_floating_point()}
    dtypes |= {module.packed_weight.dtype for module in model.modules() if isinstance(module, PackedLinear)}
    names = {torch.float32: "fp32", torch.float16: "fp16", torch.bfloat16: "bf16"}
    return "+".join(sorted(names.get(dtype, str(dtype)) for dtype in dtypes)) or "fp32"
