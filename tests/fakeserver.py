"""A scriptable HTTP server on 127.0.0.1 standing in for a Sentry-compatible endpoint in fault tests."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

from envelopes import event_of

Reply = tuple[int, dict[str, str]]


class FakeSentry:
    """Records each request's event; ``reply(n)`` decides the answer to the n-th request (0-based).

    ``hang`` (an Event) makes requests wait until it is set (at most ``hang_limit`` seconds).
    """

    def __init__(self, reply: Callable[[int], Reply] | None = None, port: int = 0) -> None:
        self.reply = reply or (lambda n: (200, {}))
        self.requests: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.hang = threading.Event()
        self.hang.set()
        self.hang_limit = 30.0
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with fake._lock:
                    n = len(fake.requests)
                    fake.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                fake.hang.wait(fake.hang_limit)
                status, headers = fake.reply(n)
                if 200 <= status < 300:
                    with fake._lock:
                        fake.events.append(event_of(body, self.headers.get("Content-Encoding", "")))
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def dsn(self, key: str = "publickey", project: str = "7") -> str:
        return f"http://{key}@127.0.0.1:{self.port}/{project}"

    def event_ids(self) -> list[str]:
        with self._lock:
            return [e["event_id"] for e in self.events]

    def stop(self) -> None:
        self.hang.set()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(10)
