"""One exception family for everything that can go wrong while getting weights.

``str(error)`` is always one readable line that says what happened and what to do next. Where the next
step differs in the window (a button instead of a command), ``window_message`` says it the window's way.
"""

from __future__ import annotations


class WeightsError(Exception):
    """Base class: getting, checking or storing model weights failed."""

    def __init__(self, *args: object, window_message: str | None = None) -> None:
        super().__init__(*args)
        self._window_message = window_message

    @property
    def window_message(self) -> str:
        """The message for the window's weights dialog: its buttons, not terminal commands."""
        return self._window_message or str(self)


class RegistryError(WeightsError):
    """A model name is unknown, or ``models.json`` / ``CLIPDESK_MODEL_MIRROR`` is malformed."""


class UnknownModelError(RegistryError):
    """No model by that name (a usage error: the CLI exits with its usage code)."""


class NetworkError(WeightsError):
    """The server could not be reached, or the connection kept failing."""


class HTTPStatusError(WeightsError):
    """The server answered with an error status."""

    def __init__(self, message: str, status: int, url: str) -> None:
        super().__init__(message)
        self.status = status
        self.url = url


class ChecksumError(WeightsError):
    """Downloaded or imported bytes do not have the SHA256 they must have; nothing was cached."""


class CorruptFileError(WeightsError):
    """A cached file changed after it was verified and cannot be fetched again."""


class StorageError(WeightsError):
    """The cache folder is not writable, or the disk is full."""


class InvalidWeightsError(WeightsError):
    """A file given to ``import`` is not a usable CLIP checkpoint, or its name clashes."""


class DownloadCancelled(WeightsError):
    """``should_stop()`` asked to stop; the partial ``.part`` file is kept so the next run resumes."""


class LockBusyError(WeightsError):
    """Another process is writing the same file right now."""


def storage_error(error: OSError, path: object, action: str = "write") -> StorageError:
    """Turn an ``OSError`` from the cache folder into the one line a user can act on."""
    import errno

    where = f"{path}"
    if error.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return StorageError(f"no space left to {action} {where}; free some disk space (or point "
                            f"CLIPDESK_DATA_DIR at a bigger disk) and run the command again")
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return StorageError(f"cannot {action} {where}: permission denied; fix the folder's permissions "
                            f"or point CLIPDESK_DATA_DIR at a writable folder")
    reason = error.strerror or type(error).__name__
    return StorageError(f"cannot {action} {where}: {reason}; point CLIPDESK_DATA_DIR at a writable folder")
