"""What a state dict says about the network: the architecture (``CLIPConfig``) read from tensor
shapes alone, as the reference ``build_model`` does, and the checks that name what does not fit.
Separate from ``model.py`` so the networks and their inference from checkpoints stay small."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import torch

# Scalars stored beside the weights in OpenAI's TorchScript archives; they are not parameters.
EXTRA_KEYS = ("input_resolution", "context_length", "vocab_size")
# Head counts are not stored in the weights; every OpenAI model uses 64-wide attention heads.
HEAD_WIDTH = 64


# Chinese-CLIP checkpoints (clipdesk.cnclip) share the image tower's keys but hold a BERT text tower.
CHINESE_CLIP_TEXT_PREFIX = "bert."


def is_chinese_clip(state: Mapping[str, object]) -> bool:
    """Whether a state dict's keys are Chinese-CLIP's (a BERT text tower) rather than OpenAI's: the one
    place that tells the two families apart by their weights."""
    return any(key.startswith(CHINESE_CLIP_TEXT_PREFIX) for key in state)


class StateDictError(ValueError):
    """The tensors do not describe a CLIP model: keys missing, unexpected, or of the wrong shape."""


@dataclass(frozen=True)
class CLIPConfig:
    """The reference ``CLIP`` constructor's arguments, all inferred from a state dict's shapes."""

    embed_dim: int  # width of the joint image-text embedding space
    image_resolution: int
    vision_layers: int | tuple[int, int, int, int]  # int: ViT depth; 4-tuple: ResNet blocks per stage
    vision_width: int
    vision_patch_size: int | None  # None for the ResNets
    context_length: int
    vocab_size: int
    transformer_width: int
    transformer_heads: int
    transformer_layers: int


# The nine OpenAI releases, as the shapes of their files state them: the one table of architectures
# (the benchmark builds random-weight stand-ins from it; the conformance tests check every row).
RELEASED: dict[str, CLIPConfig] = {
    "RN50": CLIPConfig(1024, 224, (3, 4, 6, 3), 64, None, 77, 49408, 512, 8, 12),
    "RN101": CLIPConfig(512, 224, (3, 4, 23, 3), 64, None, 77, 49408, 512, 8, 12),
    "RN50x4": CLIPConfig(640, 288, (4, 6, 10, 6), 80, None, 77, 49408, 640, 10, 12),
    "RN50x16": CLIPConfig(768, 384, (6, 8, 18, 8), 96, None, 77, 49408, 768, 12, 12),
    "RN50x64": CLIPConfig(1024, 448, (3, 15, 36, 10), 128, None, 77, 49408, 1024, 16, 12),
    "ViT-B/32": CLIPConfig(512, 224, 12, 768, 32, 77, 49408, 512, 8, 12),
    "ViT-B/16": CLIPConfig(512, 224, 12, 768, 16, 77, 49408, 512, 8, 12),
    "ViT-L/14": CLIPConfig(768, 224, 24, 1024, 14, 77, 49408, 768, 12, 12),
    "ViT-L/14@336px": CLIPConfig(768, 336, 24, 1024, 14, 77, 49408, 768, 12, 12),
}


@dataclass(frozen=True)
class VisionShape:
    """The image tower's hyper-parameters that its tensors state (the head count is not among them)."""

    image_resolution: int
    layers: int | tuple[int, int, int, int]  # int: ViT depth; 4-tuple: ResNet blocks per stage
    width: int
    patch_size: int | None  # None for the ResNets


def infer_vision(state: Mapping[str, torch.Tensor]) -> VisionShape:
    """The ``visual.*`` tower of a state dict, from its shapes. Shared with Chinese-CLIP, whose image
    towers are OpenAI's, key for key."""
    if "visual.proj" in state:
        width, _, patch_size, _ = shape_of(state, "visual.conv1.weight", 4)  # [width, 3, patch, patch]
        if patch_size < 1:
            raise StateDictError(f"'visual.conv1.weight' has shape {tuple(state['visual.conv1.weight'].shape)}: "
                                 "patches of size 0")
        grid = _grid(state, "visual.positional_embedding")  # grid ** 2 + 1 positions
        return VisionShape(patch_size * grid, count_blocks(state, "visual.transformer.resblocks."), width,
                           patch_size)
    if any(key.startswith("visual.layer1.") for key in state):
        stages = tuple(count_blocks(state, f"visual.layer{stage}.") for stage in (1, 2, 3, 4))
        width = shape_of(state, "visual.layer1.0.conv1.weight", 4)[0]  # [width, width, 1, 1]
        resolution = 32 * _grid(state, "visual.attnpool.positional_embedding")  # feature grid * 32
        return VisionShape(resolution, stages, width, None)  # type: ignore[arg-type]
    raise StateDictError("no image tower: expected 'visual.proj' (vision transformer) or "
                         "'visual.layer1.*' (ResNet) keys")


def vision_attention_width(vision: VisionShape) -> int:
    """The width its attention (ViT blocks, or the ResNet's attention pool) works at: heads divide it."""
    return vision.width if vision.patch_size is not None else vision.width * 32


def infer_config(state: Mapping[str, torch.Tensor]) -> CLIPConfig:
    """The architecture of a CLIP state dict, from its shapes (as the reference ``build_model`` does)."""
    vision = infer_vision(state)
    check_heads(vision_attention_width(vision), "visual.conv1.weight" if vision.patch_size is not None
                else "visual.layer1.0.conv1.weight")
    transformer_width = shape_of(state, "ln_final.weight", 1)[0]
    check_heads(transformer_width, "ln_final.weight")
    return CLIPConfig(
        embed_dim=shape_of(state, "text_projection", 2)[1],  # [text width, embed_dim]
        image_resolution=vision.image_resolution,
        vision_layers=vision.layers,
        vision_width=vision.width,
        vision_patch_size=vision.patch_size,
        context_length=shape_of(state, "positional_embedding", 2)[0],  # [context, width]
        vocab_size=shape_of(state, "token_embedding.weight", 2)[0],  # [vocab, width]
        transformer_width=transformer_width,
        transformer_heads=transformer_width // HEAD_WIDTH,
        transformer_layers=count_blocks(state, "transformer.resblocks."),
    )


def shape_of(state: Mapping[str, torch.Tensor], key: str, ndim: int) -> tuple[int, ...]:
    if key not in state:
        raise StateDictError(f"missing key {key!r}, needed to infer the architecture")
    shape = tuple(state[key].shape)
    if len(shape) != ndim:
        raise StateDictError(f"{key!r} has shape {shape}; expected {ndim} dimensions")
    return shape


def _grid(state: Mapping[str, torch.Tensor], key: str) -> int:
    positions = shape_of(state, key, 2)[0]
    grid = math.isqrt(max(positions - 1, 0))
    if grid < 1 or grid * grid + 1 != positions:
        raise StateDictError(f"{key!r} has {positions} positions; expected a square grid plus one")
    return grid


def count_blocks(state: Mapping[str, torch.Tensor], prefix: str) -> int:
    """Blocks under ``prefix`` (``prefix + "<index>." ...``): the highest index + 1, so a gap in the
    numbering shows up as missing keys rather than a silently shallower model."""
    indices = [key[len(prefix):].split(".", 1)[0] for key in state if key.startswith(prefix)]
    return max((int(index) + 1 for index in indices if index.isdigit()), default=0)


def check_heads(width: int, key: str, head_width: int = HEAD_WIDTH) -> None:
    """Heads are not stored: the width must split into ``head_width``-wide heads (64 in every OpenAI model)."""
    if width < head_width or width % head_width:
        raise StateDictError(f"width {width} (from {key!r}) is not a multiple of the {head_width}-wide "
                             "attention heads the model family uses")


def check_keys_and_shapes(expected: Mapping[str, tuple[int, ...]], state: Mapping[str, torch.Tensor],
                          config: object) -> None:
    """Raise ``StateDictError`` naming every key of ``state`` that is missing, unexpected, mis-shaped
    or not floating point, against the network's ``expected`` key -> shape."""
    optional = [key for key in expected if key.endswith("num_batches_tracked")]  # BatchNorm restores it
    missing = [key for key in expected if key not in state and key not in optional]
    unexpected = [key for key in state if key not in expected]
    wrong = [f"{key} {tuple(state[key].shape)} (expected {expected[key]})"
             for key in expected if key in state and tuple(state[key].shape) != expected[key]]
    # Weights must be real floating point (any width: fp64/fp32/fp16/bf16 are cast); integers, bools or
    # complex numbers cannot be weights and would fail deep inside torch with a baffling message.
    not_float = [f"{key} ({state[key].dtype})" for key in expected if key in state and key not in optional
                 and not state[key].is_floating_point()]
    problems = [f"{label}: {listing(keys)}" for label, keys in
                [("missing", missing), ("unexpected", unexpected), ("wrong shape", wrong),
                 ("not floating point", not_float)] if keys]
    if problems:
        raise StateDictError(f"tensors do not match the architecture inferred from them ({config}); "
                             + "; ".join(problems))


def listing(items: list[str], limit: int = 10) -> str:
    """Up to ``limit`` items, comma-separated, then how many more: error messages stay readable."""
    shown = ", ".join(items[:limit])
    return shown + (f" ... and {len(items) - limit} more" if len(items) > limit else "")
