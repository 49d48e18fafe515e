"""The local inbox: events in a SQLite file, grouped into issues, written off the capture path.

As a transport, :meth:`Inbox.send` only appends the event to a bounded in-memory queue; a writer
thread (started on demand, gone once the queue has been empty for :data:`IDLE_SECONDS`) stores
queued events in one short WAL transaction per batch. :meth:`flush` waits for the queue, and the
queue is flushed at exit (and at the end of a ``multiprocessing`` child). Events that can't be
stored (queue full, file not writable) are counted in :meth:`stats`, never reported as saved.

Fork safety: no SQLite connection and no lock of ours crosses a ``fork()``. Before a fork the
process waits for a write in progress, closes its connection and holds the inbox's locks; the
child gets fresh locks, an empty queue (queued events are the parent's to store) and opens its
own connection when it needs one.

The read side (:meth:`issues`, :meth:`events`, :meth:`get`, :meth:`revision`, the deletions), the
API ``framecap list/show/rm`` and a web viewer use, is in :mod:`framecap.transports.inbox_read`.
"""

from __future__ import annotations

import _thread
import atexit
import builtins
import collections
import contextlib
import json
import logging
import os
import sys
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .._types import Event
from ..envelope import without_lone_surrogates
from .base import BaseTransport
from .inbox_read import InboxReader
from .inbox_schema import EventRow, Filters, IssueRow, migrate

__all__ = ["IDLE_SECONDS", "EventRow", "Filters", "Inbox", "IssueRow", "default_state_dir", "default_store_path"]

logger = logging.getLogger("framecap")

#: A writer with nothing to store waits this long for another event before it ends.
IDLE_SECONDS = 0.5
#: A writer woken by an event waits this long before taking the queue, so that events captured close
#: together share a transaction (as they did when a new writer thread took that long to start).
_GATHER_SECONDS = 0.002
_INSERT = (
    "INSERT OR REPLACE INTO events (event_id, received, timestamp, type, message, location, body, fingerprint)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
#: ``json.dumps(event, separators=(",", ":"), default=repr)``, without the cycle check (an event is a
#: tree; a cyclic one still fails, with RecursionError, and is counted as not encodable).
_ENCODER = json.JSONEncoder(separators=(",", ":"), default=repr, check_circular=False)


def default_state_dir() -> str:
    """``$XDG_STATE_HOME/framecap``, else ``~/.local/state/framecap``: the inbox and the spool live here."""
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(base, "framecap")


def default_store_path() -> str:
    """``$XDG_STATE_HOME/framecap/events.db``, else ``~/.local/state/framecap/events.db``."""
    return os.path.join(default_state_dir(), "events.db")


def _row(event: Event, received: float) -> tuple[Any, ...]:
    """The columns stored for one event (encoding, summary and fingerprint: the writer's work)."""
    from ..grouping import fingerprint, summarize

    facts = summarize(event)
    body = without_lone_surrogates(_ENCODER.encode(event))
    return (
        event.get("event_id"),
        received,
        event.get("timestamp"),
        facts["type"],
        facts["message"],
        facts["location"],
        body,
        fingerprint(event),
    )


class Inbox(InboxReader, BaseTransport):
    """The event store of one SQLite file; also the client's default transport (:meth:`send`).

    ``max_events`` bounds the file (oldest dropped); ``timeout`` is SQLite's busy timeout;
    ``max_queue`` bounds events waiting for the writer; ``background=False`` writes in the
    calling thread instead (tools and tests); ``clock`` gives the received time. Safe to share
    between threads; every method opens the file lazily and works in a forked child.
    """

    def __init__(
        self,
        path: str | None = None,
        max_events: int = 1000,
        timeout: float = 2.0,
        max_queue: int = 100,
        background: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = str(path or default_store_path())
        self.max_events = max_events
        self.timeout = timeout
        self.max_queue = max_queue
        self.background = background
        self.clock = clock  #: when an event counts as received (tests pass their own)
        self._fresh_state()
        _LIVE.add(self)
        # The writer's imports happen here, never in the writer thread: a fork while that thread is
        # importing would leave the child a half-initialised module (`import framecap` still loads neither).
        import sqlite3  # noqa: F401

        from .. import grouping  # noqa: F401

    def _fresh_state(self) -> None:
        """Everything that must not cross a fork: locks, the queue, the connection, the counters."""
        self._pid = os.getpid()
        self._lock = threading.Lock()  # guards the queue and the counters; never held during I/O
        self._changed = threading.Condition(self._lock)  # a batch stored, or the writer gone
        self._more = threading.Condition(self._lock)  # an event queued: an idle writer wakes
        self._db_lock = threading.RLock()  # guards the connection and every SQLite call
        self._pending: collections.deque[Event] = collections.deque()
        self._writing = 0  # events taken by the writer and not yet committed (or dropped)
        self._writer: int | None = None  # the thread id of the writer while one runs
        self._connection: Any = None
        self._counts = {"stored": 0, "dropped_queue_full": 0, "dropped_write_failed": 0}
        self._last_error: str | None = None
        self._exit_registered = False
        self._gave_up = False  # the last bounded flush ran out of time on a write that did not end

    # -- fork safety ------------------------------------------------------------------------------

    def _before_fork(self) -> None:
        held = self._db_lock.acquire(timeout=self.timeout + 1.0)
        if held:
            self._close_connection()
        self._fork_held = (held, self._lock.acquire(timeout=self.timeout + 1.0))

    def _after_fork_in_parent(self) -> None:
        held_db, held = getattr(self, "_fork_held", (False, False))
        if held:
            self._lock.release()
        if held_db:
            self._db_lock.release()

    def _after_fork_in_child(self) -> None:
        if self._connection is not None:  # a write was stuck when the fork came: never touch or close it here
            _ABANDONED.append(self._connection)
        self._fresh_state()

    def _check_process(self) -> None:
        """A fork the at-fork hooks did not see (``os.fork`` always runs them; C code may not)."""
        if self._pid != os.getpid():
            self._after_fork_in_child()

    # -- the transport ------------------------------------------------------------------------------

    def send(self, event: Event) -> None:
        """Queue ``event`` for the writer (or store it now with ``background=False``). Never blocks on I/O."""
        self._check_process()
        if not self.background:
            self._store([event])
            return
        with self._lock:
            if len(self._pending) >= self.max_queue:
                self._counts["dropped_queue_full"] += 1
                self._last_error = f"queue full ({self.max_queue} events waiting)"
                logger.debug("framecap: inbox queue full, event %s dropped", event.get("event_id"))
                return
            self._pending.append(event)
            if self._writer is not None:
                self._more.notify()  # an idle writer takes it (a busy one finds it when its batch is done)
                return
            self._start_writer()

    def _start_writer(self) -> None:
        """Called with ``_lock`` held. At interpreter shutdown no thread can start: the caller's thread writes."""
        try:
            # A bare thread: threading.Thread.start() waits until the new thread runs (0.1-4 ms on a busy
            # machine, on the capture path); this returns at once. The writer takes _lock first, so it sees
            # _writer set. It is not joined at exit: the at-exit flush waits for the queue instead.
            self._writer = _thread.start_new_thread(self._drain, (True,))
        except RuntimeError:
            self._writer = _thread.get_ident()  # marks the queue as being drained
            self._lock.release()
            try:
                self._drain(False)
            finally:
                self._lock.acquire()
            return
        if not self._exit_registered:
            self._exit_registered = True
            mp_util = sys.modules.get("multiprocessing.util")
            if mp_util is not None:  # a multiprocessing child ends with os._exit after its finalizers, not atexit
                with contextlib.suppress(Exception):
                    mp_util.Finalize(self, _flush_ref, args=(weakref.ref(self),), exitpriority=100)

    def _drain(self, linger: bool) -> None:
        """The writer: store what is queued, batch by batch, until the queue is empty; then end
        (``linger``: once it has been empty for :data:`IDLE_SECONDS`, so a program capturing often
        does not start a thread per event)."""
        try:
            self._drain_batches(linger)
        finally:
            with self._lock:
                if self._writer == _thread.get_ident():
                    self._writer = None
                self._changed.notify_all()

    def _drain_batches(self, linger: bool) -> None:
        while True:
            with self._lock:
                woken = False
                if not self._pending and linger:
                    woken = self._more.wait(IDLE_SECONDS)
                if not self._pending:
                    self._writer = None
                    self._changed.notify_all()
                    return
                if woken:  # let the events of the next few ms join this one's transaction
                    self._lock.release()
                    try:
                        time.sleep(_GATHER_SECONDS)
                    finally:
                        self._lock.acquire()
                batch = list(self._pending)
                self._pending.clear()
                self._writing = len(batch)
            try:
                self._store(batch)
            finally:
                with self._lock:
                    self._writing = 0
                    self._gave_up = False
                    self._changed.notify_all()

    def _store(self, events: Sequence[Event]) -> int:
        """Write ``events`` in one transaction and trim the oldest beyond ``max_events``; count the outcome."""
        now = self.clock()
        rows = []
        for event in events:
            try:
                rows.append(_row(event, now))
            except Exception as error:  # an event we can't encode costs that event only
                self._failed(1, f"event {event.get('event_id')} could not be encoded: {error!r}")
        if not rows:
            return 0
        try:
            with self._db_lock:
                connection = self._connect()
                connection.execute("BEGIN IMMEDIATE")
                try:
                    connection.executemany(_INSERT, rows)
                    # Counted on an index (a few pages), and only the surplus oldest rows read: finding the
                    # max_events-th newest row would step through that many rows, bodies' pages included.
                    count = connection.execute("SELECT COUNT(*) FROM events").fetchone()[0]
                    if count > self.max_events:
                        connection.execute(
                            "DELETE FROM events WHERE seq IN (SELECT seq FROM events ORDER BY seq LIMIT ?)",
                            (count - self.max_events,),
                        )
                    connection.execute("COMMIT")
                except BaseException:
                    connection.execute("ROLLBACK")
                    raise
        except Exception as error:  # not writable, disk full, locked past the timeout: counted, not hidden
            self._failed(len(rows), f"{type(error).__name__}: {error}")
            return 0
        with self._lock:
            self._counts["stored"] += len(rows)
        return len(rows)

    def _failed(self, count: int, reason: str) -> None:
        with self._lock:
            self._counts["dropped_write_failed"] += count
            self._last_error = reason
        logger.debug("framecap: %d event(s) not stored in %s: %s", count, self.path, reason)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait up to ``timeout`` seconds (None: no limit) for queued events; True when none is left.

        Stored or dropped both count as done: :meth:`stats` tells which.
        """
        self._check_process()
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            while self._pending or self._writing:
                if self._writer is None:  # queued with no writer (a failed start): drain here
                    self._start_writer()
                    continue
                if self._writer == _thread.get_ident():
                    return False  # flush from inside the writer (a logging handler, say): can't wait for ourselves
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    self._gave_up = True  # a write is stuck: close and exit won't wait for it again
                    return False
                self._changed.wait(left)
        return True

    def close(self) -> None:
        """Flush (within ``timeout``; not again right after a flush gave up on a stuck write, so
        ``Client.close()`` waits ``shutdown_timeout`` once) and close the connection; later sends
        still work."""
        wait = self._exit_wait()
        self.flush(wait)
        if self._db_lock.acquire(timeout=wait):  # held by a stuck write: the process's exit closes it
            try:
                self._close_connection()
            finally:
                self._db_lock.release()

    def _exit_wait(self) -> float:
        return 0.0 if self._gave_up else self.timeout + 1.0

    def stats(self) -> dict[str, Any]:
        """This process's counts: ``stored``, ``dropped_queue_full``, ``dropped_write_failed``,
        ``pending`` and ``last_error`` (the reason of the last drop)."""
        with self._lock:
            return {**self._counts, "pending": len(self._pending) + self._writing, "last_error": self._last_error}

    # -- the connection ---------------------------------------------------------------------------

    def _connect(self) -> Any:
        """This process's connection (opened, set up and migrated on first use). Call with ``_db_lock`` held."""
        self._check_process()
        if self._connection is None:
            import sqlite3

            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False)
            try:
                if connection.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                    connection.execute("PRAGMA journal_mode=WAL")
                connection.execute("PRAGMA synchronous=NORMAL")  # WAL: durable across a crash of the program
                migrate(connection)
            except BaseException:
                connection.close()
                raise
            self._connection = connection
        return self._connection

    def _close_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                connection.close()


#: Every live inbox, for the at-fork and at-exit hooks (which can't be unregistered, so they are
#: registered once and look the inboxes up here). Weak: an inbox nobody uses is not kept alive.
_LIVE: weakref.WeakSet[Inbox] = weakref.WeakSet()
#: Connections a forked child inherited in the middle of a write: closing them in the child could
#: release or checkpoint what the parent still uses, so they are kept, unused, until the child exits.
_ABANDONED: builtins.list[Any] = []


def _for_each(method: str) -> None:
    for inbox in builtins.list(_LIVE):
        with contextlib.suppress(Exception):  # a fork or an exit must never fail because of framecap
            getattr(inbox, method)()


def _flush_ref(ref: weakref.ref[Inbox]) -> None:
    inbox = ref()
    if inbox is not None:
        inbox.flush(inbox._exit_wait())


def _flush_all() -> None:
    for inbox in builtins.list(_LIVE):
        _flush_ref(weakref.ref(inbox))


if hasattr(os, "register_at_fork"):
    os.register_at_fork(
        before=lambda: _for_each("_before_fork"),
        after_in_parent=lambda: _for_each("_after_fork_in_parent"),
        after_in_child=lambda: _for_each("_after_fork_in_child"),
    )
atexit.register(_flush_all)
