"""Read CLIP weights from a file into a plain state dict, without running anything stored in the file.

Three on-disk formats are understood:

* OpenAI's released ``.pt`` files: TorchScript archives (a zip holding ``<prefix>/data.pkl``, the tensor
  records ``<prefix>/data/N``, ``constants.pkl`` and the model's ``code/``). ``torch.jit.load`` would
  compile and run that code, so instead ``data.pkl`` is read with a restricted unpickler that knows only
  how to rebuild tensors; the pickled modules become plain attribute dicts and ``code/`` is never read.
  Tensor records are mapped copy-on-write from the file (no copy, no write-back) when stored uncompressed.
* ``torch.save`` files (zip or legacy pickle) holding a state dict, possibly wrapped as
  ``{"state_dict": ...}`` / ``{"model": ...}`` / ``{"module": ...}`` or with ``module.`` key prefixes:
  read with ``torch.load(weights_only=True)``, which refuses anything but tensor data.
* ``.safetensors`` files, through the optional ``safetensors`` package.

Everything else -- a missing or empty file, a folder, a damaged or truncated file, a zip that is not a
checkpoint, a pickle that reaches for any other global -- raises one ``CheckpointError`` naming the file.
"""

from __future__ import annotations

import io
import mmap
import os
import pickle
import re
import struct
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import torch

from clipdesk.clip.zip_entries import DamagedEntry, entry_data_offset, first_crc_failure

__all__ = ["CheckpointError", "finite_check", "read_state_dict"]

_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
_PICKLE_MAGIC = b"\x80"  # PROTO opcode: legacy torch.save files and bare pickles start with it
_WRAPPER_KEYS = ("state_dict", "model", "module")  # how training scripts nest a state dict
_MAX_PICKLE_BYTES = 256 * 2**20  # CLIP's data.pkl is tens of KiB; more is a damaged or hostile file
# Bytes of tensor data (or unzipped archive entries) a file may claim per byte it has on disk. Real
# checkpoints store every element once (ratio ~1; tied weights 2); more means stride-0 "expanded"
# tensors, many tensors aliasing one storage, or a zip bomb -- a few KiB that would fill the memory.
_MAX_EXPANSION = 4
_EXPANSION_SLACK = 2**20  # tiny files: headers and scalars may outweigh the data
_STORAGE_DTYPES = {
    "DoubleStorage": torch.float64, "FloatStorage": torch.float32, "HalfStorage": torch.float16,
    "BFloat16Storage": torch.bfloat16, "LongStorage": torch.int64, "IntStorage": torch.int32,
    "ShortStorage": torch.int16, "CharStorage": torch.int8, "ByteStorage": torch.uint8,
    "BoolStorage": torch.bool, "ComplexFloatStorage": torch.complex64,
    "ComplexDoubleStorage": torch.complex128,
}
_RE_DOWNLOAD = "Delete it and download or export it again."


class CheckpointError(ValueError):
    """A file that cannot be read as CLIP weights. The message names the file and says what is wrong."""


def read_state_dict(path: str | os.PathLike[str]) -> dict[str, torch.Tensor]:
    """Return the tensors stored in ``path`` under their state-dict keys, in their stored dtypes, on CPU.

    For a TorchScript archive the keys are those of ``torch.jit.load(path).state_dict()`` (parameters and
    buffers, e.g. BatchNorm's ``num_batches_tracked``); any other tensor attribute a scripted module holds
    would be returned too under its dotted name. Raises ``CheckpointError`` for anything else.
    """
    path = Path(path)
    head = _read_head(path)
    if head.startswith(_ZIP_MAGICS):
        state = _read_zip(path)
    elif head.startswith(_PICKLE_MAGIC):
        state = _torch_load(path, use_mmap=False)
    elif _looks_like_safetensors(path, head):
        state = _read_safetensors(path)
    else:
        raise CheckpointError(
            f"{path}: not a checkpoint this program can read (expected a PyTorch .pt/.pth file, an "
            f"OpenAI CLIP release file or a .safetensors file).")
    state = _as_state_dict(path, state)
    _check_memory_claim(path, sum(tensor.numel() * tensor.element_size() for tensor in state.values()),
                        "its tensors")
    return state


def finite_check(path: str | os.PathLike[str], state: dict[str, torch.Tensor]) -> Callable[[torch.Tensor], None]:
    """A ``build_model(on_converted=...)`` hook refusing NaN or infinite weights (naming the tensor):
    they make every probability NaN, a damaged file shown as ``nan%`` for every label otherwise.
    Checked as each tensor is converted, while its bytes are in memory anyway."""
    keys = {id(tensor): key for key, tensor in state.items()}

    def check(tensor: torch.Tensor) -> None:
        if tensor.is_floating_point() and tensor.numel() and not _all_finite(tensor):
            raise CheckpointError(f"{path}: the tensor {keys.get(id(tensor), '?')} holds NaN or infinite "
                                  f"numbers, so the file is damaged. {_RE_DOWNLOAD}")

    return check


def _all_finite(tensor: torch.Tensor) -> bool:
    """One pass (``aminmax``: NaN propagates, an infinity is the min or max), ~25x faster here than
    ``isfinite(t).all()``, which builds a boolean tensor first."""
    low, high = torch.aminmax(tensor)
    return bool(torch.isfinite(low)) and bool(torch.isfinite(high))


# ---------------------------------------------------------------------------------------- dispatch


def _read_head(path: Path) -> bytes:
    """The first bytes of the file, after the checks a user most often needs spelled out."""
    try:
        if path.is_dir():
            raise CheckpointError(f"{path}: is a folder, not a checkpoint file. Choose the file inside it.")
        if path.exists() and not path.is_file():  # a pipe or device would block or never end
            raise CheckpointError(f"{path}: not a regular file (a pipe or device), not a checkpoint.")
        with path.open("rb") as file:
            head = file.read(16)
    except FileNotFoundError:
        raise CheckpointError(f"{path}: no such file.") from None
    except OSError as error:
        raise CheckpointError(f"{path}: cannot be read ({error.strerror or error}).") from None
    if not head:
        raise CheckpointError(f"{path}: the file is empty (an interrupted download?). {_RE_DOWNLOAD}")
    return head


def _check_memory_claim(path: Path, nbytes: int, what: str) -> None:
    """Refuse a file whose contents would unpack to far more memory than the file holds."""
    size = path.stat().st_size
    if nbytes > _MAX_EXPANSION * size + _EXPANSION_SLACK:
        raise CheckpointError(
            f"{path}: refused -- {what} would take {_size_text(nbytes)} of memory, far more than the "
            f"{_size_text(size)} file holds. It is damaged or was made to exhaust memory.")


def _size_text(nbytes: int) -> str:
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if nbytes >= scale:
            return f"{nbytes / scale:,.1f} {unit}"
    return f"{nbytes} bytes"


def _looks_like_safetensors(path: Path, head: bytes) -> bool:
    """safetensors = 8-byte little-endian header length, then a JSON header starting with '{'."""
    if path.suffix.lower() == ".safetensors":
        return True
    if len(head) < 9 or head[8:9] != b"{":
        return False
    (header_length,) = struct.unpack("<Q", head[:8])
    return 8 + header_length <= path.stat().st_size


def _read_zip(path: Path) -> Any:
    try:
        archive = zipfile.ZipFile(path)
    # NotImplementedError: a damaged header that asks for an unknown zip version ("zip file version 8.2")
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as error:
        raise CheckpointError(f"{path}: the file is truncated or damaged ({error}). {_RE_DOWNLOAD}") from None
    with archive:
        _check_memory_claim(path, sum(info.file_size for info in archive.infolist()), "its unzipped entries")
        _check_crcs(path, archive)
        names = archive.namelist()
        pickles = [name for name in names if name.count("/") == 1 and name.endswith("/data.pkl")]
        if len(pickles) != 1:
            raise CheckpointError(
                f"{path}: a zip archive, but not a PyTorch checkpoint (it should hold exactly one "
                f"'<folder>/data.pkl'; found {len(pickles)}).")
        prefix = pickles[0][: -len("data.pkl")]
        # torch.load itself tells TorchScript archives apart by constants.pkl; code/ is the other mark.
        if f"{prefix}constants.pkl" in names or any(name.startswith(f"{prefix}code/") for name in names):
            return _ArchiveReader(path, archive, prefix).read()
    return _torch_load(path, use_mmap=True)


def _check_crcs(path: Path, archive: zipfile.ZipFile) -> None:
    failure = first_crc_failure(path, archive)
    if failure is not None:
        raise CheckpointError(f"{path}: the file is damaged ({failure}). {_RE_DOWNLOAD}")


# ------------------------------------------------------------------------ torch.save and safetensors


def _torch_load(path: Path, use_mmap: bool) -> Any:
    """``torch.load`` restricted to tensor data; its refusals become ``CheckpointError``s."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True, mmap=use_mmap)
    except pickle.UnpicklingError as error:
        text = str(error)
        if "Weights only load failed" not in text:
            raise CheckpointError(f"{path}: the file is damaged ({_first_line(error)}). {_RE_DOWNLOAD}") from None
        found = re.search(r"GLOBAL ([\w.]+)", text)
        reason = f"asks for '{found.group(1)}'" if found else "uses pickle instructions tensor data never uses"
        raise CheckpointError(_refusal(path, reason)) from None
    except Exception as error:  # torch reports damage as RuntimeError, EOFError, ValueError, ...
        raise CheckpointError(
            f"{path}: the file is truncated, damaged or not a checkpoint ({_first_line(error)}).") from None


def _read_safetensors(path: Path) -> Any:
    try:
        from safetensors.torch import load_file
    except ImportError:
        raise CheckpointError(
            f"{path}: reading .safetensors files needs the optional 'safetensors' package "
            f"(pip install 'clipdesk[safetensors]').") from None
    try:
        return load_file(path, device="cpu")
    except Exception as error:  # SafetensorError, OSError, ...
        raise CheckpointError(
            f"{path}: not a valid .safetensors file; it is truncated or damaged ({_first_line(error)}).") from None


def _as_state_dict(path: Path, obj: Any) -> dict[str, torch.Tensor]:
    """Unwrap ``{"state_dict": ...}``-style nesting, keep the tensors, drop a shared ``module.`` prefix."""
    for _ in range(4):  # a few levels of nesting at most; deeper means this is not a state dict
        if not isinstance(obj, Mapping) or all(isinstance(value, torch.Tensor) for value in obj.values()):
            break
        wrapper = next((key for key in _WRAPPER_KEYS if isinstance(obj.get(key), Mapping)), None)
        if wrapper is None:
            break
        obj = obj[wrapper]
    if not isinstance(obj, Mapping):
        raise CheckpointError(f"{path}: holds a {type(obj).__name__}, not a state dict of tensors.")
    state = {key: value for key, value in obj.items() if isinstance(key, str) and isinstance(value, torch.Tensor)}
    if not state:
        shown = ", ".join(repr(key) for key in list(obj)[:8]) or "nothing"
        raise CheckpointError(f"{path}: holds no tensors (top-level entries: {shown}); it is not model weights.")
    for prefix in ("module.", "_orig_mod."):  # DataParallel / DistributedDataParallel, torch.compile
        if all(key.startswith(prefix) for key in state):
            state = {key[len(prefix):]: value for key, value in state.items()}
    return state


def _refusal(path: Path, reason: str) -> str:
    return (f"{path}: refused -- its pickle {reason}, which model weights never need; the file may be "
            f"malicious. Nothing in it was run. If it holds a whole pickled model, re-save it with "
            f"torch.save(model.state_dict(), path).")


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


# ------------------------------------------------------------------------------ TorchScript archives


class _StorageType:
    """What the restricted unpickler hands out for ``torch.FloatStorage`` & co.: just a dtype."""

    __slots__ = ("dtype",)

    def __init__(self, dtype: torch.dtype) -> None:
        self.dtype = dtype


class _ScriptObject:
    """Stand-in for a pickled ``__torch__.*`` module: holds its attributes, runs none of its code."""

    __slots__ = ("attributes",)

    def __init__(self) -> None:
        self.attributes: dict[Any, Any] = {}

    def __setstate__(self, state: Any) -> None:
        self.attributes = dict(state) if isinstance(state, dict) else {}


class _Refused(pickle.UnpicklingError):
    """A global outside the allow-list; carries its dotted name for the user-facing message."""


class _Damaged(pickle.UnpicklingError):
    """A tensor record that contradicts the archive (missing, wrong size, out of bounds)."""


class _ArchiveReader:
    """Reads one TorchScript archive's ``data.pkl`` and the tensor records it points to."""

    def __init__(self, path: Path, archive: zipfile.ZipFile, prefix: str) -> None:
        self.path, self.archive, self.prefix = path, archive, prefix
        self.storages: dict[str, torch.UntypedStorage] = {}
        self.mapped: mmap.mmap | None = None

    def read(self) -> dict[str, torch.Tensor]:
        info = self.archive.getinfo(f"{self.prefix}data.pkl")
        if info.file_size > _MAX_PICKLE_BYTES:
            raise CheckpointError(f"{self.path}: data.pkl is implausibly large ({info.file_size} bytes).")
        try:
            data = self.archive.read(info)
            root = _RestrictedUnpickler(data, self).load()
            if not isinstance(root, _ScriptObject):
                raise _Damaged(f"data.pkl holds a {type(root).__name__}, not a TorchScript module")
            state: dict[str, torch.Tensor] = {}
            _collect_tensors(root, "", state, set())
            return state
        except _Refused as error:
            raise CheckpointError(_refusal(self.path, f"asks for '{error}'")) from None
        except (_Damaged, DamagedEntry, zipfile.BadZipFile) as error:
            raise CheckpointError(f"{self.path}: the file is damaged ({error}). {_RE_DOWNLOAD}") from None
        except Exception as error:  # malformed pickle: UnpicklingError, EOFError, TypeError, RecursionError...
            raise CheckpointError(
                f"{self.path}: the model data is unreadable ({type(error).__name__}: {_first_line(error)}). "
                f"{_RE_DOWNLOAD}") from None

    def storage(self, key: str, nbytes: int) -> torch.UntypedStorage:
        """The bytes of record ``data/<key>``, checked to be exactly ``nbytes`` long; shared per key."""
        cached = self.storages.get(key)
        if cached is None:
            cached = self.storages[key] = self._load_record(key, nbytes)
        if cached.nbytes() != nbytes:
            raise _Damaged(f"tensor record data/{key} holds {cached.nbytes()} bytes, the model expects {nbytes}")
        return cached

    def _load_record(self, key: str, nbytes: int) -> torch.UntypedStorage:
        try:
            info = self.archive.getinfo(f"{self.prefix}data/{key}")
        except KeyError:
            raise _Damaged(f"tensor record data/{key} is missing") from None
        if info.file_size != nbytes:  # checked before reading: the zip's sizes are not trusted either
            raise _Damaged(f"tensor record data/{key} holds {info.file_size} bytes, the model expects {nbytes}")
        if info.file_size == 0:
            return torch.UntypedStorage(0)  # type: ignore[no-untyped-call]
        if info.compress_type == zipfile.ZIP_STORED:
            start = self._data_offset(info)
            if start % 64 == 0:  # torch aligns records to 64 bytes; anything else is copied below
                buffer = torch.frombuffer(self._mapping(), dtype=torch.uint8, count=info.file_size, offset=start)
                return buffer.untyped_storage()
        # Compressed or unaligned: read (and CRC-check) a private copy.
        return torch.frombuffer(bytearray(self.archive.read(info)), dtype=torch.uint8).untyped_storage()

    def _mapping(self) -> mmap.mmap:
        """The whole file mapped copy-on-write: tensors may be modified in memory, never on disk. The
        mapping lives as long as any tensor that views it."""
        if self.mapped is None:
            with self.path.open("rb") as file:
                self.mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_COPY)
        return self.mapped

    def _data_offset(self, info: zipfile.ZipInfo) -> int:
        return entry_data_offset(self._mapping(), info)


class _RestrictedUnpickler(pickle.Unpickler):
    """Unpickles ``data.pkl`` allowing only tensor rebuilding; every other global is refused."""

    def __init__(self, data: bytes, reader: _ArchiveReader) -> None:
        super().__init__(io.BytesIO(data))
        self.reader = reader

    def find_class(self, module: str, name: str) -> Any:
        if module == "__torch__" or module.startswith("__torch__."):
            return _ScriptObject
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(_STORAGE_DTYPES[name])
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return self._rebuild_tensor
        if (module, name) == ("collections", "OrderedDict"):
            return OrderedDict
        if module == "torch.jit._pickle" and name in _TORCHSCRIPT_DATA_BUILDERS:
            return _TORCHSCRIPT_DATA_BUILDERS[name]
        raise _Refused(f"{module}.{name}")

    def persistent_load(self, pid: Any) -> Any:
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise _Damaged(f"unknown persistent record {str(pid)[:80]!r}")
        _, storage_type, key, _location, numel = pid
        if not isinstance(storage_type, _StorageType) or not isinstance(key, str) or not _is_count(numel):
            raise _Damaged(f"malformed tensor record {str(pid)[:80]!r}")
        itemsize = torch.empty((), dtype=storage_type.dtype).element_size()
        return _TypedRecord(self.reader.storage(key, numel * itemsize), storage_type.dtype, numel)

    @staticmethod
    def _rebuild_tensor(storage: Any, offset: Any, size: Any, stride: Any, *_flags: Any) -> torch.Tensor:
        """``torch._utils._rebuild_tensor_v2`` with every argument checked; hooks and flags are ignored."""
        if not isinstance(storage, _TypedRecord):
            raise _Damaged("a tensor without a storage record")
        if not (_is_count(offset) and isinstance(size, tuple) and isinstance(stride, tuple)
                and len(size) == len(stride) and all(map(_is_count, size)) and all(map(_is_count, stride))):
            raise _Damaged("a tensor with a malformed shape")
        if all(size):  # non-empty: the last element addressed must lie inside the storage
            last = offset + sum((extent - 1) * step for extent, step in zip(size, stride))
            if last >= storage.numel:
                raise _Damaged("a tensor reaches past the end of its storage record")
        tensor = torch.empty((0,), dtype=storage.dtype)
        return tensor.set_(storage.storage, offset, torch.Size(size), stride)


def _restore_type_tag(value: Any, _type_name: Any) -> Any:
    """TorchScript tags typed containers (``Dict[str, Tensor]``…) with their type; the value is plain data."""
    return value


def _build_list(data: Any) -> list[Any]:
    if not isinstance(data, list):
        raise _Damaged("a typed list that is not a list")
    return list(data)


# TorchScript's pickler wraps some attribute values (typed lists, tagged containers) in these helpers.
# They only rebuild plain data, so local pure equivalents are used; torch's own are never called.
_TORCHSCRIPT_DATA_BUILDERS: dict[str, Any] = {
    "restore_type_tag": _restore_type_tag,
    "build_intlist": _build_list,
    "build_doublelist": _build_list,
    "build_boollist": _build_list,
    "build_tensorlist": _build_list,
}


class _TypedRecord:
    __slots__ = ("storage", "dtype", "numel")

    def __init__(self, storage: torch.UntypedStorage, dtype: torch.dtype, numel: int) -> None:
        self.storage, self.dtype, self.numel = storage, dtype, numel


def _is_count(value: Any) -> bool:
    return type(value) is int and value >= 0


def _collect_tensors(module: _ScriptObject, prefix: str, out: dict[str, torch.Tensor], seen: set[int]) -> None:
    """Dotted keys for every tensor attribute, a module's own tensors before its children's (the order
    of ``state_dict()``). Flags such as ``training`` are skipped; shared submodules are visited once."""
    seen.add(id(module))
    children = []
    for name, value in module.attributes.items():
        if not isinstance(name, str):
            continue
        if isinstance(value, torch.Tensor):
            out[prefix + name] = value
        elif isinstance(value, _ScriptObject) and id(value) not in seen:
            children.append((name, value))
    for name, child in children:
        _collect_tensors(child, f"{prefix}{name}.", out, seen)
