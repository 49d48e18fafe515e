"""The module-level API: one global client, configured by :func:`init`, and the current scope's setters.

Nothing here raises into the program: a capture without a client returns None, and a setter given
a value it can't take leaves it out and says so once (see :mod:`framecap.internal`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

from . import hooks, scope
from .client import Client, ErrorArg, get_current, set_current
from .integrations import asyncio as asyncio_integration
from .integrations import breadcrumb_limit
from .integrations import logging as logging_integration
from .scope import Scope, add_breadcrumb

__all__ = [
    "add_breadcrumb",
    "capture_exception",
    "capture_message",
    "flush",
    "init",
    "install_hooks",
    "new_scope",
    "set_context",
    "set_extra",
    "set_fingerprint",
    "set_level",
    "set_tag",
    "set_tags",
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


def capture_exception(
    error: ErrorArg = None,
    *,
    level: str | None = None,
    tags: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
    contexts: dict[str, dict[str, Any]] | None = None,
    fingerprint: list[str] | None = None,
) -> str | None:
    """Capture an exception (or exc_info, or the one being handled); the event id, or None if dropped.

    The keywords are data for this event only, merged over the current scope's.
    """
    client = get_current()
    if client is None:
        return None
    return client.capture_exception(
        error, level=level, tags=tags, extra=extra, contexts=contexts, fingerprint=fingerprint
    )


def capture_message(
    message: str,
    level: str | None = None,
    *,
    tags: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
    contexts: dict[str, dict[str, Any]] | None = None,
    fingerprint: list[str] | None = None,
) -> str | None:
    """Capture a message event (``level``: else the scope's, else ``"info"``); the event id, or None if dropped.

    With ``attach_stacktrace=True`` the event carries the caller's stack (source and variables as for
    exceptions). The keywords are data for this event only, merged over the current scope's.
    """
    client = get_current()
    if client is None:
        return None
    return client.capture_message(message, level, tags=tags, extra=extra, contexts=contexts, fingerprint=fingerprint)


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


@contextlib.contextmanager
def new_scope() -> Iterator[Scope]:
    """``with framecap.new_scope() as scope:``: changes to the scope inside the block stay in it.

    The block starts with a copy of the current scope (its newest ``max_breadcrumbs`` breadcrumbs);
    threads and asyncio tasks started inside it share the block's scope (a context variable).
    """
    with scope.isolated(limit=breadcrumb_limit(get_current())) as inner:
        yield inner


def set_user(user: Mapping[str, Any] | None) -> None:
    """The user of the current scope (request or task), sent as given on later events, scrubbed; None clears it."""
    scope.current().set_user(user)


def set_tag(key: str, value: Any) -> None:
    """A tag on later events of the current scope (key and value as strings; a value is cut at 200 characters)."""
    scope.current().set_tag(key, value)


def set_tags(tags: Mapping[str, Any]) -> None:
    """Several tags at once on the current scope."""
    scope.current().set_tags(tags)


def set_extra(key: str, value: Any) -> None:
    """Extra data on later events of the current scope (bounded and scrubbed like everything else)."""
    scope.current().set_extra(key, value)


def set_context(name: str, context: Mapping[str, Any] | None) -> None:
    """A named context (a dict) on later events of the current scope, under ``contexts.<name>``; None removes it."""
    scope.current().set_context(name, context)


def set_level(level: str | int | None) -> None:
    """The level of later events of the current scope that are captured without one; None clears it."""
    scope.current().set_level(level)


def set_fingerprint(fingerprint: list[str] | None) -> None:
    """What later events of the current scope group by (a list of strings; ``"{{ default }}"`` for the default)."""
    scope.current().set_fingerprint(fingerprint)
