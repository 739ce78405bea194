"""Where a zip entry's bytes lie in the file, and whether they still match the CRC-32 the zip records.

PyTorch archives store tensors uncompressed, and ``checkpoint`` maps them straight from the file --
which, like ``torch.load(mmap=True)``, never checks a CRC. So a few flipped bytes would load as wrong
(often NaN) weights; :func:`first_crc_failure` finds them first.
"""

from __future__ import annotations

import mmap
import os
import struct
import zipfile
import zlib
from pathlib import Path
from typing import BinaryIO

LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # zip local file header (APPNOTE 4.3.7)
CHUNK = 1 << 20  # bytes read per step: one reused buffer, never the whole entry


class DamagedEntry(ValueError):
    """A zip entry whose header or extent does not fit the file."""


def entry_data_offset(source: mmap.mmap | BinaryIO, info: zipfile.ZipInfo) -> int:
    """Where ``info``'s bytes start in the file (a mapping of it, or an open file), checked to lie inside it."""
    if isinstance(source, mmap.mmap):
        header, total = source[info.header_offset: info.header_offset + LOCAL_HEADER.size], len(source)
    else:
        source.seek(info.header_offset)
        header, total = source.read(LOCAL_HEADER.size), os.fstat(source.fileno()).st_size
    if len(header) != LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
        raise DamagedEntry(f"zip entry {info.filename} has no valid header")
    *_, name_length, extra_length = LOCAL_HEADER.unpack(header)
    start = info.header_offset + LOCAL_HEADER.size + name_length + extra_length
    if start + info.file_size > total:
        raise DamagedEntry(f"zip entry {info.filename} runs past the end of the file")
    return start


def first_crc_failure(path: Path, archive: zipfile.ZipFile) -> str | None:
    """What is wrong with the first entry whose bytes fail their CRC-32, or None when all pass.

    About 0.2 s per 350 MB here. Read with ``readinto`` into one buffer rather than through a mapping,
    so the check leaves nothing of the file resident in this process."""
    buffer = bytearray(CHUNK)
    with path.open("rb") as file, memoryview(buffer) as view:
        for info in archive.infolist():
            try:
                if info.compress_type != zipfile.ZIP_STORED:
                    with archive.open(info) as entry:  # zipfile checks the CRC at the end of the entry
                        while entry.read(CHUNK):
                            pass
                    continue
                crc, left = 0, info.file_size
                file.seek(entry_data_offset(file, info))
                while left:
                    got = file.readinto(view[:min(left, CHUNK)])
                    if not got:
                        raise DamagedEntry(f"zip entry {info.filename} runs past the end of the file")
                    crc = zlib.crc32(view[:got], crc)
                    left -= got
            except (zipfile.BadZipFile, DamagedEntry, OSError, EOFError) as error:
                return str(error)
            if crc != info.CRC:
                return f"zip entry {info.filename} fails its CRC check"
    return None
