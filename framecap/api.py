"""The module-level API: one global client, configured by :func:`init`, and the current scope's setters.

Nothing here raises into the program: a capture without a client returns None, and a setter given
a value it can't take leaves it out and says so once (see :mod:`framecap.internal`).
"""

from __future__ import annotations

from ._current import get_current, set_current
from .limit_hold import hold_frames, near_limit, release_frames

# Nothing heavy at import: ``import framecap`` loads this module, and a program pays for the client's
# pipeline, its transports and the scope machinery only when it first calls for them (see the
# README, "Speed"). TYPE_CHECKING is spelled out rather than imported so that ``typing`` stays unloaded.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from contextlib import AbstractContextManager
    from typing import Any

    from .client import Client, ErrorArg
    from .scope import Scope

#: Frames from the recursion limit within which an entry point holds frames before anything else.
_ENTRY_FRAMES = 32

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
    from . import hooks
    from .client import Client
    from .integrations import asyncio as asyncio_integration
    from .integrations import logging as logging_integration

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
    early = False
    try:
        early = near_limit(_ENTRY_FRAMES) and hold_frames()  # frames first, while a call still fits
        client = get_current()
        if client is None:
            return None
        return client.capture_exception(
            error, level=level, tags=tags, extra=extra, contexts=contexts, fingerprint=fingerprint
        )
    except RecursionError:  # right at the limit: no frame left (the client's entry point retried already)
        return None
    finally:
        if early:
            release_frames()


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
    early = False
    try:
        early = near_limit(_ENTRY_FRAMES) and hold_frames()  # frames first, while a call still fits
        client = get_current()
        if client is None:
            return None
        return client.capture_message(
            message, level, tags=tags, extra=extra, contexts=contexts, fingerprint=fingerprint
        )
    except RecursionError:  # right at the limit: no frame left (the client's entry point retried already)
        return None
    finally:
        if early:
            release_frames()


def flush(timeout: float | None = None) -> bool:
    """Wait for the global client's pending events; True when nothing is left (or there is no client)."""
    client = get_current()
    return client.flush(timeout) if client is not None else True


def install_hooks() -> None:
    """Install framecap's ``sys.excepthook``, ``threading.excepthook`` and ``sys.unraisablehook``."""
    from . import hooks

    hooks.install()


def uninstall_hooks() -> None:
    """Put back the hooks framecap replaced (a hook installed on top of ours is left alone)."""
    from . import hooks

    hooks.uninstall()


def new_scope() -> AbstractContextManager[Scope]:
    """``with framecap.new_scope() as scope:``: changes to the scope inside the block stay in it.

    The block starts with a copy of the current scope (its newest ``max_breadcrumbs`` breadcrumbs);
    threads and asyncio tasks started inside it share the block's scope (a context variable).
    """
    from .scope import isolated

    client = get_current()
    return isolated(limit=client.options.max_breadcrumbs if client is not None else None)


def _scope() -> Scope:
    from .scope import current

    return current()


def add_breadcrumb(
    message: str | None = None,
    category: str | None = None,
    level: str = "info",
    data: dict[str, Any] | None = None,
    type: str = "default",
    *,
    limit: int | None = None,
) -> None:
    """Record something that happened, for the events that follow in this scope (bounded, oldest dropped).

    ``limit``: the adding client's ``max_breadcrumbs``; the scope then keeps at most that many (0: none
    is added). Without it, the scope keeps at most 1000.
    """
    from .scope import add_breadcrumb as add

    add(message, category, level, data, type, limit=limit)


def set_user(user: Mapping[str, Any] | None) -> None:
    """The user of the current scope (request or task), sent as given on later events, scrubbed; None clears it."""
    _scope().set_user(user)


def set_tag(key: str, value: Any) -> None:
    """A tag on later events of the current scope (key and value as strings; a value is cut at 200 characters)."""
    _scope().set_tag(key, value)


def set_tags(tags: Mapping[str, Any]) -> None:
    """Several tags at once on the current scope."""
    _scope().set_tags(tags)


def set_extra(key: str, value: Any) -> None:
    """Extra data on later events of the current scope (bounded and scrubbed like everything else)."""
    _scope().set_extra(key, value)


def set_context(name: str, context: Mapping[str, Any] | None) -> None:
    """A named context (a dict) on later events of the current scope, under ``contexts.<name>``; None removes it."""
    _scope().set_context(name, context)


def set_level(level: str | int | None) -> None:
    """The level of later events of the current scope that are captured without one; None clears it."""
    _scope().set_level(level)


def set_fingerprint(fingerprint: list[str] | None) -> None:
    """What later events of the current scope group by (a list of strings; ``"{{ default }}"`` for the default)."""
    _scope().set_fingerprint(fingerprint)
