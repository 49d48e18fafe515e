"""A scriptable HTTP server on 127.0.0.1 standing in for a Sentry-compatible endpoint in fault tests."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

from envelopes import parse_envelope

Reply = tuple[int, dict[str, str]]


class FakeSentry:
    """Records each request; ``reply(n)`` decides the answer to the n-th request (0-based).

    ``events`` holds the events of requests answered 2xx, ``reports`` the client reports.
    ``hang`` (an Event) makes requests wait until it is set (at most ``hang_limit`` seconds).
    ``drip`` (seconds) sends the answer one byte at a time, that many seconds apart.
    ``vanish`` (a count) makes that many next requests get no answer: the connection just closes,
    as when a server closes an idle kept-alive connection just as a request arrives.
    :meth:`close_idle` closes every kept-alive connection, as a server's idle timeout does.
    """

    def __init__(self, reply: Callable[[int], Reply] | None = None, port: int = 0) -> None:
        self.reply = reply or (lambda n: (200, {}))
        self.requests: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.reports: list[dict[str, Any]] = []
        self.hang = threading.Event()
        self.hang.set()
        self.hang_limit = 30.0
        self.drip = 0.0
        self.vanish = 0
        self.connections = 0
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def setup(self) -> None:
                super().setup()
                with fake._lock:
                    fake.connections += 1
                    fake._sockets.add(self.connection)

            def finish(self) -> None:
                with fake._lock:
                    fake._sockets.discard(self.connection)
                super().finish()

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with fake._lock:
                    n = len(fake.requests)
                    fake.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                    vanish = fake.vanish > 0
                    fake.vanish -= vanish
                if vanish:
                    self.close_connection = True
                    return
                fake.hang.wait(fake.hang_limit)
                status, headers = fake.reply(n)
                if 200 <= status < 300:
                    fake._record(body, self.headers.get("Content-Encoding", ""))
                self.send_response_only(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", "2")
                if fake.drip:  # the whole answer, one byte at a time
                    data = b"".join(self._headers_buffer) + b"\r\n{}"
                    self._headers_buffer = []
                    for i in range(len(data)):
                        if not fake.drip:
                            self.wfile.write(data[i:])
                            break
                        self.wfile.write(data[i : i + 1])
                        self.wfile.flush()
                        time.sleep(fake.drip)
                    return
                self.end_headers()
                self.wfile.write(b"{}")

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def _record(self, body: bytes, encoding: str) -> None:
        header, items = parse_envelope(body, encoding)
        with self._lock:
            for item, payload in items:
                if item["type"] == "event":
                    event = json.loads(payload)
                    assert header["event_id"] == event["event_id"] and header["sent_at"].endswith("Z")
                    self.events.append(event)
                elif item["type"] == "client_report":
                    self.reports.append(json.loads(payload))
                else:
                    raise AssertionError(f"unexpected item {item!r}")

    def dsn(self, key: str = "publickey", project: str = "7") -> str:
        return f"http://{key}@127.0.0.1:{self.port}/{project}"

    def event_ids(self) -> list[str]:
        with self._lock:
            return [e["event_id"] for e in self.events]

    def discarded(self) -> dict[str, int]:
        """The client reports' counts, summed: ``{"reason:category": quantity}``."""
        out: dict[str, int] = {}
        with self._lock:
            for report in self.reports:
                for entry in report["discarded_events"]:
                    key = f"{entry['reason']}:{entry['category']}"
                    out[key] = out.get(key, 0) + entry["quantity"]
        return out

    def close_idle(self) -> None:
        """Close every open connection from the server's side (FIN), as an idle timeout does."""
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        self.hang.set()
        self.drip = 0.0
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(10)
