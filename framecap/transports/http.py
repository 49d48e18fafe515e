"""Delivery to a Sentry-compatible server: a background worker that never blocks the program.

``send`` only queues (bounded; past the bound, or once closed, the event goes to the spool on
disk). One worker thread posts gzip'd envelopes over a kept-alive ``http.client`` connection,
honouring ``https_proxy``/``http_proxy``/``no_proxy`` and ``SSL_CERT_FILE``. Connection errors,
timeouts and 5xx are retried with exponential backoff and jitter, then spooled; 429 and
``X-Sentry-Rate-Limits`` hold events of the limited category (a limit on ``transaction`` never
holds error events) until the limit ends; 413 and other 4xx drop the event. The spool is drained
when the transport starts and whenever a delivery succeeds. Events are never sent twice by one
process. After ``fork()`` the child starts its own worker.
"""

from __future__ import annotations

import atexit
import base64
import collections
import contextlib
import datetime
import email.utils
import gzip
import http.client
import logging
import os
import random
import ssl
import threading
import time
import urllib.parse
import urllib.request
import weakref

from .._types import Event
from .._version import __version__
from ..dsn import Dsn
from ..envelope import encode_envelope, event_json
from .spool import Spool

__all__ = ["HttpTransport", "parse_rate_limits"]

logger = logging.getLogger("framecap")
_CATEGORY = "error"  # Sentry's rate-limit category for error events
_SENT_MEMORY = 10_000
_live: weakref.WeakSet[HttpTransport] = weakref.WeakSet()


def parse_rate_limits(header: str | None, retry_after: str | None, status: int, now: float) -> dict[str, float]:
    """``{category: until}`` (monotonic seconds; ``""`` means every category) from a response."""
    limits: dict[str, float] = {}
    if header:
        for entry in header.split(","):
            fields = entry.strip().split(":")
            try:
                seconds = float(fields[0])
            except ValueError:
                continue
            categories = [c.strip() for c in fields[1].split(";")] if len(fields) > 1 else [""]
            for category in categories or [""]:
                limits[category] = max(limits.get(category, 0.0), now + seconds)
    elif status == 429:
        seconds = 60.0
        if retry_after:
            try:
                seconds = float(retry_after)
            except ValueError:
                parsed = email.utils.parsedate_to_datetime(retry_after) if retry_after else None
                if parsed is not None:
                    seconds = max(0.0, parsed.timestamp() - time.time())
        limits[""] = now + seconds
    return limits


class _Item:
    __slots__ = ("event_id", "event", "payload", "claim", "attempts", "kept")

    def __init__(
        self, event_id: str, event: Event | None = None, payload: bytes | None = None, claim: str | None = None
    ) -> None:
        self.event_id = event_id
        self.event = event
        self.payload = payload
        self.claim = claim  # the spool file this item came from
        self.attempts = 0
        self.kept = False  # already written back to the spool (by close())

    def encoded(self) -> bytes:
        if self.payload is None:
            self.payload = event_json(self.event or {})
            self.event = None
        return self.payload


class HttpTransport:
    """``send(event)`` / ``flush(timeout)`` / ``close()`` over HTTP to the server a DSN names."""

    def __init__(
        self,
        dsn: Dsn,
        spool: Spool,
        *,
        timeout: float = 5.0,
        max_queue: int = 100,
        shutdown_timeout: float = 2.0,
        max_retries: int = 5,
        backoff: tuple[float, float] = (1.0, 30.0),
        debug: bool = False,
    ) -> None:
        self.dsn = dsn
        self.spool = spool
        self.timeout = timeout
        self.max_queue = max_queue
        self.shutdown_timeout = shutdown_timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self._level = logging.WARNING if debug else logging.DEBUG  # `debug=True` makes drops visible
        self._sent: collections.OrderedDict[str, None] = collections.OrderedDict()
        self._setup()
        _live.add(self)
        atexit.register(_exit, weakref.ref(self))
        self._drain()  # events an earlier process could not deliver: flush() waits for them too

    def _setup(self) -> None:
        """Fresh state for this process (also after fork(): the parent's queue stays the parent's)."""
        self._pid = os.getpid()
        self._cond = threading.Condition(threading.Lock())
        self._queue: collections.deque[_Item] = collections.deque()
        self._inflight = 0
        self._current: _Item | None = None
        self._limits: dict[str, float] = {}
        self._retry_at = 0.0
        self._closed = False
        self._thread: threading.Thread | None = None
        self._conn: http.client.HTTPConnection | None = None
        self._target = ""
        self._proxy_headers: dict[str, str] = {}
        self._spooled = True  # the spool may hold events (ours or another process's): look at start
        self._drained_at = 0.0

    # -- the caller's side: never waits on the network -------------------------------------------

    def send(self, event: Event) -> None:
        if self._pid != os.getpid():
            self._setup()
        event_id = str(event.get("event_id") or "")
        with self._cond:
            if not self._closed and len(self._queue) < self.max_queue:
                self._queue.append(_Item(event_id, event=event))
                self._start()
                self._cond.notify_all()
                return
        if self.spool.put(event_id, event_json(event)):  # full or closing: keep it for later
            self._spooled = True
        else:
            logger.log(self._level, "framecap: event %s dropped: queue full and spool unavailable", event_id)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until nothing is queued or in flight (rate-limited events included), or ``timeout``."""
        deadline = time.monotonic() + (self.shutdown_timeout if timeout is None else timeout)
        with self._cond:
            while self._queue or self._inflight:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def close(self) -> None:
        """Stop: what is still queued or in flight goes to the spool. Doesn't wait; flush() first for that
        (the client does, within ``shutdown_timeout``, and so does the exit handler)."""
        if self._closed or self._pid != os.getpid():
            return
        with self._cond:
            self._closed = True
            left = list(self._queue)
            if self._current is not None:  # in flight: keep it too (a late success means one duplicate, same id)
                left.append(self._current)
            self._queue.clear()
            self._cond.notify_all()
        for item in left:
            self._keep(item)

    # -- the worker ------------------------------------------------------------------------------

    def _start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._work, name="framecap-transport", daemon=True)
            self._thread.start()

    def _keep(self, item: _Item) -> None:
        """Keep an undelivered event on disk for a later attempt (once)."""
        if item.kept:
            return
        item.kept = True
        if item.claim:
            self.spool.release(item.claim)
        else:
            self.spool.put(item.event_id, item.encoded())
        self._spooled = True

    def _drain(self) -> None:
        """Move spooled events into the queue, as far as it has room.

        Looks at the disk only when the spool may hold something: at start, after this process
        spooled, or every 30 seconds (another process may have spooled for the same DSN).
        """
        now = time.monotonic()
        if not self._spooled and now - self._drained_at < 30:
            return
        room = self.max_queue - len(self._queue)
        if room <= 0:
            return
        self._drained_at = now
        claimed = self.spool.claim(room)
        if len(claimed) < room:
            self._spooled = False  # emptied (as far as we know)
        items = []
        for claim, event_id, payload in claimed:
            if event_id in self._sent:
                self.spool.done(claim)  # delivered already by this process
            else:
                items.append(_Item(event_id, payload=payload, claim=claim))
        if items:
            with self._cond:
                self._queue.extend(items)
                self._start()
                self._cond.notify_all()

    def _blocked_until(self) -> float:
        return max(self._retry_at, self._limits.get(_CATEGORY, 0.0), self._limits.get("", 0.0))

    def _work(self) -> None:
        while True:
            with self._cond:
                while True:
                    if self._closed:
                        return
                    if self._queue:
                        wait = self._blocked_until() - time.monotonic()
                        if wait <= 0:
                            item = self._queue.popleft()
                            self._inflight += 1
                            self._current = item
                            break
                        self._cond.wait(wait)
                    else:
                        self._cond.wait()
            outcome = "retry"
            try:
                outcome = self._deliver(item)
            except Exception as error:  # never let the worker die
                logger.debug("framecap: delivery failed: %r", error)
            drain = False
            with self._cond:
                if outcome == "sent":
                    self._remember(item.event_id)
                    self._retry_at = 0.0
                    if item.claim:
                        self.spool.done(item.claim)
                    drain = True
                elif outcome == "limited" and not self._closed:
                    self._queue.appendleft(item)
                elif outcome == "retry" and not self._closed and item.attempts < self.max_retries:
                    item.attempts += 1
                    base, cap = self.backoff
                    self._retry_at = time.monotonic() + min(cap, base * 2 ** (item.attempts - 1)) * random.uniform(
                        0.5, 1.5
                    )
                    self._queue.appendleft(item)
                elif outcome == "drop":
                    if item.claim:
                        self.spool.done(item.claim)
                else:  # retries exhausted, or closing: keep it on disk
                    self._keep(item)
            if drain and not self._closed:
                self._drain()  # still counted in flight, so flush() waits for what this brings back
            with self._cond:
                self._inflight -= 1
                self._current = None
                self._cond.notify_all()

    def _remember(self, event_id: str) -> None:
        self._sent[event_id] = None
        if len(self._sent) > _SENT_MEMORY:
            self._sent.popitem(last=False)

    # -- HTTP ------------------------------------------------------------------------------------

    def _deliver(self, item: _Item) -> str:
        if item.event_id in self._sent:
            return "sent"
        body = gzip.compress(
            encode_envelope(item.event_id, item.encoded(), datetime.datetime.now(datetime.timezone.utc)), 6
        )
        headers = {
            "Content-Type": "application/x-sentry-envelope",
            "Content-Encoding": "gzip",
            "User-Agent": f"framecap/{__version__}",
            "X-Sentry-Auth": f"Sentry sentry_version=7, sentry_key={self.dsn.public_key}, "
            f"sentry_client=framecap/{__version__}"
            + (f", sentry_secret={self.dsn.secret_key}" if self.dsn.secret_key else ""),
        }
        try:
            conn = self._connection()
            headers.update(self._proxy_headers)
            conn.request("POST", self._target, body=body, headers=headers)
            response = conn.getresponse()
            response.read(65536)
            status = response.status
            limits = parse_rate_limits(
                response.getheader("X-Sentry-Rate-Limits"), response.getheader("Retry-After"), status, time.monotonic()
            )
            if response.will_close:
                self._disconnect()
        except (OSError, http.client.HTTPException) as error:
            self._disconnect()
            logger.debug("framecap: sending event %s failed: %r", item.event_id, error)
            return "retry"
        with self._cond:
            for category, until in limits.items():
                self._limits[category] = max(self._limits.get(category, 0.0), until)
        if 200 <= status < 300:
            return "sent"
        if status == 429:
            return "limited" if (_CATEGORY in limits or "" in limits) else "retry"
        if status >= 500:
            return "retry"
        logger.log(self._level, "framecap: the server refused event %s with HTTP %s; dropped", item.event_id, status)
        return "drop"

    def _disconnect(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is not None:
            return self._conn
        dsn = self.dsn
        url = urllib.parse.urlsplit(dsn.envelope_url)
        proxy = None
        if not urllib.request.proxy_bypass(dsn.host):  # no_proxy
            proxy = urllib.request.getproxies_environment().get(dsn.scheme)
        context = None
        if dsn.scheme == "https":
            context = ssl.create_default_context(cafile=os.environ.get("SSL_CERT_FILE") or None)
        self._target = url.path
        self._proxy_headers = {}
        if proxy:
            parts = urllib.parse.urlsplit(proxy if "://" in proxy else "http://" + proxy)
            auth: dict[str, str] = {}
            if parts.username:
                credentials = f"{urllib.parse.unquote(parts.username)}:{urllib.parse.unquote(parts.password or '')}"
                auth["Proxy-Authorization"] = "Basic " + base64.b64encode(credentials.encode()).decode()
            host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
            if dsn.scheme == "https":  # CONNECT through the proxy, then TLS to the server
                conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                    host, port, timeout=self.timeout, context=context
                )
                conn.set_tunnel(dsn.host, dsn.port, auth)
            else:  # plain HTTP: an absolute URI to the proxy, with its credentials on every request
                conn = http.client.HTTPConnection(host, port, timeout=self.timeout)
                self._target = dsn.envelope_url
                self._proxy_headers = auth
        elif dsn.scheme == "https":
            conn = http.client.HTTPSConnection(dsn.host, dsn.port, timeout=self.timeout, context=context)
        else:
            conn = http.client.HTTPConnection(dsn.host, dsn.port, timeout=self.timeout)
        self._conn = conn
        return conn


def _exit(ref: weakref.ref[HttpTransport]) -> None:
    """At exit (also without a client): flush within ``shutdown_timeout``, then close."""
    transport = ref()
    if transport is not None and not transport._closed:
        transport.flush()
        transport.close()


def _after_fork_in_child() -> None:
    for transport in list(_live):
        transport._setup()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
