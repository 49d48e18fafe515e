"""Helpers for the ``framecap serve`` tests: real captures, a running server, raw HTTP, envelopes, page text."""

from __future__ import annotations

import contextlib
import gzip
import html.parser
import http.client
import json
import os
import re
from collections.abc import Iterator
from typing import Any

import framecap
from framecap.serve import ViewerServer

HERE = os.path.dirname(os.path.abspath(__file__))
PAYLOAD_SCRIPT = '<script>window.__xss = "script"</script>'
PAYLOAD_IMG = "<img src=x onerror=\"window.__xss = 'img'\">"


def hostile_crash() -> BaseException:
    """A real crash whose message and a local variable are markup a careless page would run."""
    note = PAYLOAD_SCRIPT + " & " + PAYLOAD_IMG  # noqa: F841 - the variable the page must show as text
    try:
        raise ValueError(PAYLOAD_IMG + " " + PAYLOAD_SCRIPT)
    except ValueError as error:
        return error


def capture(error: BaseException, **options: Any) -> dict[str, Any]:
    """The event framecap makes of ``error`` (a private client; nothing global changes)."""
    transport = framecap.MemoryTransport()
    client = framecap.Client(transport=transport, project_root=HERE, expression_time_budget=60, **options)
    try:
        client.capture_exception(error)
    finally:
        client.close()
    (event,) = transport.events
    return json.loads(json.dumps(event))


def scenario(name: str, **options: Any) -> dict[str, Any]:
    """A crash from ``tests/show_app.py`` (library, recursion, values, group, chain) as an event."""
    import show_app

    return capture(show_app.run(getattr(show_app, name)), **options)


@contextlib.contextmanager
def running(store: str, **kwargs: Any) -> Iterator[ViewerServer]:
    """A server on 127.0.0.1 and a free port, stopped at the end; a request that failed inside it fails the test."""
    log: list[str] = []
    server = ViewerServer(store, host="127.0.0.1", port=0, log=log.append, **kwargs).start()
    server.log_lines = log  # type: ignore[attr-defined]
    try:
        yield server
    finally:
        server.stop()
    assert not server.errors, "the server failed inside:\n" + "\n".join(server.errors)


class Reply:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> Any:
        return json.loads(self.body)


def call(
    server: ViewerServer, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> Reply:
    """One request with exactly the headers given (``Host`` defaults to the server's address)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        sent = {"Host": f"127.0.0.1:{server.port}", **(headers or {})}
        if body is not None and "Content-Length" not in sent:
            sent["Content-Length"] = str(len(body))
        for key, value in sent.items():
            if value is not None:
                connection.putheader(key, value)
        connection.endheaders(body)
        response = connection.getresponse()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        connection.close()


def envelope(*events: dict[str, Any], others: bool = False, lengths: bool = True) -> bytes:
    """An envelope of ``events`` (``others``: with a transaction, a session and an attachment around them)."""
    header: dict[str, Any] = {"sent_at": "2026-11-30T12:00:00.000000Z"}
    if len(events) == 1 and "event_id" in events[0]:
        header["event_id"] = events[0]["event_id"]
    items: list[tuple[dict[str, Any], bytes]] = []
    if others:
        items.append(({"type": "transaction"}, json.dumps({"type": "transaction", "spans": []}).encode()))
        items.append(({"type": "session"}, b'{"sid": "x", "status": "ok"}'))
    for event in events:
        items.append(({"type": "event"}, json.dumps(event).encode()))
    if others:
        items.append(({"type": "attachment", "filename": "log.txt"}, b"line one\nline two\n"))
    out = json.dumps(header).encode() + b"\n"
    for item, payload in items:
        if lengths or b"\n" in payload:
            item = {**item, "length": len(payload)}
        out += json.dumps(item).encode() + b"\n" + payload + b"\n"
    return out


def post_envelope(server: ViewerServer, body: bytes, compress: bool = True, **headers: str) -> Reply:
    sent = {
        "Content-Type": "application/x-sentry-envelope",
        "X-Sentry-Auth": "Sentry sentry_version=7, sentry_key=local, sentry_client=tests/1.0",
        **headers,
    }
    if compress:
        body = gzip.compress(body)
        sent["Content-Encoding"] = "gzip"
    return call(server, "POST", "/api/1/envelope/", body, sent)


_INLINE = {"span", "code", "a", "mark", "b"}
_HIDDEN = {"title", "style", "script"}


class _Text(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []

        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag not in _INLINE:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden -= 1
        elif tag not in _INLINE:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def parse(page: str) -> _Text:
    parser = _Text()
    parser.feed(page)
    parser.close()
    return parser


def text_of(page: str) -> str:
    """The page's text as a reader sees it (markup gone, entities decoded, whitespace runs as one space)."""
    return re.sub(r"\s+", " ", "".join(parse(page).parts)).strip()


def token_of(page: str) -> str:
    found = [attrs.get("value") for tag, attrs in parse(page).tags if tag == "input" and attrs.get("name") == "token"]
    assert found and found[0], "the page has no delete form"
    return str(found[0])
