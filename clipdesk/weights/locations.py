"""Where clipdesk keeps weights and the user's model sources.

Environment variables win over platformdirs so tests and portable installs never touch the real user
folders: ``CLIPDESK_DATA_DIR`` (data root; weights live in ``<root>/models``) and ``CLIPDESK_CONFIG_DIR``
(holds ``models.json``).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "clipdesk"
MODELS_JSON = "models.json"


def _from_env(variable: str) -> Path | None:
    value = os.environ.get(variable, "").strip()
    if not value:
        return None
    try:
        return Path(value).expanduser()
    except RuntimeError:  # "~someone" for a user that does not exist: use the name as written
        return Path(value)


def data_dir() -> Path:
    """The data root: ``CLIPDESK_DATA_DIR`` or the platform's user data folder."""
    return _from_env("CLIPDESK_DATA_DIR") or Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def models_dir(download_root: str | os.PathLike[str] | None = None) -> Path:
    """The weights cache: ``download_root`` when given (``clip.load(..., download_root=...)``), else
    ``<data root>/models``."""
    if download_root is not None:
        return Path(download_root).expanduser()
    return data_dir() / "models"


def config_dir() -> Path:
    """``CLIPDESK_CONFIG_DIR`` or the platform's user config folder."""
    return _from_env("CLIPDESK_CONFIG_DIR") or Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def models_json_path() -> Path:
    """The file where users add their own model sources."""
    return config_dir() / MODELS_JSON
