"""The viewer's routes: the issue list, its JSON and live stream, event pages, deletions.

A mixin of the request handler (:mod:`framecap.serve.server` dispatches to it); the response
helpers live here too, so every answer carries the same safety headers.
"""

from __future__ import annotations

import hmac
import json
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

from ..transports.inbox import Filters
from ..transports.inbox_schema import parse_since
from .document import SERVER_POLICY, export_policy
from .event_page import IssueContext, event_page, export_page
from .pages import ListState, issue_list_page

if TYPE_CHECKING:
    from .server import ViewerServer

__all__ = ["ViewerRoutes"]

_MAX_FORM = 4096  # bytes of a delete form
_STREAM_SECONDS = 300.0  # a live-update stream ends after this; the browser reconnects by itself
_OTHER_EVENTS = 25  # events of the same issue listed on an event page


class ViewerRoutes(BaseHTTPRequestHandler):
    """Response helpers and the viewer's pages (GET) and deletions (POST)."""

    server: ViewerServer

    # -- responses -----------------------------------------------------------------------------------

    def _send(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None, page: bool = False
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "same-origin")
        self.send_header("Cache-Control", "no-store")
        if page:
            self.send_header("Content-Security-Policy", SERVER_POLICY)
            self.send_header("X-Frame-Options", "DENY")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _html(self, text: str, status: int = 200, headers: dict[str, str] | None = None) -> None:
        headers = {"Cross-Origin-Resource-Policy": "same-origin", **(headers or {})}
        body = text.encode("utf-8", "backslashreplace")  # a lone surrogate from JSON stays visible
        self._send(status, body, "text/html; charset=utf-8", headers, page=True)

    def _json(self, value: Any, status: int = 200, headers: dict[str, str] | None = None) -> None:
        headers = {"Cross-Origin-Resource-Policy": "same-origin", **(headers or {})}
        text = json.dumps(value, ensure_ascii=True)
        # <, > and & as escapes too: the JSON stays inert even if it ever lands inside markup
        body = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode("ascii")
        self._send(status, body, "application/json", headers)

    def _text(self, status: int, text: str, headers: dict[str, str] | None = None) -> None:
        self._send(status, (text + "\n").encode("utf-8", "replace"), "text/plain; charset=utf-8", headers)

    def _redirect(self, location: str) -> None:
        self._send(303, b"", "text/plain; charset=utf-8", {"Location": location})

    # -- the viewer ------------------------------------------------------------------------------------

    def _listing(self, query: dict[str, list[str]], as_json: bool) -> None:
        """The issue list as a page, or as the JSON its script refreshes it from (a bad filter: a 400 saying why)."""
        state = self._list_state(query)
        status = 400 if state.error else 200
        if as_json:
            self._json(state.as_json(), status)
        else:
            self._html(issue_list_page(state, self.server.inbox.path, self.server.dsn), status)

    def _list_state(self, query: dict[str, list[str]]) -> ListState:
        def one(name: str) -> str:
            return (query.get(name) or [""])[0].strip()[:200]

        state = ListState(q=one("q"), type=one("type"), since=one("since"))
        page = one("page")
        state.page = int(page) if page.isdigit() and 0 < int(page) < 1_000_000 else 1
        since = None
        if state.since:
            try:
                since = parse_since(state.since)
            except ValueError as error:
                state.error = str(error).replace("--since", "time filter")
        inbox = self.server.inbox
        state.revision = inbox.revision()
        if state.error:
            return state
        filters = Filters(type=state.type or None, grep=state.q or None, since=since)
        state.total = inbox.issue_count(filters)
        state.events = inbox.event_count(filters)
        state.issues = inbox.issues(filters, limit=state.per_page, offset=(state.page - 1) * state.per_page)
        state.types = inbox.types(Filters(grep=state.q or None, since=since))
        return state

    def _find(self, ref: str) -> dict[str, Any] | None:
        return next(iter(self.server.inbox.bodies([ref])), None)

    def _issue(self, ref: str) -> None:
        inbox = self.server.inbox
        issue = inbox.issue(ref)
        if issue is None:
            try:
                found = inbox.resolve(ref)
            except LookupError as error:
                self._text(404, str(error))
                return
            issue = inbox.issue(found[1]) if found and found[0] == "issue" else None
        if issue is None:
            self._text(404, f"no issue {ref!r} in this inbox")
            return
        self._redirect("/event/" + urllib.parse.quote(issue.newest_event_id, safe=""))

    def _event(self, ref: str, suffix: str) -> None:
        inbox = self.server.inbox
        event = self._find(ref)
        if event is None:
            try:
                found = inbox.resolve(ref)
            except LookupError as error:
                self._text(404, str(error))
                return
            if found is None:
                self._text(404, f"no event {ref!r} in this inbox (deleted, or dropped as the inbox filled)")
                return
            target = "/issue/" if found[0] == "issue" else "/event/"
            self._redirect(target + urllib.parse.quote(found[1], safe="") + (suffix if found[0] == "event" else ""))
            return
        event_id = str(event.get("event_id"))
        if suffix == ".json":
            body = json.dumps(event, indent=2, ensure_ascii=False).encode("utf-8", "backslashreplace")
            disposition = f'attachment; filename="{event_id[:32]}.json"'
            self._send(200, body, "application/json; charset=utf-8", {"Content-Disposition": disposition})
            return
        context = self._context(event_id)
        if suffix == ".html":
            body = export_page(event, context).encode("utf-8", "backslashreplace")
            disposition = f'attachment; filename="crash-{event_id[:12]}.html"'
            headers = {"Content-Disposition": disposition, "Content-Security-Policy": export_policy()}
            self._send(200, body, "text/html; charset=utf-8", headers)
            return
        self._html(event_page(event, context, self.server.token, inbox.path, self.server.dsn))

    def _context(self, event_id: str) -> IssueContext | None:
        inbox = self.server.inbox
        issue_id = inbox.issue_of(event_id)
        issue = inbox.issue(issue_id) if issue_id else None
        if issue is None:
            return None
        return IssueContext(issue, inbox.events(Filters(issue=issue.issue), limit=_OTHER_EVENTS))

    def _stream(self) -> None:
        """Server-sent events: the inbox's revision now and whenever it changes (checked each second)."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cross-Origin-Resource-Policy", "same-origin")
        self.end_headers()
        if self.command == "HEAD":
            return
        server = self.server
        self.wfile.write(b"retry: 2000\n\n")
        last, quiet_since, ends = None, time.monotonic(), time.monotonic() + _STREAM_SECONDS
        while not server.stopping.is_set() and time.monotonic() < ends:
            revision = server.inbox.revision()
            if revision != last:
                self.wfile.write(f"data: {revision}\n\n".encode("ascii"))
                self.wfile.flush()
                last, quiet_since = revision, time.monotonic()
            elif time.monotonic() - quiet_since > 15:  # a closed tab shows up as a failed write
                self.wfile.write(b": still here\n\n")
                self.wfile.flush()
                quiet_since = time.monotonic()
            with server.changed:
                if not server.stopping.is_set():
                    server.changed.wait(1.0)

    # -- deleting ----------------------------------------------------------------------------------------

    def _same_origin(self) -> bool:
        """The request comes from a page of this server: ``Origin`` (else ``Referer``) names it."""
        host = self.headers.get("Host")
        if not host:
            return False
        mine = f"http://{host}"
        origin = self.headers.get("Origin")
        if origin is not None:
            return origin == mine
        referer = self.headers.get("Referer") or ""
        return referer == mine or referer.startswith(mine + "/")

    def _delete(self, kind: str, ref: str) -> None:
        length = self.headers.get("Content-Length") or ""
        if not length.isdigit() or int(length) > _MAX_FORM:
            self._text(413 if length.isdigit() else 411, "framecap serve: a delete form is small and has a length")
            return
        form = urllib.parse.parse_qs(self.rfile.read(int(length)).decode("utf-8", "replace"))
        token = (form.get("token") or [""])[0]
        if not self._same_origin() or not hmac.compare_digest(token.encode(), self.server.token.encode()):
            self.server.say(f"refused a delete from another origin ({self.headers.get('Origin')!r})")
            self._text(403, "framecap serve: delete refused (not from a page of this server)")
            return
        inbox = self.server.inbox
        if kind == "event":
            issue = inbox.issue_of(ref)
            count = inbox.delete([ref])
            after = "/issue/" + urllib.parse.quote(issue, safe="") if issue and inbox.issue(issue) else "/"
        else:
            count = inbox.delete_issue(ref)
            after = "/"
        self.server.notify()
        self.server.say(f"deleted {count} event{'s' if count != 1 else ''} ({kind} {ref[:12]})")
        self._redirect(after)
