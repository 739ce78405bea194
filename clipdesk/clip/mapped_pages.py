"""Giving the checkpoint file's pages back once the model is built.

``read_state_dict`` maps the checkpoint instead of reading it (no copy), so building the model touches
every page of the 150-900 MB file, and Linux counts those pages in the process's resident memory for
as long as the mapping lives -- which is as long as the model, because fp32 tensors stored in the file
(embeddings, LayerNorms) are used in place. Once the model is built nothing needs most of those pages
again: ``release`` tells the kernel so (``MADV_DONTNEED``), and the few that are used later (the
token-embedding rows of the words being encoded) are read back from the page cache on demand.
``releaser`` does the same for one tensor at a time, while the model is built, so the file's pages and
the fp32 model are never resident in full together (ViT-B/32: peak 1.17 GB instead of 1.41 GB).

Safe because the mapping is private and nothing has written to it yet: the pages dropped are exactly
the file's bytes, so reading them again gives the same numbers. Linux only; elsewhere a no-op.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import mmap
import os
import sys
from collections.abc import Callable, Iterable
from typing import Any

import torch

_MADV_DONTNEED = getattr(mmap, "MADV_DONTNEED", 4)


def file_mappings(path: str | os.PathLike[str]) -> list[tuple[int, int]]:
    """Address ranges (start, end) of this process's mappings of the file at ``path`` (Linux)."""
    target = os.path.realpath(path)
    ranges = []
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            for line in maps:
                fields = line.split(maxsplit=5)
                if len(fields) == 6 and fields[5].strip() == target:
                    start, end = (int(value, 16) for value in fields[0].split("-"))
                    ranges.append((start, end))
    except OSError:
        return []
    return ranges


def release(path: str | os.PathLike[str], tensors: Iterable[torch.Tensor]) -> int:
    """Drop the resident pages of the mapping of ``path`` that ``tensors`` (a fresh state dict from
    ``read_state_dict``, not written to) view. Returns the bytes advised; 0 where unsupported."""
    if not sys.platform.startswith("linux"):
        return 0
    mappings = file_mappings(path)
    if not mappings:
        return 0
    ours: set[tuple[int, int]] = set()
    for tensor in tensors:
        if not isinstance(tensor, torch.Tensor) or tensor.device.type != "cpu":
            continue
        address = tensor.untyped_storage().data_ptr()
        ours.update(mapping for mapping in mappings if mapping[0] <= address < mapping[1])
    madvise = _madvise()
    if madvise is None:
        return 0
    released = 0
    for start, end in ours:  # only the mappings this state dict lives in, never another model's
        if madvise(ctypes.c_void_p(start), ctypes.c_size_t(end - start), _MADV_DONTNEED) == 0:
            released += end - start
    return released


def releaser(path: str | os.PathLike[str]) -> Callable[[torch.Tensor], int]:
    """A function that drops the resident pages lying wholly inside one tensor's storage, if that
    storage is in a mapping of ``path``; it returns the bytes advised. For giving a checkpoint's pages
    back while the model is built, tensor by tensor, under ``release``'s condition: nothing has written
    to the mapping yet. Anonymous memory (a checkpoint read into RAM) is never touched."""
    mappings = file_mappings(path) if sys.platform.startswith("linux") else []
    madvise = _madvise() if mappings else None
    if madvise is None:
        return lambda tensor: 0
    page = mmap.PAGESIZE

    def release_tensor(tensor: torch.Tensor) -> int:
        if not isinstance(tensor, torch.Tensor) or tensor.device.type != "cpu":
            return 0
        storage = tensor.untyped_storage()
        start, end = storage.data_ptr(), storage.data_ptr() + storage.nbytes()
        if not any(low <= start and end <= high for low, high in mappings):
            return 0
        first, last = -(-start // page) * page, end // page * page  # whole pages only: neighbours keep theirs
        if last <= first or madvise(ctypes.c_void_p(first), ctypes.c_size_t(last - first), _MADV_DONTNEED) != 0:
            return 0
        return last - first

    return release_tensor


def _madvise() -> Any:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        function = libc.madvise
    except (OSError, AttributeError):
        return None
    function.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
    function.restype = ctypes.c_int
    return function
