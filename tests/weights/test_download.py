"""Downloads through a real HTTP server on 127.0.0.1: success, resume, and every fault in the issue."""

from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
import socket
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

from clipdesk.weights import (
    ChecksumError,
    DownloadCancelled,
    HTTPStatusError,
    ModelSpec,
    NetworkError,
    StorageError,
    ensure_model,
    load_registry,
    records,
)
from clipdesk.weights.download import download
from clipdesk.weights.errors import storage_error
from clipdesk.weights.records import read_record, record_path
from tests.weights.helpers import MODEL_NAME, MODEL_URL_PATH, files_in, write_models_json
from tests.weights.http_server import Fault

MIB = 1 << 20


def part_of(root: Path, spec: ModelSpec) -> Path:
    return root / (spec.file_name + ".part")


def test_first_use_downloads_verifies_and_records_the_hash(tiny_spec, server, models_root, tiny_bytes):
    path = ensure_model(MODEL_NAME)

    assert path == models_root / tiny_spec.file_name
    assert path.read_bytes() == tiny_bytes
    record = read_record(path)
    assert record is not None and record.sha256 == hashlib.sha256(tiny_bytes).hexdigest()
    assert record.size == len(tiny_bytes) and record.mtime_ns == path.stat().st_mtime_ns
    assert files_in(models_root) == {path.name, record_path(path).name}  # no .part left behind


def test_a_cached_model_is_served_without_touching_the_network(tiny_spec, server):
    first = ensure_model(MODEL_NAME)
    requests_after_download = len(server.requests)
    server.status = 500  # any request now would fail

    assert ensure_model(MODEL_NAME) == first
    assert len(server.requests) == requests_after_download


def test_progress_goes_from_zero_to_the_file_size(tiny_spec, server, tiny_bytes):
    seen: list[tuple[int, int | None]] = []
    ensure_model(MODEL_NAME, on_progress=lambda done, total: seen.append((done, total)))

    assert seen[0] == (0, len(tiny_bytes))
    assert seen[-1] == (len(tiny_bytes), len(tiny_bytes))
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_connection_refused_says_what_to_do_and_leaves_no_file(closed_port, models_root, delays):
    write_models_json([{"name": "offline", "url": f"http://127.0.0.1:{closed_port}/m/offline.pt",
                        "sha256": "0" * 64}])

    with pytest.raises(NetworkError) as caught:
        ensure_model("offline", sleep=delays.append)

    message = str(caught.value)
    assert message.startswith("could not reach 127.0.0.1 (")
    assert "check the connection, or download the file" in message
    assert "`clipdesk models import FILE`" in message and "\n" not in message
    assert delays == [1.0, 2.0, 4.0]  # bounded retries with growing waits
    assert files_in(models_root) == set()


def test_dns_failure_is_reported_as_could_not_reach(monkeypatch, models_root, delays):
    write_models_json([{"name": "far", "url": "https://models.example.invalid/far.pt", "sha256": "0" * 64}])

    def no_dns(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)  # the one seam: name resolution
    with pytest.raises(NetworkError, match=r"^could not reach models\.example\.invalid \(.*not known"):
        ensure_model("far", sleep=delays.append)
    assert files_in(models_root) == set()


def test_a_server_that_stops_answering_times_out_and_gives_up(tiny_spec, server, models_root, delays):
    server.pause_after = 0  # headers, then silence

    with pytest.raises(NetworkError, match="timed out"):
        ensure_model(MODEL_NAME, timeout_s=0.2, sleep=delays.append, retry_delays=(0.0, 0.0))
    assert len(server.requests) == 3
    assert not (models_root / tiny_spec.file_name).exists()


def test_a_dropped_connection_is_resumed_with_a_range_request(tiny_spec, server, tiny_bytes, delays):
    server.drop_after, server.faults_left = 3 * MIB, 1

    path = ensure_model(MODEL_NAME, sleep=delays.append)

    assert [request.range for request in server.requests] == [None, f"bytes={3 * MIB}-"]
    assert path.read_bytes() == tiny_bytes
    assert delays == []  # the try made progress, so the retry is immediate


def test_a_dropped_download_resumes_from_the_part_file_on_the_next_run(tiny_spec, server, tiny_bytes,
                                                                       models_root, delays):
    server.queue = [Fault(drop_after=2 * MIB), Fault(status=503)]  # drops, then stays down
    with pytest.raises(NetworkError, match="kept failing .*run the command again to resume"):
        ensure_model(MODEL_NAME, retry_delays=(), sleep=delays.append)
    part = part_of(models_root, tiny_spec)
    assert part.stat().st_size == 2 * MIB
    assert not (models_root / tiny_spec.file_name).exists()

    path = ensure_model(MODEL_NAME)

    assert server.requests[-1].range == f"bytes={2 * MIB}-"
    assert path.read_bytes() == tiny_bytes and not part.exists()


def test_wrong_bytes_are_discarded_and_nothing_is_cached(tiny_spec, server, models_root):
    server.corrupt = True

    with pytest.raises(ChecksumError) as caught:
        ensure_model(MODEL_NAME)

    assert "SHA256 mismatch" in str(caught.value) and "the file was discarded" in str(caught.value)
    assert tiny_spec.url in str(caught.value)
    assert files_in(models_root) == set()


@pytest.mark.parametrize("status", [403, 404, 500])
def test_an_http_error_names_the_status_and_url(tiny_spec, server, models_root, status, delays):
    server.status = status

    with pytest.raises(HTTPStatusError) as caught:
        ensure_model(MODEL_NAME, sleep=delays.append)

    assert f"{tiny_spec.url} answered HTTP {status}" in str(caught.value)
    assert caught.value.status == status
    assert len(server.requests) == 1  # a permanent answer is not retried
    assert files_in(models_root) == set()


def test_a_busy_server_is_retried_with_backoff(tiny_spec, server, tiny_bytes, delays):
    server.status, server.faults_left = 503, 2

    path = ensure_model(MODEL_NAME, sleep=delays.append)

    assert path.read_bytes() == tiny_bytes
    assert delays == [1.0, 2.0]


def test_a_server_that_ignores_range_gets_a_fresh_start(tiny_spec, server, tiny_bytes, models_root):
    part = part_of(models_root, tiny_spec)
    part.parent.mkdir(parents=True)
    part.write_bytes(tiny_bytes[:MIB])
    server.ignore_range = True

    path = ensure_model(MODEL_NAME)

    assert server.requests[0].range == f"bytes={MIB}-"
    assert path.read_bytes() == tiny_bytes  # not the first MiB twice


def test_a_server_that_answers_another_range_gets_a_fresh_start(tiny_spec, server, tiny_bytes, models_root,
                                                                 delays):
    part = part_of(models_root, tiny_spec)
    part.parent.mkdir(parents=True)
    part.write_bytes(tiny_bytes[:MIB])
    server.queue = [Fault(wrong_range=True)]

    path = ensure_model(MODEL_NAME, sleep=delays.append)

    assert [request.range for request in server.requests] == [f"bytes={MIB}-", None]
    assert path.read_bytes() == tiny_bytes and delays == []


def test_a_part_file_longer_than_the_file_is_thrown_away(tiny_spec, server, tiny_bytes, models_root, delays):
    part = part_of(models_root, tiny_spec)
    part.parent.mkdir(parents=True)
    part.write_bytes(tiny_bytes + b"junk")

    path = ensure_model(MODEL_NAME, sleep=delays.append)

    assert [request.range for request in server.requests] == [f"bytes={len(tiny_bytes) + 4}-", None]
    assert path.read_bytes() == tiny_bytes
    assert delays == []  # a fresh start is not a failure to back off from


def test_a_complete_part_file_is_finished_without_downloading_again(tiny_spec, server, tiny_bytes,
                                                                    models_root):
    part = part_of(models_root, tiny_spec)
    part.parent.mkdir(parents=True)
    part.write_bytes(tiny_bytes)

    path = ensure_model(MODEL_NAME)

    assert len(server.requests) == 1 and path.read_bytes() == tiny_bytes


def test_cancel_keeps_a_resumable_part_and_the_next_run_resumes(tiny_spec, server, tiny_bytes, models_root):
    received: list[int] = []
    with pytest.raises(DownloadCancelled, match="run it again to resume"):
        ensure_model(MODEL_NAME, on_progress=lambda done, total: received.append(done),
                     should_stop=lambda: bool(received) and received[-1] >= 2 * MIB)
    part = part_of(models_root, tiny_spec)
    kept = part.stat().st_size
    assert 2 * MIB <= kept < len(tiny_bytes)
    assert part.read_bytes() == tiny_bytes[:kept]
    assert not (models_root / tiny_spec.file_name).exists()

    path = ensure_model(MODEL_NAME)

    assert server.requests[-1].range == f"bytes={kept}-"
    assert path.read_bytes() == tiny_bytes


def test_not_enough_disk_space_is_refused_before_writing(tiny_spec, server, models_root, monkeypatch):
    monkeypatch.setattr(shutil, "disk_usage", lambda path: SimpleNamespace(total=10**9, used=10**9, free=1000))

    with pytest.raises(StorageError, match=r"^not enough space in .* MiB needed, 0\.0 MiB free; free some"):
        ensure_model(MODEL_NAME)
    assert not (models_root / tiny_spec.file_name).exists()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full to fail writes")
def test_a_disk_that_fills_up_mid_download_gives_a_clear_error(tiny_spec, server, models_root):
    models_root.mkdir(parents=True)
    part_of(models_root, tiny_spec).symlink_to("/dev/full")  # every write fails with ENOSPC

    with pytest.raises(StorageError) as caught:
        ensure_model(MODEL_NAME)

    assert str(caught.value).startswith("no space left to write ")
    assert "free some disk space" in str(caught.value)
    assert not (models_root / tiny_spec.file_name).exists()


def test_a_cache_folder_that_cannot_be_created_gives_a_clear_error(tiny_spec, server, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    monkeypatch.setenv("CLIPDESK_DATA_DIR", str(blocker))

    with pytest.raises(StorageError) as caught:
        ensure_model(MODEL_NAME)

    assert str(caught.value).startswith(f"cannot create {blocker / 'models'}")
    assert blocker.read_text() == "a file where the data folder should be"


def test_download_root_overrides_the_cache_folder(tiny_spec, server, tmp_path, models_root, tiny_bytes):
    path = ensure_model(MODEL_NAME, download_root=tmp_path / "elsewhere")

    assert path == tmp_path / "elsewhere" / tiny_spec.file_name and path.read_bytes() == tiny_bytes
    assert not models_root.exists()


def test_a_corrupt_cached_file_is_detected_and_downloaded_again(tiny_spec, server, tiny_bytes, caplog):
    path = ensure_model(MODEL_NAME)
    before = path.stat()
    with open(path, "r+b") as stream:  # bit rot: same size, one byte changed
        stream.seek(len(tiny_bytes) // 2)
        stream.write(bytes([tiny_bytes[len(tiny_bytes) // 2] ^ 1]))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))  # a later write's mtime
    requests_before = len(server.requests)

    again = ensure_model(MODEL_NAME)

    assert "changed after it was verified" in caplog.text
    assert len(server.requests) == requests_before + 1
    assert again.read_bytes() == tiny_bytes


def test_a_verified_file_is_not_hashed_again_until_it_changes(tiny_spec, server, monkeypatch):
    path = ensure_model(MODEL_NAME)
    hashed: list[Path] = []
    real_sha256_of = records.sha256_of
    monkeypatch.setattr(records, "sha256_of",
                        lambda file, should_stop=None: hashed.append(file) or real_sha256_of(file))

    ensure_model(MODEL_NAME)
    assert hashed == []  # size and mtime match the record

    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    ensure_model(MODEL_NAME)
    assert hashed == [path]
    assert read_record(path).mtime_ns == stat.st_mtime_ns + 1_000_000_000

    ensure_model(MODEL_NAME)
    assert hashed == [path]


def test_two_concurrent_downloads_of_one_file_fetch_it_once(tiny_spec, server, tiny_bytes, models_root):
    server.pause_after, server.faults_left = MIB, 1  # hold the first transfer half-way
    second_waits = threading.Event()
    results: dict[str, Path | BaseException] = {}

    def run(label: str, **callbacks) -> None:
        try:
            results[label] = ensure_model(MODEL_NAME, **callbacks)
        except BaseException as error:  # noqa: BLE001 — reported by the assertions below
            results[label] = error

    first = threading.Thread(target=run, args=("first",))
    first.start()
    assert server.paused.wait(10)
    second = threading.Thread(target=run, args=("second",), kwargs={"on_wait": second_waits.set})
    second.start()
    assert second_waits.wait(10)  # the second download is blocked on the file's lock
    server.resume.set()
    first.join(10)
    second.join(10)

    path = models_root / tiny_spec.file_name
    assert results == {"first": path, "second": path}
    assert len(server.requests) == 1
    assert path.read_bytes() == tiny_bytes


def test_the_mirror_variable_moves_every_builtin_download(server, monkeypatch, models_root, delays):
    monkeypatch.setenv("CLIPDESK_MODEL_MIRROR", server.url("/mirror/clip/models/"))
    spec = load_registry().get("ViT-B/32")

    with pytest.raises(HTTPStatusError, match="HTTP 404"):
        ensure_model("ViT-B/32", sleep=delays.append)

    assert server.requests[0].path == f"/mirror/clip/models/{spec.sha256}/ViT-B-32.pt"


def test_a_size_in_models_json_that_the_server_contradicts_is_refused(server, tiny_bytes, models_root):
    write_models_json([{"name": MODEL_NAME, "url": server.url(MODEL_URL_PATH), "size": len(tiny_bytes) + 1,
                        "sha256": hashlib.sha256(tiny_bytes).hexdigest()}])

    with pytest.raises(ChecksumError, match=f"serves {len(tiny_bytes)} bytes"):
        ensure_model(MODEL_NAME)
    assert files_in(models_root) == set()


def test_only_the_part_file_grows_until_the_hash_is_verified(tiny_spec, server, models_root, tiny_bytes):
    """While bytes stream in, the final path does not exist and everything counted is on disk in the
    .part: a crash can never leave a half file in place, and never loses what was received."""
    final, part = models_root / tiny_spec.file_name, part_of(models_root, tiny_spec)
    observed: list[tuple[bool, int]] = []

    def check(done: int, total: int | None) -> None:
        if 0 < done < len(tiny_bytes):
            observed.append((final.exists(), part.stat().st_size - done if part.exists() else -1))

    download(tiny_spec, models_root, on_progress=check)

    assert len(observed) > 3
    assert set(observed) == {(False, 0)}
    assert final.read_bytes() == tiny_bytes and not part.exists()


def test_ctrl_c_mid_download_leaves_a_resumable_part_and_no_lock(tiny_spec, server, tiny_bytes, models_root):
    def interrupt(done: int, total: int | None) -> None:
        if done >= 2 * MIB:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ensure_model(MODEL_NAME, on_progress=interrupt)
    kept = part_of(models_root, tiny_spec).stat().st_size
    assert part_of(models_root, tiny_spec).read_bytes() == tiny_bytes[:kept]

    waited: list[bool] = []
    path = ensure_model(MODEL_NAME, on_wait=lambda: waited.append(True))

    assert waited == [] and server.requests[-1].range == f"bytes={kept}-"
    assert path.read_bytes() == tiny_bytes


def test_a_redirect_from_https_to_plain_http_is_refused():
    import urllib.request

    from clipdesk.weights.transport import RedirectPolicy

    request = urllib.request.Request("https://models.example/ViT-B-32.pt")
    with pytest.raises(HTTPStatusError, match="redirected to insecure http://evil.example/x.pt"):
        RedirectPolicy().redirect_request(request, None, 302, "Found", {}, "http://evil.example/x.pt")
    allowed = RedirectPolicy().redirect_request(request, None, 302, "Found", {},
                                                "https://cdn.example/ViT-B-32.pt")
    assert allowed.full_url == "https://cdn.example/ViT-B-32.pt"


@pytest.mark.parametrize(("code", "expected"), [
    (errno.ENOSPC, r"^no space left to write /cache/x.pt; free some disk space"),
    (errno.EACCES, r"^cannot write /cache/x.pt: permission denied; fix the folder's permissions"),
    (errno.EROFS, r"^cannot write /cache/x.pt: permission denied"),
    (errno.EIO, r"^cannot write /cache/x.pt: Input/output error; point CLIPDESK_DATA_DIR"),
])
def test_storage_failures_become_one_actionable_line(code, expected):
    error = storage_error(OSError(code, os.strerror(code)), "/cache/x.pt")

    assert re.match(expected, str(error))


def _two_source_spec(first: str, second: str, tiny_bytes: bytes) -> ModelSpec:
    write_models_json([{"name": "two-sources", "url": first, "mirrors": [second],
                        "sha256": hashlib.sha256(tiny_bytes).hexdigest()}])
    return load_registry().get("two-sources")


def test_a_source_that_fails_hands_over_to_the_next_which_resumes_the_same_bytes(server, tiny_bytes, delays):
    from tests.weights.http_server import FileServer

    with FileServer({MODEL_URL_PATH: tiny_bytes}) as second:
        _two_source_spec(server.url(MODEL_URL_PATH), second.url(MODEL_URL_PATH), tiny_bytes)
        server.queue = [Fault(drop_after=2 * MIB)]
        server.status = 503  # after the drop, the first source stays down
        used: list[str] = []

        path = ensure_model("two-sources", retry_delays=(), sleep=delays.append, on_source=used.append)

        assert path.read_bytes() == tiny_bytes
        assert used == [server.url(MODEL_URL_PATH), second.url(MODEL_URL_PATH)]
        assert [request.range for request in second.requests] == [f"bytes={2 * MIB}-"]  # resumed, not restarted


def test_a_missing_file_on_the_first_source_is_fetched_from_the_second(server, tiny_bytes, delays, closed_port):
    spec = _two_source_spec(f"http://127.0.0.1:{closed_port}/x.pt", server.url(MODEL_URL_PATH), tiny_bytes)

    path = ensure_model(spec.name, retry_delays=(), sleep=delays.append)

    assert path.read_bytes() == tiny_bytes and len(server.requests) == 1


def test_a_source_serving_other_bytes_is_discarded_and_the_next_starts_over(server, tiny_bytes, delays, models_root):
    from tests.weights.http_server import FileServer

    with FileServer({MODEL_URL_PATH: tiny_bytes}) as second:
        spec = _two_source_spec(server.url(MODEL_URL_PATH), second.url(MODEL_URL_PATH), tiny_bytes)
        server.corrupt = True

        path = ensure_model(spec.name, retry_delays=(), sleep=delays.append)

        assert path.read_bytes() == tiny_bytes
        assert [request.range for request in second.requests] == [None]  # nothing of the bad bytes kept


def test_when_every_source_fails_the_last_error_is_reported_and_the_part_kept(server, tiny_bytes, delays,
                                                                             closed_port, models_root):
    spec = _two_source_spec(server.url(MODEL_URL_PATH), f"http://127.0.0.1:{closed_port}/x.pt", tiny_bytes)
    server.queue = [Fault(drop_after=MIB)]
    server.status = 503

    with pytest.raises(NetworkError, match=f"127.0.0.1:{closed_port}|could not reach 127.0.0.1"):
        ensure_model(spec.name, retry_delays=(), sleep=delays.append)

    assert part_of(models_root, spec).stat().st_size == MIB  # the next run resumes it
