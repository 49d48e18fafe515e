"""Integrations: where framecap meets frameworks (WSGI, ASGI, DB-API)."""

from __future__ import annotations

from ..client import get_current
from ..request import BODY_LIMITS

__all__ = ["body_keep_limit"]


def body_keep_limit() -> int:
    """How many body bytes to keep while the app reads: the body limit plus one (to know it was exceeded)."""
    client = get_current()
    if client is None:
        return BODY_LIMITS["medium"] + 1  # type: ignore[operator]
    limit: int | None = BODY_LIMITS[client.options.max_request_body_size]
    return (client.options.max_event_bytes if limit is None else limit) + 1
