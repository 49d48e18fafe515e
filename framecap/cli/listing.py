"""``framecap list``: issues (or single events) as an aligned table, local times with their zone."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from ..transports.inbox_schema import EventRow, IssueRow
from .terminal import Line
from .values import MESSAGE_TYPE, local, zone_name

__all__ = ["event_table", "issue_table", "short_issue"]

SHORT_ISSUE = 8  # hex digits of an issue id shown; any unique prefix works


def short_issue(issue: str) -> str:
    return issue[:SHORT_ISSUE]


def _zone(times: Sequence[float], tz: datetime.tzinfo | None) -> str:
    moment = local(max(times), tz) if times else None
    return zone_name(moment) if moment else ""


def _same_year(times: Sequence[float], tz: datetime.tzinfo | None) -> bool:
    return len({moment.year for moment in (local(t, tz) for t in times) if moment is not None}) <= 1


def _when(seconds: float, tz: datetime.tzinfo | None, zone: str, short: bool = False) -> str:
    """``2026-11-30 14:02`` (``11-30 14:02`` when ``short``: every row is of one year); the zone is in the
    column's heading, and repeated only where it differs (summer time)."""
    moment = local(seconds, tz)
    if moment is None:
        return "?"
    text = moment.strftime("%m-%d %H:%M" if short else "%Y-%m-%d %H:%M")
    own = zone_name(moment)
    return text if own == zone else f"{text} {own}"


def _table(headings: list[str], rows: list[list[str]], styles: list[str], right: Sequence[int] = ()) -> list[Line]:
    """Columns sized to their widest cell (``right``: right-aligned columns); the last one is not padded."""
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headings)]
    lines = []
    for cells, is_head in [(headings, True)] + [(r, False) for r in rows]:
        line = Line(cut=True)
        for index, cell in enumerate(cells):
            last = index == len(cells) - 1
            text = cell.rjust(widths[index]) if index in right else cell if last else cell.ljust(widths[index])
            line.add(text, "heading" if is_head else styles[index])
            if not last:
                line.add("  ")
        lines.append(line)
    return lines


def fit_message(rows: list[list[str]], headings: list[str], column: int, width: int | None) -> None:
    """Share what ``width`` leaves between the message column and the last one (where), cutting with ``…``."""
    if width is None or not rows:
        return
    last = len(headings) - 1
    need = [max([len(headings[i])] + [len(r[i]) for r in rows]) for i in range(len(headings))]
    fixed = sum(need[i] + 2 for i in range(len(headings)) if i not in (column, last))
    room = width - fixed - 2
    where = min(need[last], max(24, room - need[column]))
    message = max(16, room - where)
    for row in rows:
        for index, size in ((column, message), (last, where)):
            if len(row[index]) > size:
                row[index] = row[index][: size - 1] + "…"


def issue_table(issues: Sequence[IssueRow], width: int | None, tz: datetime.tzinfo | None = None) -> list[Line]:
    zone = _zone([i.last_seen for i in issues], tz)
    short = _same_year([t for i in issues for t in (i.first_seen, i.last_seen)], tz)
    headings = ["ISSUE", "COUNT", "FIRST SEEN", f"LAST SEEN {zone}", "TYPE", "MESSAGE", "WHERE"]
    rows = [
        [
            short_issue(i.issue),
            f"{i.count:,}",
            _when(i.first_seen, tz, zone, short),
            _when(i.last_seen, tz, zone, short),
            i.type or MESSAGE_TYPE,
            (i.message or "").replace("\t", " "),
            i.location or "(no traceback)",
        ]
        for i in issues
    ]
    fit_message(rows, headings, 5, width)
    return _table(headings, rows, ["bold", "", "dim", "", "error", "message", "path"], right=(1,))


def event_table(events: Sequence[EventRow], width: int | None, tz: datetime.tzinfo | None = None) -> list[Line]:
    zone = _zone([e.received for e in events], tz)
    short = _same_year([e.received for e in events], tz)
    headings = ["EVENT", "ISSUE", f"TIME {zone}", "TYPE", "MESSAGE", "WHERE"]
    rows = [
        [
            e.event_id[:12],
            short_issue(e.issue),
            _when(e.received, tz, zone, short),
            e.type or MESSAGE_TYPE,
            (e.message or "").replace("\t", " "),
            e.location or "(no traceback)",
        ]
        for e in events
    ]
    fit_message(rows, headings, 4, width)
    return _table(headings, rows, ["bold", "dim", "", "error", "message", "path"])
