"""Numeric precision of a loaded model: ``"exact"`` (the reference's numbers) or ``"fast"``.

``exact`` is what OpenAI's ``clip.load`` gives: fp32 on the CPU, fp16 weights on GPUs.

``fast`` on a CPU with native bf16 arithmetic (AVX-512 BF16 or AMX) runs the matrix products of every
transformer block in bf16, which such CPUs multiply about 2.5 times faster than fp32, while the
residual stream, LayerNorms, embeddings and projections stay fp32 -- so rounding errors do not pile up
across layers (embedding cosine vs fp32 above 0.9999). Where torch has oneDNN's packed products (see
``onednn.py``) the blocks use them, with attention in fp32, and a ViT's last block computes only the
class token it is read for. The fast model is built from the exact one (``fast_model.py``); the exact
model is the reference's code. The modified-ResNet image tower has no residual stream to protect; it runs
in bf16 from its second convolution on. On GPUs the reference's own recipe (fp16 weights) is already
the fast one, so ``fast`` changes nothing there. On a CPU *without* native bf16, bf16 is emulated and
slower than fp32, so ``fast`` changes nothing either.
"""

from __future__ import annotations

import torch
from torch import nn

from clipdesk.clip.model import CLIP
from clipdesk.clip.onednn import PackedLinear
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
    """``model`` (as ``build_model`` made it, fp32) in ``precision`` for ``device``: the model itself,
    or -- only ``fast`` on a native-bf16 CPU -- the fast model built from it (``fast_model.to_fast``:
    ``model`` is consumed: its parts are freed as they are converted). The GPU fp16 conversion is
    ``clip.load``'s job, as in the reference.
    """
    check_precision(precision)
    if precision == "fast" and fast_differs(device):
        from clipdesk.clip.fast_model import to_fast

        return to_fast(model, release=True)
    return model


def describe(model: nn.Module) -> str:
    """A short name for the dtypes of a model's weights -- ``fp32`` (exact on CPU), ``fp16+fp32`` (the
    GPU recipe), ``bf16+fp32`` (fast on CPU) -- for cache keys and benchmark reports."""
    dtypes = {parameter.dtype for parameter in model.parameters() if parameter.is_floating_point()}
    dtypes |= {module.packed_weight.dtype for module in model.modules() if isinstance(module, PackedLinear)}
    names = {torch.float32: "fp32", torch.float16: "fp16", torch.bfloat16: "bf16"}
    return "+".join(sorted(names.get(dtype, str(dtype)) for dtype in dtypes)) or "fp32"
