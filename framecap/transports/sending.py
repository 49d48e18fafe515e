"""The sending half of the delivery worker: one item at a time from the outbox, claimed, POSTed, settled.

Split from worker.py (which holds the queue, the writer and the state) only to keep modules small:
:class:`Sending` is a base class of :class:`~framecap.transports.worker.Worker` and works on its
state, under its lock. What is due next is decided by ``_next_time``: a look at the spool, one item,
or a client report; every wait comes from :class:`~framecap.transports.limits.Policy`.
"""

from __future__ import annotations

import collections
import datetime
import gzip
import json
import logging
import threading
from typing import Any, Callable

from ..envelope import client_report_envelope, event_envelope
from .limits import Policy
from .reports import Drops
from .sender import Sender
from .spool import Claim, Spool

__all__ = ["Item", "Sending", "internal_error"]

logger = logging.getLogger("framecap")
CATEGORY = "error"  # Sentry's rate-limit category for error events
_SENT_MEMORY = 10_000  # event ids delivered by this process, remembered so it never sends one twice


class Item:
    __slots__ = ("item_id", "kind", "payload", "name", "attempts")

    def __init__(self, item_id: str, kind: str, payload: bytes | None, name: str | None) -> None:
        self.item_id = item_id
        self.kind = kind  # "event" or "report"
        self.payload = payload  # None: read it from the spool file when sending
        self.name = name  # the spool file, or None: in memory only
        self.attempts = 0


class Sending:
    """The sender thread's side of :class:`~framecap.transports.worker.Worker` (whose ``_setup`` makes this state)."""

    spool: Spool
    send: Sender
    headers: dict[str, str]
    clock: Callable[[], float]
    max_queue: int
    max_retries: int
    backoff: tuple[float, float]
    rescan_every: float
    report_every: float
    drops: Drops
    sent: int
    _lock: threading.Lock
    _wake_sender: threading.Condition
    _idle: threading.Condition
    _outbox: collections.deque[Item]
    _known: dict[str, Item]
    _inflight: Item | None
    _claim: Claim | None
    _policy: Policy
    _scan_at: float | None
    _backlog: bool
    _scanned: bool
    _report_at: float
    _report_now: bool
    _reporting: bool
    _closed: bool
    _sent_ids: collections.OrderedDict[str, None]

    # -- the sender ------------------------------------------------------------------------------

    def _unblocked_at(self) -> float:
        return self._policy.until(CATEGORY)

    def _next_time(self, now: float) -> float | None:
        """Under the lock: when the sender has something to do next (``<= now``: at once), None: nothing."""
        if self._closed:
            return None
        times = []
        room = len(self._outbox) < self.max_queue
        if self._scan_at is not None and room:
            times.append(self._scan_at)
        if self._outbox:
            times.append(self._unblocked_at())
        if self.drops.pending():
            times.append(max(self._policy.until(""), 0.0 if self._report_now else self._report_at))
        return min(times) if times else None

    def _sender_loop(self) -> None:
        while True:
            with self._lock:
                while True:
                    if self._closed:
                        return
                    now = self.clock()
                    at = self._next_time(now)
                    if at is not None and at <= now:
                        break
                    self._wake_sender.wait(None if at is None else min(at - now, 3600.0))
            try:
                self.send_step()
            except Exception as error:  # never let the worker die, never spin on a failure
                internal_error("the sender", error)
                with self._lock:
                    now = self.clock()
                    self._policy.hold(now + self.backoff[0])
                    self._scan_at = max(self._scan_at or 0.0, now + self.backoff[0])
                    self._report_at = max(self._report_at, now + self.backoff[0])

    def send_step(self) -> float | None:
        """Do the one thing that is due now (look at the spool, send a report, send one item).

        Returns the clock time at which something is due next (``<= now``: more to do at once), or None.
        """
        now = self.clock()
        with self._lock:
            at = self._next_time(now)
            if at is None or at > now:
                return at
            room = self.max_queue - len(self._outbox)
            if self._scan_at is not None and self._scan_at <= now and room > 0:
                action = "scan"
            elif self._outbox and self._unblocked_at() <= now:
                action = "send"
                item = self._outbox.popleft()
                self._inflight = item
            else:
                action = "report"
                self._reporting = True
        if action == "scan":
            self._scan(room)
        elif action == "send":
            try:
                self._send_item(item, now)
            finally:
                with self._lock:
                    self._inflight = None
                    self._idle.notify_all()
        else:
            try:
                self._send_report(now)
            finally:
                with self._lock:
                    self._reporting = False
                    self._idle.notify_all()
        with self._lock:
            return self._next_time(self.clock())

    def _scan(self, room: int) -> None:
        names = self.spool.scan()
        with self._lock:
            fresh = [n for n in names if n not in self._known][:room]
            for name in fresh:
                self._outbox.append(Item(Spool.item_id(name), Spool.kind(name), None, name))
                self._known[name] = self._outbox[-1]
            if any(n not in self._known for n in names):
                self._backlog = True  # more than the outbox can hold: look again once it has room
            self._scan_at = self.clock() + self.rescan_every
            self._scanned = True
            self._idle.notify_all()

    def _post(self, body: bytes) -> tuple[int, dict[str, str]] | None:
        try:
            return self.send(gzip.compress(body, 6), self.headers)
        except Exception as error:  # OSError, HTTPException, anything a custom sender raises
            logger.debug("framecap: sending failed: %r", error)
            return None

    def _send_item(self, item: Item, now: float) -> None:
        claim = None
        name = item.name
        if name:
            claim = self.spool.claim(name)
            if claim is None:
                with self._lock:
                    if item.name is not None:  # delivered, or being sent, by another process
                        self._known.pop(name, None)
                        return
                # evicted from the spool meanwhile, but still in memory: send it from there
            self._claim = claim
        status = 200
        try:
            if item.item_id in self._sent_ids and item.kind == "event":
                outcome = "sent"  # this process delivered it already (a file it could not delete)
            else:
                payload = item.payload if item.payload is not None else (claim.read() if claim else b"")
                stamp = datetime.datetime.now(datetime.timezone.utc)
                if item.kind == "report":
                    body = client_report_envelope(_discarded(payload), stamp)
                else:
                    body = event_envelope(item.item_id, payload, stamp)
                answer = self._post(body)
                with self._lock:
                    outcome = self._policy.answer(answer, now)
                status = answer[0] if answer else 0
        finally:
            self._claim = None
        self._settle(item, claim, outcome, status)

    def _settle(self, item: Item, claim: Claim | None, outcome: str, status: int) -> None:
        event = item.kind == "event"
        if outcome in ("sent", "refused"):
            if claim is not None:
                claim.done()
            if outcome == "sent":
                self.sent += event
                self._remember(item.item_id)
            elif event:
                self.drops.drop("send_error", detail=f"HTTP {status}")
        elif claim is not None:
            claim.release()
        lost = ""
        with self._lock:
            if item.name and outcome in ("sent", "refused"):
                self._known.pop(item.name, None)
            if outcome == "sent" and self._backlog and len(self._outbox) < max(1, self.max_queue // 2):
                self._backlog = False  # a server that answers again, and room: bring back what waits on disk
                self._scan_at = self.clock()
            if outcome == "limited":
                self._outbox.appendleft(item)
            elif outcome == "retry":
                item.attempts += 1
                if item.attempts <= self.max_retries:
                    self._outbox.appendleft(item)
                elif item.name:  # it stays on disk: a later scan, or the next process, tries again
                    self._known.pop(item.name, None)
                    self._backlog = True
                elif event:
                    lost = "network_error" if status == 0 else "send_error"
        if lost:  # outside the lock: logging runs the program's handlers
            self.drops.drop(lost, detail=f"HTTP {status}" if status else "no answer; spool unavailable")

    def _remember(self, item_id: str) -> None:
        self._sent_ids[item_id] = None
        if len(self._sent_ids) > _SENT_MEMORY:
            self._sent_ids.popitem(last=False)

    def _send_report(self, now: float) -> None:
        discarded = self.drops.take()
        with self._lock:
            self._report_now = False
        if not discarded:
            return
        stamp = datetime.datetime.now(datetime.timezone.utc)
        answer = self._post(client_report_envelope(discarded, stamp))
        with self._lock:
            outcome = self._policy.answer(answer, now)
            if outcome in ("retry", "limited"):
                self.drops.give_back(discarded)
            else:
                self._report_at = now + self.report_every
            self._idle.notify_all()


def internal_error(where: str, error: Exception) -> None:
    """A bug in the worker: contained, and reported like any internal error (framecap's tests fail on it)."""
    try:
        from ..client import report_internal_error  # here: the client module imports this one

        report_internal_error(f"transport: {where}", error)
    except Exception:
        logger.debug("framecap: %s failed: %r", where, error)


def _discarded(payload: bytes) -> list[dict[str, Any]]:
    try:
        entries = json.loads(payload)["discarded_events"]
    except (ValueError, KeyError, TypeError):
        return []
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []
