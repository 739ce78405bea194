"""Verify a cached file once, then trust it while its size and mtime stay the same.

Beside each verified ``<file>`` lies ``<file>.sha256.json`` with its SHA256, size and mtime (ns). A start
reads that record instead of hashing hundreds of megabytes; when size or mtime differ the file is hashed
again. Records are written atomically, and an unreadable record only costs one re-hash.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from clipdesk.weights.errors import DownloadCancelled, StorageError, storage_error

RECORD_SUFFIX = ".sha256.json"
HASH_CHUNK = 1 << 20


@dataclass(frozen=True)
class Record:
    """What was true of a file when it was last hashed. ``name`` is set for imported custom models."""

    sha256: str
    size: int
    mtime_ns: int
    name: str | None = None


def record_path(path: Path) -> Path:
    return path.with_name(path.name + RECORD_SUFFIX)


def sha256_of(path: Path, should_stop: Callable[[], bool] | None = None) -> str:
    """SHA256 of a file, read in chunks (never whole into memory). Raises ``StorageError`` when the
    file cannot be read."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as stream:
            while chunk := stream.read(HASH_CHUNK):
                if should_stop is not None and should_stop():
                    raise DownloadCancelled(f"stopped while checking {path.name}")
                digest.update(chunk)
    except OSError as error:
        raise storage_error(error, path, "read") from error
    return digest.hexdigest()


def read_record(path: Path) -> Record | None:
    """The record beside ``path``, or None when missing or unreadable (the file is then re-hashed)."""
    try:
        data = json.loads(record_path(path).read_text(encoding="utf-8"))
        fields = data["sha256"], data["size"], data["mtime_ns"], data.get("name")
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return None
    sha256, size, mtime_ns, name = fields
    if not (isinstance(sha256, str) and _is_int(size) and _is_int(mtime_ns)
            and (name is None or isinstance(name, str))):
        return None  # hand-edited or damaged: hashing again is cheaper than guessing
    return Record(sha256, size, mtime_ns, name)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def write_record(path: Path, sha256: str, name: str | None = None) -> Record:
    """Record that ``path`` (as it is now on disk) has ``sha256``."""
    stat = path.stat()
    record = Record(sha256, stat.st_size, stat.st_mtime_ns, name)
    fields = {"sha256": sha256, "size": record.size, "mtime_ns": record.mtime_ns}
    if name is not None:
        fields["name"] = name
    target = record_path(path)
    temporary = target.with_name(target.name + ".tmp")
    try:
        temporary.write_text(json.dumps(fields, indent=1) + "\n", encoding="utf-8")
        os.replace(temporary, target)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise storage_error(error, target) from error
    return record


def is_fresh(path: Path, record: Record | None) -> bool:
    """True when ``record`` still describes ``path`` (same size and mtime), so hashing can be skipped."""
    if record is None:
        return False
    try:
        stat = path.stat()
    except OSError:
        return False
    return stat.st_size == record.size and stat.st_mtime_ns == record.mtime_ns


def verified_by_record(path: Path, sha256: str) -> bool:
    """True when a fresh record says ``path`` has ``sha256``; never hashes."""
    record = read_record(path)
    return record is not None and record.sha256 == sha256 and is_fresh(path, record)


def verify(path: Path, sha256: str, name: str | None = None,
           should_stop: Callable[[], bool] | None = None) -> bool:
    """Does ``path`` exist with the expected SHA256? Hashes only when the record is missing or stale,
    and refreshes the record after a successful hash."""
    if not path.is_file():
        return False
    record = read_record(path)
    if is_fresh(path, record) and record is not None and record.sha256 == sha256:
        return True
    # No record, a stale one, or one that names another hash (a hand edit, or models.json changed the
    # expected hash): only the bytes can tell.
    if sha256_of(path, should_stop) != sha256:
        return False
    with contextlib.suppress(StorageError):  # a read-only cache still works; it is hashed again next time
        write_record(path, sha256, name if name is not None else (record.name if record else None))
    return True


def remove_with_record(path: Path) -> list[Path]:
    """Delete a cached file and its record; returns what was deleted."""
    return [candidate for candidate in (path, record_path(path)) if delete_if_present(candidate)]


def delete_if_present(path: Path) -> bool:
    """Delete ``path``; False when it was not there. Other failures are one-line ``StorageError``s."""
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    except OSError as error:
        raise storage_error(error, path, "delete") from error
    return True
