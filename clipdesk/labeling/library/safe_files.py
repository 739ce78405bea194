"""File operations that never leave a user's file half-written or overwrite one: a new version is made
beside the original and atomically swapped in; copies claim their name exclusively."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import secrets
import shutil
from pathlib import Path

TEMP_MARK = ".clipdesk-"  # temporary files are ``.<name>.clipdesk-<token>.tmp`` beside their target


def temp_beside(target: Path) -> Path:
    """An unused temporary name in ``target``'s folder (same file system, so ``os.replace`` is atomic)."""
    return target.with_name(f".{target.name}{TEMP_MARK}{secrets.token_hex(4)}.tmp")


def sha256_of(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_of_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fsync_file(path: Path) -> None:
    with open(path, "rb+") as stream:
        os.fsync(stream.fileno())


def fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX; a no-op where folders cannot be opened)."""
    with contextlib.suppress(OSError):
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def finish_replacement(temp: Path, target: Path, like: os.stat_result, keep_mtime: bool) -> None:
    """Give ``temp`` the permissions (and optionally the times) of the original, make it durable, and
    swap it in for ``target`` in one step."""
    fsync_file(temp)
    if hasattr(os, "chown"):
        with contextlib.suppress(OSError):  # only root may give a file away; others own what they write
            os.chown(temp, like.st_uid, like.st_gid)
    os.chmod(temp, like.st_mode & 0o7777)
    if keep_mtime:
        os.utime(temp, ns=(like.st_atime_ns, like.st_mtime_ns))
    os.replace(temp, target)
    fsync_folder(target.parent)


def write_bytes_atomic(target: Path, data: bytes, like: os.stat_result | None = None,
                       keep_mtime: bool = False) -> None:
    temp = temp_beside(target)
    try:
        with open(temp, "xb") as stream:
            stream.write(data)
        if like is None:
            fsync_file(temp)
            os.replace(temp, target)
            fsync_folder(target.parent)
        else:
            finish_replacement(temp, target, like, keep_mtime)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def remove_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def claim(source: Path, target: Path, move: bool) -> bool:
    """Put ``source`` at ``target`` only if ``target`` does not exist: True if done, False if the name is
    taken. Copies go through a temporary file that is hard-linked into place (atomic, never
    overwriting); a move on one file system is a hard link and an unlink. Where hard links are not
    supported (FAT, exFAT, some network shares) the name is reserved with an exclusive create first."""
    if move:
        try:
            os.link(source, target, follow_symlinks=False)
        except FileExistsError:
            return False
        except OSError as error:
            if error.errno not in (errno.EXDEV, errno.EPERM, errno.ENOTSUP, errno.EMLINK, errno.ENOSYS):
                raise
        else:
            fsync_folder(target.parent)
            os.unlink(source)
            fsync_folder(source.parent)
            return True
    temp = temp_beside(target)
    try:
        shutil.copy2(source, temp)
        fsync_file(temp)
        if not _link_into_place(temp, target):
            return False
        if move:
            if sha256_of(target) != sha256_of(source):
                raise OSError(errno.EIO, f"the copy of {source} differs from it; the original was kept")
            os.unlink(source)
            fsync_folder(source.parent)
        return True
    finally:
        remove_quietly(temp)


def _link_into_place(temp: Path, target: Path) -> bool:
    try:
        os.link(temp, target)
    except FileExistsError:
        return False
    except OSError as error:
        if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EMLINK, errno.ENOSYS):
            raise
        try:
            os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY))  # reserve the name
        except FileExistsError:
            return False
        os.replace(temp, target)  # over our own empty reservation only
    fsync_folder(target.parent)
    return True
