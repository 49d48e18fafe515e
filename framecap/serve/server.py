"""``framecap serve``: the web viewer and Sentry-compatible receiver, on the standard library's HTTP server.

Routes (anything else is a 404, any other method a 405):

- ``GET /`` the issue list (``q``, ``type``, ``since``, ``page``); ``GET /api/issues`` the same as
  JSON; ``GET /api/stream`` server-sent events carrying the inbox's revision, for live updates.
- ``GET /issue/<id>`` (its newest event), ``GET /event/<id>`` (also ``last`` or a unique prefix),
  ``/event/<id>.json``, ``/event/<id>.html`` (the self-contained export).
- ``POST /delete/event/<id>``, ``POST /delete/issue/<id>``: a form with the per-process token,
  from a page of this server (``Origin``, else ``Referer``, must be this server).
- ``POST /api/<project>/envelope/``, ``POST /api/<project>/store/``: ingestion (:mod:`.ingest`).

Every request's ``Host`` must be an IP address, ``localhost`` or the ``--host`` name (a DNS
rebinding page names its own domain). Pages send a strict Content-Security-Policy; nothing but
ingestion answers another origin, and ingestion only a loopback one (a local JavaScript app).
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import secrets
import socket
import socketserver
import threading
import time
import traceback
import urllib.parse
from collections.abc import Callable
from http.server import ThreadingHTTPServer
from typing import Any

from ..grouping import summarize
from ..transports.inbox import Inbox
from . import ingest
from .document import static_file
from .views import ViewerRoutes

__all__ = ["ViewerServer", "is_loopback"]

_STATIC = {"app.css": "text/css; charset=utf-8", "app.js": "text/javascript; charset=utf-8"}
_INGEST = re.compile(r"^/api/(\d+)/(envelope|store)/?$")
_DELETE = re.compile(r"^/delete/(event|issue)/([0-9A-Za-z-]{1,64})$")
_EVENT = re.compile(r"^/event/([0-9A-Za-z-]{1,64})(\.json|\.html)?$")
_ISSUE = re.compile(r"^/issue/([0-9A-Za-z-]{1,64})$")
_LINGER_BYTES = 64 << 20  # after refusing an unread body: at most this much more is read and dropped
_LINGER_SECONDS = 10.0


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or address) is this machine only."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _host_name(header: str) -> str:
    text = header.strip().lower()
    if text.startswith("["):
        return text[1 : text.find("]")] if "]" in text else text
    return text.rsplit(":", 1)[0] if text.count(":") == 1 else text


class ViewerServer(ThreadingHTTPServer):
    """The server over one inbox. ``start()`` serves in a thread (tests), ``serve_forever()`` in this one."""

    daemon_threads = True

    def __init__(
        self, store: str | None, host: str = "127.0.0.1", port: int = 8700, log: Callable[[str], None] | None = None
    ) -> None:
        if ":" in host:
            self.address_family = socket.AF_INET6
        self.inbox = Inbox(store, background=False)
        self.token = secrets.token_urlsafe(32)  #: delete forms carry it; pages of other origins can't read it
        self.changed = threading.Condition()  #: notified when this server stores or deletes events
        self.stopping = threading.Event()
        self.log = log
        self.errors: list[str] = []  #: tracebacks of requests that failed inside the server (tests check it)
        self.host = host
        self.allowed_names = {"localhost", host.lower().strip("[]").rstrip(".")}
        self._thread: threading.Thread | None = None
        super().__init__((host.strip("[]"), port), _Handler)

    def server_bind(self) -> None:  # HTTPServer's own looks the name up (a DNS query) for nothing we use
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), int(self.server_address[1])

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self._netloc()}/"

    @property
    def dsn(self) -> str:
        """The DSN to give SDKs: the public key is not checked, any project id is accepted."""
        return f"http://local@{self._netloc()}/1"

    def _netloc(self) -> str:
        host = self.host.strip("[]")
        if host in ("0.0.0.0", ""):
            host = "127.0.0.1"
        elif host == "::":
            host = "::1"
        return f"[{host}]:{self.port}" if ":" in host else f"{host}:{self.port}"

    def host_allowed(self, header: str | None) -> bool:
        """DNS rebinding: a request must name this server by an IP address, ``localhost`` or ``--host``."""
        if header is None:  # not a browser (they always send Host)
            return True
        name = _host_name(header).rstrip(".")
        if name in self.allowed_names:
            return True
        try:
            ipaddress.ip_address(name)
            return True
        except ValueError:
            return False

    def notify(self) -> None:
        with self.changed:
            self.changed.notify_all()

    def start(self) -> ViewerServer:
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, end the live streams, close the socket and the inbox."""
        self.stopping.set()
        self.notify()
        if self._thread is not None:
            self.shutdown()
            self._thread.join(10)
        self.server_close()
        self.inbox.close()

    def say(self, text: str) -> None:
        if self.log is not None:
            self.log(f"{time.strftime('%H:%M:%S')} {text}")


class _Handler(ViewerRoutes):
    server: ViewerServer
    server_version = "framecap"
    sys_version = ""
    timeout = 30  # a client that sends nothing for this long is dropped

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass  # the server says what matters (events stored, requests refused) through its own log

    # -- dispatch ------------------------------------------------------------------------------------

    def _guarded(self, method: str) -> None:
        try:
            if not self.server.host_allowed(self.headers.get("Host")):
                self.server.say(f"refused a request for Host {self.headers.get('Host')!r} (DNS rebinding?)")
                self._text(403, "framecap serve: unexpected Host header; use the IP address or the --host name")
                return
            getattr(self, "_" + method)()
        except (BrokenPipeError, ConnectionResetError):
            pass
        except Exception as error:
            if type(error).__module__ == "sqlite3" or isinstance(error, OSError):  # the inbox, not us
                self.server.say(f"the inbox {self.server.inbox.path} can't be read: {error}")
                with contextlib.suppress(Exception):
                    self._text(503, f"framecap serve: the inbox {self.server.inbox.path} can't be read: {error}")
                return
            # one bad request must not stop the server; the sender gets a 500
            self.server.errors.append(traceback.format_exc())
            self.server.say("internal error:\n" + traceback.format_exc())
            with contextlib.suppress(Exception):
                self._text(500, "framecap serve: internal error (see the server's output)")

    def do_GET(self) -> None:
        self._guarded("get")

    def do_HEAD(self) -> None:
        self._guarded("get")

    def do_POST(self) -> None:
        self._guarded("post")

    def do_OPTIONS(self) -> None:
        self._guarded("options")

    def do_PUT(self) -> None:
        self._text(405, "method not allowed", {"Allow": "GET, HEAD, POST, OPTIONS"})

    do_DELETE = do_PATCH = do_PUT

    def _get(self) -> None:
        parts = urllib.parse.urlsplit(self.path)
        path, query = parts.path, urllib.parse.parse_qs(parts.query)
        if path in ("/", "/api/issues"):
            self._listing(query, as_json=path != "/")
        elif path == "/api/stream":
            self._stream()
        elif path.startswith("/static/") and path[len("/static/") :] in _STATIC:
            name = path[len("/static/") :]
            self._send(200, static_file(name), _STATIC[name], {"Cross-Origin-Resource-Policy": "same-origin"})
        elif path == "/favicon.ico":
            self._send(204, b"", "image/x-icon")
        elif _ISSUE.match(path):
            self._issue(_ISSUE.match(path).group(1))  # type: ignore[union-attr]
        elif _EVENT.match(path):
            match = _EVENT.match(path)
            self._event(match.group(1), match.group(2) or "")  # type: ignore[union-attr]
        elif _INGEST.match(path):
            self._text(405, "send events with POST", {"Allow": "POST, OPTIONS"})
        else:
            self._text(404, "not found")

    def _post(self) -> None:
        path = urllib.parse.urlsplit(self.path).path
        match = _INGEST.match(path)
        if match:
            self._ingest(match.group(2))
            return
        match = _DELETE.match(path)
        if match:
            self._delete(match.group(1), match.group(2))
            return
        self._text(404, "not found")

    def _options(self) -> None:
        path = urllib.parse.urlsplit(self.path).path
        if not _INGEST.match(path):
            self._text(405, "method not allowed", {"Allow": "GET, HEAD"})
            return
        cors = self._ingest_cors()
        if cors is None:
            self._text(403, "framecap serve: only this machine's pages may send events here")
            return
        cors.update(
            {
                "Access-Control-Allow-Methods": "POST",
                "Access-Control-Allow-Headers": "content-type, content-encoding, x-sentry-auth",
                "Access-Control-Max-Age": "600",
            }
        )
        self._send(204, b"", "text/plain", cors)

    # -- ingestion -------------------------------------------------------------------------------------

    def _ingest_cors(self) -> dict[str, str] | None:
        """CORS headers for a sender: none for a program (no Origin), the origin itself for a page of this
        machine (a local JavaScript app), and None (refused) for any other site's page."""
        origin = self.headers.get("Origin")
        if origin is None:
            return {}
        host = urllib.parse.urlsplit(origin).hostname if origin.startswith(("http://", "https://")) else None
        if host is None or not is_loopback(host):
            return None
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}

    def _read_body(self, limit: int) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            out = bytearray()
            while True:
                line = self.rfile.readline(1024)
                try:
                    size = int(line.split(b";")[0].strip() or b"x", 16)
                except ValueError:
                    raise ingest.IngestError(400, "bad chunked encoding") from None
                if size == 0:
                    while self.rfile.readline(1024).strip():
                        pass
                    return bytes(out)
                if len(out) + size > limit:
                    raise ingest.IngestError(413, f"the body is larger than {limit:,} bytes")
                out += self.rfile.read(size)
                self.rfile.readline(16)
        length = self.headers.get("Content-Length")
        if length is None or not length.strip().isdigit():
            raise ingest.IngestError(411, "a Content-Length is required")
        if int(length) > limit:
            raise ingest.IngestError(413, f"the body ({int(length):,} bytes) is larger than {limit:,} bytes")
        return self.rfile.read(int(length))

    def _linger(self) -> None:
        """After refusing a body it did not read, let the sender finish sending (bounded in bytes and
        time, the rest dropped) so that it reads the answer rather than a broken pipe ("lingering close")."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(1.0)
            deadline, drained = time.monotonic() + _LINGER_SECONDS, 0
            while drained < _LINGER_BYTES and time.monotonic() < deadline:
                chunk = self.connection.recv(1 << 16)
                if not chunk:
                    break
                drained += len(chunk)

    def _ingest(self, kind: str) -> None:
        cors = self._ingest_cors()
        if cors is None:
            self.server.say(f"refused events from the page of {self.headers.get('Origin')!r}")
            self._text(403, "framecap serve: only programs and this machine's pages may send events here")
            return
        try:
            limit = ingest.MAX_BODY if kind == "envelope" else ingest.MAX_EVENT
            data = ingest.decode_body(self._read_body(limit), self.headers.get("Content-Encoding") or "", limit)
            if kind == "envelope":
                envelope = ingest.parse_envelope(data)
                events, fallback = envelope.events, envelope.header.get("event_id")
            else:
                events, fallback = [ingest.parse_store(data)], None
        except ingest.IngestError as error:
            self.server.say(f"refused a {kind} request: {error.status} {error.message}")
            self._json({"detail": error.message}, error.status, cors)
            if error.status == 413:
                self._linger()
            return
        ids = []
        failed = self.server.inbox.stats()["dropped_write_failed"]
        for event in events:
            ids.append(ingest.normalize_event(event, fallback if len(events) == 1 else None))
            self.server.inbox.send(event)
        stats = self.server.inbox.stats()
        if stats["dropped_write_failed"] > failed:  # not writable, disk full, locked: the sender may retry
            self.server.say(
                f"could not store {len(events)} event(s) in {self.server.inbox.path}: {stats['last_error']}"
            )
            self._json({"detail": f"the inbox could not store the event: {stats['last_error']}"}, 503, cors)
            return
        if events:
            self.server.notify()
            for event in events:
                facts = summarize(event)
                what = f"{facts['type']}: {facts['message']}" if facts["type"] else facts["message"] or "an event"
                self.server.say(f"stored {str(event['event_id'])[:12]}  {what[:100]}")
        answer = {"id": ids[0]} if ids else {}
        if kind == "envelope" and not ids and isinstance(fallback, str):
            answer = {"id": fallback}
        self._json(answer, 200, cors)
