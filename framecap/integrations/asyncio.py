"""The asyncio integration: what asyncio reports through a loop's exception handler becomes an event.

A task whose exception is never retrieved, a failing callback: asyncio passes them to
``loop.call_exception_handler``. framecap wraps that method on ``asyncio.BaseEventLoop`` (so loops
created before and after ``init()`` are covered), captures the exception with mechanism
``{"type": "asyncio", "handled": false}``, then lets the call go on to the loop's own handler.
Exceptions the program handles (``gather(..., return_exceptions=True)``, an awaited task) never
reach it, so they are not reported.
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable

from ..client import get_current, report_internal_error

__all__ = ["install", "uninstall"]

_original: Callable[..., Any] | None = None


def _call_exception_handler(self: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    try:
        client = get_current()
        exc = context.get("exception")
        if client is not None and client.options.asyncio_integration and isinstance(exc, BaseException):
            message = str(context.get("message") or "")[:1024]
            client.capture(exc, {"type": "asyncio", "handled": False}, {"extra": {"asyncio": {"message": message}}})
    except BaseException as error:  # noqa: B036 - the loop's own handling must go on
        report_internal_error("asyncio handler", error)
    assert _original is not None
    _original(self, context)


def install() -> None:
    """Wrap ``BaseEventLoop.call_exception_handler`` (once)."""
    global _original
    if _original is None:
        _original = asyncio.BaseEventLoop.call_exception_handler
        asyncio.BaseEventLoop.call_exception_handler = _call_exception_handler  # type: ignore[method-assign]


def uninstall() -> None:
    global _original
    if _original is not None and asyncio.BaseEventLoop.call_exception_handler is _call_exception_handler:
        asyncio.BaseEventLoop.call_exception_handler = _original  # type: ignore[method-assign]
        _original = None
