"""Helpers for your own tests: see the events your code captures, without sending them anywhere.

    from framecap.testing import capture_events

    def test_checkout_reports_the_error():
        with capture_events() as events:
            checkout(cart)                      # calls framecap.capture_exception()
        assert events[0]["exception"]["values"][-1]["type"] == "PaymentError"

The events are exactly what would have been sent (scrubbed, after ``before_send``). With pytest,
the ``framecap_events`` fixture does the same for a whole test.

The collecting list belongs to the current context (a :mod:`contextvars` variable), not to the
process: captures in other threads go on being sent as usual. A thread started inside the block
starts with an empty context (``threading.Thread``'s default), so its captures are sent too,
unless it runs in a copy of the block's context (``contextvars.copy_context().run``,
``asyncio.to_thread``); asyncio tasks created inside the block inherit it, and are collected.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from . import client as _client
from ._types import Event

__all__ = ["capture_events"]


@contextlib.contextmanager
def capture_events(**options: Any) -> Iterator[list[Event]]:
    """Collect the events captured inside the block, in a list, instead of sending them.

    Uses the configured client if there is one; otherwise a temporary client (no hooks, given
    ``options``) for the duration of the block: it is current for the whole process then, and what
    other threads capture meanwhile goes nowhere, as it would without a client.
    """
    events: list[Event] = []
    temporary = None
    if _client.get_current() is None:
        options.setdefault("install_hooks", False)
        options.setdefault("transport", lambda event: None)
        temporary = _client.Client(**options)
        _client.set_current(temporary)
    previous = _client._sink.get()
    token = _client._sink.set(events)
    try:
        yield events
    finally:
        try:
            _client._sink.reset(token)
        except ValueError:  # left in another context than it was entered in (an async fixture)
            _client._sink.set(previous)
        if temporary is not None and _client.get_current() is temporary:
            _client.set_current(None)
