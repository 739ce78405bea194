"""Servers that misbehave in ways the happy path never shows: bodies without a length, silence, busy
answers with Retry-After, redirects, broken partial answers — and a cancel that must be heard at once."""

from __future__ import annotations

import hashlib

import pytest

from clipdesk.weights import ChecksumError, DownloadCancelled, HTTPStatusError, NetworkError, ensure_model, records
from clipdesk.weights.errors import StorageError
from tests.weights.helpers import MODEL_NAME, MODEL_URL_PATH, files_in
from tests.weights.http_server import Fault

MIB = 1 << 20


def test_a_body_without_a_length_that_stops_early_is_resumed(tiny_spec, server, tiny_bytes, delays):
    """Without Content-Length a dropped connection looks like the end of the file: ask for the rest
    instead of throwing away what arrived."""
    server.queue = [Fault(close_delimited=True, drop_after=2 * MIB), Fault(close_delimited=True)]

    path = ensure_model(MODEL_NAME, sleep=delays.append)

    assert [request.range for request in server.requests] == [None, f"bytes={2 * MIB}-"]
    assert path.read_bytes() == tiny_bytes and delays == []


@pytest.mark.parametrize("ranges", [True, False], ids=["server-resumes", "server-ignores-range"])
def test_wrong_bytes_without_a_length_are_still_discarded(tiny_spec, server, models_root, ranges):
    server.queue = [Fault(close_delimited=True, corrupt=True, ignore_range=not ranges)] * 2

    with pytest.raises(ChecksumError, match="SHA256 mismatch .*the file was discarded"):
        ensure_model(MODEL_NAME)

    assert len(server.requests) == 2  # one look for more bytes (416, or the same end again), no more
    assert files_in(models_root) == set()


def test_cancel_is_heard_while_the_server_says_nothing(tiny_spec, server, models_root):
    """A silent server blocks a read for the whole timeout; a cancel must not wait for it."""
    server.queue = [Fault(hang=True)]

    with pytest.raises(DownloadCancelled, match="run it again to resume"):
        ensure_model(MODEL_NAME, should_stop=server.paused.is_set, timeout_s=20, retry_delays=())

    assert len(server.requests) == 1
    assert not (models_root / tiny_spec.file_name).exists()


def test_cancel_is_heard_during_the_backoff_wait(tiny_spec, server, models_root, delays):
    server.status = 503

    with pytest.raises(DownloadCancelled):
        ensure_model(MODEL_NAME, sleep=delays.append, should_stop=lambda: len(server.requests) >= 1)

    assert len(server.requests) == 1  # no further tries once the user said stop
    assert sum(delays) <= 1.0


def test_retry_after_is_honoured(tiny_spec, server, tiny_bytes, delays):
    server.queue = [Fault(status=429, retry_after="7")]

    path = ensure_model(MODEL_NAME, sleep=delays.append)

    assert delays == [7.0] and path.read_bytes() == tiny_bytes


def test_a_server_asking_to_come_back_much_later_is_not_waited_for(tiny_spec, server, delays):
    server.status, server.faults_left = 503, None
    server.queue = [Fault(status=503, retry_after="3600")]

    with pytest.raises(NetworkError, match=r"^127\.0\.0\.1 is busy and asks to come back in 60 min"):
        ensure_model(MODEL_NAME, sleep=delays.append)
    assert len(server.requests) == 1 and delays == []


def test_a_server_that_stays_busy_is_not_called_unreachable(tiny_spec, server, delays):
    server.status = 503

    with pytest.raises(NetworkError) as caught:
        ensure_model(MODEL_NAME, sleep=delays.append)

    message = str(caught.value)
    assert message.startswith("127.0.0.1 kept failing (") and "HTTP 503" in message
    assert "try again later" in message and "`clipdesk models import FILE`" in message


def test_a_redirect_is_followed_with_the_range_kept(tiny_spec, server, tiny_bytes, models_root):
    server.files["/elsewhere/tiny-vit.pt"] = tiny_bytes
    part = models_root / (tiny_spec.file_name + ".part")
    part.parent.mkdir(parents=True)
    part.write_bytes(tiny_bytes[:MIB])
    server.queue = [Fault(redirect_to="/elsewhere/tiny-vit.pt")]

    path = ensure_model(MODEL_NAME)

    assert [(r.path, r.range) for r in server.requests] == [(MODEL_URL_PATH, f"bytes={MIB}-"),
                                                            ("/elsewhere/tiny-vit.pt", f"bytes={MIB}-")]
    assert path.read_bytes() == tiny_bytes


def test_a_redirect_to_another_protocol_is_refused(tiny_spec, server, models_root):
    server.queue = [Fault(redirect_to="ftp://127.0.0.1/tiny-vit.pt")]

    with pytest.raises(HTTPStatusError, match="redirected to unsupported ftp://127.0.0.1/tiny-vit.pt"):
        ensure_model(MODEL_NAME)
    assert len(server.requests) == 1 and files_in(models_root) == set()


def test_a_redirect_loop_is_one_line_naming_the_url(tiny_spec, server, models_root):
    server.queue = [Fault(redirect_to="/loop"), Fault(redirect_to=MODEL_URL_PATH)] * 10

    with pytest.raises(HTTPStatusError) as caught:
        ensure_model(MODEL_NAME)

    message = str(caught.value)
    assert message.startswith(f"{tiny_spec.url} answered HTTP 302 but its redirect could not be followed")
    assert "\n" not in message and files_in(models_root) == set()


def test_a_partial_answer_without_content_range_to_a_plain_request_is_the_whole_file(
        tiny_spec, server, tiny_bytes, models_root):
    part = models_root / (tiny_spec.file_name + ".part")
    part.parent.mkdir(parents=True)
    part.write_bytes(tiny_bytes[:MIB])
    server.queue = [Fault(bare_206=True), Fault(bare_206=True)]  # a proxy that always says 206

    path = ensure_model(MODEL_NAME)

    assert [request.range for request in server.requests] == [f"bytes={MIB}-", None]
    assert path.read_bytes() == tiny_bytes


def test_a_verified_download_is_kept_when_its_record_cannot_be_written(tiny_spec, server, tiny_bytes,
                                                                       monkeypatch):
    def full(path, sha256, name=None):
        raise StorageError("no space left to write the record")

    monkeypatch.setattr(records, "write_record", full)

    path = ensure_model(MODEL_NAME)  # the record only saves a re-hash next time

    assert path.read_bytes() == tiny_bytes
    assert hashlib.sha256(path.read_bytes()).hexdigest() == tiny_spec.sha256
