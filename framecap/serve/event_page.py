"""The event page and the self-contained export of one event (its CSS inline, no links, forms or script).

Pages are element trees from :mod:`framecap.serve.html` (text escaped by construction).
"""

from __future__ import annotations

import datetime
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .._version import __version__
from ..cli.values import format_time
from ..grouping import summarize
from ..transports.inbox_schema import EventRow, IssueRow
from .document import document, top
from .event_html import event_body
from .html import Child, Element, h

__all__ = ["IssueContext", "event_page", "export_page"]


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
    return document(f"{kind}: {message}"[:120] + " · framecap", h("body", None, top(inbox_path, dsn), main))


def export_page(event: dict[str, Any], context: IssueContext | None = None) -> str:
    """One self-contained file: the event page without links, forms or scripts, its CSS inline."""
    kind, message = _title(event)
    footer = h(
        "footer",
        {"class": "dim"},
        f"exported by framecap {__version__} on {format_time(datetime.datetime.now().timestamp())}",
    )
    main = h("main", {"class": "event"}, _event_head(event, context, None), event_body(event), footer)
    return document(f"{kind}: {message}"[:120] + " · framecap", h("body", {"class": "export"}, main), export=True)
