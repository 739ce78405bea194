"""The CLIP engine: a drop-in for OpenAI's ``clip`` package.

``load``, ``tokenize`` and ``available_models`` take the same arguments and give the same results as
OpenAI's, so its README examples run after ``import clipdesk.clip as clip``. Unlike the reference, ``load``
never executes code stored in a checkpoint (``jit=True`` loads the eager model) and a bad file gets an
error that names it.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from clipdesk.clip import mapped_pages
from clipdesk.clip.architecture import StateDictError, is_chinese_clip
from clipdesk.clip.checkpoint import CheckpointError, finite_check, read_state_dict
from clipdesk.clip.device import pick_device
from clipdesk.clip.model import CLIP, build_model, convert_weights
from clipdesk.clip.model_files import model_file
from clipdesk.clip.precision import apply_precision, check_precision
from clipdesk.clip.preprocess import transform
from clipdesk.clip.tokenizer import tokenize
from clipdesk.weights.registry import OPENAI_MODEL_NAMES

__all__ = ["CLIP", "CheckpointError", "ModelNotFoundError", "available_models", "load", "from_state_dict",
           "tokenize"]


class ModelNotFoundError(RuntimeError):
    """No checkpoint for the requested name or path (a ``RuntimeError``, as the reference raises)."""


def available_models() -> list[str]:
    """The names ``load`` accepts besides file paths, in OpenAI's order."""
    return list(OPENAI_MODEL_NAMES)


def load(name_or_path: str | os.PathLike[str], device: str | torch.device | None = None, jit: bool = False,
         download_root: str | os.PathLike[str] | None = None, precision: str = "exact"
         ) -> tuple[CLIP, Callable[[Any], torch.Tensor]]:
    """Load a CLIP model and the image transform its inputs need.

    ``name_or_path``: one of ``available_models()`` or a checkpoint file (OpenAI's TorchScript release
    files, ``torch.save`` state dicts, safetensors). ``device``: ``None`` picks cuda, then mps, then cpu.
    The model is in eval mode: fp32 on CPU; on GPUs convolutions, linear layers and attention are fp16
    as in the reference. ``jit=True`` warns and loads the eager model: TorchScript code stored in a file
    is never run. ``precision="fast"`` (not in the reference) trades the last digits for speed where
    the hardware allows: see ``clipdesk.clip.precision``. Raises ``ModelNotFoundError`` or
    ``CheckpointError`` (naming the file), ``ValueError`` for an unknown precision.
    """
    check_precision(precision)
    if jit:
        warnings.warn("jit=True is not supported: clipdesk never runs code stored in a checkpoint. "
                      "Loading the eager model, which gives the same results.", stacklevel=2)
    device = pick_device(device)
    path = _resolve_checkpoint(name_or_path, download_root)
    return from_state_dict(path, read_state_dict(path), device, precision)


def from_state_dict(path: Path, state_dict: dict[str, torch.Tensor], device: str | torch.device,
                    precision: str = "exact") -> tuple[CLIP, Callable[[Any], torch.Tensor]]:
    """``load``'s second half, for a caller that has read ``path`` already (to tell its family)."""
    device = torch.device(device)
    if is_chinese_clip(state_dict):
        raise CheckpointError(f"{path}: a Chinese-CLIP model, not OpenAI's CLIP; load it with "
                              "clipdesk.cnclip.load")
    try:
        model = build_model(state_dict, on_converted=_checked_then_released(path, state_dict))
    except StateDictError as error:
        raise CheckpointError(f"{path}: not a CLIP model: {error}") from error
    if device.type != "cpu":
        convert_weights(model)
    model = apply_precision(model, precision, device).to(device)
    mapped_pages.release(path, state_dict.values())  # built: the file's pages need not stay in memory
    return model, transform(model.visual.input_resolution)


def _checked_then_released(path: Path, state_dict: dict[str, torch.Tensor]) -> Callable[[torch.Tensor], None]:
    """Per converted tensor: refuse NaN/infinite weights, then give the file's pages back."""
    check, release = finite_check(path, state_dict), mapped_pages.releaser(path)

    def hook(tensor: torch.Tensor) -> None:
        check(tensor)
        release(tensor)

    return hook


def _resolve_checkpoint(name_or_path: str | os.PathLike[str], download_root: str | os.PathLike[str] | None) -> Path:
    """The file to read: an existing file as given; a known model name's verified file in the weights
    cache (``download_root``, default the user data folder), downloaded on first use; anything else that
    exists as given, so that the checkpoint reader can say what is wrong with it."""
    given = Path(os.fspath(name_or_path)).expanduser()
    if given.is_file():
        return given
    name = os.fspath(name_or_path)
    cached = model_file(name, download_root)  # None: no model of that name
    if cached is not None:
        return cached
    if given.exists():
        return given
    raise ModelNotFoundError(f"Model {name} not found: no such file, and not one of the available models "
                             f"{available_models()}")
