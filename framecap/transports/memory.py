"""A transport that keeps events in a list: for tests, yours and ours."""

from __future__ import annotations

import copy
import threading
from typing import List, Optional

from .._types import Event

__all__ = ["MemoryTransport"]


class MemoryTransport:
    """Keeps every event in :attr:`events`, exactly as it would be sent (a deep copy, taken synchronously)."""

    def __init__(self) -> None:
        self.events: List[Event] = []
        self._lock = threading.Lock()

    def send(self, event: Event) -> None:
        with self._lock:
            self.events.append(copy.deepcopy(event))

    def flush(self, timeout: Optional[float] = None) -> bool:
        return True

    def close(self) -> None:
        pass
