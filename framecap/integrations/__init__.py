"""Integrations: where framecap meets frameworks (WSGI, ASGI, Django, Flask, logging, asyncio, DB-API)."""

from __future__ import annotations

from ..client import Client, get_current
from ..request import BODY_LIMITS

__all__ = ["body_keep_limit", "breadcrumb_limit", "client_for"]


def client_for(client: Client | None) -> Client | None:
    """The client an integration reports to: the one it was given, else the global one (looked up at each call)."""
    return client if client is not None else get_current()


def body_keep_limit(client: Client | None) -> int:
    """How many body bytes to keep while the app reads: the body limit plus one (to know it was exceeded)."""
    if client is None:
        return BODY_LIMITS["medium"] + 1  # type: ignore[operator]
    limit: int | None = BODY_LIMITS[client.options.max_request_body_size]
    return (client.options.max_event_bytes if limit is None else limit) + 1


def breadcrumb_limit(client: Client | None) -> int | None:
    """How many of the current scope's breadcrumbs a request scope starts with: the client's ``max_breadcrumbs``."""
    return client.options.max_breadcrumbs if client is not None else None
