"""The inbox commands: ``list``, ``show``, ``rm``, ``clear``, ``export``, ``send``, ``demo``."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..transports.inbox import Filters, Inbox
from ..transports.inbox_schema import parse_since
from .listing import event_table, issue_table, short_issue
from .render import event_lines
from .terminal import Output, emit, render_lines
from .values import format_time

__all__ = ["dispatch"]


def _inbox(ns: argparse.Namespace) -> Inbox:
    from . import store_path

    return Inbox(store_path(ns), background=False)


def _fail(command: str, message: str, status: int = 1) -> int:
    print(f"framecap {command}: {message}", file=sys.stderr)
    return status


def dispatch(ns: argparse.Namespace) -> int:
    handler = {
        "list": _list,
        "show": _show,
        "rm": _rm,
        "clear": _clear,
        "export": _export,
        "send": _send,
        "demo": _demo,
        "serve": _serve,
    }[ns.command]
    return handler(ns)


def _demo(ns: argparse.Namespace) -> int:
    from .run import demo

    return demo(ns)


def _output(ns: argparse.Namespace, pager: bool) -> Output:
    width = None if getattr(ns, "width", None) == 0 else getattr(ns, "width", None)
    output = Output.for_stream(sys.stdout, ns.color, pager=pager and not getattr(ns, "no_pager", False), width=width)
    if getattr(ns, "width", None) == 0:
        output.width = None
    return output


def _list(ns: argparse.Namespace) -> int:
    try:
        since = parse_since(ns.since) if ns.since else None
    except ValueError as error:
        return _fail("list", str(error), 2)
    filters = Filters(type=ns.type, grep=ns.grep, since=since)
    inbox = _inbox(ns)
    output = _output(ns, pager=False)
    if ns.events:
        rows: Any = inbox.events(filters, limit=ns.n)
        total = inbox.event_count(filters)
        lines = event_table(rows, output.width) if rows else []
        what = "event"
    else:
        rows = inbox.issues(filters, limit=ns.n)
        total = inbox.issue_count(filters)
        lines = issue_table(rows, output.width) if rows else []
        what = "issue"
    if not rows:
        filtered = ns.type or ns.grep or ns.since
        print(f"no {what}s match" if filtered else "no events yet")
        return 0
    text = render_lines(lines, output.color, output.width)
    if total > len(rows):
        text += f"\n({len(rows)} of {total:,} {what}s; -n {total} shows all)"
    emit(text, output)
    return 0


def _resolve(inbox: Inbox, ref: str, command: str) -> tuple[str, str] | int:
    try:
        found = inbox.resolve(ref)
    except LookupError as error:
        return _fail(command, str(error))
    if found is None:
        return _fail(command, f"no event or issue {ref!r} in {inbox.path}")
    return found


def _show(ns: argparse.Namespace) -> int:
    inbox = _inbox(ns)
    found = _resolve(inbox, ns.ref, "show")
    if isinstance(found, int):
        return found
    kind, ident = found
    event = inbox.get(ident)
    if event is None:  # deleted between the two reads
        return _fail("show", f"no event or issue {ns.ref!r} in {inbox.path}")
    output = _output(ns, pager=True)
    if ns.json:
        emit(json.dumps(event, indent=2), Output(output.stream, False, None, output.pager))
        return 0
    notes = _issue_notes(inbox, event, kind)
    lines = event_lines(event, full=ns.full, width=output.width, notes=notes)
    emit(render_lines(lines, output.color, output.width), output)
    return 0


def _issue_notes(inbox: Inbox, event: dict[str, Any], kind: str) -> list[str]:
    """Under the header: the event's issue, and how many other events it has and when."""
    event_id = event.get("event_id")
    issue_id = inbox.issue_of(event_id) if isinstance(event_id, str) else None
    if issue_id is None:
        return []
    issue = inbox.issue(issue_id)
    if issue is None:
        return []
    others = issue.count - 1
    text = f"issue {short_issue(issue.issue)}"
    if others <= 0:
        return [text + ": the only event of its kind"]
    newest = "the newest" if issue.newest_event_id == event_id else "not the newest"
    return [
        f"{text}: {issue.count:,} events, this is {newest}; first {format_time(issue.first_seen)},"
        f" last {format_time(issue.last_seen)}"
    ]


def _expand(inbox: Inbox, refs: list[str], command: str) -> list[str] | int:
    """Event ids named by ``refs`` (an issue id names all its events), in the order given, without repeats."""
    ids: dict[str, None] = {}
    for ref in refs:
        found = _resolve(inbox, ref, command)
        if isinstance(found, int):
            return found
        kind, ident = found
        if kind == "issue":
            for row in inbox.events(Filters(issue=ident), limit=10_000_000):
                ids[row.event_id] = None
        else:
            ids[ident] = None
    return list(ids)


def _rm(ns: argparse.Namespace) -> int:
    inbox = _inbox(ns)
    ids = _expand(inbox, ns.refs, "rm")
    if isinstance(ids, int):
        return ids
    count = inbox.delete(ids)
    print(f"deleted {count} event{'s' if count != 1 else ''}")
    return 0


def _clear(ns: argparse.Namespace) -> int:
    inbox = _inbox(ns)
    total = inbox.event_count()
    if total == 0:
        print("the inbox is empty")
        return 0
    if not ns.yes:
        if not sys.stdin or not sys.stdin.isatty():
            return _fail("clear", f"this deletes {total:,} events from {inbox.path}; add --yes to confirm", 2)
        answer = input(f"Delete all {total:,} events from {inbox.path}? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing deleted")
            return 1
    count = inbox.clear()
    print(f"deleted {count:,} event{'s' if count != 1 else ''}")
    return 0


def _selection(ns: argparse.Namespace, inbox: Inbox, command: str) -> list[str] | None | int:
    """Event ids from ``refs``, or None for ``--all``; a usage error when neither (or both) is given."""
    if ns.all and ns.refs:
        return _fail(command, "give event ids or --all, not both", 2)
    if not ns.all and not ns.refs:
        return _fail(command, "give event ids, issue ids, 'last', or --all", 2)
    return None if ns.all else _expand(inbox, ns.refs, command)


def _serve(ns: argparse.Namespace) -> int:
    from ..serve import serve
    from . import store_path

    return serve(store_path(ns), host=ns.host, port=ns.port, open_browser=ns.open)


def _export(ns: argparse.Namespace) -> int:
    inbox = _inbox(ns)
    if ns.format == "html":
        return _export_html(ns, inbox)
    ids = _selection(ns, inbox, "export")
    if isinstance(ids, int):
        return ids
    stream = open(ns.output, "w", encoding="utf-8") if ns.output else sys.stdout  # noqa: SIM115 - closed below
    count = 0
    try:
        for event in inbox.bodies(ids):
            stream.write(json.dumps(event, separators=(",", ":"), ensure_ascii=False) + "\n")
            count += 1
        stream.flush()
    finally:
        if ns.output:
            stream.close()
    if ns.output:
        print(f"exported {count} event{'s' if count != 1 else ''} to {ns.output}", file=sys.stderr)
    return 0


def _export_html(ns: argparse.Namespace, inbox: Inbox) -> int:
    """One event (an issue id: its newest) as a self-contained page."""
    if ns.all or len(ns.refs) != 1:
        return _fail("export", "--format html writes one event: give one event id, issue id or 'last'", 2)
    found = _resolve(inbox, ns.refs[0], "export")
    if isinstance(found, int):
        return found
    event = inbox.get(found[1])
    if event is None:
        return _fail("export", f"no event or issue {ns.refs[0]!r} in {inbox.path}")
    from ..serve import IssueContext, export_html

    issue_id = inbox.issue_of(str(event.get("event_id")))
    issue = inbox.issue(issue_id) if issue_id else None
    page = export_html(event, IssueContext(issue) if issue else None)
    if not ns.output:
        buffer = getattr(sys.stdout, "buffer", None)
        sys.stdout.flush()
        if buffer is not None:  # UTF-8 whatever the terminal's encoding: the page says charset=utf-8
            buffer.write(page.encode("utf-8", "backslashreplace"))
            buffer.flush()
        else:
            sys.stdout.write(page)
            sys.stdout.flush()
        return 0
    with open(ns.output, "w", encoding="utf-8", errors="backslashreplace") as stream:
        stream.write(page)
    print(f"exported event {event.get('event_id')} to {ns.output}", file=sys.stderr)
    return 0


def _send(ns: argparse.Namespace) -> int:
    import framecap

    inbox = _inbox(ns)
    ids = _selection(ns, inbox, "send")
    if isinstance(ids, int):
        return ids
    client = framecap.Client(dsn=ns.dsn)  # the normal transport for that DSN, as framecap.init builds it
    transport = client.transport
    count = 0
    try:
        for event in inbox.bodies(ids):
            transport.send(event)
            count += 1
        delivered = client.flush()
        stats = _transport_stats(transport)
    finally:
        client.close()
    if count == 0:
        print("no events to send")
        return 0
    where = ns.dsn.split("@")[-1]
    if stats:
        print(f"sent {count} event{'s' if count != 1 else ''} to {where}: " + ", ".join(f"{k} {v}" for k, v in stats))
    elif delivered:
        print(f"sent {count} event{'s' if count != 1 else ''} to {where}: all handed over (none left in the queue)")
    else:
        print(
            f"sent {count} event{'s' if count != 1 else ''} to {where}: not all were delivered within"
            " shutdown_timeout; the rest wait in the spool for the next framecap start with this DSN",
            file=sys.stderr,
        )
        return 1
    return 0


def _transport_stats(transport: Any) -> list[tuple[str, int]]:
    """Counts the transport reports about itself, when it reports any (``stats()``: accepted, dropped...)."""
    stats = getattr(transport, "stats", None)
    try:
        found = stats() if callable(stats) else None
    except Exception:
        return []
    if not isinstance(found, dict):
        return []
    return [(str(k), v) for k, v in found.items() if isinstance(v, int) and not isinstance(v, bool)]
