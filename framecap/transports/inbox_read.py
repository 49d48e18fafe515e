"""The inbox's read side: the queries and deletions ``framecap list/show/rm`` and ``framecap serve`` use.

:class:`InboxReader` is a mixin of :class:`framecap.transports.inbox.Inbox`, which provides the
file's path, its connection (:meth:`InboxReader._connect`) and the lock that guards it.
"""

from __future__ import annotations

import builtins
import json
import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from .._types import Event
from .inbox_schema import EventRow, Filters, IssueRow, backfill

__all__ = ["InboxReader"]

logger = logging.getLogger("framecap")

_EVENT_COLUMNS = "seq, event_id, received, timestamp, type, message, location, COALESCE(fingerprint, event_id)"
_HEX = frozenset("0123456789abcdef")


def _hex_prefix(ref: str) -> str | None:
    text = ref.strip().lower().replace("-", "")
    return text if text and set(text) <= _HEX else None


class InboxReader:
    """Reading and deleting the events of an inbox file (see :class:`framecap.transports.inbox.Inbox`)."""

    path: str
    _db_lock: Any

    def _connect(self) -> Any:  # the inbox's connection, opened on first use (with ``_db_lock`` held)
        raise NotImplementedError

    def _read(self, sql: str, args: Sequence[Any] = ()) -> builtins.list[Any]:
        """Rows of a query; [] when the file does not exist (reading never creates an inbox)."""
        if not os.path.exists(self.path):
            return []
        with self._db_lock:
            rows: builtins.list[Any] = self._connect().execute(sql, tuple(args)).fetchall()
        return rows

    def _write(self, sql: str, args: Sequence[Any] = ()) -> int:
        if not os.path.exists(self.path):
            return 0
        with self._db_lock:
            connection = self._connect()
            connection.execute("BEGIN IMMEDIATE")
            try:
                count: int = connection.execute(sql, tuple(args)).rowcount
                connection.execute("UPDATE inbox_meta SET value = value + ? WHERE key = 'deletions'", (max(count, 0),))
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
        return max(count, 0)

    # -- reading ----------------------------------------------------------------------------------

    def revision(self) -> int:
        """A number that grows with every stored or deleted event: poll it to know whether anything changed."""
        rows = self._read(
            "SELECT (SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = 'events')"
            " + (SELECT COALESCE(MAX(value), 0) FROM inbox_meta WHERE key = 'deletions')"
        )
        return int(rows[0][0]) if rows else 0

    def issues(self, filters: Filters | None = None, limit: int = 50, offset: int = 0) -> builtins.list[IssueRow]:
        """Issues with at least one event matching ``filters``, most recently seen first (paged)."""
        self._fill_fingerprints()
        where, args = (filters or Filters()).where()
        rows = self._read(
            "WITH g AS (SELECT COALESCE(fingerprint, event_id) AS fp, COUNT(*) AS n, MIN(received) AS first,"
            f" MAX(received) AS last, MAX(seq) AS newest FROM events{where} GROUP BY 1)"
            " SELECT g.fp, g.n, g.first, g.last, e.event_id, g.newest, e.type, e.message, e.location"
            " FROM g JOIN events e ON e.seq = g.newest ORDER BY g.newest DESC LIMIT ? OFFSET ?",
            [*args, limit, offset],
        )
        return [IssueRow(*row) for row in rows]

    def issue_count(self, filters: Filters | None = None) -> int:
        """How many issues :meth:`issues` would list without paging."""
        where, args = (filters or Filters()).where()
        rows = self._read(f"SELECT COUNT(DISTINCT COALESCE(fingerprint, event_id)) FROM events{where}", args)
        return int(rows[0][0]) if rows else 0

    def issue(self, issue: str) -> IssueRow | None:
        """One issue by its full fingerprint (see :meth:`resolve` for prefixes)."""
        found = self.issues(Filters(issue=issue), limit=1)
        return found[0] if found else None

    def events(self, filters: Filters | None = None, limit: int = 50, offset: int = 0) -> builtins.list[EventRow]:
        """Single events matching ``filters`` (``Filters(issue=...)``: one issue's), newest first (paged)."""
        where, args = (filters or Filters()).where()
        rows = self._read(
            f"SELECT {_EVENT_COLUMNS} FROM events{where} ORDER BY seq DESC LIMIT ? OFFSET ?", [*args, limit, offset]
        )
        return [EventRow(*row) for row in rows]

    def event_count(self, filters: Filters | None = None) -> int:
        """How many events :meth:`events` would list without paging."""
        where, args = (filters or Filters()).where()
        rows = self._read(f"SELECT COUNT(*) FROM events{where}", args)
        return int(rows[0][0]) if rows else 0

    def types(self, filters: Filters | None = None, limit: int = 100) -> builtins.list[tuple[str, int]]:
        """``(exception type, event count)`` of events matching ``filters``, most frequent first (a type
        filter's choices); events without an exception are left out."""
        where, args = (filters or Filters()).where()
        where = (where + " AND" if where else " WHERE") + " type IS NOT NULL"
        rows = self._read(
            f"SELECT type, COUNT(*) FROM events{where} GROUP BY type ORDER BY 2 DESC, 1 LIMIT ?", [*args, limit]
        )
        return [(str(kind), int(count)) for kind, count in rows]

    def resolve(self, ref: str) -> tuple[str, str] | None:
        """What ``ref`` names: ``("event", event_id)`` or ``("issue", fingerprint)``, else None.

        ``ref`` is ``last``, an event id or a unique prefix of one (dashes ignored), or a unique
        prefix of an issue id. Raises ``LookupError`` naming the candidates when it is ambiguous.
        """
        if ref == "last":
            rows = self._read("SELECT event_id FROM events ORDER BY seq DESC LIMIT 1")
            return ("event", rows[0][0]) if rows else None
        prefix = _hex_prefix(ref)
        if prefix is None:
            return None
        like = prefix + "%"
        self._fill_fingerprints()
        found = [
            ("event", r[0]) for r in self._read("SELECT event_id FROM events WHERE event_id LIKE ? LIMIT 2", [like])
        ]
        found += [
            ("issue", r[0])
            for r in self._read("SELECT DISTINCT fingerprint FROM events WHERE fingerprint LIKE ? LIMIT 2", [like])
        ]
        if len(found) > 1:
            names = ", ".join(f"{kind} {ident[:12]}" for kind, ident in found)
            raise LookupError(f"{ref!r} matches more than one ({names}); give more of the id")
        return found[0] if found else None

    def get(self, ref: str) -> Event | None:
        """The event ``ref`` names: ``last``, an event id or unique prefix, or an issue (its newest event).

        Raises ``LookupError`` when ``ref`` is ambiguous.
        """
        found = self.resolve(ref)
        if found is None:
            return None
        kind, ident = found
        if kind == "issue":
            rows = self._read("SELECT body FROM events WHERE fingerprint = ? ORDER BY seq DESC LIMIT 1", [ident])
        else:
            rows = self._read("SELECT body FROM events WHERE event_id = ?", [ident])
        return json.loads(rows[0][0]) if rows else None

    def contains(self, event_id: str) -> bool:
        """Whether the event with exactly this id is stored (``framecap run`` checks before saying so)."""
        return bool(self._read("SELECT 1 FROM events WHERE event_id = ?", [event_id]))

    def issue_of(self, event_id: str) -> str | None:
        """The issue (fingerprint) of the event with exactly this id."""
        rows = self._read("SELECT COALESCE(fingerprint, event_id) FROM events WHERE event_id = ?", [event_id])
        return rows[0][0] if rows else None

    def bodies(self, event_ids: Iterable[str] | None = None) -> Iterator[Event]:
        """Events by exact id (None: every event), oldest first, one at a time."""
        if event_ids is None:
            last = 0
            while True:
                rows = self._read("SELECT seq, body FROM events WHERE seq > ? ORDER BY seq LIMIT 100", [last])
                if not rows:
                    return
                for seq, body in rows:
                    last = seq
                    yield json.loads(body)
        for event_id in event_ids:
            rows = self._read("SELECT body FROM events WHERE event_id = ?", [event_id])
            if rows:
                yield json.loads(rows[0][0])

    # -- deleting ---------------------------------------------------------------------------------

    def delete(self, event_ids: Iterable[str]) -> int:
        """Delete events by exact id; returns how many were deleted."""
        ids = builtins.list(event_ids)
        count = 0
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            count += self._write(f"DELETE FROM events WHERE event_id IN ({marks})", chunk)
        return count

    def delete_issue(self, issue: str) -> int:
        """Delete every event of an issue (full fingerprint); returns how many."""
        return self._write(
            "DELETE FROM events WHERE fingerprint = ? OR (fingerprint IS NULL AND event_id = ?)", [issue, issue]
        )

    def clear(self) -> int:
        """Delete every event; returns how many."""
        return self._write("DELETE FROM events")

    def _fill_fingerprints(self) -> None:
        """Rows an older framecap wrote get their fingerprint before grouping (a no-op when none is missing)."""
        if not os.path.exists(self.path):
            return
        try:
            with self._db_lock:
                backfill(self._connect(), limit=10_000)
        except Exception as error:  # a read-only inbox still lists; those rows count as issues of their own
            logger.debug("framecap: could not fill in fingerprints in %s: %r", self.path, error)
