"""Delivery to a Sentry-compatible server: the transport a DSN gets.

It composes three parts: the spool (spool.py: every event on disk until delivered), the worker
(worker.py: queue, write-ahead, retries, rate limits, drop counts) and the sender (sender.py: one
POST over ``http.client``). This module adds what ties them to the process: the exit handler (flush
within ``shutdown_timeout``, then close), a fresh worker in a forked child, and a flush when a
``multiprocessing`` child ends (it leaves through ``os._exit``, which skips the exit handlers).
"""

from __future__ import annotations

import atexit
import os
import sys
import time
import weakref
from typing import Any, Callable

from .._types import Event
from .._version import __version__
from ..dsn import Dsn
from .base import BaseTransport
from .limits import parse_rate_limits
from .sender import HttpSender, Sender
from .spool import Spool
from .worker import Worker

__all__ = ["HttpTransport", "parse_rate_limits"]

# Transports alive in this process, for the fork and multiprocessing hooks (registered once per
# process with the interpreter, which can't unregister them).
_live: weakref.WeakSet[HttpTransport] = weakref.WeakSet()


def auth_headers(dsn: Dsn) -> dict[str, str]:
    return {
        "Content-Type": "application/x-sentry-envelope",
        "Content-Encoding": "gzip",
        "User-Agent": f"framecap/{__version__}",
        "X-Sentry-Auth": f"Sentry sentry_version=7, sentry_key={dsn.public_key}, "
        f"sentry_client=framecap/{__version__}" + (f", sentry_secret={dsn.secret_key}" if dsn.secret_key else ""),
    }


class HttpTransport(BaseTransport):
    """``send(event)`` / ``flush(timeout)`` / ``close()`` / ``stats()`` over HTTP to the server a DSN names.

    ``sender`` and ``clock`` replace the HTTP sender and the monotonic clock (tests); ``threads=False``
    leaves the stepping of :attr:`worker` to the caller.
    """

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
        sender: Sender | None = None,
        clock: Callable[[], float] = time.monotonic,
        threads: bool = True,
    ) -> None:
        self.dsn = dsn
        self.spool = spool
        self.shutdown_timeout = shutdown_timeout
        self.debug = debug  # drops are logged at WARNING whatever it says
        self.worker = Worker(
            spool,
            sender or HttpSender(dsn.envelope_url, timeout),
            auth_headers(dsn),
            clock=clock,
            max_queue=max_queue,
            max_retries=max_retries,
            backoff=backoff,
            threads=threads,
        )
        self._pid = os.getpid()
        self._closed = False
        self._mp_watched = False
        _live.add(self)
        _register_process_hooks()
        atexit.register(_exit, weakref.ref(self))
        _watch_multiprocessing_exit(self)

    def send(self, event: Event) -> None:
        if self._pid != os.getpid():  # forked without our hook (it runs for os.fork() only)
            self._after_fork_in_child()
        self.worker.put(event)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until nothing captured is undelivered (rate-limited events included), or ``timeout``."""
        return self.worker.flush(self.shutdown_timeout if timeout is None else timeout)

    def close(self) -> None:
        """Stop. What isn't delivered stays in the spool for the next process. Doesn't wait: flush() first
        for that (the client does, within ``shutdown_timeout``, and so does the exit handler)."""
        if self._closed or self._pid != os.getpid():
            return
        self._closed = True
        self.worker.close()

    def stats(self) -> dict[str, Any]:
        """Counters: ``queued`` (in memory), ``spooled`` (files on disk), ``sent``, ``dropped`` by reason,
        ``spool_write_errors`` by cause."""
        return self.worker.stats()

    def _after_fork_in_child(self) -> None:
        self._pid = os.getpid()
        self.worker.after_fork_in_child()
        _watch_multiprocessing_exit(self)


def _exit(ref: weakref.ref[HttpTransport]) -> None:
    """At exit (also without a client): flush within ``shutdown_timeout``, then close."""
    transport = ref()
    if transport is not None and not transport._closed and transport._pid == os.getpid():
        transport.flush()
        transport.close()


_hooks_registered = [False]  # once per process: os.register_at_fork can't be undone


def _register_process_hooks() -> None:
    if _hooks_registered[0]:
        return
    _hooks_registered[0] = True
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_after_fork_in_child)


def _after_fork_in_child() -> None:
    for transport in list(_live):
        if transport._pid != os.getpid():
            transport._after_fork_in_child()


def _watch_multiprocessing_exit(transport: HttpTransport) -> None:
    """A multiprocessing child (fork, forkserver) ends in ``os._exit``, which skips the exit handlers:
    flush from multiprocessing's own exit finalizers instead, which run just before. Only once
    multiprocessing is loaded (a fork by multiprocessing loads it before forking)."""
    util: Any = sys.modules.get("multiprocessing.util")
    if util is None or transport._mp_watched:
        return
    transport._mp_watched = True
    try:
        # A child's finalizers are cleared after fork; the after-fork callbacks run after that.
        util.register_after_fork(transport, _mp_child_started)
        util.Finalize(transport, _exit, args=(weakref.ref(transport),), exitpriority=10)
    except Exception:  # an unusual multiprocessing: the write-ahead spool still keeps the events
        pass


def _mp_child_started(transport: HttpTransport) -> None:
    if transport._pid != os.getpid():
        transport._after_fork_in_child()
    util: Any = sys.modules.get("multiprocessing.util")
    if util is not None:
        util.Finalize(transport, _exit, args=(weakref.ref(transport),), exitpriority=10)
