"""The SQLite image-embedding cache: found again after rename/copy, survives restarts, crashes,
corruption and a second process."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import torch

from clipdesk.labeling.embedding_cache import ImageEmbeddingCache, default_cache_path, hash_file

MODEL = "sha256:abc|float32|224px|v1"


def _photo(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    old = time.time() - 60  # old enough for the mtime fast path to be trusted
    os.utime(path, (old, old))
    return path


def test_default_location_is_under_clipdesk_cache_dir(isolated_user_dirs: Path) -> None:
    assert default_cache_path().parent == isolated_user_dirs / "cache"
    with ImageEmbeddingCache() as cache:
        cache.put(MODEL, "d1", torch.ones(4))
    assert default_cache_path().is_file()


def test_vectors_round_trip_exactly_in_their_dtype(tmp_path: Path) -> None:
    vectors = {"f32": torch.randn(512), "f16": torch.randn(8).half(), "bf16": torch.randn(8).bfloat16()}
    with ImageEmbeddingCache(tmp_path / "c.sqlite3") as cache:
        cache.put_many(MODEL, vectors)
        got = cache.get_many(MODEL, list(vectors) + ["missing"])
    assert set(got) == set(vectors)
    for key, vector in vectors.items():
        assert got[key].dtype == vector.dtype and torch.equal(got[key], vector)


def test_entries_are_per_model(tmp_path: Path) -> None:
    with ImageEmbeddingCache(tmp_path / "c.sqlite3") as cache:
        cache.put(MODEL, "d", torch.ones(3))
        assert cache.get("sha256:other|float32|224px|v1", "d") is None
        assert cache.get(MODEL, "d") is not None


def test_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    vector = torch.randn(16)
    with ImageEmbeddingCache(path) as cache:
        cache.put(MODEL, "d", vector)
    with ImageEmbeddingCache(path) as cache:
        assert torch.equal(cache.get(MODEL, "d"), vector)
        assert cache.info().embeddings == 1


def test_uses_wal_journal(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    ImageEmbeddingCache(path).close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_digest_is_content_hash_so_renamed_and_copied_files_match(tmp_path: Path) -> None:
    original = _photo(tmp_path / "a.jpg", b"photo bytes")
    with ImageEmbeddingCache(tmp_path / "c.sqlite3") as cache:
        digest = cache.digest(original)
        assert digest == hash_file(original)
        copied = tmp_path / "copy.jpg"
        shutil.copy(original, copied)
        renamed = tmp_path / "renamed.jpg"
        original.rename(renamed)
        assert cache.digest(copied) == digest
        assert cache.digest(renamed) == digest


def test_edited_file_gets_a_new_digest_even_with_same_size(tmp_path: Path) -> None:
    photo = _photo(tmp_path / "a.jpg", b"aaaa")
    with ImageEmbeddingCache(tmp_path / "c.sqlite3") as cache:
        first = cache.digest(photo)
        assert cache.digest(photo) == first  # now answered by the fast path
        _photo(photo, b"bbbb")
        os.utime(photo, (time.time() - 30, time.time() - 30))  # a different mtime, same size
        assert cache.digest(photo) == hash_file(photo) != first


def test_fast_path_answers_without_reading_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from clipdesk.labeling import embedding_cache

    reads: list[str] = []
    monkeypatch.setattr(embedding_cache, "hash_file", lambda p: reads.append(str(p)) or hash_file(p))
    photo = _photo(tmp_path / "a.jpg", b"original")
    with ImageEmbeddingCache(tmp_path / "c.sqlite3") as cache:
        first = cache.digest(photo)
        assert len(reads) == 1
        assert cache.digest(photo) == first
        assert len(reads) == 1  # unchanged path/size/mtime/inode: the file was not read again
    with ImageEmbeddingCache(tmp_path / "c.sqlite3") as cache:
        assert cache.digest(photo) == first and len(reads) == 1  # remembered across restarts


def test_recently_modified_file_is_always_hashed(tmp_path: Path) -> None:
    photo = tmp_path / "fresh.jpg"
    photo.write_bytes(b"one")
    with ImageEmbeddingCache(tmp_path / "c.sqlite3") as cache:
        cache.digest(photo)
        stat = photo.stat()
        photo.write_bytes(b"two")  # same size, and maybe the same mtime tick
        os.utime(photo, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        assert cache.digest(photo) == hash_file(photo)


@pytest.mark.parametrize("garbage", [b"this is not a database at all" * 100, b"SQLite format 3\x00" + b"\xff" * 5000])
def test_corrupt_file_is_rebuilt_with_a_warning(tmp_path: Path, garbage: bytes) -> None:
    path = tmp_path / "c.sqlite3"
    path.write_bytes(garbage)
    with ImageEmbeddingCache(path) as cache:
        assert cache.enabled
        assert len(cache.warnings) == 1 and "rebuilt" in cache.warnings[0] and str(path) in cache.warnings[0]
        cache.put(MODEL, "d", torch.ones(2))
        assert cache.get(MODEL, "d") is not None
    with ImageEmbeddingCache(path) as cache:
        assert cache.warnings == ()
        assert cache.get(MODEL, "d") is not None


def test_corruption_found_while_running_is_rebuilt_not_raised(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    cache = ImageEmbeddingCache(path)
    cache.put(MODEL, "d", torch.ones(2))
    cache.close()
    cache = ImageEmbeddingCache(path)
    data = bytearray(path.read_bytes())
    data[0:16] = b"garbage garbage!"
    path.write_bytes(bytes(data))
    for side_file in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        side_file.unlink(missing_ok=True)
    cache.close()  # a fresh connection sees the damage on its first query
    cache = ImageEmbeddingCache(path)
    assert cache.get(MODEL, "d") is None
    assert any("rebuilt" in w for w in cache.warnings)
    cache.put(MODEL, "e", torch.ones(2))
    assert cache.get(MODEL, "e") is not None


def test_unusable_location_turns_the_cache_off_with_a_warning(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    cache = ImageEmbeddingCache(blocker / "c.sqlite3")
    assert not cache.enabled and "cannot be used" in cache.warnings[0]
    cache.put(MODEL, "d", torch.ones(2))  # silently nothing, never an exception
    assert cache.get(MODEL, "d") is None


def test_clear_removes_everything_and_reports_the_count(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    with ImageEmbeddingCache(path) as cache:
        cache.put_many(MODEL, {f"d{i}": torch.ones(2) for i in range(5)})
        assert cache.clear() == 5
        assert cache.info().embeddings == 0
    with ImageEmbeddingCache(path) as cache:
        assert cache.get(MODEL, "d1") is None


_WRITER = textwrap.dedent("""
    import sys, torch
    from clipdesk.labeling.embedding_cache import ImageEmbeddingCache
    path, tag, count, crash = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "crash"
    cache = ImageEmbeddingCache(path)
    for i in range(count):
        cache.put("model", f"{tag}{i}", torch.full((64,), float(i)))
    if crash:
        import os
        os._exit(9)  # no close, no clean-up: like a killed process
    cache.close()
""")


def test_two_processes_write_at_once_and_nothing_is_lost(tmp_path: Path) -> None:
    path = str(tmp_path / "c.sqlite3")
    writers = [subprocess.Popen([sys.executable, "-c", _WRITER, path, tag, "150", "ok"],
                                stderr=subprocess.PIPE, text=True) for tag in "ab"]
    for writer in writers:
        _, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
        assert "warning" not in err.lower(), err
    with ImageEmbeddingCache(path) as cache:
        got = cache.get_many("model", [f"{tag}{i}" for tag in "ab" for i in range(150)])
        assert len(got) == 300 and cache.warnings == ()


def test_a_killed_writer_leaves_a_usable_cache_with_its_committed_entries(tmp_path: Path) -> None:
    path = str(tmp_path / "c.sqlite3")
    done = subprocess.run([sys.executable, "-c", _WRITER, path, "k", "20", "crash"], timeout=120)
    assert done.returncode == 9
    with ImageEmbeddingCache(path) as cache:
        assert cache.warnings == ()
        assert len(cache.get_many("model", [f"k{i}" for i in range(20)])) == 20


def test_file_edited_in_place_with_its_old_mtime_restored_is_hashed_again(tmp_path: Path) -> None:
    """Editors that keep the mtime (``touch -r``, ``exiftool -P``) cannot keep the ctime: content decides."""
    photo = _photo(tmp_path / "a.bmp", b"blue pixels.")
    with ImageEmbeddingCache(tmp_path / "c.sqlite3") as cache:
        first = cache.digest(photo)
        stat = photo.stat()
        time.sleep(0.05)  # so the kernel's ctime tick moves on
        with open(photo, "r+b") as stream:  # same inode, same size
            stream.write(b"red pixels!!")
        os.utime(photo, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        assert (photo.stat().st_size, photo.stat().st_mtime_ns) == (stat.st_size, stat.st_mtime_ns)
        assert cache.digest(photo) == hash_file(photo) != first


def test_version_1_cache_keeps_its_embeddings(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.executescript("""
            CREATE TABLE embeddings (model TEXT NOT NULL, digest TEXT NOT NULL, dtype TEXT NOT NULL,
                                     vector BLOB NOT NULL, PRIMARY KEY (model, digest));
            CREATE TABLE files (path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
                                inode INTEGER NOT NULL, digest TEXT NOT NULL);
            PRAGMA user_version=1;
        """)
        conn.execute("INSERT INTO embeddings VALUES (?, 'd', 'float32', ?)", (MODEL, bytes(8)))
    conn.close()
    photo = _photo(tmp_path / "a.jpg", b"photo")
    with ImageEmbeddingCache(path) as cache:
        assert cache.warnings == ()
        assert torch.equal(cache.get(MODEL, "d"), torch.zeros(2))
        assert cache.digest(photo) == hash_file(photo)


@pytest.mark.parametrize("damage", ["flip-a-byte", "truncate", "swap-rows", "nan"])
def test_a_damaged_vector_in_the_cache_is_never_returned(tmp_path: Path, damage: str) -> None:
    """SQLite checks its pages, not what they hold: a vector changed inside a valid database (a bad
    disk, another tool, a bug) must read as missing, so the photo is encoded again."""
    path = tmp_path / "c.sqlite3"
    with ImageEmbeddingCache(path) as cache:
        cache.put_many(MODEL, {"a": torch.arange(4.0), "b": torch.ones(4)})
    with sqlite3.connect(path) as conn:
        blob = conn.execute("SELECT vector FROM embeddings WHERE digest='a'").fetchone()[0]
        if damage == "flip-a-byte":
            flipped = blob[:5] + bytes([blob[5] ^ 1]) + blob[6:]
            conn.execute("UPDATE embeddings SET vector=? WHERE digest='a'", (flipped,))
        elif damage == "truncate":
            conn.execute("UPDATE embeddings SET vector=? WHERE digest='a'", (blob[:8],))
        elif damage == "swap-rows":
            other = conn.execute("SELECT vector, checksum FROM embeddings WHERE digest='b'").fetchone()
            conn.execute("UPDATE embeddings SET vector=?, checksum=? WHERE digest='a'", other)
        else:
            nan = torch.full((4,), float("nan")).view(torch.uint8).numpy().tobytes()
            conn.execute("UPDATE embeddings SET vector=? WHERE digest='a'", (nan,))
    conn.close()
    with ImageEmbeddingCache(path) as cache:
        assert cache.get(MODEL, "a") is None
        assert torch.equal(cache.get(MODEL, "b"), torch.ones(4))


def test_a_vector_holding_nan_is_never_stored(tmp_path: Path) -> None:
    with ImageEmbeddingCache(tmp_path / "c.sqlite3") as cache:
        cache.put_many(MODEL, {"a": torch.tensor([1.0, float("nan")]), "b": torch.tensor([1.0, float("inf")])})
        assert cache.info().embeddings == 0


def test_a_cache_turned_off_is_used_again_once_it_is_writable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Made read-only (or locked, or the disk full) while the window runs, then fixed: the cache comes
    back by itself instead of staying off for the rest of the session. Root ignores file modes, so the
    read-only database is simulated at SQLite's connect."""
    from clipdesk.labeling import embedding_cache

    path = tmp_path / "c.sqlite3"
    with ImageEmbeddingCache(path) as cache:
        cache.put(MODEL, "kept", torch.ones(3))
    real_connect = ImageEmbeddingCache._connect
    read_only = [True]

    def connect(self):
        if read_only[0]:
            raise sqlite3.OperationalError("attempt to write a readonly database")
        return real_connect(self)

    monkeypatch.setattr(ImageEmbeddingCache, "_connect", connect)
    cache = ImageEmbeddingCache(path)
    assert not cache.enabled and "cannot be used" in cache.warnings[0]
    assert cache.info().embeddings == 1  # read-only, but what it holds is still reported

    monkeypatch.setattr(embedding_cache, "RETRY_S", 0.0)
    assert not cache.enabled  # still read-only: stays off, quietly
    read_only[0] = False
    assert cache.enabled and "usable again" in cache.warnings[-1]
    cache.put(MODEL, "new", torch.zeros(3))
    assert cache.info().embeddings == 2 and torch.equal(cache.get(MODEL, "kept"), torch.ones(3))
    cache.close()


def test_cache_info_counts_a_database_whose_folder_refuses_side_files(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "c.sqlite3"
    with ImageEmbeddingCache(path) as cache:
        cache.put_many(MODEL, {f"d{i}": torch.ones(2) for i in range(21)})
    for side in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        side.unlink(missing_ok=True)
    monkeypatch.setattr(ImageEmbeddingCache, "_connect",
                        lambda self: (_ for _ in ()).throw(sqlite3.OperationalError("unable to open database file")))
    assert ImageEmbeddingCache(path).info().embeddings == 21


def test_upgrading_a_cache_from_before_checksums_keeps_every_vector(tmp_path: Path) -> None:
    """The one-time checksumming goes through the rows in bounded steps; none is lost or skipped."""
    path = tmp_path / "c.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.executescript("""
            CREATE TABLE embeddings (model TEXT NOT NULL, digest TEXT NOT NULL, dtype TEXT NOT NULL,
                                     vector BLOB NOT NULL, PRIMARY KEY (model, digest));
            CREATE TABLE files (path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
                                ctime_ns INTEGER NOT NULL, inode INTEGER NOT NULL, digest TEXT NOT NULL);
            PRAGMA user_version=2;
        """)
        vectors = {f"d{i}": torch.full((2,), float(i)) for i in range(2500)}
        conn.executemany("INSERT INTO embeddings VALUES (?, ?, 'float32', ?)",
                         [(MODEL, d, v.numpy().tobytes()) for d, v in vectors.items()])
        conn.execute("INSERT INTO embeddings VALUES (?, 'broken', 'float32', ?)", (MODEL, b"abc"))
    conn.close()
    with ImageEmbeddingCache(path) as cache:
        assert cache.info().embeddings == 2500  # the row that is no vector is dropped
        found = cache.get_many(MODEL, vectors)
        assert len(found) == 2500 and all(torch.equal(found[d], v) for d, v in vectors.items())
