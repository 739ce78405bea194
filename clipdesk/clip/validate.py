"""Check that a file is usable CLIP weights before it joins the cache under a name of its own.

``clipdesk.weights.import_weights`` cannot import torch (it sits below this layer), so it takes
:func:`validate_checkpoint` as a callback; :func:`import_weights` here wires the two together.
"""

from __future__ import annotations

import os
from pathlib import Path

from clipdesk.clip.checkpoint import read_state_dict
from clipdesk.clip.model import build_model
from clipdesk.weights import ImportResult
from clipdesk.weights import import_weights as _import_weights


def validate_checkpoint(path: str | os.PathLike[str]) -> None:
    """Raise ``CheckpointError`` / ``StateDictError`` unless ``path`` reads as a state dict that
    ``build_model`` accepts. Reads without running anything stored in the file."""
    build_model(read_state_dict(path))


def import_weights(path: str | os.PathLike[str], name: str | None = None,
                   download_root: str | os.PathLike[str] | None = None) -> ImportResult:
    """Copy a local checkpoint into the cache (for machines without network): a file with a published
    SHA256 becomes that model; any other file is checked with :func:`validate_checkpoint` and
    registered as ``name``. Raises ``clipdesk.weights.WeightsError`` with a one-line message."""
    return _import_weights(Path(path), name, validate=validate_checkpoint, download_root=download_root)
