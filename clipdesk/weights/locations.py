"""Where clipdesk keeps things on this computer -- the one owner of every user folder.

Environment variables win over platformdirs so tests and portable installs never touch the real user
folders: ``CLIPDESK_DATA_DIR`` (data root: weights in ``<root>/models``, label sets in
``<root>/labelsets``), ``CLIPDESK_CACHE_DIR`` (rebuildable things: the image-embedding cache, pasted
images) and ``CLIPDESK_CONFIG_DIR`` (``models.json`` and the window's settings).

Before 0.2, label sets and caches were placed with platformdirs' default ``appauthor``, which on
Windows adds a second ``clipdesk`` folder (``%LOCALAPPDATA%\\clipdesk\\clipdesk``) while the weights
did not; :func:`user_path` moves such an old entry to its place the first time it is asked for, and
keeps using the old one if it cannot be moved, so nothing a user made is ever left behind.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Literal

import platformdirs

APP_NAME = "clipdesk"
MODELS_JSON = "models.json"
DATA_VARIABLE = "CLIPDESK_DATA_DIR"
CACHE_VARIABLE = "CLIPDESK_CACHE_DIR"
CONFIG_VARIABLE = "CLIPDESK_CONFIG_DIR"
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")  # moved with a database, or its last writes are lost

Kind = Literal["data", "cache"]


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
    return _from_env(DATA_VARIABLE) or Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def cache_dir() -> Path:
    """Rebuildable data: ``CLIPDESK_CACHE_DIR`` or the platform's user cache folder."""
    return _from_env(CACHE_VARIABLE) or Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    """``CLIPDESK_CONFIG_DIR`` or the platform's user config folder."""
    return _from_env(CONFIG_VARIABLE) or Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def config_dir_override() -> Path | None:
    """The config folder the user chose with ``CLIPDESK_CONFIG_DIR`` (a portable install), if any."""
    return _from_env(CONFIG_VARIABLE)


def models_dir(download_root: str | os.PathLike[str] | None = None) -> Path:
    """The weights cache: ``download_root`` when given (``clip.load(..., download_root=...)``), else
    ``<data root>/models``."""
    if download_root is not None:
        return Path(download_root).expanduser()
    return data_dir() / "models"


def models_json_path() -> Path:
    """The file where users add their own model sources."""
    return config_dir() / MODELS_JSON


def user_path(kind: Kind, name: str, database: bool = False) -> Path:
    """``<data or cache root>/<name>``, with an entry of that name left under the pre-0.2 root moved
    here first (``database``: with its SQLite side files). Nothing moves when the root was chosen by
    an environment variable or when the old and new roots are the same (Linux, macOS)."""
    variable, root = (DATA_VARIABLE, data_dir()) if kind == "data" else (CACHE_VARIABLE, cache_dir())
    target = root / name
    if _from_env(variable) is not None:
        return target
    legacy = _legacy_root(kind) / name
    if legacy == target or not legacy.exists() or target.exists():
        return target
    suffixes = ("", *SQLITE_SIDE_FILES) if database else ("",)
    moved: list[tuple[Path, Path]] = []
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        for suffix in suffixes:
            old, new = Path(f"{legacy}{suffix}"), Path(f"{target}{suffix}")
            if old.exists():
                os.replace(old, new)
                moved.append((old, new))
    except OSError:
        for old, new in reversed(moved):  # all or nothing: a database never loses its side files
            with contextlib.suppress(OSError):
                os.replace(new, old)
        return legacy  # cannot move it (in use, read-only): keep using it where it is
    return target


def _legacy_root(kind: Kind) -> Path:
    """Where 0.1 put label sets (data) and caches: platformdirs with its default ``appauthor``."""
    return Path(platformdirs.user_data_dir(APP_NAME) if kind == "data" else platformdirs.user_cache_dir(APP_NAME))
