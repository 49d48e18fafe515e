"""A transport that keeps events in a list: for tests, yours and ours."""

from __future__ import annotations

import copy
import threading

from .._types import Event
from .base import BaseTransport

__all__ = ["MemoryTransport"]


class MemoryTransport(BaseTransport):
    """Keeps every event in :attr:`events`, exactly as it would be sent (a deep copy, taken synchronously)."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._lock = threading.Lock()

    def send(self, event: Event) -> None:
        with self._lock:
            self.events.append(copy.deepcopy(event))
