"""A real HTTP server on 127.0.0.1, in a thread, with switches for the faults downloads must survive.

    with FileServer({"/m/tiny.pt": data}) as server:
        server.drop_after = 1000        # close the connection after 1000 body bytes ...
        server.faults_left = 1          # ... for the next request only (None: every request)
        url = server.url("/m/tiny.pt")

Switches (plain attributes, read at the start of each request): ``status`` (answer every request with
this HTTP status), ``drop_after`` (send this many body bytes, then close the socket), ``corrupt``
(serve the right length with wrong bytes), ``ignore_range`` (answer 200 with the whole file even when a
Range is asked for), ``delay_s`` (sleep between chunks: a slow server), ``faults_left`` (how many more
requests get the faults above; None = all). ``queue`` holds one-off ``Fault``s that the next requests
take first, in order (e.g. drop once, then answer 503). ``pause_after`` with the ``paused``/``resume`` events holds
a transfer mid-body so a test can act while a download is provably in flight. Queued ``Fault``s can also
``hang`` (read the request, answer nothing until ``resume``), send a ``close_delimited`` body (no
Content-Length: only the closing connection marks its end), add ``retry_after`` to an error status,
``redirect_to`` another path or URL, or answer a ``bare_206`` (no Content-Range). Every request
is logged in ``requests`` (path and headers).
"""

from __future__ import annotations

import re
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

CHUNK = 64 * 1024


@dataclass(frozen=True)
class Fault:
    """What one request gets wrong; the defaults serve the file correctly."""

    status: int | None = None
    drop_after: int | None = None
    corrupt: bool = False
    ignore_range: bool = False
    delay_s: float = 0.0
    pause_after: int | None = None
    wrong_range: bool = False  # answer a Range request with 206 for bytes 0- (a broken proxy)
    hang: bool = False  # accept the request and say nothing (sets ``paused``, waits for ``resume``)
    close_delimited: bool = False  # no Content-Length; the body ends when the connection closes
    retry_after: str | None = None  # Retry-After header sent with ``status``
    redirect_to: str | None = None  # answer 302 with this Location
    bare_206: bool = False  # answer 206 without a Content-Range, whatever was asked (a broken proxy)


@dataclass(frozen=True)
class LoggedRequest:
    path: str
    headers: dict[str, str]

    @property
    def range(self) -> str | None:
        return self.headers.get("Range")


class FileServer:
    def __init__(self, files: dict[str, bytes] | None = None) -> None:
        self.files: dict[str, bytes] = dict(files or {})
        self.status: int | None = None
        self.drop_after: int | None = None
        self.corrupt = False
        self.ignore_range = False
        self.delay_s = 0.0
        self.faults_left: int | None = None
        self.pause_after: int | None = None
        self.paused = threading.Event()  # set by the server when it holds a transfer
        self.resume = threading.Event()  # set by the test to let it continue
        self.queue: list[Fault] = []
        self.requests: list[LoggedRequest] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def reset_faults(self) -> None:
        self.status = self.drop_after = self.pause_after = self.faults_left = None
        self.corrupt = self.ignore_range = False
        self.delay_s = 0.0

    def start(self) -> FileServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.resume.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=10)

    def __enter__(self) -> FileServer:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()

    def _fault_for_request(self) -> Fault:
        """The faults this request gets: the next queued one, else the switches (counting faults_left)."""
        with self._lock:
            if self.queue:
                return self.queue.pop(0)
            if self.faults_left is not None:
                if self.faults_left <= 0:
                    return Fault()
                self.faults_left -= 1
            return Fault(self.status, self.drop_after, self.corrupt, self.ignore_range, self.delay_s,
                         self.pause_after)


def _handler_for(server: FileServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
            pass

        def do_GET(self) -> None:  # noqa: N802 — the name http.server calls
            server.requests.append(LoggedRequest(self.path, dict(self.headers.items())))
            fault = server._fault_for_request()
            data = server.files.get(self.path)
            if fault.hang:
                server.paused.set()
                server.resume.wait(timeout=60)
                self.close_connection = True
                return None
            if fault.redirect_to is not None:
                return self._plain(302, b"moved\n", {"Location": fault.redirect_to})
            if fault.status is not None:
                extra = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
                return self._plain(fault.status, b"fault injected by the test server\n", extra)
            if data is None:
                return self._plain(404, b"not found\n")
            if fault.corrupt:
                data = bytes(byte ^ 0xFF for byte in data[:64]) + data[64:]
            start, status = 0, 200
            asked = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
            if asked and not fault.ignore_range:
                start = int(asked.group(1))
                if start >= len(data):
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(data)}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                status = 206
                if fault.wrong_range:
                    start = 0
            body = data[start:]
            if fault.bare_206:
                status = 206
            self.send_response(status)
            self.send_header("Content-Type", "application/octet-stream")
            if fault.close_delimited:
                self.send_header("Connection", "close")
                self.close_connection = True
            else:
                self.send_header("Content-Length", str(len(body)))
            self.send_header("Accept-Ranges", "bytes")
            if status == 206 and not fault.bare_206:
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            self.end_headers()
            self._send_body(body, fault)

        def _send_body(self, body: bytes, fault: Fault) -> None:
            limit, pause = fault.drop_after, fault.pause_after
            sent = 0
            try:
                while sent < len(body):
                    if limit is not None and sent >= limit:
                        self.close_connection = True
                        self.connection.shutdown(socket.SHUT_RDWR)  # the peer sees the body end early
                        return
                    if pause is not None and sent >= pause:
                        pause = None
                        server.paused.set()
                        server.resume.wait(timeout=30)
                    end = len(body) if limit is None else min(len(body), limit)
                    end = min(end, sent + CHUNK)
                    if pause is not None:
                        end = min(end, max(pause, sent + 1))
                    self.wfile.write(body[sent:end])
                    self.wfile.flush()
                    sent = end
                    if fault.delay_s:
                        time.sleep(fault.delay_s)
            except OSError:
                pass  # the client went away (a cancel): nothing to clean up

        def _plain(self, status: int, text: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            self.wfile.write(text)

    return Handler
