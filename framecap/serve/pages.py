"""Whole pages: the issue list, the event page, and the self-contained export of one event.

Pages are element trees from :mod:`framecap.serve.html` (text escaped by construction). The
server's pages load ``/static/app.css`` and ``/static/app.js``; the export inlines the CSS and
allows it by its hash in a Content-Security-Policy of its own, and has no script at all.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from .._version import __version__
from ..cli.values import MESSAGE_TYPE, format_time, local, zone_name
from ..grouping import summarize
from ..transports.inbox_schema import EventRow, IssueRow
from .event_html import event_body
from .html import Child, Element, Raw, h, render

__all__ = [
    "SERVER_POLICY",
    "IssueContext",
    "ListState",
    "event_page",
    "export_page",
    "export_policy",
    "issue_list_page",
    "issue_row",
    "static_file",
]

#: The server's Content-Security-Policy: our own script and style files only, nothing inline,
#: no frames around the pages (a delete button can't be clicked through a disguise), forms post home.
SERVER_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self';"
    " form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SINCE_CHOICES = (
    ("", "any time"),
    ("15m", "last 15 minutes"),
    ("1h", "last hour"),
    ("24h", "last day"),
    ("7d", "last week"),
)


def static_file(name: str) -> bytes:
    """One of our shipped files (``app.css``, ``app.js``)."""
    return resources.files(__package__).joinpath("static", name).read_bytes()


def export_policy() -> str:
    """The export's Content-Security-Policy: its inline stylesheet, allowed by hash, and nothing else."""
    return _policy_for_export(static_file("app.css").decode("utf-8"))


def _policy_for_export(css: str) -> str:
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    return f"default-src 'none'; style-src 'sha256-{digest}'; img-src data:; base-uri 'none'; form-action 'none'"


def _document(title: str, body: Element, *, export: bool = False) -> str:
    head = h(
        "head",
        None,
        h("meta", {"charset": "utf-8"}),
        h("meta", {"name": "viewport", "content": "width=device-width, initial-scale=1"}),
    )
    head.add(h("meta", {"name": "referrer", "content": "same-origin"}))
    if export:
        css = static_file("app.css").decode("utf-8")
        head.add(h("meta", {"http-equiv": "Content-Security-Policy", "content": _policy_for_export(css)}))
        head.add(h("title", None, title), h("style", None, Raw(css)))
    else:
        head.add(h("title", None, title), h("link", {"rel": "stylesheet", "href": "/static/app.css"}))
        head.add(h("script", {"src": "/static/app.js", "defer": True}))
    return "<!DOCTYPE html>\n" + render(h("html", {"lang": "en"}, head, body)) + "\n"


def _top(inbox_path: str, dsn: str) -> Element:
    return h(
        "header",
        {"class": "top"},
        h("a", {"href": "/", "class": "brand"}, "framecap"),
        " ",
        h("span", {"class": "inbox", "title": "the inbox this server reads and writes"}, inbox_path),
        " ",
        h("span", {"class": "dsn"}, "DSN ", h("code", None, dsn)),
    )


# -- the issue list ---------------------------------------------------------------------------------


@dataclass
class ListState:
    """What the issue list shows: the filters as given, one page of issues, and the inbox's revision."""

    q: str = ""
    type: str = ""
    since: str = ""
    page: int = 1
    per_page: int = 100
    issues: Sequence[IssueRow] = ()
    total: int = 0
    events: int = 0
    types: Sequence[tuple[str, int]] = ()
    revision: int = 0
    error: str = ""
    zone: str = field(default_factory=lambda: zone_name(datetime.datetime.now().astimezone()))

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def query(self, **change: Any) -> str:
        values = {"q": self.q, "type": self.type, "since": self.since, "page": self.page, **change}
        kept = {k: v for k, v in values.items() if v not in ("", None) and not (k == "page" and v == 1)}
        return "/?" + urllib.parse.urlencode(kept) if kept else "/"

    def summary(self) -> str:
        if self.error:
            return self.error
        if not self.total:
            return "no issues match" if (self.q or self.type or self.since) else "no events yet"
        text = f"{self.total:,} issue{'s' if self.total != 1 else ''}"
        text += f", {self.events:,} event{'s' if self.events != 1 else ''}"
        if self.pages > 1:
            text += f" (page {self.page} of {self.pages})"
        return text

    def as_json(self) -> dict[str, Any]:
        """What ``/api/issues`` answers: the rows as the page shows them, already formatted."""
        return {
            "revision": self.revision,
            "summary": self.summary(),
            "total": self.total,
            "page": self.page,
            "pages": self.pages,
            "prev": self.query(page=self.page - 1) if self.page > 1 else None,
            "next": self.query(page=self.page + 1) if self.page < self.pages else None,
            "types": [{"type": t, "count": n} for t, n in self.types],
            "rows": [issue_row(row) for row in self.issues],
        }


def _short_time(seconds: float) -> str:
    moment = local(seconds)
    return moment.strftime("%Y-%m-%d %H:%M") if moment is not None else "?"


def issue_row(row: IssueRow) -> dict[str, Any]:
    """One issue as the list shows it (the page and the live updates use the same strings)."""
    return {
        "issue": row.issue,
        "short": row.issue[:8],
        "url": "/issue/" + urllib.parse.quote(row.issue, safe=""),
        "count": f"{row.count:,}",
        "first_seen": _short_time(row.first_seen),
        "last_seen": _short_time(row.last_seen),
        "first_seen_full": format_time(row.first_seen),
        "last_seen_full": format_time(row.last_seen),
        "type": row.type or MESSAGE_TYPE,
        "message": row.message or "",
        "where": row.location or "(no traceback)",
    }


def _issue_tr(item: dict[str, Any]) -> Element:
    return h(
        "tr",
        {"data-issue": item["issue"]},
        h("td", {"class": "id"}, h("a", {"href": item["url"]}, item["short"])),
        h(
            "td",
            {"class": "what"},
            h("a", {"href": item["url"]}, h("span", {"class": "exc-type"}, item["type"])),
            " ",
            h("span", {"class": "msg"}, item["message"]),
            h("div", {"class": "where"}, item["where"]),
        ),
        h("td", {"class": "count"}, item["count"]),
        h("td", {"class": "time", "title": item["first_seen_full"]}, item["first_seen"]),
        h("td", {"class": "time", "title": item["last_seen_full"]}, item["last_seen"]),
    )


def _filters(state: ListState) -> Element:
    select = h(
        "select", {"name": "type", "id": "type", "aria-label": "exception type"}, h("option", {"value": ""}, "any type")
    )
    known = [t for t, _ in state.types]
    for kind, count in state.types:
        select.add(h("option", {"value": kind, "selected": kind == state.type}, f"{kind} ({count:,})"))
    if state.type and state.type not in known:
        select.add(h("option", {"value": state.type, "selected": True}, state.type))
    since = h("select", {"name": "since", "id": "since", "aria-label": "time"})
    for value, label in SINCE_CHOICES:
        since.add(h("option", {"value": value, "selected": value == state.since}, label))
    if state.since and state.since not in dict(SINCE_CHOICES):
        since.add(h("option", {"value": state.since, "selected": True}, f"since {state.since}"))
    return h(
        "form",
        {"id": "filters", "class": "filters", "method": "get", "action": "/", "role": "search"},
        h(
            "input",
            {
                "type": "search",
                "name": "q",
                "id": "q",
                "value": state.q,
                "placeholder": "Search type, message, file, function",
                "aria-label": "search",
            },
        ),
        select,
        since,
        h("button", {"type": "submit"}, "Filter"),
        h("span", {"id": "live", "class": "live", "title": "the list updates itself when events arrive"}, ""),
    )


def _pager(state: ListState) -> Element:
    nav = h("nav", {"id": "pager", "class": "pager"})
    if state.page > 1:
        nav.add(h("a", {"href": state.query(page=state.page - 1), "rel": "prev"}, "← newer"))
    if state.page < state.pages:
        nav.add(h("a", {"href": state.query(page=state.page + 1), "rel": "next"}, "older →"))
    return nav


def issue_list_page(state: ListState, inbox_path: str, dsn: str) -> str:
    rows = [_issue_tr(issue_row(row)) for row in state.issues]
    table = h(
        "table",
        {"id": "issues", "class": "issues", "data-revision": str(state.revision), "data-page": str(state.page)},
        h(
            "thead",
            None,
            h(
                "tr",
                None,
                h("th", None, "Issue"),
                h("th", None, "Type and message"),
                h("th", {"class": "count"}, "Count"),
                h("th", None, f"First seen ({state.zone})"),
                h("th", None, f"Last seen ({state.zone})"),
            ),
        ),
        h("tbody", None, rows),
    )
    hint = h(
        "div",
        {"id": "hint", "class": "hint", "hidden": bool(state.total or state.q or state.type or state.since)},
        h("p", None, "Send crashes here from any program:"),
        h("pre", None, f'framecap.init(dsn="{dsn}")\n# or: sentry_sdk.init(dsn="{dsn}")'),
        h("p", None, "or run one under framecap: ", h("code", None, "framecap run script.py"), " (same inbox)."),
    )
    main = h(
        "main",
        {"class": "list"},
        _filters(state),
        h("p", {"id": "summary", "class": "error" if state.error else "summary"}, state.summary()),
        table,
        hint,
        _pager(state),
    )
    title = f"framecap: {state.total} issue{'s' if state.total != 1 else ''}"
    return _document(title, h("body", None, _top(inbox_path, dsn), main))


# -- the event page ---------------------------------------------------------------------------------


@dataclass
class IssueContext:
    """The event's issue and its other events (newest first), for the page's header and navigation."""

    issue: IssueRow
    events: Sequence[EventRow] = ()


def _title(event: dict[str, Any]) -> tuple[str, str]:
    facts = summarize(event)
    kind = facts["type"] or ("Message" if facts["message"] else "Event")
    return kind, facts["message"] or ""


def _event_head(event: dict[str, Any], context: IssueContext | None, token: str | None) -> list[Element]:
    kind, message = _title(event)
    facts = summarize(event)
    event_id = str(event.get("event_id") or "?")
    line = h("p", {"class": "facts"}, "event ", h("code", {"id": "event-id"}, event_id))
    when = event.get("timestamp")
    if when is not None:
        line.add(" · ", h("span", None, format_time(when)))
    for key in ("level", "platform"):
        if event.get(key):
            line.add(" · ", h("span", {"class": f"{key}"}, str(event[key])))
    line.add(" · ", h("span", {"class": "where"}, facts["location"] or "(no traceback)"))
    out = [
        h(
            "h1",
            None,
            h("span", {"class": "exc-type"}, kind),
            ": " if message else None,
            h("span", {"class": "exc-value"}, message),
        ),
        line,
    ]
    if context is not None:
        issue = context.issue
        url = "/issue/" + urllib.parse.quote(issue.issue, safe="")
        text = h("p", {"class": "facts"}, "issue ")
        text.add(h("a", {"href": url}, issue.issue[:8]) if token else h("code", None, issue.issue[:8]))
        if issue.count == 1:
            text.add(": the only event of its kind")
        else:
            text.add(
                f": {issue.count:,} events, first {format_time(issue.first_seen)}, last {format_time(issue.last_seen)}"
            )
        out.append(text)
    if token is not None:
        quoted = urllib.parse.quote(event_id, safe="")
        actions = h(
            "div",
            {"class": "actions"},
            h("a", {"href": f"/event/{quoted}.json", "download": f"{event_id}.json"}, "JSON"),
            " ",
            h("a", {"href": f"/event/{quoted}.html", "download": f"crash-{event_id[:12]}.html"}, "Download as HTML"),
            " ",
            _delete_form(f"/delete/event/{quoted}", token, "Delete event", "Delete this event?"),
        )
        if context is not None and context.issue.count > 1:
            issue_url = "/delete/issue/" + urllib.parse.quote(context.issue.issue, safe="")
            actions.add(
                _delete_form(
                    issue_url,
                    token,
                    f"Delete issue ({context.issue.count:,} events)",
                    f"Delete all {context.issue.count:,} events of this issue?",
                )
            )
        out.append(actions)
    return out


def _delete_form(action: str, token: str, label: str, confirm: str) -> Element:
    return h(
        "form",
        {"method": "post", "action": action, "class": "delete", "data-confirm": confirm},
        h("input", {"type": "hidden", "name": "token", "value": token}),
        h("button", {"type": "submit", "class": "danger"}, label),
    )


def _others(event: dict[str, Any], context: IssueContext) -> list[Element]:
    if context.issue.count <= 1:
        return []
    current = event.get("event_id")
    items = h("ol", {"class": "others"})
    for row in context.events:
        label: list[Child] = [
            h("span", {"class": "time"}, format_time(row.received)),
            " ",
            h("code", None, row.event_id[:12]),
        ]
        if row.event_id == current:
            items.add(h("li", {"class": "current", "aria-current": "page"}, label))
        else:
            items.add(h("li", None, h("a", {"href": "/event/" + urllib.parse.quote(row.event_id, safe="")}, label)))
    shown = len(context.events)
    more = (
        [h("p", {"class": "dim"}, f"… and {context.issue.count - shown:,} older")]
        if context.issue.count > shown
        else []
    )
    return [h("nav", {"class": "sect others", "id": "others"}, h("h2", None, "Events of this issue"), items, *more)]


def event_page(event: dict[str, Any], context: IssueContext | None, token: str, inbox_path: str, dsn: str) -> str:
    kind, message = _title(event)
    main = h("main", {"class": "event"}, _event_head(event, context, token))
    if context is not None:
        main.add(_others(event, context))
    main.add(event_body(event))
    return _document(f"{kind}: {message}"[:120] + " · framecap", h("body", None, _top(inbox_path, dsn), main))


def export_page(event: dict[str, Any], context: IssueContext | None = None) -> str:
    """One self-contained file: the event page without links, forms or scripts, its CSS inline."""
    kind, message = _title(event)
    footer = h(
        "footer",
        {"class": "dim"},
        f"exported by framecap {__version__} on {format_time(datetime.datetime.now().timestamp())}",
    )
    main = h("main", {"class": "event"}, _event_head(event, context, None), event_body(event), footer)
    return _document(f"{kind}: {message}"[:120] + " · framecap", h("body", {"class": "export"}, main), export=True)
