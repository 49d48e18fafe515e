"""The inbox's SQLite schema, its migrations, and the rows and filters its queries use.

Schema versions (``PRAGMA user_version``):

- 0: framecap 0.1 — one ``events`` table (``seq``, ``event_id``, ``received``, ``timestamp``,
  ``type``, ``message``, ``location``, ``body``).
- 1: adds ``events.fingerprint`` (indexed with ``seq``) and ``inbox_meta`` (a deletion counter
  for :meth:`Inbox.revision`). Rows written without a fingerprint (by framecap 0.1 still running
  beside a newer one) are filled in when read, or count as issues of their own.

Migrations run inside one ``BEGIN IMMEDIATE`` transaction, so processes opening an old inbox
at the same moment migrate it once.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import re
import time
from typing import Any

__all__ = ["SCHEMA_VERSION", "EventRow", "Filters", "IssueRow", "backfill", "migrate", "parse_since"]

SCHEMA_VERSION = 1

_V0 = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    received REAL NOT NULL,
    timestamp TEXT,
    type TEXT,
    message TEXT,
    location TEXT,
    body TEXT NOT NULL
)
"""
_V1 = (
    "CREATE INDEX IF NOT EXISTS events_fingerprint ON events (fingerprint, seq)",
    "CREATE TABLE IF NOT EXISTS inbox_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)",
    "INSERT OR IGNORE INTO inbox_meta (key, value) VALUES ('deletions', 0)",
)
_BACKFILL_BATCH = 500


def migrate(connection: Any) -> int:
    """Bring the file to :data:`SCHEMA_VERSION` (creating it if empty); return the version found."""
    found = connection.execute("PRAGMA user_version").fetchone()[0]
    if found >= SCHEMA_VERSION:
        return int(found)
    connection.execute("BEGIN IMMEDIATE")
    try:
        found = connection.execute("PRAGMA user_version").fetchone()[0]  # another process may have won
        if found < SCHEMA_VERSION:
            connection.execute(_V0)
            columns = {row[1] for row in connection.execute("PRAGMA table_info(events)")}
            if "fingerprint" not in columns:
                connection.execute("ALTER TABLE events ADD COLUMN fingerprint TEXT")
            for statement in _V1:
                connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    backfill(connection)
    return int(found)


def backfill(connection: Any, limit: int = 100_000) -> int:
    """Compute the fingerprint of rows that have none (old inboxes, old writers); return how many."""
    from ..grouping import fingerprint

    done = 0
    while done < limit:
        rows = connection.execute(
            "SELECT seq, body FROM events WHERE fingerprint IS NULL LIMIT ?", (_BACKFILL_BATCH,)
        ).fetchall()
        if not rows:
            break
        updates = []
        for seq, body in rows:
            try:
                event = json.loads(body)
                value = fingerprint(event) if isinstance(event, dict) else "unreadable"
            except Exception:  # a body we can't read is its own issue, never a failure of the inbox
                value = f"unreadable-{seq}"
            updates.append((value, seq))
        connection.execute("BEGIN IMMEDIATE")
        try:
            connection.executemany("UPDATE events SET fingerprint = ? WHERE seq = ? AND fingerprint IS NULL", updates)
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        done += len(rows)
    return done


@dataclasses.dataclass(frozen=True)
class EventRow:
    """One stored event, as a listing shows it (the body is fetched with :meth:`Inbox.get`)."""

    seq: int
    event_id: str
    received: float  #: when it was stored, seconds since the epoch
    timestamp: str | None  #: the event's own ISO 8601 timestamp
    type: str | None
    message: str | None  #: first line of the captured exception's message, at most 200 characters
    location: str | None  #: innermost in-app frame, ``file:line in function``, or ``(no traceback)``
    issue: str  #: the fingerprint (32 hex digits) of the issue it belongs to


@dataclasses.dataclass(frozen=True)
class IssueRow:
    """Events grouped by fingerprint; the type, message and place are those of its newest event."""

    issue: str  #: 32 hex digits; any unique prefix names it (``framecap list`` shows 8)
    count: int
    first_seen: float  #: seconds since the epoch
    last_seen: float
    newest_event_id: str
    newest_seq: int
    type: str | None
    message: str | None
    location: str | None


@dataclasses.dataclass(frozen=True)
class Filters:
    """What the listing functions take: all optional, combined with AND.

    ``type`` matches the exception type exactly or its last dotted part (``KeyError`` matches
    ``builtins.KeyError``); ``grep`` is a case-insensitive substring of the type, message or
    location (file and function); ``since`` is seconds since the epoch (see :func:`parse_since`).
    """

    type: str | None = None
    grep: str | None = None
    since: float | None = None
    issue: str | None = None

    def where(self) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        args: list[Any] = []
        if self.type:
            clauses.append("(type = ? OR substr(type, -length(?) - 1) = '.' || ?)")
            args += [self.type, self.type, self.type]
        if self.grep:
            pattern = "%" + re.sub(r"([\\%_])", r"\\\1", self.grep) + "%"
            clauses.append("(type LIKE ? ESCAPE '\\' OR message LIKE ? ESCAPE '\\' OR location LIKE ? ESCAPE '\\')")
            args += [pattern, pattern, pattern]
        if self.since is not None:
            clauses.append("received >= ?")
            args.append(self.since)
        if self.issue:
            clauses.append("(fingerprint = ? OR (fingerprint IS NULL AND event_id = ?))")
            args += [self.issue, self.issue]
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), args


_SINCE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d|w)\s*$", re.IGNORECASE)
_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_since(text: str, now: float | None = None) -> float:
    """``2h``, ``3d``, ``45m``, ``1w`` ago, or a local date/time (``2026-11-30``, ``2026-11-30T14:00``).

    Returns seconds since the epoch; raises ``ValueError`` saying what is allowed.
    """
    now = time.time() if now is None else now
    match = _SINCE.match(text)
    if match:
        return now - float(match.group(1)) * _UNITS[match.group(2).lower()]
    try:
        moment = datetime.datetime.fromisoformat(text.strip().replace(" ", "T"))
    except ValueError:
        raise ValueError(
            f"--since {text!r}: give a duration (30m, 2h, 3d, 1w) or a date (2026-11-30, 2026-11-30T14:00)"
        ) from None
    if moment.tzinfo is None:
        return time.mktime(moment.timetuple()) + moment.microsecond / 1e6  # local time
    return moment.timestamp()
