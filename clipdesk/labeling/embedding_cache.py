"""Image embeddings persisted in SQLite, so a photo is encoded once per model — ever.

Keyed by (model identity, SHA-256 of the image's bytes): re-ranking with new labels, renaming, copying
or moving a photo all hit the cache; editing it misses. Hashing a file on every lookup would cost a
full read, so a *fast path* remembers ``path, size, mtime, ctime, inode -> digest``; a change to any of
them (or a file touched within the last seconds, when mtime cannot be trusted) falls back to hashing.
ctime is there because tools that edit in place often restore the mtime, and nothing can set ctime.

The cache is an optimisation and must never break a run: WAL mode survives a killed process, a busy
timeout lets two processes share the file, an unreadable or corrupt file is deleted and rebuilt with a
warning, and any other database failure turns the cache off for this session with a warning.
torch is imported only when vectors are read or written, so ``clipdesk cache clear`` stays instant.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import logging
import os
import sqlite3
import stat
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from clipdesk.weights.locations import user_path

if TYPE_CHECKING:
    import torch

log = logging.getLogger(__name__)

CACHE_FILE_NAME = "image-embeddings.sqlite3"
# 2: ctime_ns in the files table; 3: a checksum per embedding. Older caches keep their embeddings: each
# row is checksummed once when the cache is upgraded (rows that are no vector then are dropped).
SCHEMA_VERSION = 3
BUSY_TIMEOUT_S = 30.0  # another process holding the write lock this long is stuck, not busy
RACY_MTIME_S = 2.0  # a file modified this recently may change again within the same mtime tick
RETRY_S = 10.0  # a cache turned off (read-only, locked, disk full) is tried again this long after
_HASH_CHUNK = 1 << 20

T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS embeddings (
    model TEXT NOT NULL,
    digest TEXT NOT NULL,
    dtype TEXT NOT NULL,
    vector BLOB NOT NULL,
    checksum BLOB,
    PRIMARY KEY (model, digest)
);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    ctime_ns INTEGER NOT NULL,
    inode INTEGER NOT NULL,
    digest TEXT NOT NULL
);
"""


def default_cache_path() -> Path:
    return user_path("cache", CACHE_FILE_NAME, database=True)


def regular_file_stat(path: str | os.PathLike[str]) -> os.stat_result:
    """``os.stat(path)``; OSError for a folder, or a FIFO whose read would wait forever."""
    info = os.stat(os.path.abspath(path))
    if not stat.S_ISREG(info.st_mode):
        raise OSError(errno.EINVAL, "not a regular file", os.fspath(path))
    return info


def hash_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _path_key(path: str | os.PathLike[str]) -> str:
    """The absolute path as SQLite text, which must be valid UTF-8."""
    return os.fsencode(os.path.abspath(path)).decode("utf-8", "backslashreplace")


def hash_file(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file's bytes, streamed so memory stays flat for any size."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class CacheInfo:
    path: Path
    embeddings: int
    models: int
    size_bytes: int  # on disk, WAL included


class ImageEmbeddingCache:
    """A thread-safe handle on the embedding database (one connection, one lock)."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else default_cache_path()
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._disabled = False
        self._disabled_at = 0.0  # time.monotonic() when it was turned off
        self._warnings: list[str] = []
        with self._lock:
            self._open_or_rebuild()

    # -- public API ------------------------------------------------------------------------------

    @property
    def warnings(self) -> tuple[str, ...]:
        """What went wrong with the cache file so far (rebuilt, turned off…), for the user to see."""
        return tuple(self._warnings)

    @property
    def enabled(self) -> bool:
        with self._lock:
            self._retry_if_due()
            return not self._disabled

    def digest(self, path: str | os.PathLike[str]) -> str:
        """Content hash of ``path`` (raises OSError if it cannot be read), via the fast path if the
        file is unchanged since it was last hashed."""
        before = regular_file_stat(path)
        known = self.known_digest(path, before)
        if known is not None:
            return known
        value = hash_file(path)
        self.remember_digest(path, before, value)
        return value

    def known_digest(self, path: str | os.PathLike[str], before: os.stat_result) -> str | None:
        """The fast path alone: the digest recorded for ``path`` while it had the identity ``before``
        (size, mtime, ctime, inode), or None."""
        row = self._run(lambda c: c.execute(
            "SELECT digest FROM files WHERE path=? AND size=? AND mtime_ns=? AND ctime_ns=? AND inode=?",
            (_path_key(path), *_identity(before))).fetchone(), None)
        return str(row[0]) if row else None

    def remember_digest(self, path: str | os.PathLike[str], before: os.stat_result, digest: str) -> None:
        """Record ``digest`` -- hashed from bytes read after ``before`` was taken -- for the fast path,
        but only if the file still has that identity and was not modified too recently to trust it."""
        after = os.stat(os.path.abspath(path))
        if _identity(after) == _identity(before) and time.time() - after.st_mtime > RACY_MTIME_S:
            self._write(lambda c: c.execute(
                "INSERT OR REPLACE INTO files (path, size, mtime_ns, ctime_ns, inode, digest) VALUES (?,?,?,?,?,?)",
                (_path_key(path), *_identity(after), digest)))

    def get_many(self, model: str, digests: Iterable[str]) -> dict[str, torch.Tensor]:
        """The cached embeddings among ``digests`` for ``model`` (missing ones are simply absent)."""
        wanted = list(dict.fromkeys(digests))
        rows: list[tuple[str, str, bytes, bytes]] = []
        for start in range(0, len(wanted), 500):  # stay under SQLite's bound-parameter limit
            part = wanted[start:start + 500]
            marks = ",".join("?" * len(part))
            query = f"SELECT digest, dtype, vector, checksum FROM embeddings WHERE model=? AND digest IN ({marks})"
            rows += self._run(functools.partial(_fetch_all, query=query, parameters=(model, *part)), [])
        found = {digest: _from_blob(dtype, blob) for digest, dtype, blob, checksum in rows
                 if checksum == _checksum(model, digest, dtype, blob)}  # else damaged: encode again
        return {digest: vector for digest, vector in found.items() if vector is not None}

    def get(self, model: str, digest: str) -> torch.Tensor | None:
        return self.get_many(model, [digest]).get(digest)

    def put_many(self, model: str, embeddings: Mapping[str, torch.Tensor]) -> None:
        """Store one 1-D embedding per digest (in one transaction, so a crash stores all or none)."""
        rows = []
        for digest, vector in embeddings.items():
            dtype, blob = _to_blob(vector)
            if blob is not None:  # NaN or infinite numbers are never stored
                rows.append((model, digest, dtype, blob, _checksum(model, digest, dtype, blob)))
        if rows:
            self._write(lambda c: c.executemany(
                "INSERT OR REPLACE INTO embeddings (model, digest, dtype, vector, checksum) VALUES (?,?,?,?,?)",
                rows))

    def put(self, model: str, digest: str, embedding: torch.Tensor) -> None:
        self.put_many(model, {digest: embedding})

    def info(self) -> CacheInfo:
        """What the cache holds -- read-only when it cannot be opened for writing (a read-only folder)."""
        query = "SELECT COUNT(*), COUNT(DISTINCT model) FROM embeddings"
        counts = self._run(lambda c: c.execute(query).fetchone(), None)
        if counts is None:
            counts = _read_only(self.path, lambda c: c.execute(query).fetchone()) or (0, 0)
        size = sum(p.stat().st_size for p in _db_files(self.path) if p.exists())
        return CacheInfo(self.path, int(counts[0]), int(counts[1]), size)

    def clear(self) -> int:
        """Forget every embedding and file hash; returns how many embeddings were removed."""
        removed = self._run(lambda c: c.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0], 0)
        self._write(lambda c: (c.execute("DELETE FROM embeddings"), c.execute("DELETE FROM files")))
        self._run(lambda c: (c.execute("VACUUM"), c.execute("PRAGMA wal_checkpoint(TRUNCATE)")), None)
        return int(removed)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> ImageEmbeddingCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- database plumbing -----------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                               check_same_thread=False)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: a crash loses at most the last writes
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version != SCHEMA_VERSION:
                conn.execute("BEGIN IMMEDIATE")
                found = conn.execute("PRAGMA user_version").fetchone()[0]
                if found != SCHEMA_VERSION:
                    if found in (1, 2):  # their embeddings table lacks only the checksum column
                        conn.execute("ALTER TABLE embeddings ADD COLUMN checksum BLOB")
                        _add_checksums(conn)
                    else:
                        conn.execute("DROP TABLE IF EXISTS embeddings")
                    conn.execute("DROP TABLE IF EXISTS files")
                    for statement in _SCHEMA.split(";"):
                        if statement.strip():
                            conn.execute(statement)
                    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
                conn.execute("COMMIT")
            conn.execute("SELECT COUNT(*) FROM files WHERE path=''").fetchone()
        except BaseException:
            conn.close()
            raise
        return conn

    def _open_or_rebuild(self) -> None:
        try:
            self._conn = self._connect()
        except sqlite3.DatabaseError as error:
            if _is_corrupt(error):
                self._rebuild(error)
            else:
                self._disable(error)
        except OSError as error:
            self._disable(error)

    def _rebuild(self, error: BaseException) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        try:
            for path in _db_files(self.path):
                path.unlink(missing_ok=True)
            self._conn = self._connect()
        except (sqlite3.DatabaseError, OSError) as again:
            self._disable(again)
            return
        self._warn(f"the image cache {self.path} was unreadable ({error}); it has been rebuilt "
                   "and photos will be encoded again")

    def _disable(self, error: BaseException) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self._disabled_at = time.monotonic()
        if not self._disabled:
            self._disabled = True
            self._warn(f"the image cache {self.path} cannot be used ({error}); "
                       "continuing without it, so photos will be encoded again next time")

    def _retry_if_due(self) -> None:
        """A cache turned off for a cause that can pass (made read-only, locked, disk full) is opened
        again once in a while, so a long-running window picks it up when it is writable again."""
        if not self._disabled or time.monotonic() - self._disabled_at < RETRY_S:
            return
        self._disabled_at = time.monotonic()
        try:
            conn = self._connect()
        except (sqlite3.DatabaseError, OSError):
            return
        try:
            conn.execute("BEGIN IMMEDIATE")  # writable again, not merely readable
            conn.execute("ROLLBACK")
        except sqlite3.DatabaseError:
            conn.close()
            return
        self._conn, self._disabled = conn, False
        self._warn(f"the image cache {self.path} is usable again")

    def _warn(self, message: str) -> None:
        self._warnings.append(message)
        log.info("%s", message)  # the front ends show ``warnings``; printing here too would say it twice

    def _run(self, query: Callable[[sqlite3.Connection], T], default: T) -> T:
        """Run ``query``; on corruption rebuild and return ``default``; on other failures turn the
        cache off and return ``default``. A cache problem never reaches the caller."""
        with self._lock:
            self._retry_if_due()
            if self._disabled or self._conn is None:
                return default
            try:
                return query(self._conn)
            except sqlite3.OperationalError as error:  # locked past the timeout, disk I/O, read-only…
                self._disable(error)
            except sqlite3.DatabaseError as error:
                if _is_corrupt(error):
                    self._rebuild(error)
                else:
                    self._disable(error)
            return default

    def _write(self, statements: Callable[[sqlite3.Connection], object]) -> None:
        def transaction(conn: sqlite3.Connection) -> None:
            conn.execute("BEGIN IMMEDIATE")
            try:
                statements(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

        self._run(transaction, None)


def _read_only(path: Path, query: Callable[[sqlite3.Connection], T]) -> T | None:
    """``query`` on a read-only connection: first honouring the WAL (needs its side files), then
    ``immutable`` (the main file alone, when not even those can be opened); None if neither works."""
    if not path.exists():
        return None
    for options in ("mode=ro", "immutable=1"):
        try:
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?{options}", uri=True, timeout=1.0)
        except sqlite3.Error:
            continue
        try:
            return query(conn)
        except sqlite3.Error:
            continue
        finally:
            conn.close()
    return None


def _is_corrupt(error: sqlite3.DatabaseError) -> bool:
    if isinstance(error, sqlite3.OperationalError):
        return False
    text = str(error).lower()
    return "not a database" in text or "malformed" in text or "corrupt" in text or "encrypted" in text


def _identity(info: os.stat_result) -> tuple[int, int, int, int]:
    """What the fast path compares: size, mtime, ctime (any write changes it), inode."""
    return info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino


def _db_files(path: Path) -> list[Path]:
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


def _to_blob(vector: torch.Tensor) -> tuple[str, bytes | None]:
    """The dtype's name and the raw bytes (None when the vector holds NaN or infinity)."""
    import torch

    flat = vector.detach().to("cpu").reshape(-1).contiguous()
    blob = flat.view(torch.uint8).numpy().tobytes() if bool(torch.isfinite(flat).all()) else None
    return str(flat.dtype).removeprefix("torch."), blob


def _add_checksums(conn: sqlite3.Connection) -> None:
    """Checksum the rows of a cache from before checksums (inside the upgrade's transaction)."""
    last = -1
    while rows := conn.execute("SELECT rowid, model, digest, dtype, vector FROM embeddings WHERE rowid > ? "
                               "ORDER BY rowid LIMIT 1000", (last,)).fetchall():  # bounded memory
        for rowid, model, digest, dtype, blob in rows:
            if _from_blob(dtype, blob) is None:
                conn.execute("DELETE FROM embeddings WHERE rowid=?", (rowid,))
            else:
                conn.execute("UPDATE embeddings SET checksum=? WHERE rowid=?",
                             (_checksum(model, digest, dtype, blob), rowid))
        last = rows[-1][0]


def _checksum(model: str, digest: str, dtype: str, blob: object) -> bytes | None:
    """Binds a vector to its row: flipped bits, a truncated blob, or a vector moved to another photo's
    or model's row no longer match (SQLite checks its pages, not what they hold)."""
    if not isinstance(blob, bytes):
        return None
    check = hashlib.blake2b(digest_size=16)
    for part in (model, digest, dtype):
        check.update(part.encode("utf-8", "backslashreplace") + b"\x00")
    check.update(blob)
    return check.digest()


_DTYPES = ("float32", "float16", "bfloat16", "float64")


def _from_blob(dtype: str, blob: bytes) -> torch.Tensor | None:
    """The stored vector, or None for a row that cannot be one (damaged in a way SQLite cannot see):
    the photo is then simply encoded again."""
    import torch

    if dtype not in _DTYPES or not isinstance(blob, bytes):
        return None
    try:
        vector = torch.frombuffer(bytearray(blob), dtype=torch.uint8).view(getattr(torch, dtype))
    except RuntimeError:  # a length that is not a whole number of elements
        return None
    return vector if bool(torch.isfinite(vector).all()) else None


def _fetch_all(connection: sqlite3.Connection, query: str, parameters: tuple[str, ...]) -> list[Any]:
    return connection.execute(query, parameters).fetchall()
