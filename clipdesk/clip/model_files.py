"""Model files by name, for the engine: download on first use (the weights layer draws the progress
bar on a terminal), and offline import checked by actually reading the file.

``clipdesk.weights`` cannot import torch (it sits below this layer), so the check that an imported file
is CLIP weights (:func:`validate_checkpoint`) lives here and is passed down as a callback.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

from clipdesk.clip.checkpoint import finite_check, read_state_dict
from clipdesk.clip.model import build_model
from clipdesk.weights import (
    ImportResult,
    UnknownModelError,
    ensure_model,
    load_registry,
    models_dir,
    resolve,
)
from clipdesk.weights import import_weights as _import_weights
from clipdesk.weights.progress import terminal_download_report


def model_file(name: str, download_root: str | os.PathLike[str] | None = None) -> Path | None:
    """The verified cache file of the model called ``name`` (a built-in, a ``models.json`` entry or an
    imported model), downloading it first if needed; None when no model has that name. Raises
    ``clipdesk.weights.WeightsError`` (one-line message) when it cannot be fetched."""
    registry = load_registry()
    try:
        spec = resolve(name, registry, models_dir(download_root))
    except UnknownModelError:
        return None
    with terminal_download_report(spec.name, len(spec.sources)) as report:
        return ensure_model(spec.name, download_root=download_root, registry=registry,
                            on_progress=report.on_progress, on_source=report.on_source)


def validate_checkpoint(path: str | os.PathLike[str]) -> None:
    """Raise ``CheckpointError`` / ``StateDictError`` unless ``path`` reads as a state dict that
    ``build_model`` accepts. Reads without running anything stored in the file. Library warnings
    (e.g. torch's about an unusual pickle protocol) are silenced: the outcome is this call's verdict."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        state = read_state_dict(path)
        build_model(state, on_converted=finite_check(path, state))


def import_weights(path: str | os.PathLike[str], name: str | None = None,
                   download_root: str | os.PathLike[str] | None = None) -> ImportResult:
    """Copy a local checkpoint into the cache (for machines without network): a file with a published
    SHA256 becomes that model; any other file is checked with :func:`validate_checkpoint` and
    registered as ``name``. Raises ``clipdesk.weights.WeightsError`` with a one-line message."""
    return _import_weights(Path(path), name, validate=validate_checkpoint, download_root=download_root)
