"""The issue list page: its filters, pager and rows (the event page is :mod:`.event_page`).

Pages are element trees from :mod:`framecap.serve.html` (text escaped by construction).
"""

from __future__ import annotations

import datetime
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..cli.values import MESSAGE_TYPE, format_time, local, zone_name
from ..transports.inbox_schema import IssueRow
from .document import document, top
from .html import Element, h

__all__ = ["ListState", "issue_list_page", "issue_row"]

SINCE_CHOICES = (
    ("", "any time"),
    ("15m", "last 15 minutes"),
    ("1h", "last hour"),
    ("24h", "last day"),
    ("7d", "last week"),
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
    return document(title, h("body", None, top(inbox_path, dsn), main))


# -- the event page ---------------------------------------------------------------------------------
