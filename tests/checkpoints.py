"""Tiny random CLIP checkpoints in the two real on-disk formats, for fast tests.

Models are built with the reference implementation (``clip-anytorch``, a test-only dependency), so the
tensor names and shapes are exactly those of OpenAI's released files. Every parameter gets random noise
(biases and LayerNorms included), so a wrong mapping cannot hide behind zeros or ones.
"""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass
from pathlib import Path

import torch

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # pkg_resources deprecation inside clip-anytorch
    from clip import model as reference_model


@dataclass(frozen=True)
class TinyConfig:
    """Arguments of the reference ``CLIP`` constructor. Widths are multiples of 64 because the
    reference ``build_model`` derives head counts as ``width // 64``."""

    embed_dim: int
    image_resolution: int
    vision_layers: int | tuple[int, int, int, int]
    vision_width: int
    vision_patch_size: int | None
    context_length: int = 77  # what ``tokenize`` produces
    vocab_size: int = 49408  # the real BPE vocabulary, so real strings can be encoded
    transformer_width: int = 64
    transformer_heads: int = 1
    transformer_layers: int = 2


TINY_CONFIGS: dict[str, TinyConfig] = {
    # ViT: 32 px input, 16 px patches -> 2x2 grid + class token; two heads in the vision tower.
    "vit": TinyConfig(embed_dim=32, image_resolution=32, vision_layers=2, vision_width=128,
                      vision_patch_size=16, transformer_width=128, transformer_heads=2),
    # Modified ResNet: stem width 8 -> attention pool of width 256 (4 heads) on a 2x2 grid.
    "resnet": TinyConfig(embed_dim=32, image_resolution=64, vision_layers=(1, 1, 1, 1), vision_width=8,
                         vision_patch_size=None),
    # ResNet with more than one block per stage (the RN101 / RN50xN shape of layer counts).
    "resnet-deep": TinyConfig(embed_dim=48, image_resolution=96, vision_layers=(2, 1, 3, 1),
                              vision_width=8, vision_patch_size=None, transformer_layers=3),
}

# The full-size ViT-B/32 (reference constructor arguments), for one realistic-size conformance test.
VIT_B_32 = TinyConfig(embed_dim=512, image_resolution=224, vision_layers=12, vision_width=768,
                      vision_patch_size=32, transformer_width=512, transformer_heads=8, transformer_layers=12)


def make_reference_model(config: TinyConfig, seed: int = 0) -> torch.nn.Module:
    """A reference ``CLIP`` in fp32 with every parameter perturbed by seeded noise."""
    torch.manual_seed(seed)
    model = reference_model.CLIP(
        config.embed_dim, config.image_resolution, config.vision_layers, config.vision_width,
        config.vision_patch_size, config.context_length, config.vocab_size, config.transformer_width,
        config.transformer_heads, config.transformer_layers,
    )
    generator = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if name == "logit_scale":
                continue
            noise = torch.randn(parameter.shape, generator=generator) * 0.02
            parameter.add_(noise)
        for name, buffer in model.named_buffers():
            if buffer.is_floating_point() and "running_var" in name:
                buffer.uniform_(0.5, 1.5, generator=generator)
            elif buffer.is_floating_point() and "running_mean" in name:
                buffer.normal_(0.0, 0.1, generator=generator)
    return model.eval()


def save_state_dict(model: torch.nn.Module, path: Path, wrap: str | None = None) -> Path:
    """``torch.save`` of the state dict; ``wrap="state_dict"`` nests it, ``wrap="module"`` prefixes keys
    with ``module.`` as DataParallel training scripts do."""
    state = {key: value.clone() for key, value in model.state_dict().items()}
    if wrap == "module":
        state = {f"module.{key}": value for key, value in state.items()}
    obj: object = {"state_dict": state, "epoch": 3} if wrap == "state_dict" else state
    torch.save(obj, path)
    return path


def save_torchscript(model: torch.nn.Module, path: Path, half: bool = True) -> Path:
    """An OpenAI-style release file: the model traced with ``torch.jit`` and saved as a TorchScript
    archive, with fp16 weights as in the released files (``half=True``)."""
    model = copy.deepcopy(model)
    if half:
        reference_model.convert_weights(model)  # what OpenAI did before releasing the files
    resolution = model.visual.input_resolution
    image = torch.randn(2, 3, resolution, resolution)
    text = torch.randint(1, 49407, (2, model.context_length))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        traced = torch.jit.trace(model, (image, text), check_trace=False)
    torch.jit.save(traced, str(path))
    return path
