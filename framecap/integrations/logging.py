"""The logging integration: log records become events (with exception info) or breadcrumbs.

A record at ``logging_event_level`` or above that carries exception info (``logger.exception()``,
``logger.error(..., exc_info=True)``) becomes an exception event with mechanism
``{"type": "logging", "handled": true}`` and the formatted message in ``logentry``. Records at
``logging_breadcrumb_level`` or above become breadcrumbs for later events of the same scope.
framecap's own records (the ``framecap`` logger) never feed back.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from ..client import get_current
from ..scope import add_breadcrumb

__all__ = ["FramecapHandler", "install", "uninstall"]

_LEVELS = {
    logging.DEBUG: "debug",
    logging.INFO: "info",
    logging.WARNING: "warning",
    logging.ERROR: "error",
    logging.CRITICAL: "fatal",
}
_busy = threading.local()


def _level_name(levelno: int) -> str:
    for threshold in (50, 40, 30, 20):
        if levelno >= threshold:
            return _LEVELS[threshold]
    return "debug"


def _message(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()[:8192]
    except Exception:
        return str(record.msg)[:8192]


class FramecapHandler(logging.Handler):
    """Installed on the root logger by ``framecap.init()`` (``logging_integration=True``)."""

    def emit(self, record: logging.LogRecord) -> None:
        if record.name == "framecap" or record.name.startswith("framecap.") or getattr(_busy, "active", False):
            return
        client = get_current()
        if client is None or not client.options.logging_integration:
            return
        _busy.active = True
        try:
            options = client.options
            exc = record.exc_info[1] if record.exc_info and record.exc_info is not True else None
            if exc is not None and record.levelno >= options.logging_event_level:
                extra: dict[str, Any] = {
                    "logentry": {"formatted": _message(record), "message": str(record.msg)[:8192]},
                    "logger": record.name,
                }
                client.capture(exc, {"type": "logging", "handled": True}, extra, level=_level_name(record.levelno))
            elif record.levelno >= options.logging_breadcrumb_level:
                add_breadcrumb(
                    message=_message(record)[:1024], category=record.name, level=_level_name(record.levelno), type="log"
                )
        except Exception:
            pass  # logging must never break because of us
        finally:
            _busy.active = False


_handler: FramecapHandler | None = None


def install() -> None:
    """Add the handler to the root logger (once)."""
    global _handler
    if _handler is None:
        _handler = FramecapHandler(level=logging.NOTSET)
    root = logging.getLogger()
    if _handler not in root.handlers:
        root.addHandler(_handler)


def uninstall() -> None:
    if _handler is not None:
        logging.getLogger().removeHandler(_handler)
