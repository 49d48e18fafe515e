"""The logging integration: log records become events (with exception info) or breadcrumbs.

framecap observes records without being a handler: it wraps ``logging.Logger.callHandlers``, the
step where a logger hands a record it let through to its handlers and its ancestors'. Adding a
handler to the root logger would change what the program prints: Python's last-resort handler
(which prints warnings and errors when no handler is configured) only runs when no handler exists,
``logging.basicConfig()`` does nothing once the root logger has one, and Flask and werkzeug add
their console handlers only when none is found. Wrapping changes none of that.

What it sees is what a handler on the root logger would see: records the logger let through (its
effective level, ``logging.disable``, ``disabled``, its filters) that propagate up to the root.
A record at ``logging_event_level`` or above that carries exception info (``logger.exception()``,
``logger.error(..., exc_info=True)``) becomes an exception event with mechanism
``{"type": "logging", "handled": true}`` and the formatted message in ``logentry``; other records at
``logging_breadcrumb_level`` or above become breadcrumbs for later events of the same scope.
framecap's own records (the ``framecap`` logger) and records logged while framecap is handling a
record in the same thread are passed to the handlers as usual but never observed.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable

from ..client import Client, get_current, report_internal_error
from ..scope import add_breadcrumb

__all__ = ["install", "installed", "uninstall"]

_LEVELS = ((50, "fatal"), (40, "error"), (30, "warning"), (20, "info"))
_MAX_MESSAGE = 8192
_MAX_CRUMB = 1024

# Logging's machinery is process-wide, so is its wrapper: the wrapped ``callHandlers``, our wrapper,
# whether it observes, a lock for installing, and a per-thread guard against re-entry.
_lock = threading.Lock()
_original: Callable[[logging.Logger, logging.LogRecord], None] | None = None
_wrapper: Callable[[logging.Logger, logging.LogRecord], None] | None = None
_active = False
_busy = threading.local()


def _level_name(levelno: int) -> str:
    return next((name for threshold, name in _LEVELS if levelno >= threshold), "debug")


def _message(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()[:_MAX_MESSAGE]
    except Exception:
        return str(record.msg)[:_MAX_MESSAGE]


def _reaches_root(logger: logging.Logger) -> bool:
    """Whether ``logger``'s records propagate to the root logger, as ``callHandlers`` walks the hierarchy."""
    node: Any = logger
    for _ in range(1000):  # a hierarchy is as deep as a name has dots; the bound guards a corrupted one
        parent = node.parent
        if parent is None:
            return node is logging.root
        if not node.propagate:
            return False
        node = parent
    return False


def _event(client: Client, record: logging.LogRecord, exc: BaseException) -> None:
    extra: dict[str, Any] = {
        "logentry": {"formatted": _message(record), "message": str(record.msg)[:_MAX_MESSAGE]},
        "logger": record.name,
    }
    client.capture(exc, {"type": "logging", "handled": True}, extra, level=_level_name(record.levelno))


def _breadcrumb(client: Client, record: logging.LogRecord) -> None:
    add_breadcrumb(
        message=_message(record)[:_MAX_CRUMB],
        category=record.name,
        level=_level_name(record.levelno),
        type="log",
        limit=client.options.max_breadcrumbs,
    )


def _observe(logger: logging.Logger, record: logging.LogRecord) -> None:
    """Turn one record into an event or a breadcrumb, if the options ask for it. Never raises."""
    if getattr(_busy, "active", False):
        return
    _busy.active = True
    try:
        name = record.name
        if not isinstance(name, str) or name == "framecap" or name.startswith("framecap."):
            return
        client = get_current()
        if client is None or not client.options.logging_integration:
            return
        options = client.options
        levelno = record.levelno
        exc_info = record.exc_info
        exc = exc_info[1] if isinstance(exc_info, tuple) and len(exc_info) == 3 else None
        event_level, crumb_level = options.logging_event_level, options.logging_breadcrumb_level
        if isinstance(exc, BaseException) and event_level is not None and levelno >= event_level:
            if _reaches_root(logger):
                _event(client, record, exc)
        elif crumb_level is not None and levelno >= crumb_level and _reaches_root(logger):
            _breadcrumb(client, record)
    except Exception as error:  # logging must never break because of us
        report_internal_error("logging integration", error)
    finally:
        _busy.active = False


def _make_wrapper(
    original: Callable[[logging.Logger, logging.LogRecord], None],
) -> Callable[[logging.Logger, logging.LogRecord], None]:
    def callHandlers(self: logging.Logger, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        if _active:
            _observe(self, record)
        original(self, record)

    callHandlers.__doc__ = original.__doc__
    callHandlers.__wrapped__ = original  # type: ignore[attr-defined]
    return callHandlers


def install() -> None:
    """Start observing log records (once; idempotent)."""
    global _original, _wrapper, _active
    with _lock:
        if _wrapper is None:
            _original = logging.Logger.callHandlers
            _wrapper = _make_wrapper(_original)
            logging.Logger.callHandlers = _wrapper  # type: ignore[method-assign, assignment]
        _active = True


def uninstall() -> None:
    """Stop observing: ``Logger.callHandlers`` is put back (if wrapped again since, ours stays as a pass-through)."""
    global _original, _wrapper, _active
    with _lock:
        _active = False
        if _wrapper is not None and logging.Logger.__dict__.get("callHandlers") is _wrapper:
            logging.Logger.callHandlers = _original  # type: ignore[method-assign, assignment]
            _original = _wrapper = None


def installed() -> bool:
    """Whether records are being observed."""
    return _active
