"""Where events go: in memory (tests), a plain callable, or the local SQLite inbox."""

from __future__ import annotations

from typing import Any, Callable

from .._types import Event
from .base import BaseTransport
from .inbox import Inbox, default_store_path
from .memory import MemoryTransport

__all__ = ["BaseTransport", "CallableTransport", "Inbox", "MemoryTransport", "default_store_path"]


class CallableTransport(BaseTransport):
    """Adapts a plain function ``f(event)`` to the transport interface; called synchronously."""

    def __init__(self, function: Callable[[Event], Any]) -> None:
        self.function = function

    def send(self, event: Event) -> None:
        self.function(event)
