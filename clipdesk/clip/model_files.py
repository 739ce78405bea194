"""Model files by name, for the engine: download on first use (with a progress bar on a terminal), and
offline import checked by actually reading the file.

``clipdesk.weights`` cannot import torch (it sits below this layer), so the check that an imported file
is CLIP weights (:func:`validate_checkpoint`) lives here and is passed down as a callback.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

from clipdesk.clip.checkpoint import finite_check, read_state_dict
from clipdesk.clip.model import build_model
from clipdesk.weights import (
    ImportResult,
    ProgressBar,
    UnknownModelError,
    ensure_model,
    load_registry,
    models_dir,
    resolve,
)
from clipdesk.weights import import_weights as _import_weights


def model_file(name: str, download_root: str | os.PathLike[str] | None = None) -> Path | None:
    """The verified cache file of the model called ``name`` (a built-in, a ``models.json`` entry or an
    imported model), downloading it first if needed; None when no model has that name. Raises
    ``clipdesk.weights.WeightsError`` (one-line message) when it cannot be fetched."""
    registry = load_registry()
    try:
        spec = resolve(name, registry, models_dir(download_root))
    except UnknownModelError:
        return None
    bar = ProgressBar(f"Downloading {spec.name}") if _stderr_is_terminal() else None
    try:
        return ensure_model(spec.name, download_root=download_root, registry=registry,
                            on_progress=bar.update if bar else None,
                            on_source=_say_source if bar and len(spec.sources) > 1 else None)
    finally:
        if bar is not None:
            bar.close()


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


def _say_source(url: str) -> None:
    print(f"\rfrom {url}", file=sys.stderr)  # a model with several sources: which one is in use


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr is not None and sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False
