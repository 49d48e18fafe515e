"""Shapes and constants shared by the pipeline stages: the event, the transport protocol, the filter marker."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

__all__ = ["FILTERED", "Event", "Hint", "Transport"]

#: A Sentry-protocol event, as JSON-ready plain data.
Event = dict[str, Any]
#: What a filtered value becomes (the privacy stages' one marker).
FILTERED = "[Filtered]"
#: What ``before_send`` gets beside the event: ``{"exc_info": (type, value, tb)}``.
Hint = dict[str, Any]


@runtime_checkable
class Transport(Protocol):
    """Where finished events go. ``send`` must not raise into the caller; framecap guards it anyway."""

    def send(self, event: Event) -> None: ...

    def flush(self, timeout: float | None = None) -> bool: ...

    def close(self) -> None: ...
