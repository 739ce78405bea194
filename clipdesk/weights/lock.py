"""One writer per cache file, across threads and processes.

An exclusive lock on ``<file>.lock`` (``fcntl.flock`` on POSIX, ``msvcrt.locking`` on Windows; both are
per open file, so two threads of one process exclude each other too). Stdlib only, so the weights layer
gains no dependency for thirty lines. The lock file itself is left in place: deleting it would let a
waiter lock an unlinked inode while a newcomer locks a fresh one.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from clipdesk.weights.errors import DownloadCancelled, LockBusyError, storage_error

if sys.platform == "win32":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


def lock_path(target: Path) -> Path:
    return target.with_name(target.name + ".lock")


class FileLock:
    """Exclusive lock guarding ``target``; use :func:`acquire` or ``try_acquire``/``release``."""

    def __init__(self, target: Path) -> None:
        self.path = lock_path(target)
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        """Take the lock if it is free; never blocks. Raises ``StorageError`` if the folder is unusable."""
        if self._fd is not None:
            raise RuntimeError(f"{self.path} is already held by this object")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise storage_error(error, self.path.parent, "write to") from error
        if _try_lock(fd):
            self._fd = fd
            return True
        os.close(fd)
        return False

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                _unlock(fd)
            finally:
                os.close(fd)

    def __enter__(self) -> FileLock:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.release()


def acquire(target: Path, *, should_stop: Callable[[], bool] | None = None,
            on_wait: Callable[[], None] | None = None, poll_s: float = 0.1,
            sleep: Callable[[float], None] = time.sleep, wait: bool = True) -> FileLock:
    """Lock ``target``, waiting (and polling ``should_stop``) while another writer holds it.
    ``on_wait`` is called once, when waiting starts, so a front end can say why nothing moves."""
    lock = FileLock(target)
    waited = False
    while not lock.try_acquire():
        if not wait:
            raise LockBusyError(f"{target.name} is being written by another clipdesk process; "
                                f"wait for it to finish and try again")
        if should_stop is not None and should_stop():
            raise DownloadCancelled(f"stopped while waiting for another process to finish {target.name}")
        if not waited and on_wait is not None:
            on_wait()
        waited = True
        sleep(poll_s)
    return lock
