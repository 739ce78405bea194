"""The weights cache folder: find a model's verified file (downloading it on first use), list what is
there, remove a model.

Imported custom models have no URL; they are remembered by the ``name`` in their ``.sha256.json``
record, so the cache folder alone says what it holds and there is no index file to get out of step.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from clipdesk.weights import aliases, lock, records
from clipdesk.weights import download as downloader
from clipdesk.weights.errors import CorruptFileError, UnknownModelError, WeightsError
from clipdesk.weights.locations import models_dir
from clipdesk.weights.registry import ModelSpec, Registry, load_registry

CACHED, CHANGED, PARTIAL, MISSING = "cached", "changed since verified", "partly downloaded", "not downloaded"


@dataclass(frozen=True)
class CacheEntry:
    """One row of ``clipdesk models list``."""

    spec: ModelSpec
    path: Path
    state: str  # CACHED, CHANGED (re-verified on next load), PARTIAL (a resumable .part) or MISSING
    size_on_disk: int | None  # of the file, or of the .part when PARTIAL
    imported: bool  # a custom model added with import (no URL)


def imported_models(root: Path) -> tuple[ModelSpec, ...]:
    """Custom models imported into ``root``, read from the names in their records."""
    specs = []
    try:
        record_files = sorted(root.glob("*" + records.RECORD_SUFFIX))
    except OSError:
        return ()
    for record_file in record_files:
        path = record_file.with_name(record_file.name[: -len(records.RECORD_SUFFIX)])
        record = records.read_record(path)
        if record is not None and record.name and path.is_file():
            specs.append(ModelSpec(record.name, None, record.sha256, record.size, path.name))
    return tuple(specs)


def resolve(name: str, registry: Registry, root: Path) -> ModelSpec:
    """The model called ``name``: a registry entry or an imported custom model."""
    spec = registry.find(name)
    if spec is not None:
        return spec
    imported = imported_models(root)
    for candidate in imported:
        if candidate.name == name or candidate.name.casefold() == name.strip().casefold():
            return candidate
    target = aliases.find_alias(root, name)  # a name given when a known model's file was imported
    if target is not None and target != name:
        return resolve(target, registry, root)
    known = registry.names() + [spec.name for spec in imported]
    raise UnknownModelError(f"unknown model {name!r}; known models: {', '.join(known)}")


def ensure_model(name: str, *, download_root: str | os.PathLike[str] | None = None,
                 registry: Registry | None = None,
                 on_progress: Callable[[int, int | None], None] | None = None,
                 should_stop: Callable[[], bool] | None = None,
                 on_wait: Callable[[], None] | None = None, **download_options: object) -> Path:
    """Path of the verified file for ``name``, downloading it on first use.

    A cached file is trusted while its size and mtime match its record; a file whose bytes changed is
    downloaded again (with a warning), or reported when it was imported and cannot be fetched.
    """
    root = models_dir(download_root)
    registry = load_registry() if registry is None else registry
    spec = resolve(name, registry, root)
    if spec.url is None:  # imported: the cache holds the only copy clipdesk knows of
        path = root / spec.file_name
        if records.verify(path, spec.sha256, should_stop=should_stop):
            return path
        raise CorruptFileError(f"{path} changed after it was imported (its SHA256 differs); import "
                               f"the model again with `clipdesk models import FILE --name {spec.name}`")
    return downloader.download(spec, root, on_progress=on_progress, should_stop=should_stop,
                               on_wait=on_wait, **download_options)  # type: ignore[arg-type]


def list_models(registry: Registry | None = None, root: Path | None = None) -> list[CacheEntry]:
    """Every known model and whether it is in the cache. Cheap: reads records, never hashes."""
    registry = load_registry() if registry is None else registry
    root = models_dir() if root is None else root
    entries = [_entry(spec, root, imported=False) for spec in registry.models]
    known_files = {spec.file_name for spec in registry.models}
    entries += [_entry(spec, root, imported=True) for spec in imported_models(root)
                if spec.file_name not in known_files and registry.find(spec.name) is None]
    return entries


def _entry(spec: ModelSpec, root: Path, imported: bool) -> CacheEntry:
    path = root / spec.file_name
    part = downloader.part_path(path)
    if path.is_file():
        record = records.read_record(path)
        fresh = records.is_fresh(path, record) and record is not None and record.sha256 == spec.sha256
        return CacheEntry(spec, path, CACHED if fresh else CHANGED, path.stat().st_size, imported)
    if part.is_file():
        return CacheEntry(spec, path, PARTIAL, part.stat().st_size, imported)
    return CacheEntry(spec, path, MISSING, None, imported)


def remove_model(name: str, registry: Registry | None = None, root: Path | None = None) -> list[Path]:
    """Delete a model's file, record and partial download. Refuses while another process writes it."""
    registry = load_registry() if registry is None else registry
    root = models_dir() if root is None else root
    if registry.find(name) is None and aliases.find_alias(root, name) is not None:
        aliases.remove_alias(root, name)  # only the other name goes; the model stays
        return [root / aliases.ALIASES_FILE]
    spec = resolve(name, registry, root)
    path = root / spec.file_name
    part = downloader.part_path(path)
    if not path.exists() and not part.exists() and not records.record_path(path).exists():
        raise WeightsError(f"{spec.name} is not in the cache ({root}); nothing to remove")
    with lock.acquire(path, wait=False):
        removed = records.remove_with_record(path)
        if records.delete_if_present(part):
            removed.append(part)
    return removed
