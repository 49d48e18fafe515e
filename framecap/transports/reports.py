"""Drops made visible: counters, one WARNING per cause per minute, and Sentry client reports.

Every event the transport loses is counted here by Sentry's discard reason (the ones sentry-sdk
uses): ``queue_overflow`` (the memory queue was full), ``cache_overflow`` (evicted from the spool
past ``max_spool_events``/``max_spool_bytes``), ``send_error`` (the server refused it: a 4xx, a
redirect that can't be followed), ``network_error`` (kept only in memory, it could not be delivered
in time) and ``internal_sdk_error`` (kept only in memory, the process ended before it went out; or
not JSON-encodable).
Spool write failures (``disk_full``, ``unwritable``) are counted apart: the event is still kept in
memory and usually still delivered. The counts not yet reported are sent as a ``client_report``.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable

__all__ = ["REASONS", "Drops"]

logger = logging.getLogger("framecap")

REASONS = ("queue_overflow", "cache_overflow", "send_error", "network_error", "internal_sdk_error")
_WRITE_ERRORS = ("disk_full", "unwritable")
_WARN_EVERY = 60.0

_MESSAGES = {
    "queue_overflow": "%d event(s) dropped: the queue in memory was full (max_queue_size)",
    "cache_overflow": "%d event(s) dropped: the spool on disk was full (max_spool_events, max_spool_bytes)",
    "send_error": "%d event(s) dropped: refused by the server (%s)",
    "network_error": "%d event(s) dropped: not delivered and not spooled (%s)",
    "internal_sdk_error": "%d event(s) lost at exit: not delivered and not spooled (%s)",
    "disk_full": "the spool could not write %d event(s): disk full (%s); kept in memory only",
    "unwritable": "the spool could not write %d event(s): %s; kept in memory only",
}


class Drops:
    """Thread-safe counters; ``clock`` is monotonic seconds (injected in tests)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self.dropped = dict.fromkeys(REASONS, 0)
        self.write_errors = dict.fromkeys(_WRITE_ERRORS, 0)
        self._unreported: dict[str, int] = {}
        self._warned: dict[str, float] = {}
        self._silenced: dict[str, int] = {}

    def drop(self, reason: str, count: int = 1, detail: str = "", category: str = "error") -> None:
        """Count ``count`` lost items of ``category``; reported to the server unless ``category`` is ``internal``."""
        if count <= 0:
            return
        with self._lock:
            self.dropped[reason] = self.dropped.get(reason, 0) + count
            if category != "internal":
                key = f"{reason}:{category}"
                self._unreported[key] = self._unreported.get(key, 0) + count
        self._warn(reason, count, detail)

    def write_error(self, cause: str, detail: str) -> None:
        with self._lock:
            self.write_errors[cause] = self.write_errors.get(cause, 0) + 1
        self._warn(cause, 1, detail)

    def _warn(self, cause: str, count: int, detail: str) -> None:
        """One WARNING per cause per minute, whatever ``debug`` says; the counts in between are summed in."""
        now = self.clock()
        with self._lock:
            last = self._warned.get(cause)
            if last is not None and now - last < _WARN_EVERY:
                self._silenced[cause] = self._silenced.get(cause, 0) + count
                return
            self._warned[cause] = now
            count += self._silenced.pop(cause, 0)
        message = _MESSAGES.get(cause, "%d event(s) dropped (%s)")
        args: tuple[Any, ...] = (count, detail) if message.count("%") == 2 else (count,)
        logger.warning("framecap: " + message, *args)

    # -- client reports --------------------------------------------------------------------------

    def pending(self) -> bool:
        with self._lock:
            return bool(self._unreported)

    def take(self) -> list[dict[str, Any]]:
        """The unreported counts as ``discarded_events`` entries; they are forgotten until :meth:`give_back`."""
        with self._lock:
            taken, self._unreported = self._unreported, {}
        out = []
        for key, quantity in sorted(taken.items()):
            reason, _, category = key.partition(":")
            out.append({"reason": reason, "category": category, "quantity": quantity})
        return out

    def give_back(self, discarded: list[dict[str, Any]]) -> None:
        """A report that could not be sent: its counts go back into the next one."""
        with self._lock:
            for entry in discarded:
                key = f"{entry['reason']}:{entry['category']}"
                self._unreported[key] = self._unreported.get(key, 0) + int(entry["quantity"])

    def snapshot(self) -> dict[str, dict[str, int]]:
        with self._lock:
            return {"dropped": dict(self.dropped), "spool_write_errors": dict(self.write_errors)}
