"""Install weights on a machine without network: copy a local file into the cache.

A file whose SHA256 is a registry entry's becomes that model, and a ``name`` given for it becomes an alias
of that model (so the name the user chose works). Any other file must be named, and must
pass ``validate`` (the caller's ``read_state_dict`` + ``build_model`` check: this layer cannot import
torch) before it is registered under that name.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from clipdesk.weights import aliases, lock, records
from clipdesk.weights.cache import imported_models
from clipdesk.weights.download import write_all
from clipdesk.weights.errors import InvalidWeightsError, StorageError, storage_error
from clipdesk.weights.locations import models_dir
from clipdesk.weights.registry import ModelSpec, Registry, load_registry, safe_file_name

Validator = Callable[[Path], None]
COPY_CHUNK = 1 << 20
_KEPT_SUFFIXES = (".pt", ".pth", ".bin", ".ckpt", ".safetensors")


@dataclass(frozen=True)
class ImportResult:
    spec: ModelSpec
    path: Path  # the file in the cache
    known: bool  # True when the SHA256 matched a registry entry (the file is that model)
    already_cached: bool  # True when an identical verified file was already there
    alias: str | None = None  # the name given for a known model's file, now another name for it


def import_weights(path: str | os.PathLike[str], name: str | None = None, *, validate: Validator | None,
                   download_root: str | os.PathLike[str] | None = None, registry: Registry | None = None,
                   on_progress: Callable[[int, int | None], None] | None = None,
                   on_wait: Callable[[], None] | None = None, keep_name: bool = True) -> ImportResult:
    """Copy ``path`` into the cache and return what it became. The source file is never modified.

    ``validate`` raises if the file is not a usable checkpoint; it is required for files that match no
    registry entry (``None`` then refuses them). ``on_wait()`` is called once if another process is
    writing the same cache file. ``keep_name=False``: a ``name`` only names a custom model (the window,
    which makes up names from file names, needs no alias). Raises ``WeightsError`` subclasses with
    one-line messages.
    """
    source = Path(path).expanduser()
    _check_source(source)
    if name is not None and (not name.strip() or not name.isprintable()):
        raise InvalidWeightsError(f"{name!r} is not a usable model name; use letters, digits and -_/.@")
    name = name.strip() if name is not None else None
    registry = load_registry() if registry is None else registry
    root = models_dir(download_root)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise storage_error(error, root, "create") from error
    temporary, sha256 = _copy_and_hash(source, root, on_progress)
    try:
        spec = registry.by_sha256(sha256)
        if spec is not None:
            alias = _alias_for(source, spec, name, registry, root) if keep_name else None
            result = _install(temporary, spec, root, known=True, on_wait=on_wait)
            if alias is not None:
                try:
                    aliases.add_alias(root, alias, spec.name)
                except OSError as error:
                    raise storage_error(error, root / aliases.ALIASES_FILE) from error
                result = ImportResult(result.spec, result.path, True, result.already_cached, alias)
            return result
        spec = _custom_spec(source, name, sha256, registry, root)
        if validate is None:
            raise InvalidWeightsError(f"{source} is not one of the known models and cannot be checked "
                                      f"here; import it with `clipdesk models import`")
        try:
            validate(temporary)
        except Exception as error:  # noqa: BLE001 — any failure means "not a usable checkpoint"
            reason = str(error).removeprefix(f"{temporary}: ").replace(str(temporary), source.name)
            reason = reason or type(error).__name__
            raise InvalidWeightsError(f"{source} is not a usable CLIP checkpoint: {reason}") from error
        return _install(temporary, spec, root, known=False, on_wait=on_wait)
    finally:
        temporary.unlink(missing_ok=True)


def _alias_for(source: Path, spec: ModelSpec, name: str | None, registry: Registry, root: Path) -> str | None:
    """``name`` when it should become another name for the known model ``spec``; None when it already
    is that model's name; a refusal when it belongs to something else (nothing is imported then)."""
    if name is None or registry.find(name) == spec:
        return None
    clash = registry.find(name) or next((m for m in imported_models(root)
                                         if m.name.casefold() == name.casefold()), None)
    taken = aliases.find_alias(root, name)
    if clash is not None or (taken is not None and taken != spec.name):
        other = clash.name if clash is not None else f"an alias of {taken}"
        raise InvalidWeightsError(f"{source} is {spec.name}'s published file, but the name {name!r} is "
                                  f"already {other}; nothing was imported: choose another --name, or "
                                  f"leave --name out to import it as {spec.name}")
    return name


def _check_source(source: Path) -> None:
    try:
        if not source.exists():
            raise InvalidWeightsError(f"{source} does not exist")
        if not source.is_file():
            raise InvalidWeightsError(f"{source} is not a file; give the path of a .pt checkpoint")
        if source.stat().st_size == 0:
            raise InvalidWeightsError(f"{source} is empty; it is not a CLIP checkpoint")
    except OSError as error:  # a name too long, a folder we may not enter, ...
        raise InvalidWeightsError(f"cannot read {source}: {error.strerror or error}") from error


def _copy_and_hash(source: Path, root: Path,
                   on_progress: Callable[[int, int | None], None] | None) -> tuple[Path, str]:
    """Copy into a hidden temporary file inside the cache (same disk, so the final move is atomic)."""
    total = source.stat().st_size
    try:
        free = shutil.disk_usage(root).free
    except OSError:
        free = None
    if free is not None and free < total:
        raise StorageError(f"not enough space in {root} to import {source.name}: {total >> 20} MiB needed, "
                           f"{free >> 20} MiB free; free some space or point CLIPDESK_DATA_DIR elsewhere")
    try:
        fd, name = tempfile.mkstemp(dir=root, prefix=".import-", suffix=".part")
    except OSError as error:
        raise storage_error(error, root, "write to") from error
    temporary = Path(name)
    digest, done = hashlib.sha256(), 0
    try:
        with os.fdopen(fd, "wb", buffering=0) as target:
            try:
                reader = open(source, "rb")
            except OSError as error:
                raise InvalidWeightsError(f"cannot read {source}: {error.strerror or error}") from error
            with reader:
                while True:
                    try:
                        chunk = reader.read(COPY_CHUNK)
                    except OSError as error:
                        raise InvalidWeightsError(f"cannot read {source}: {error.strerror or error}") from error
                    if not chunk:
                        break
                    try:
                        write_all(target, chunk)
                    except OSError as error:
                        raise storage_error(error, root, "write to") from error
                    digest.update(chunk)
                    done += len(chunk)
                    if on_progress is not None:
                        on_progress(done, total)
            try:
                os.fsync(target.fileno())
            except OSError as error:
                raise storage_error(error, root, "write to") from error
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary, digest.hexdigest()


def _custom_spec(source: Path, name: str | None, sha256: str, registry: Registry, root: Path) -> ModelSpec:
    """The entry a file matching no registry hash will be registered as, or a clear refusal."""
    size = source.stat().st_size
    twin = next((spec for spec in registry.models if spec.url is not None and spec.size == size), None)
    if twin is not None:  # the size of a published file, not its bytes: a damaged copy, not a new model
        raise InvalidWeightsError(f"{source} has the exact size of {twin.name}'s published file but not its "
                                  f"SHA256, so this copy is damaged; copy it again from a good source, or "
                                  f"download it with `clipdesk models download {twin.name}`")
    if name is None:
        raise InvalidWeightsError(f"{source} is not one of the known models (SHA256 {sha256[:12]}…); "
                                  f"to add it as your own model run `clipdesk models import FILE --name NAME`")
    if registry.find(name) is not None:
        raise InvalidWeightsError(f"{name!r} is a known model but {source} is not its published file (the "
                                  f"SHA256 differs); choose another --name")
    suffix = source.suffix.lower() if source.suffix.lower() in _KEPT_SUFFIXES else ".pt"
    file_name = safe_file_name(name, suffix)
    for other in imported_models(root):
        if other.name.casefold() == name.casefold() or other.file_name == file_name:
            if other.sha256 == sha256 and other.name == name:
                return other
            raise InvalidWeightsError(f"a model named {other.name!r} is already imported; remove it first "
                                      f"with `clipdesk models remove {other.name!r}` or choose another --name")
    if any(spec.file_name.casefold() == file_name.casefold() for spec in registry.models):
        raise InvalidWeightsError(f"the name {name!r} would overwrite a known model's file; choose another "
                                  f"--name")
    return ModelSpec(name, None, sha256, size, file_name)


def _install(temporary: Path, spec: ModelSpec, root: Path, known: bool,
             on_wait: Callable[[], None] | None) -> ImportResult:
    """Move the verified copy into place under the file's lock, unless an identical file is there."""
    final = root / spec.file_name
    name = None if known else spec.name  # a custom model is remembered by the name in its record
    with lock.acquire(final, on_wait=on_wait):
        if records.verify(final, spec.sha256, name=name):
            record = records.read_record(final)
            if name is not None and (record is None or record.name != name):
                records.write_record(final, spec.sha256, name=name)  # the file was there, its name lost
            return ImportResult(spec, final, known, already_cached=True)
        try:
            os.replace(temporary, final)
        except OSError as error:
            raise storage_error(error, final) from error
        records.write_record(final, spec.sha256, name=name)
    return ImportResult(spec, final, known, already_cached=False)
