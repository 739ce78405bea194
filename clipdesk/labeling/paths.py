"""Where labeling keeps things on disk. Environment variables override the platform defaults so tests
and portable installs never touch the real user's folders."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "clipdesk"


def user_cache_dir() -> Path:
    """Rebuildable data (image embeddings): ``CLIPDESK_CACHE_DIR`` or the platform cache dir."""
    override = os.environ.get("CLIPDESK_CACHE_DIR")
    return Path(override) if override else Path(platformdirs.user_cache_dir(APP_NAME))


def user_data_dir() -> Path:
    """Things the user made (label sets): ``CLIPDESK_DATA_DIR`` or the platform data dir."""
    override = os.environ.get("CLIPDESK_DATA_DIR")
    return Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME))
