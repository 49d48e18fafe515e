"""The delivery worker: a write-ahead spool in front of one sender, with retries, rate limits and drop counts.

Two background threads, so that neither waits for the other:

- the *writer* takes captured events from the memory queue (bounded by ``max_queue``; the capture
  only appends, never touches the disk), encodes them and writes each to the spool at once, then
  hands it to the sender's outbox (a burst is gathered for a few milliseconds first);
- the *sender* (its code is in sending.py) takes the oldest item, claims its file (an OS lock: see
  spool.py), POSTs it, and deletes the file on a 2xx. It also looks at the spool directory (at start,
  every ``rescan_every`` seconds, when a returning server makes room) for what other processes, or
  this one, left there.

No wait is ever zero: a 429 waits at least a floor that doubles per 429 in a row, errors back off
(see limits.py), and every loop is bounded. The worker's logic runs in :meth:`Worker.write_pending`
and :meth:`Worker.send_step`, which tests call directly with a fake sender and an injected clock.
"""

from __future__ import annotations

import collections
import contextlib
import json
import logging
import threading
import time
from typing import Any, Callable

from .._types import Event
from ..envelope import event_json, wire_event
from .limits import Policy
from .reports import Drops
from .sender import Sender
from .sending import Item, Sending, internal_error
from .spool import Claim, Spool, SpoolError

__all__ = ["Worker"]

logger = logging.getLogger("framecap")
_BATCH = 64  # events the writer takes at a time
_GATHER = 0.005  # seconds the writer lets a burst of captures gather before writing it (well within 100 ms)


class Worker(Sending):
    """Queue -> spool -> sender. ``clock`` is monotonic seconds; ``threads=False`` leaves stepping to the caller."""

    def __init__(
        self,
        spool: Spool,
        send: Sender,
        headers: dict[str, str],
        *,
        clock: Callable[[], float] = time.monotonic,
        max_queue: int = 100,
        max_retries: int = 5,
        backoff: tuple[float, float] = (1.0, 30.0),
        jitter: Callable[[], float] | None = None,
        rescan_every: float = 30.0,
        report_every: float = 30.0,
        threads: bool = True,
    ) -> None:
        self.spool = spool
        self.send = send
        self.headers = headers
        self.clock = clock
        self.max_queue = max_queue
        self.max_retries = max_retries
        self.backoff = backoff
        self.jitter = jitter
        self.rescan_every = rescan_every
        self.report_every = report_every
        self.threaded = threads
        spool.on_evict = self._evicted
        self._setup(scan_at=0.0)

    def _setup(self, scan_at: float) -> None:
        """Fresh state (also in a forked child: the parent's queue and claims stay the parent's)."""
        self.drops = Drops(self.clock)
        self._lock = threading.Lock()
        self._wake_writer = threading.Condition(self._lock)
        self._wake_sender = threading.Condition(self._lock)
        self._idle = threading.Condition(self._lock)
        self._pending: collections.deque[Event] = collections.deque()
        self._writing = 0
        self._outbox: collections.deque[Item] = collections.deque()
        self._known: dict[str, Item] = {}  # spool name -> its item, in the outbox or in flight
        self._inflight: Item | None = None
        self._claim: Claim | None = None
        self._policy = Policy(self.backoff, self.jitter)
        self._scan_at: float | None = scan_at  # None: no scan wanted
        self._backlog = False  # the spool holds items the outbox had no room for: look again when it has
        self._scanned = scan_at > 0  # flush() waits for the first look at the spool
        self._report_at = 0.0
        self._report_now = False
        self._reporting = False  # a client report in flight
        self._closed = False
        self._sent_ids: collections.OrderedDict[str, None] = collections.OrderedDict()
        self.sent = 0
        self._writer: threading.Thread | None = None
        self._writer_waits = False
        self._sender: threading.Thread | None = None
        if self.threaded and not self._scanned:  # a new transport looks at the spool at once
            self._sender = self._start("framecap-send", self._sender_loop)

    # -- the caller's side: appends to memory, never touches the disk or the network --------------

    def put(self, event: Event) -> None:
        with self._lock:
            closed, full = self._closed, len(self._pending) >= self.max_queue
            if not closed and not full:
                self._pending.append(event)
                if self.threaded and self._writer is None:
                    self._writer = self._start("framecap-spool", self._writer_loop)
                    if self._sender is None:  # in a forked child: started by its first capture
                        self._sender = self._start("framecap-send", self._sender_loop)
                if self._writer_waits:  # while it gathers a burst, captures don't wake it again
                    self._wake_writer.notify()
        if closed:  # at exit, after close(): straight to disk, as nothing will send it now
            self._keep_at_exit([self._encode(event)])
        elif full:
            self.drops.drop("queue_overflow")

    @staticmethod
    def _start(name: str, target: Callable[[], None]) -> threading.Thread:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        return thread

    def flush(self, timeout: float) -> bool:
        """Wait until everything captured so far was delivered (or refused), or ``timeout`` passes."""
        deadline = time.monotonic() + timeout
        with self._lock:
            self._report_now = True
            self._wake_sender.notify()
            while self._busy():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(min(left, 1.0))
        return True

    def _busy(self) -> bool:
        """Under the lock: something captured (or found in the spool) is not delivered yet."""
        if self._closed:
            return False
        room = len(self._outbox) < self.max_queue
        scan_due = self._scan_at is not None and self._scan_at <= self.clock() and room
        return (
            bool(self._pending or self._writing or self._outbox or self._inflight or self._reporting)
            or not self._scanned
            or scan_due
            or self.drops.pending()
        )

    def close(self) -> None:
        """Stop. Events not yet on disk are written now; what is only in memory and can't be is counted lost."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            events = list(self._pending)
            self._pending.clear()
            memory_only = [item for item in self._outbox if item.name is None]
            self._outbox.clear()
            for condition in (self._wake_writer, self._wake_sender, self._idle):
                condition.notify_all()
            deadline = time.monotonic() + 2.0  # the writer's batch in progress: a few file writes
            while self._writing and time.monotonic() < deadline:
                self._idle.wait(0.1)
        self._keep_at_exit([self._encode(e) for e in events] + memory_only)
        discarded = self.drops.take()
        if discarded:  # the next process with this spool sends the report
            report = json.dumps({"discarded_events": discarded}).encode("ascii")
            with contextlib.suppress(SpoolError):
                self.spool.write("", report, kind="report")

    def _keep_at_exit(self, items: list[Item]) -> None:
        lost = 0
        for item in items:
            if item.name is None and not self._write(item):
                lost += item.kind == "event"
        self.drops.drop("internal_sdk_error", lost, "the spool could not take them")

    def stats(self) -> dict[str, Any]:
        with self._lock:
            queued = len(self._pending) + self._writing + len(self._outbox) + (self._inflight is not None)
        return {"queued": queued, "spooled": self.spool.count(), "sent": self.sent, **self.drops.snapshot()}

    # -- the writer ------------------------------------------------------------------------------

    def _writer_loop(self) -> None:
        while True:
            with self._lock:
                while not self._pending and not self._closed:
                    self._writer_waits = True
                    self._wake_writer.wait()
                self._writer_waits = False
                if self._closed:
                    return
                if len(self._pending) < _BATCH:  # a burst: gather it, so one wake-up writes many events
                    self._wake_writer.wait(_GATHER)
            try:
                self.write_pending()
            except Exception as error:  # never let the worker die
                internal_error("the spool writer", error)

    def _encode(self, event: Event) -> Item:
        event_id = str(event.get("event_id") or "")
        return Item(event_id, "event", event_json(wire_event(event)), None)

    def _write(self, item: Item) -> bool:
        """Write ahead to the spool; False when it wasn't (no spool, too big, or the disk refused)."""
        try:
            item.name = self.spool.write(item.item_id, item.payload or b"", kind=item.kind)
        except SpoolError as error:
            self.drops.write_error(error.cause, f"{self.spool.directory}: {error}")
            return False
        return item.name is not None

    def write_pending(self) -> int:
        """Take up to a batch of captured events, write them to the spool, give them to the sender."""
        with self._lock:
            events = [self._pending.popleft() for _ in range(min(_BATCH, len(self._pending)))]
            self._writing += len(events)
        items = []
        try:
            for event in events:
                try:
                    item = self._encode(event)
                except Exception as error:  # not JSON (a before_send that returned odd values): lost, said so
                    internal_error("encoding an event", error)
                    self.drops.drop("internal_sdk_error", detail="the event could not be encoded")
                    continue
                if self._write(item) and item.name:
                    with self._lock:  # from now on an eviction of its file leaves it in memory
                        self._known[item.name] = item
                items.append(item)
        finally:
            with self._lock:
                self._writing -= len(events)
                closed = self._closed
                overflow = 0 if closed else sum(not self._admit(item) for item in items)
                self._wake_sender.notify()
                self._idle.notify_all()
        self.drops.drop("queue_overflow", overflow)  # outside the lock: logging runs the program's handlers
        if closed:  # close() ran meanwhile: what isn't on disk now is lost
            self._keep_at_exit(items)
        return len(items)

    def _admit(self, item: Item) -> bool:
        """Under the lock: into the outbox, which holds at most ``max_queue`` items; past that, what is
        on disk waits there (a later scan brings it back) and what is only in memory is dropped (False)."""
        if len(self._outbox) < self.max_queue:
            self._outbox.append(item)
            if item.name:
                self._known[item.name] = item
            return True
        if item.name is None:
            shed = next((i for i in reversed(self._outbox) if i.name), None)
            if shed is None:
                return False
            self._outbox.remove(shed)
            self._known.pop(shed.name or "", None)
            self._outbox.append(item)
        else:
            self._known.pop(item.name, None)  # it waits on disk only; a later scan brings it back
        self._backlog = True
        return True

    def _evicted(self, names: list[str]) -> None:
        """Files the spool evicted past its bounds: an event this process still holds in memory is sent
        from there (it is no longer safe from a kill); any other is lost."""
        lost = 0
        with self._lock:
            for name in names:
                item = self._known.pop(name, None)
                if item is not None and item.payload is not None:
                    item.name = None
                elif Spool.kind(name) == "event":
                    lost += 1
        self.drops.drop("cache_overflow", lost)

    # -- fork ------------------------------------------------------------------------------------

    def after_fork_in_child(self) -> None:
        """The child starts empty: the parent's queue, files and claims stay the parent's."""
        claim = self._claim
        if claim is not None:
            claim.release()  # our copy of the descriptor only: the parent still holds the lock
        self.spool.after_fork()
        forget = getattr(self.send, "forget", None)
        if forget is not None:
            forget()
        self._setup(scan_at=self.clock() + self.rescan_every)
