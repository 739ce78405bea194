"""Which files a run should look at: images named directly, and images found in folders.

A file named explicitly is always attempted (so a mislabelled or broken file is reported, not silently
skipped). Inside folders only names with an image extension are taken, and hidden files and folders
(dot-names) are skipped. Without ``recursive``, a sub-folder whose name looks like an image
("x.png") is listed too, so the user hears about it instead of wondering where it went. For the same
reason HEIC/HEIF photos are listed even without the optional ``pillow-heif``: the run then tells the
user how to read them, instead of an iPhone folder looking empty.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path

BASE_EXTENSIONS = frozenset({
    ".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".webp", ".bmp", ".dib", ".gif", ".tif", ".tiff",
})
HEIF_EXTENSIONS = frozenset({".heic", ".heif", ".hif"})


@lru_cache(maxsize=1)
def heif_supported() -> bool:
    """True when the optional ``pillow-heif`` package is installed; registers its PIL opener once."""
    try:
        import pillow_heif
    except ImportError:
        return False
    pillow_heif.register_heif_opener()
    return True


def image_extensions() -> frozenset[str]:
    """The extensions this installation can decode."""
    return BASE_EXTENSIONS | HEIF_EXTENSIONS if heif_supported() else BASE_EXTENSIONS


def is_image_name(path: str | os.PathLike[str]) -> bool:
    """A photo by its name, readable here or not (see :func:`unsupported_reason`)."""
    return Path(path).suffix.lower() in BASE_EXTENSIONS | HEIF_EXTENSIONS


def unsupported_reason(path: str | os.PathLike[str]) -> str | None:
    """Why a photo this installation cannot decode failed, when an optional package would read it."""
    if Path(path).suffix.lower() in HEIF_EXTENSIONS and not heif_supported():
        return "HEIC/HEIF photo: install the optional pillow-heif package to read it (pip install 'clipdesk[heif]')"
    return None


def is_hidden(path: Path) -> bool:
    return path.name.startswith(".")


def iter_image_files(paths: Iterable[str | os.PathLike[str]], recursive: bool = False,
                     should_stop: Callable[[], bool] | None = None) -> list[Path]:
    """The files to label, in a stable order: explicit paths as given (missing ones included, so the
    run reports them), then each folder's images sorted by path. Each file appears once.

    ``should_stop`` is asked before each entry: once it says yes, the files found so far are returned
    (a window's Cancel while a whole disk is being walked)."""
    stop = should_stop or (lambda: False)
    found: list[Path] = []
    seen: set[str] = set()

    def add(path: Path) -> None:
        key = os.path.normcase(os.path.abspath(path))
        if key not in seen:
            seen.add(key)
            found.append(path)

    for raw in paths:
        if stop():
            break
        path = Path(raw)
        if not path.is_dir():
            add(path)
            continue
        for entry in _walk(path, recursive, stop):
            if is_image_name(entry):
                add(entry)
    return found


def _walk(folder: Path, recursive: bool, stop: Callable[[], bool]) -> list[Path]:
    """Non-hidden entries of ``folder`` (descending into non-hidden sub-folders when recursive),
    sorted so runs are reproducible. Unreadable sub-folders are skipped, not fatal."""
    out: list[Path] = []
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return out
    for entry in entries:
        if stop():
            break
        path = Path(entry.path)
        if is_hidden(path):
            continue
        try:
            is_dir = entry.is_dir(follow_symlinks=False)  # never loop through a linked folder
        except OSError:
            is_dir = False
        if is_dir and recursive:
            out.extend(_walk(path, recursive, stop))
        else:
            out.append(path)
    return out
