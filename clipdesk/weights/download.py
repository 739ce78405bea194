"""Fetch one model file: stream to ``<file>.part`` while hashing, resume with HTTP Range, retry with
backoff, and ``os.replace`` into place only after the SHA256 matches.

Everything a front end needs goes through plain callbacks: ``on_progress(done, total)`` after each
chunk, ``should_stop()`` between chunks (a cancel keeps the ``.part`` so the next run resumes), and
``on_wait()`` when another process holds the file's lock.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import http.client
import logging
import os
import re
import shutil
import ssl
import sys
import time
import urllib.error
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from clipdesk import __version__
from clipdesk.weights import lock, records
from clipdesk.weights.errors import (
    ChecksumError,
    DownloadCancelled,
    HTTPStatusError,
    NetworkError,
    StorageError,
    WeightsError,
    storage_error,
)
from clipdesk.weights.registry import ModelSpec
from clipdesk.weights.transport import Session, header, one_line, reason, retry_after_s

log = logging.getLogger(__name__)

PART_SUFFIX = ".part"
CHUNK = 1 << 20  # read at most this much between should_stop() checks
RETRY_DELAYS_S = (1.0, 2.0, 4.0)  # waits before the 2nd, 3rd and 4th try of an attempt that got nothing
TIMEOUT_S = 30.0  # per connect and per read, not for the whole file
RETRY_STATUSES = frozenset({408, 429, 502, 503, 504})  # answers that usually mean "try again shortly"
MAX_RETRY_AFTER_S = 120.0  # a server asking to come back later than this gets an error, not a wait
BACKOFF_STEP_S = 0.1  # backoff waits are cut in steps this long so should_stop() is heard
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")
_HINTS = {403: "access was refused", 404: "the file is not there; check the URL or mirror",
          410: "the file is gone; check the URL or mirror"}

ProgressCallback = Callable[[int, "int | None"], None]


def part_path(final: Path) -> Path:
    return final.with_name(final.name + PART_SUFFIX)


@dataclass
class _Transfer:
    """Bytes received so far (all on disk in the ``.part``) and their running hash."""

    spec: ModelSpec
    part: Path
    done: int = 0
    total: int | None = None
    digest: hashlib._Hash = field(default_factory=hashlib.sha256)
    open_end: int | None = None  # where a body of unknown length last ended (maybe early)

    def restart(self) -> None:
        """Forget the ``.part``: the server cannot resume it."""
        self.done, self.digest = 0, hashlib.sha256()
        _write(self.part, lambda: self.part.open("wb").close())


class _Retry(Exception):
    """One request failed in a way that a later request may not. ``reached``: the server answered (so
    "could not reach" would be wrong); ``retry_after``: seconds the server asked us to wait."""

    def __init__(self, message: str, *, reached: bool = False, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.reached = reached
        self.retry_after = retry_after


class _Restart(Exception):
    """The server cannot resume this ``.part`` (it was thrown away): ask again from byte 0 at once."""


def download(spec: ModelSpec, dest_dir: Path, *, on_progress: ProgressCallback | None = None,
             should_stop: Callable[[], bool] | None = None, on_wait: Callable[[], None] | None = None,
             retry_delays: Sequence[float] | None = None, sleep: Callable[[float], None] = time.sleep,
             timeout_s: float = TIMEOUT_S, on_source: Callable[[str], None] | None = None) -> Path:
    """Make ``dest_dir/spec.file_name`` a verified copy of ``spec`` and return its path.

    ``retry_delays`` (default ``RETRY_DELAYS_S``) and ``sleep`` are the backoff; tests inject both.
    ``should_stop`` is also polled from a helper thread while a request waits on the network (so a
    cancel does not wait for a silent server's timeout): it must be thread-safe.
    A verified file already there is returned without touching the network; a file there whose bytes
    changed stays until a verified download replaces it (it is never loaded: its hash no longer matches).
    Raises a ``WeightsError`` subclass whose message is one line for the user; nothing this function
    writes reaches the final path unverified.

    A model with several sources (``spec.sources``: same bytes, e.g. Hugging Face then ModelScope)
    tries them in order: when one fails for good, the next resumes where it stopped; ``on_source(url)``
    is told each source as it is tried, so a front end can say which one is in use.
    """
    if spec.url is None:
        raise WeightsError(f"{spec.name} was imported from a file and cannot be downloaded; "
                           f"run `clipdesk models import FILE` again",
                           window_message=f"{spec.name} was imported from a file and cannot be downloaded; "
                                          f"use Import Weights File… below to import it again")
    final = dest_dir / spec.file_name
    if records.verify(final, spec.sha256, should_stop=should_stop):
        return final
    if final.exists():
        log.warning("%s changed after it was verified (its SHA256 differs); downloading it again", final)
    _write(dest_dir, lambda: dest_dir.mkdir(parents=True, exist_ok=True), "create")
    with lock.acquire(final, should_stop=should_stop, on_wait=on_wait):
        # Another process may have finished the file while we waited: it left a fresh record.
        if records.verified_by_record(final, spec.sha256):
            return final
        transfer = _Transfer(spec, part_path(final))
        _resume_from_disk(transfer, should_stop)
        delays = RETRY_DELAYS_S if retry_delays is None else retry_delays
        sources = spec.sources
        with Session(should_stop) as session:
            for index, source in enumerate(sources):
                transfer.spec = replace(spec, url=source, mirrors=())
                if on_source is not None:
                    on_source(source)
                try:
                    _fetch(transfer, session, on_progress, should_stop, delays, sleep, timeout_s)
                    return _finish(transfer, final)
                except (NetworkError, HTTPStatusError, ChecksumError) as error:
                    if index == len(sources) - 1:
                        raise
                    # The next source has the same bytes: what arrived stays and is resumed from
                    # there, unless the bytes were wrong (then _finish discarded them: start over).
                    log.warning("%s; trying %s", error, sources[index + 1])
                    if isinstance(error, ChecksumError):
                        transfer.restart()
        raise AssertionError("unreachable: a spec with a URL has at least one source")


def _resume_from_disk(transfer: _Transfer, should_stop: Callable[[], bool] | None) -> None:
    """Hash what an earlier run left in the ``.part`` so the download continues after it."""
    if transfer.part.exists() and not transfer.part.is_file():
        return  # not a regular file (a folder, a device): nothing to resume; writing it will say why
    try:
        with open(transfer.part, "rb") as stream:
            while chunk := stream.read(CHUNK):
                _check_stop(transfer, should_stop)
                transfer.digest.update(chunk)
                transfer.done += len(chunk)
    except FileNotFoundError:
        pass
    except OSError as error:
        raise storage_error(error, transfer.part, "read") from error


def _fetch(transfer: _Transfer, session: Session, on_progress: ProgressCallback | None,
           should_stop: Callable[[], bool] | None, retry_delays: Sequence[float],
           sleep: Callable[[float], None], timeout_s: float) -> None:
    """Request until the file is complete. Tries that received nothing are bounded by ``retry_delays``;
    a try that made progress resets the count, so a flaky link still finishes."""
    failures, restarted = 0, False
    while True:
        _check_stop(transfer, should_stop)
        before = transfer.done
        try:
            _request(transfer, session, on_progress, should_stop, timeout_s)
            return
        except _Restart as error:
            _check_stop(transfer, should_stop)
            if restarted:
                raise _gave_up(transfer, _Retry(str(error), reached=True)) from error
            restarted = True
        except _Retry as error:
            _check_stop(transfer, should_stop)  # an aborted request fails like a network error
            failures = 0 if transfer.done > before else failures + 1
            if failures > len(retry_delays):
                raise _gave_up(transfer, error) from error
            wait = retry_delays[failures - 1] if failures else 0.0
            if error.retry_after is not None:
                if error.retry_after > MAX_RETRY_AFTER_S:
                    raise _gave_up(transfer, error) from error
                wait = max(wait, error.retry_after)
            _backoff(transfer, wait, sleep, should_stop)
        finally:
            session.forget_sockets()


def _backoff(transfer: _Transfer, seconds: float, sleep: Callable[[float], None],
             should_stop: Callable[[], bool] | None) -> None:
    """Wait before the next try, in short steps when a cancel must be heard."""
    if should_stop is None:
        if seconds > 0:
            sleep(seconds)
        return
    waited = 0.0
    while waited < seconds:
        step = min(BACKOFF_STEP_S, seconds - waited)
        sleep(step)
        waited += step
        _check_stop(transfer, should_stop)


def _check_stop(transfer: _Transfer, should_stop: Callable[[], bool] | None) -> None:
    if should_stop is not None and should_stop():
        raise DownloadCancelled(f"download of {transfer.spec.name} cancelled at {_mib(transfer.done)}; "
                                f"run it again to resume")


def _request(transfer: _Transfer, session: Session, on_progress: ProgressCallback | None,
             should_stop: Callable[[], bool] | None, timeout_s: float) -> None:
    """One HTTP request, appending to the ``.part``; raises ``_Retry`` for transient failures."""
    spec = transfer.spec
    assert spec.url is not None
    headers = {"User-Agent": f"clipdesk/{__version__}", "Accept-Encoding": "identity"}
    if transfer.done:
        headers["Range"] = f"bytes={transfer.done}-"
    try:
        response = session.open(spec.url, headers, timeout_s)
    except urllib.error.HTTPError as error:
        error.close()
        _on_error_status(transfer, error.code, str(error.reason), error.headers)
        return
    except urllib.error.URLError as error:
        if isinstance(error.reason, ssl.SSLCertVerificationError):
            raise NetworkError(f"could not verify the certificate of {urlsplit(spec.url).hostname} "
                               f"({error.reason.verify_message}); check the system clock and proxy") from error
        raise _Retry(reason(error.reason)) from error
    except (OSError, http.client.HTTPException) as error:
        raise _Retry(reason(error)) from error
    with response:
        _start_body(transfer, response)
        if on_progress is not None:
            on_progress(transfer.done, transfer.total)
        _stream_body(transfer, response, on_progress, should_stop)


def _on_error_status(transfer: _Transfer, status: int, status_text: str, headers: object) -> None:
    url = transfer.spec.url
    status_text = one_line(status_text)
    content_range = header(headers, "Content-Range")
    if status == 416 and transfer.done:
        # The .part is at least as long as the file: either complete, or junk to throw away.
        match = re.fullmatch(r"bytes \*/(\d+)", content_range or "")
        if match and int(match.group(1)) == transfer.done:
            transfer.total = transfer.done
            return
        transfer.restart()
        raise _Restart(f"{url} could not resume the partial file")
    if status in RETRY_STATUSES:
        raise _Retry(f"{url} answered HTTP {status} {status_text}", reached=True,
                     retry_after=retry_after_s(header(headers, "Retry-After")))
    if 300 <= status < 400:
        raise HTTPStatusError(f"{url} answered HTTP {status} but its redirect could not be followed "
                              f"({status_text}); check the URL or mirror", status, url or "")
    hint = _HINTS.get(status, "the server failed; try again later" if status >= 500 else "")
    raise HTTPStatusError(f"{url} answered HTTP {status} {status_text}".rstrip() + (f"; {hint}" if hint else ""),
                          status, url or "")


def _start_body(transfer: _Transfer, response: http.client.HTTPResponse) -> None:
    """Learn the total size; start over when the server ignored or misread the Range request."""
    length = response.headers.get("Content-Length")
    match = _CONTENT_RANGE.fullmatch(response.headers.get("Content-Range") or "")
    if response.status == 206 and (match or transfer.done):  # 206 without a range to a plain GET: a 200
        if not match or int(match.group(1)) != transfer.done:
            transfer.restart()
            raise _Restart(f"{transfer.spec.url} sent another part of the file than the one asked for")
        transfer.total = int(match.group(3)) if match.group(3) != "*" else None
    else:
        if transfer.done:
            transfer.restart()  # 200 to a Range request: the whole file comes again
        transfer.total = int(length) if length and length.isdigit() else None
    spec = transfer.spec
    if spec.size is not None and transfer.total is not None and spec.size != transfer.total:
        raise ChecksumError(f"{spec.url} serves {transfer.total} bytes but {spec.name} has {spec.size}; "
                            f"nothing was saved. Check the URL and size in models.json")
    if transfer.total is not None:
        _check_free_space(transfer)


def _check_free_space(transfer: _Transfer) -> None:
    needed = (transfer.total or 0) - transfer.done
    try:
        free = shutil.disk_usage(transfer.part.parent).free
    except OSError:
        return
    if free < needed:
        raise StorageError(f"not enough space in {transfer.part.parent} for {transfer.spec.file_name}: "
                           f"{_mib(needed)} needed, {_mib(free)} free; free some space (or point "
                           f"CLIPDESK_DATA_DIR at a bigger disk) and run the command again")


def _stream_body(transfer: _Transfer, response: http.client.HTTPResponse,
                 on_progress: ProgressCallback | None, should_stop: Callable[[], bool] | None) -> None:
    try:
        stream = open(transfer.part, "ab", buffering=0)  # unbuffered: a failed write leaves nothing pending
    except OSError as error:
        raise storage_error(error, transfer.part) from error
    with stream:
        while True:
            _check_stop(transfer, should_stop)
            try:
                chunk = response.read1(CHUNK)
            except (OSError, http.client.HTTPException) as error:
                raise _Retry(reason(error)) from error
            if not chunk:
                _check_stop(transfer, should_stop)  # a cancel ends the stream early: not the file's end
                if transfer.total is not None and transfer.done < transfer.total:
                    raise _Retry(f"the connection closed after {_mib(transfer.done)} of "
                                 f"{_mib(transfer.total)}")
                if (transfer.total is None and response.length is None and not response.chunked
                        and transfer.open_end != transfer.done
                        and transfer.digest.hexdigest() != transfer.spec.sha256):
                    # No length and no chunks: only the closing connection marks the end, so a drop looks
                    # like the end. Ask for the rest before calling the bytes wrong: a 416, or the same
                    # end twice, says that was all.
                    transfer.open_end = transfer.done
                    raise _Retry(f"the connection closed after {_mib(transfer.done)} without saying how "
                                 f"long the file is")
                return
            try:
                write_all(stream, chunk)  # what is hashed is on disk, so a crash leaves a resumable .part
            except OSError as error:
                raise storage_error(error, transfer.part) from error
            transfer.digest.update(chunk)
            transfer.done += len(chunk)
            if on_progress is not None:
                on_progress(transfer.done, transfer.total)


def write_all(stream: BinaryIO, data: bytes) -> None:
    """Write all of ``data`` to an unbuffered file (raw writes may be partial)."""
    view = memoryview(data)
    while view:
        written = stream.write(view)
        if not written:
            raise OSError(errno.EIO, "the disk accepted no more bytes")
        view = view[written:]


def _finish(transfer: _Transfer, final: Path) -> Path:
    """Move the ``.part`` into place if, and only if, its SHA256 is the expected one."""
    spec = transfer.spec
    actual = transfer.digest.hexdigest()
    if actual != spec.sha256:
        transfer.part.unlink(missing_ok=True)
        raise ChecksumError(f"SHA256 mismatch for {spec.file_name} from {spec.url}: expected "
                            f"{spec.sha256[:12]}…, got {actual[:12]}…; the file was discarded. Run the "
                            f"command again; if it happens again the source serves a different file")

    def move_into_place() -> None:
        with open(transfer.part, "rb+") as stream:
            os.fsync(stream.fileno())
        os.replace(transfer.part, final)

    _write(final, move_into_place)
    with contextlib.suppress(StorageError):  # the file is verified; without a record it is hashed again
        records.write_record(final, spec.sha256)
    _sync_directory(final.parent)
    return final


def _gave_up(transfer: _Transfer, error: _Retry) -> NetworkError:
    """The final failure, with what to do next: for the terminal (commands) and the window (buttons)."""
    terminal = _gave_up_message(transfer, error, "run the command again", "run `clipdesk models import FILE`")
    window = _gave_up_message(transfer, error, "use Resume Download", "use Import Weights File… below")
    return NetworkError(terminal, window_message=window)


def _gave_up_message(transfer: _Transfer, error: _Retry, again: str, import_it: str) -> str:
    spec = transfer.spec
    host = urlsplit(spec.url or "").hostname
    elsewhere = f"download {spec.url} on another machine and {import_it}"
    if error.retry_after is not None and error.retry_after > MAX_RETRY_AFTER_S:
        return (f"{host} is busy and asks to come back in {_duration(error.retry_after)} "
                f"({error}); try again then, or {elsewhere}")
    if transfer.done:
        return f"the download from {host} kept failing ({error}); {again} to resume, or {elsewhere}"
    if error.reached:
        return f"{host} kept failing ({error}); try again later, or {elsewhere}"
    return (f"could not reach {host} ({error}); check the connection, or download the file "
            f"({spec.url}) on another machine and {import_it}")


def _duration(seconds: float) -> str:
    minutes = int(seconds + 59) // 60
    return f"{minutes} min" if minutes < 120 else f"{minutes // 60} h"


def _write(path: Path, action: Callable[[], object], verb: str = "write") -> None:
    try:
        action()
    except OSError as error:
        raise storage_error(error, path, verb) from error


def _sync_directory(directory: Path) -> None:
    """Make the rename durable (POSIX); harmless to skip where directories cannot be opened."""
    if sys.platform == "win32":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _mib(size: int) -> str:
    return f"{size / (1 << 20):.1f} MiB"
