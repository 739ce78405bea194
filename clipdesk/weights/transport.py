"""The HTTP side of a download: the redirects clipdesk follows, and requests that a cancel can abort.

A server that accepts the connection and then says nothing blocks ``recv`` for the whole read timeout;
a cancel must not wait that long. While a download runs, a watcher thread polls ``should_stop()`` and,
when it says stop, shuts down the socket of the request in flight so the blocked call returns at once.
(DNS lookup and the TCP connect itself are only bounded by the timeout.) Stdlib only.
"""

from __future__ import annotations

import email.utils
import http.client
import socket
import threading
import time
import urllib.request
from collections.abc import Callable
from types import TracebackType
from urllib.parse import urlsplit

from clipdesk.weights.errors import HTTPStatusError

POLL_S = 0.1  # how often the watcher asks should_stop()


class RedirectPolicy(urllib.request.HTTPRedirectHandler):
    """Follow redirects to http(s) URLs only, and never from https:// down to plain http://."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        old, new = urlsplit(req.full_url).scheme, urlsplit(newurl).scheme
        if new not in ("http", "https") or (old == "https" and new != "https"):
            kind = "insecure" if new == "http" else "unsupported"
            raise HTTPStatusError(f"{req.full_url} redirected to {kind} {newurl}; refusing to follow",
                                  code, req.full_url)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class Session:
    """Opens requests whose sockets are shut down as soon as ``should_stop()`` says stop.

    Use as a context manager around a whole download; ``should_stop`` is then also called from a
    helper thread, so it must be thread-safe (``threading.Event.is_set`` is).
    """

    def __init__(self, should_stop: Callable[[], bool] | None, poll_s: float = POLL_S) -> None:
        self.should_stop = should_stop
        self.poll_s = poll_s
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []  # duplicates of the in-flight request's sockets
        self._stopped = False
        self._finished = threading.Event()
        self._watcher: threading.Thread | None = None

    def __enter__(self) -> Session:
        if self.should_stop is not None:
            self._watcher = threading.Thread(target=self._watch, name="clipdesk-download-cancel",
                                             daemon=True)
            self._watcher.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self._finished.set()
        if self._watcher is not None:
            self._watcher.join()
        self.forget_sockets()

    def open(self, url: str, headers: dict[str, str], timeout_s: float) -> http.client.HTTPResponse:
        """Send a GET; raises what ``urllib`` raises (``HTTPError``, ``URLError``, ``OSError``, ...)."""
        opener = urllib.request.build_opener(RedirectPolicy, _HTTPHandler(self._register),
                                             _HTTPSHandler(self._register))
        return opener.open(urllib.request.Request(url, headers=headers), timeout=timeout_s)

    def forget_sockets(self) -> None:
        """Close the duplicates kept for aborting (call when a request is over)."""
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            sock.close()

    def _register(self, sock: socket.socket) -> None:
        duplicate = sock.dup()  # stays usable when TLS wraps (and detaches) the original object
        with self._lock:
            self._sockets.append(duplicate)
            stopped = self._stopped
        if stopped:
            _shut(duplicate)

    def _watch(self) -> None:
        assert self.should_stop is not None
        while not self._finished.wait(self.poll_s):
            try:
                stop = self.should_stop()
            except Exception:  # noqa: BLE001 — the download's own thread will call it and raise it
                return
            if stop:
                with self._lock:
                    self._stopped = True
                    sockets = list(self._sockets)
                for sock in sockets:
                    _shut(sock)
                return


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)  # wakes a recv blocked in another thread
    except OSError:
        pass  # already closed or never connected


def _registering(base: type[http.client.HTTPConnection],
                 register: Callable[[socket.socket], None]) -> type[http.client.HTTPConnection]:
    """``base`` whose socket is handed to ``register`` as soon as the TCP connection is made."""

    class Connection(base):  # type: ignore[valid-type, misc]
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)
            create = getattr(self, "_create_connection", None)
            if create is None:
                return  # a Python without this hook: cancel then waits for the timeout

            def create_and_register(*args: object, **kwargs: object) -> socket.socket:
                sock = create(*args, **kwargs)
                register(sock)
                return sock

            self._create_connection = create_and_register

    return Connection


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, register: Callable[[socket.socket], None]) -> None:
        super().__init__()
        self._register = register

    def do_open(self, http_class, req, **kwargs):  # type: ignore[no-untyped-def]
        return super().do_open(_registering(http_class, self._register), req, **kwargs)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, register: Callable[[socket.socket], None]) -> None:
        super().__init__()
        self._register = register

    def do_open(self, http_class, req, **kwargs):  # type: ignore[no-untyped-def]
        return super().do_open(_registering(http_class, self._register), req, **kwargs)


def reason(error: object) -> str:
    """A short human reason for a socket-level failure, on one line."""
    if isinstance(error, TimeoutError):
        return "timed out"
    if isinstance(error, http.client.RemoteDisconnected):
        return "the server closed the connection without answering"
    if isinstance(error, http.client.BadStatusLine):
        return "the server's answer is not HTTP"
    if isinstance(error, OSError) and error.strerror:
        return one_line(error.strerror)
    if isinstance(error, http.client.IncompleteRead):
        return "the connection closed early"
    return one_line(str(error)) or type(error).__name__


def one_line(text: str) -> str:
    return " ".join(text.split())


def header(headers: object, name: str) -> str | None:
    get = getattr(headers, "get", None)
    value = get(name) if get is not None else None
    return value if isinstance(value, str) else None


def retry_after_s(value: str | None) -> float | None:
    """Seconds from a Retry-After header (a number of seconds or an HTTP date); None when absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - time.time())
