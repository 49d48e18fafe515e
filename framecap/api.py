"""The module-level API: one global client, configured by :func:`init`."""

from __future__ import annotations

from typing import Any

from . import hooks, scope
from .client import Client, ErrorArg, get_current, set_current
from .integrations import asyncio as asyncio_integration
from .integrations import logging as logging_integration
from .scope import add_breadcrumb

__all__ = [
    "add_breadcrumb",
    "capture_exception",
    "flush",
    "init",
    "install_hooks",
    "set_extra",
    "set_tag",
    "set_user",
    "uninstall_hooks",
]


def init(dsn: str | None = None, **options: Any) -> Client:
    """Configure the global client (replacing and closing any earlier one) and install the hooks.

    Pass ``install_hooks=False`` to leave ``sys.excepthook`` and friends alone.
    """
    client = Client(dsn, **options)
    previous = set_current(client)
    if previous is not None and previous is not client:
        previous.close()
    if client.options.install_hooks:
        hooks.install()
    if client.options.logging_integration:
        logging_integration.install()
    if client.options.asyncio_integration:
        asyncio_integration.install()
    return client


def capture_exception(error: ErrorArg = None) -> str | None:
    """Capture an exception (or exc_info, or the one being handled); the event id, or None if dropped."""
    client = get_current()
    return client.capture_exception(error) if client is not None else None


def flush(timeout: float | None = None) -> bool:
    """Wait for the global client's pending events; True when nothing is left (or there is no client)."""
    client = get_current()
    return client.flush(timeout) if client is not None else True


def install_hooks() -> None:
    """Install framecap's ``sys.excepthook``, ``threading.excepthook`` and ``sys.unraisablehook``."""
    hooks.install()


def uninstall_hooks() -> None:
    """Put back the hooks framecap replaced (a hook installed on top of ours is left alone)."""
    hooks.uninstall()


def set_user(user: dict[str, Any] | None) -> None:
    """The user of the current scope (request or task), sent as given on later events, scrubbed; None clears it."""
    scope.current().user = dict(user) if user else None


def set_tag(key: str, value: Any) -> None:
    """A tag on later events of the current scope (key and value as strings, at most 200 characters)."""
    scope.current().tags[str(key)] = str(value)


def set_extra(key: str, value: Any) -> None:
    """Extra data on later events of the current scope (bounded and scrubbed like everything else)."""
    scope.current().extra[str(key)] = value
