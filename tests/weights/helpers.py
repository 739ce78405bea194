"""Small helpers shared by the weights tests."""

from __future__ import annotations

import json
import os
from pathlib import Path

MODEL_NAME = "tiny-vit"
MODEL_URL_PATH = "/models/tiny-vit.pt"


def write_models_json(entries: list[dict]) -> Path:
    """Write the user's models.json where the isolated CLIPDESK_CONFIG_DIR points."""
    path = Path(os.environ["CLIPDESK_CONFIG_DIR"]) / "models.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"models": entries}), encoding="utf-8")
    return path


def files_in(root: Path) -> set[str]:
    """Names in the cache folder, lock files aside (they are left on purpose)."""
    return {path.name for path in root.iterdir() if not path.name.endswith(".lock")} if root.exists() else set()
