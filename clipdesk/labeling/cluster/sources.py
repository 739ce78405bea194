"""What a cluster run labels: photos named by folders, text files of paths, and URIs.

A source is a local folder (its photos, as a local run finds them), a ``.txt`` file listing one photo
or folder per line (blank lines and ``#`` comments skipped), a photo, or a URI that pyarrow can read
(``s3://``, ``gs://``, ``hdfs://``, ``file://``…): a URI that names a folder means its photos. Local
paths become absolute, so the actors (other processes, perhaps other machines with the same mount)
open the same files.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from clipdesk.labeling.batch import find_files
from clipdesk.labeling.files import is_hidden, is_image_name
from clipdesk.labeling.predictions import Prediction

LIST_SUFFIXES = frozenset({".txt", ".lst"})
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+://")


@dataclass(frozen=True)
class Sources:
    """The photos to label (each once, in a stable order), and a failed row per source that could not
    be listed."""

    photos: tuple[str, ...]
    unreadable: tuple[Prediction, ...]


def is_uri(text: str) -> bool:
    return bool(_URI.match(text))


def find_sources(sources: Sequence[str], recursive: bool = False) -> Sources:
    """Expand ``sources`` into photos; never raises for one bad source (it becomes a failed row)."""
    photos: dict[str, None] = {}
    unreadable: list[Prediction] = []
    for source in _expand_lists(sources, unreadable):
        if is_uri(source):
            found = _uri_photos(source, recursive, unreadable)
        else:
            files, failed = find_files([Path(source)], recursive)
            found = [os.path.abspath(f) for f in files]
            unreadable += [Prediction.failed(os.path.abspath(p.path), p.error or "") for p in failed]
        photos.update(dict.fromkeys(found))
    return Sources(tuple(photos), tuple(unreadable))


def _expand_lists(sources: Iterable[str], unreadable: list[Prediction]) -> list[str]:
    """Sources with every ``.txt`` list replaced by its lines (relative lines are relative to the list)."""
    out: list[str] = []
    for source in sources:
        if is_uri(source) or Path(source).suffix.lower() not in LIST_SUFFIXES or Path(source).is_dir():
            out.append(source)
            continue
        try:
            text = Path(source).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            unreadable.append(Prediction.failed(os.path.abspath(source), f"list of photos could not be read: {error}"))
            continue
        base = Path(source).parent
        for line in text.splitlines():
            entry = line.strip()
            if entry and not entry.startswith("#"):
                out.append(entry if is_uri(entry) or os.path.isabs(entry) else str(base / entry))
    return out


def _uri_photos(uri: str, recursive: bool, unreadable: list[Prediction]) -> list[str]:
    """The photo a URI names, or the photos in the folder it names (sorted, hidden names skipped)."""
    from pyarrow import fs

    try:
        filesystem, path = fs.FileSystem.from_uri(uri)
        info = filesystem.get_file_info(path)
        if info.type != fs.FileType.Directory:
            return [uri]  # a photo, or a missing one: the actor reports it
        entries = filesystem.get_file_info(fs.FileSelector(path, recursive=recursive))
    except Exception as error:  # noqa: BLE001 - bad scheme, no credentials, unreachable: a failed row
        unreadable.append(Prediction.failed(uri, f"could not be listed: {error}"))
        return []
    prefix = uri.rstrip("/")
    photos = []
    for entry in sorted(entries, key=lambda e: e.path):
        relative = entry.path[len(path.rstrip("/")):].lstrip("/")
        if entry.type == fs.FileType.File and is_image_name(entry.path) \
                and not any(is_hidden(Path(part)) for part in relative.split("/")):
            photos.append(f"{prefix}/{relative}")
    return photos
