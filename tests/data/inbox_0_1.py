"""The local inbox: events in a SQLite file, bounded, safe with several processes writing at once.

Each operation opens its own short connection (WAL journal, busy timeout), so threads, forks
and other processes need no coordination beyond SQLite's own locking.
"""

from __future__ import annotations

import builtins
import json
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

Event = dict
BaseTransport = object

__all__ = ["Inbox", "default_state_dir", "default_store_path", "summarize"]

_SCHEMA = """
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


def default_state_dir() -> str:
    """``$XDG_STATE_HOME/framecap``, else ``~/.local/state/framecap``: the inbox and the spool live here."""
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(base, "framecap")


def default_store_path() -> str:
    """``$XDG_STATE_HOME/framecap/events.db``, else ``~/.local/state/framecap/events.db``."""
    return os.path.join(default_state_dir(), "events.db")


def summarize(event: Event) -> dict[str, str | None]:
    """The one-line facts ``framecap list`` shows: type, message, and where (innermost in-app frame)."""
    values = (event.get("exception") or {}).get("values") or []
    last = values[-1] if values else {}
    frames = (last.get("stacktrace") or {}).get("frames") or []
    chosen = next((f for f in reversed(frames) if f.get("in_app")), frames[-1] if frames else None)
    where = f"{chosen.get('filename')}:{chosen.get('lineno')} in {chosen.get('function')}" if chosen else None
    message = (last.get("value") or "").split("\n", 1)[0]
    return {"type": last.get("type"), "message": message[:200], "location": where}


class Inbox(BaseTransport):
    """Reads and writes the event store; also a transport (``send``) for the client."""

    def __init__(self, path: str | None = None, max_events: int = 1000, timeout: float = 2.0) -> None:
        self.path = str(path or default_store_path())
        self.max_events = max_events
        self.timeout = timeout
        self._ready = False

    def _connect(self) -> sqlite3.Connection:
        if not self._ready:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        if not self._ready:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute(_SCHEMA)
            self._ready = True
        return connection

    def send(self, event: Event) -> None:
        """Store one event and drop the oldest beyond ``max_events``, in one write transaction."""
        facts = summarize(event)
        body = json.dumps(event, separators=(",", ":"))
        connection = self._connect()
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute(
                "INSERT OR REPLACE INTO events (event_id, received, timestamp, type, message, location, body)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    event.get("event_id"),
                    time.time(),
                    event.get("timestamp"),
                    facts["type"],
                    facts["message"],
                    facts["location"],
                    body,
                ),
            )
            connection.execute(
                "DELETE FROM events WHERE seq <= (SELECT seq FROM events ORDER BY seq DESC LIMIT 1 OFFSET ?)",
                (self.max_events,),
            )
            connection.execute("COMMIT")
        finally:
            connection.close()

    def list(self, limit: int = 20) -> builtins.list[dict[str, Any]]:
        """Newest first: event id, time, type, message, where."""
        if not os.path.exists(self.path):
            return []
        connection = self._connect()
        try:
            rows = connection.execute(
                "SELECT event_id, timestamp, type, message, location FROM events ORDER BY seq DESC LIMIT ?", (limit,)
            ).fetchall()
        finally:
            connection.close()
        keys = ("event_id", "timestamp", "type", "message", "location")
        return [dict(zip(keys, row)) for row in rows]

    def get(self, ref: str) -> Event | None:
        """The event ``ref`` names: ``last``, a full id, or a unique id prefix (raises ``LookupError`` if ambiguous)."""
        if not os.path.exists(self.path):
            return None
        connection = self._connect()
        try:
            if ref == "last":
                rows = connection.execute("SELECT body FROM events ORDER BY seq DESC LIMIT 1").fetchall()
            else:
                pattern = ref.lower().replace("-", "")
                if not pattern or any(c not in "0123456789abcdef" for c in pattern):
                    return None
                rows = connection.execute(
                    "SELECT body FROM events WHERE event_id LIKE ? LIMIT 2", (pattern + "%",)
                ).fetchall()
        finally:
            connection.close()
        if len(rows) > 1:
            raise LookupError(f"{ref!r} matches more than one event; give more of the id")
        return json.loads(rows[0][0]) if rows else None
