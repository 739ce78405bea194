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
import stat
from collections.abc import Callable, Iterable, Iterator
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


UnreadableCallback = Callable[[Path, str], None]


def iter_image_files(paths: Iterable[str | os.PathLike[str]], recursive: bool = False,
                     should_stop: Callable[[], bool] | None = None,
                     on_unreadable: UnreadableCallback | None = None) -> list[Path]:
    """The files to label, in a stable order: explicit paths as given (missing ones included, so the
    run reports them), then each folder's images sorted by path. Each file appears once.

    ``should_stop`` is asked before each entry: once it says yes, the files found so far are returned
    (a window's Cancel while a whole disk is being walked). A folder that cannot be listed (permission
    denied, a name too long, an I/O error) is passed to ``on_unreadable(folder, reason)`` -- the given
    folder itself or any sub-folder at any depth -- so the run reports it instead of seeming empty."""
    stop = should_stop or (lambda: False)
    unreadable = on_unreadable or (lambda folder, reason: None)
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
        for entry in _walk(path, recursive, stop, unreadable):
            if is_image_name(entry):
                add(entry)
    return found


def _walk(folder: Path, recursive: bool, stop: Callable[[], bool], unreadable: UnreadableCallback) -> list[Path]:
    """Non-hidden entries of ``folder`` (descending into non-hidden sub-folders when recursive), sorted
    so runs are reproducible: depth first, each folder's entries by name. A stack instead of recursion,
    so no depth of nesting is too deep; folders that cannot be listed go to ``unreadable``."""
    out: list[Path] = []
    pending = [_listing(folder, unreadable)]
    while pending:
        path = next(pending[-1], None)
        if path is None:
            pending.pop()
            continue
        if stop():
            break
        if is_hidden(path):
            continue
        try:
            descend = recursive and _is_real_folder(path)
        except OSError as error:  # e.g. a path longer than the system allows
            unreadable(path, f"could not be read: {_os_reason(error)}")
            continue
        if descend:
            pending.append(_listing(path, unreadable))
        else:
            out.append(path)
    return out


def _listing(folder: Path, unreadable: UnreadableCallback) -> Iterator[Path]:
    """The entries of ``folder`` sorted by name; none (and a report) when it cannot be listed."""
    try:
        return iter(sorted(Path(entry.path) for entry in os.scandir(folder)))
    except OSError as error:
        unreadable(folder, f"folder could not be read: {_os_reason(error)}")
        return iter(())


def _is_real_folder(path: Path) -> bool:
    """A folder, not a link to one (never loop through a linked folder); OSError when it cannot be told."""
    return stat.S_ISDIR(os.lstat(path).st_mode)


def _os_reason(error: OSError) -> str:
    return error.strerror.lower() if error.strerror else str(error)


def describe_error(error: BaseException) -> str:
    """One line a person can act on, for a file that could not be turned into an image."""
    from PIL import Image, UnidentifiedImageError

    reason = getattr(error, "reason", None)  # the engine's ImageError already says it plainly
    if isinstance(reason, str) and reason:
        return reason
    if isinstance(error, FileNotFoundError):
        return "not found"
    if isinstance(error, IsADirectoryError):
        return "is a directory"
    if isinstance(error, PermissionError):
        return "permission denied"
    if isinstance(error, Image.DecompressionBombError):
        return f"too large: {error}"
    if isinstance(error, MemoryError):
        return "too large to decode in the available memory"
    if isinstance(error, UnidentifiedImageError):
        return "not an image, or an image format clipdesk cannot read"
    text = str(error).strip() or type(error).__name__
    if "truncated" in text.lower():
        return f"truncated or damaged image ({text})"
    if isinstance(error, OSError) and getattr(error, "strerror", None):
        return f"cannot read file: {error.strerror}"
    return text
