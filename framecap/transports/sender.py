"""One HTTP POST to a Sentry-compatible server: ``send(body, headers) -> (status, headers)``, over ``http.client``.

Raises ``OSError``/``http.client.HTTPException`` when no answer came. What it takes care of:

- one kept-alive connection; when the server has closed it while idle (seen before sending, or as
  a reset with no answer on a reused connection) it reconnects once at once: not a failure;
- ``timeout`` is a deadline for the whole request, connecting and sending and reading the answer
  (a server that drips one byte a second is cut off at the deadline, not after a read's timeout);
- redirects 301, 302, 307 and 308 are followed with the same POST (the event only ever reaches a
  server by POST), at most 5 in a row; never from https to http; 303 and others are answers;
- ``https_proxy``/``http_proxy``/``no_proxy`` (CONNECT tunnels for HTTPS, credentials from the proxy
  URL) and ``SSL_CERT_FILE``.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import io
import os
import select
import socket
import ssl
import time
import urllib.parse
import urllib.request
from typing import Any, Callable

__all__ = ["HttpSender", "Sender"]

#: What the worker calls: ``(body, headers) -> (status, lower-cased response headers)``.
Sender = Callable[[bytes, "dict[str, str]"], "tuple[int, dict[str, str]]"]

_REDIRECTS = (301, 302, 307, 308)
_MAX_REDIRECTS = 5
_STALE = (ConnectionResetError, ConnectionAbortedError, BrokenPipeError, http.client.RemoteDisconnected)


class _Deadline:
    __slots__ = ("at",)

    def __init__(self) -> None:
        self.at = float("inf")

    def left(self) -> float:
        left = self.at - time.monotonic()
        if left <= 0:
            raise TimeoutError("http_timeout passed before the server's answer was complete")
        return left


class _DeadlineReader(io.RawIOBase):
    """The socket as a raw stream whose every read waits at most until the request's deadline."""

    def __init__(self, sock: socket.socket, deadline: _Deadline, plain: io.BufferedIOBase) -> None:
        self._sock = sock
        self._deadline = deadline
        self._plain = plain  # the makefile() http.client made: while it is open, so is the socket

    def close(self) -> None:
        super().close()
        self._plain.close()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self._sock.settimeout(self._deadline.left())
        return self._sock.recv_into(buffer)


def _response_class(deadline: _Deadline) -> Callable[..., http.client.HTTPResponse]:
    def build(sock: socket.socket, *args: Any, **kwargs: Any) -> http.client.HTTPResponse:
        response = http.client.HTTPResponse(sock, *args, **kwargs)
        response.fp = io.BufferedReader(_DeadlineReader(sock, deadline, response.fp))
        return response

    return build


def _connection(
    url: urllib.parse.SplitResult, deadline: _Deadline
) -> tuple[http.client.HTTPConnection, str, dict[str, str]]:
    """A connection for ``url`` (through the proxy the environment names), the request target, extra headers."""
    scheme, host = url.scheme, url.hostname or ""
    port = url.port or (443 if scheme == "https" else 80)
    target = url.path or "/"
    if url.query:
        target += "?" + url.query
    proxy = None
    if not urllib.request.proxy_bypass(host):  # no_proxy
        proxy = urllib.request.getproxies_environment().get(scheme)
    context = ssl.create_default_context(cafile=os.environ.get("SSL_CERT_FILE") or None) if scheme == "https" else None
    extra: dict[str, str] = {}
    conn: http.client.HTTPConnection
    if proxy:
        parts = urllib.parse.urlsplit(proxy if "://" in proxy else "http://" + proxy)
        auth: dict[str, str] = {}
        if parts.username:
            credentials = f"{urllib.parse.unquote(parts.username)}:{urllib.parse.unquote(parts.password or '')}"
            auth["Proxy-Authorization"] = "Basic " + base64.b64encode(credentials.encode()).decode()
        proxy_host, proxy_port = parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
        if scheme == "https":  # CONNECT through the proxy, then TLS to the server
            conn = http.client.HTTPSConnection(proxy_host, proxy_port, context=context)
            conn.set_tunnel(host, port, auth)
        else:  # plain HTTP: an absolute URI to the proxy, with its credentials on every request
            conn = http.client.HTTPConnection(proxy_host, proxy_port)
            target = urllib.parse.urlunsplit((scheme, url.netloc.rpartition("@")[2], url.path, url.query, ""))
            extra = auth
    elif scheme == "https":
        conn = http.client.HTTPSConnection(host, port, context=context)
    else:
        conn = http.client.HTTPConnection(host, port)
    conn.response_class = _response_class(deadline)  # type: ignore[assignment]
    return conn, target, extra


def _closed_by_peer(conn: http.client.HTTPConnection) -> bool:
    """An idle kept-alive connection has nothing to read, unless the server closed it (EOF) or broke it."""
    sock = conn.sock
    if sock is None:
        return False
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):  # a descriptor select() can't watch: find out by sending
        return False
    return bool(readable)


class HttpSender:
    """POSTs to ``url`` with a deadline of ``timeout`` seconds per request (redirects included)."""

    def __init__(self, url: str, timeout: float) -> None:
        self.url = url
        self.timeout = timeout
        self._deadline = _Deadline()
        self._conn: http.client.HTTPConnection | None = None
        self._target = ""
        self._extra: dict[str, str] = {}
        self.reconnects = 0  # stale kept-alive connections replaced (for tests and stats)

    def __call__(self, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str]]:
        self._deadline.at = time.monotonic() + self.timeout
        try:
            url = urllib.parse.urlsplit(self.url)
            for _ in range(_MAX_REDIRECTS + 1):
                if url.geturl() == urllib.parse.urlsplit(self.url).geturl():
                    status, answer = self._kept_alive(body, headers)
                else:
                    status, answer = self._once(url, body, headers)
                location = answer.get("location")
                if status not in _REDIRECTS or not location:
                    return status, answer
                following = urllib.parse.urlsplit(urllib.parse.urljoin(url.geturl(), location))
                if following.scheme not in ("http", "https") or (url.scheme == "https" and following.scheme == "http"):
                    return status, answer  # nowhere we may go: the redirect is the answer
                url = following
            return status, answer
        finally:
            self._deadline.at = float("inf")

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()

    def forget(self) -> None:
        """After fork(), in the child: drop the parent's connection without touching it."""
        self._conn = None

    def _kept_alive(self, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str]]:
        if self._conn is not None and _closed_by_peer(self._conn):
            self.close()
            self.reconnects += 1
        reused = self._conn is not None and self._conn.sock is not None
        if self._conn is None:
            self._conn, self._target, self._extra = _connection(urllib.parse.urlsplit(self.url), self._deadline)
        try:
            return self._exchange(self._conn, self._target, {**headers, **self._extra}, body)
        except _STALE:
            self.close()
            if not reused:
                raise
        except BaseException:
            self.close()
            raise
        # The server closed the idle connection as we sent: once more on a new one, right away.
        self.reconnects += 1
        self._conn, self._target, self._extra = _connection(urllib.parse.urlsplit(self.url), self._deadline)
        try:
            return self._exchange(self._conn, self._target, {**headers, **self._extra}, body)
        except BaseException:
            self.close()
            raise

    def _once(self, url: urllib.parse.SplitResult, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str]]:
        conn, target, extra = _connection(url, self._deadline)
        try:
            return self._exchange(conn, target, {**headers, **extra}, body)
        finally:
            with contextlib.suppress(Exception):
                conn.close()

    def _exchange(
        self, conn: http.client.HTTPConnection, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str]]:
        if conn.sock is None:
            conn.timeout = self._deadline.left()
            conn.connect()
        assert conn.sock is not None
        conn.sock.settimeout(self._deadline.left())  # sendall() keeps to it as a total since Python 3.5
        conn.request("POST", target, body=body, headers=headers)
        response = conn.getresponse()
        response.read(65536)
        answer = {k.lower(): v for k, v in response.getheaders()}
        if response.will_close or not response.isclosed():
            conn.close()  # the server will close, or there was more answer than we read: don't reuse
        return response.status, answer
