"""Helpers for your own tests: see the events your code captures, without sending them anywhere.

    from framecap.testing import capture_events

    def test_checkout_reports_the_error():
        with capture_events() as events:
            checkout(cart)                      # calls framecap.capture_exception()
        assert events[0]["exception"]["values"][-1]["type"] == "PaymentError"

The events are exactly what would have been sent (scrubbed, after ``before_send``). With pytest,
the ``framecap_events`` fixture does the same for a whole test.
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
    ``options``) for the duration of the block.
    """
    events: list[Event] = []
    temporary = None
    if _client.get_current() is None:
        options.setdefault("install_hooks", False)
        options.setdefault("transport", lambda event: None)
        temporary = _client.Client(**options)
        _client.set_current(temporary)
    _client._sinks.append(events)
    try:
        yield events
    finally:
        _client._sinks.remove(events)
        if temporary is not None and _client.get_current() is temporary:
            _client.set_current(None)
