"""Chinese-CLIP (OFA-Sys): zero-shot labels typed in Chinese, with the API of ``clipdesk.clip``.

``load``, ``tokenize`` and ``available_models`` mirror ``clipdesk.clip`` (and ``cn_clip.clip``'s
``load_from_name``/``tokenize``/``available_models``): ``load`` returns ``(model, preprocess)``; the model
has ``encode_image``, ``encode_text`` and a forward giving ``(logits_per_image, logits_per_text)``.
Checkpoints are read without running anything stored in them (the release files are pickles).

Numbers: the release files are fp32 and are used at full precision on the CPU. ``cn_clip``'s own
loader rounds them through fp16 first even there (a side effect of converting before loading);
``clipdesk.cnclip.model.build_model(state, round_to_fp16=True)`` reproduces that when wanted. On GPUs
the model runs in fp16 as the reference does.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from clipdesk.clip import mapped_pages
from clipdesk.clip.architecture import StateDictError, is_chinese_clip
from clipdesk.clip.checkpoint import CheckpointError, finite_check, read_state_dict
from clipdesk.clip.device import pick_device
from clipdesk.clip.model_files import model_file
from clipdesk.clip.precision import check_precision
from clipdesk.cnclip.model import ChineseCLIP, build_model, convert_weights
from clipdesk.cnclip.precision import apply_precision
from clipdesk.cnclip.preprocess import transform
from clipdesk.cnclip.tokenizer import tokenize
from clipdesk.weights.registry import CN_CLIP_MODEL_NAMES, CN_CLIP_PREFIX

__all__ = ["ChineseCLIP", "CheckpointError", "ModelNotFoundError", "available_models", "load", "from_state_dict",
           "registry_name", "tokenize"]


class ModelNotFoundError(RuntimeError):
    """No checkpoint for the requested name or path."""


def available_models() -> list[str]:
    """The released models' names as ``cn_clip`` spells them (``ViT-B-16``...); ``load`` also takes
    them with the ``CN-CLIP/`` prefix that the CLI and the window use."""
    return [name.removeprefix(CN_CLIP_PREFIX) for name in CN_CLIP_MODEL_NAMES]


def registry_name(name: str) -> str:
    """``ViT-B-16`` -> ``CN-CLIP/ViT-B-16`` (the registry's name), other names unchanged."""
    short = {model.casefold(): model for model in available_models()}
    return CN_CLIP_PREFIX + short[name.casefold()] if name.casefold() in short else name


def load(name_or_path: str | os.PathLike[str], device: str | torch.device | None = None,
         download_root: str | os.PathLike[str] | None = None, precision: str = "exact"
         ) -> tuple[ChineseCLIP, Callable[[Any], torch.Tensor]]:
    """Load a Chinese-CLIP model and the image transform its inputs need.

    ``name_or_path``: one of ``available_models()`` (with or without ``CN-CLIP/``) or a checkpoint file
    (the release ``.pt`` files, ``torch.save`` state dicts, safetensors). ``device``: ``None`` picks
    cuda, then mps, then cpu. ``precision="fast"``: bf16 products on CPUs that have them (see
    ``clipdesk.cnclip.precision``). Raises ``ModelNotFoundError``, or ``CheckpointError`` naming the
    file (also for an OpenAI CLIP checkpoint: load that with ``clipdesk.clip``).
    """
    check_precision(precision)
    device = pick_device(device)
    path = _resolve_checkpoint(name_or_path, download_root)
    return from_state_dict(path, read_state_dict(path), device, precision)


def from_state_dict(path: Path, state_dict: dict[str, torch.Tensor], device: str | torch.device,
                    precision: str = "exact") -> tuple[ChineseCLIP, Callable[[Any], torch.Tensor]]:
    """``load``'s second half, for a caller that has read ``path`` already (to tell its family)."""
    device = torch.device(device)
    check_precision(precision)
    if not is_chinese_clip(state_dict):
        raise CheckpointError(f"{path}: not a Chinese-CLIP model (no BERT text tower); an OpenAI CLIP "
                              "checkpoint loads with clipdesk.clip.load")
    check, release = finite_check(path, state_dict), mapped_pages.releaser(path)

    def converted(tensor: torch.Tensor) -> None:
        check(tensor)
        release(tensor)

    try:
        model = build_model(state_dict, on_converted=converted)
    except StateDictError as error:
        raise CheckpointError(f"{path}: not a Chinese-CLIP model: {error}") from error
    if device.type != "cpu":
        convert_weights(model)
    model = apply_precision(model, precision, device).to(device)
    mapped_pages.release(path, state_dict.values())
    return model, transform(model.visual.input_resolution)


def _resolve_checkpoint(name_or_path: str | os.PathLike[str], download_root: str | os.PathLike[str] | None) -> Path:
    given = Path(os.fspath(name_or_path)).expanduser()
    if given.is_file():
        return given
    name = registry_name(os.fspath(name_or_path))
    cached = model_file(name, download_root)
    if cached is not None:
        return cached
    if given.exists():
        return given
    raise ModelNotFoundError(f"Model {os.fspath(name_or_path)} not found: no such file, and not one of the "
                             f"available models {available_models()}")
