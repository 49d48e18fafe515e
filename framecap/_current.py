"""The global client's slot, in a module that imports nothing heavy (``import framecap`` reads it).

:mod:`framecap.client` re-exports :func:`get_current` and :func:`set_current`; this module exists so
that the module-level API can answer "is there a client?" without importing the client's pipeline.
"""

from __future__ import annotations

import _thread

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .client import Client

__all__ = ["get_current", "set_current"]

_current: Client | None = None
_current_lock = _thread.allocate_lock()


def get_current() -> Client | None:
    """The client :func:`framecap.init` configured, if any."""
    return _current


def set_current(client: Client | None) -> Client | None:
    """Make ``client`` current; returns the one it replaced."""
    global _current
    with _current_lock:
        previous, _current = _current, client
    return previous
