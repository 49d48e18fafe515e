"""The transport base class: ``send`` is the one method a transport must write; flush and close default to no-ops."""

from __future__ import annotations

from .._types import Event

__all__ = ["BaseTransport"]


class BaseTransport:
    """Where finished events go. Subclasses implement :meth:`send`; it must not block on the network."""

    def send(self, event: Event) -> None:
        raise NotImplementedError

    def flush(self, timeout: float | None = None) -> bool:
        """Wait up to ``timeout`` seconds for pending events; True when nothing is left."""
        return True

    def close(self) -> None:
        """Release resources; later sends may be dropped."""
