"""The asyncio integration: what asyncio reports through a loop's exception handler becomes an event.

A task whose exception is never retrieved, a failing callback: asyncio passes them to
``loop.call_exception_handler``. framecap wraps that method on ``asyncio.BaseEventLoop`` (so loops
created before and after ``init()`` are covered), captures the exception with mechanism
``{"type": "asyncio", "handled": false}``, then lets the call go on to the loop's own handler,
which prints what it always printed. Exceptions the program handles (``gather(...,
return_exceptions=True)``, an awaited task) never reach it, so they are not reported.

framecap never imports asyncio itself: importing it creates the ``asyncio`` logger, and
``logging.config.dictConfig()`` disables loggers that exist when it runs, which would silence
asyncio's own messages in a program that configures logging before it first imports asyncio. When
asyncio is not imported yet, the wrapper is put in place right after ``asyncio.base_events`` loads.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Any, Callable

from ..client import get_current, report_internal_error

__all__ = ["install", "installed", "uninstall"]

_MODULE = "asyncio.base_events"

# asyncio's loop class is process-wide, so is its wrapper: the method we replaced (kept once set,
# for anyone still holding our function), whether we observe, the import watcher, and a lock.
_lock = threading.RLock()
_original: Callable[..., Any] | None = None
_active = False
_watcher: _ImportWatcher | None = None


def _call_exception_handler(self: Any, context: dict[str, Any]) -> None:
    try:
        client = get_current()
        exc = context.get("exception")
        if _active and client is not None and client.options.asyncio_integration and isinstance(exc, BaseException):
            message = str(context.get("message") or "")[:1024]
            client.capture(exc, {"type": "asyncio", "handled": False}, {"extra": {"asyncio": {"message": message}}})
    except BaseException as error:  # noqa: B036 - the loop's own handling must go on
        report_internal_error("asyncio handler", error)
    assert _original is not None  # set before this function is ever put in place
    _original(self, context)


def _wrap(base_events: ModuleType) -> None:
    global _original
    loop_class = base_events.BaseEventLoop
    if loop_class.__dict__.get("call_exception_handler") is not _call_exception_handler:
        _original = loop_class.call_exception_handler
        loop_class.call_exception_handler = _call_exception_handler


def _imported(module: ModuleType) -> None:
    """``asyncio.base_events`` has just run: stop watching, wrap its loop class if still wanted. Never raises."""
    try:
        with _lock:
            _remove_watcher()
            if _active:
                _wrap(module)
    except Exception as error:
        report_internal_error("asyncio install", error)


class _ImportWatcher:
    """A ``sys.meta_path`` entry that only watches for ``asyncio.base_events``; it finds nothing itself.

    It asks the finders after it for that module and wraps the found loader's ``exec_module``, on
    that one loader instance for that one import, so the loop class is wrapped once it exists.
    """

    def find_spec(self, name: str, path: Sequence[str] | None = None, target: Any = None) -> ModuleSpec | None:
        if name != _MODULE:
            return None
        try:
            spec = self._spec_from_others(name, path, target)
            loader: Any = spec.loader if spec is not None else None
            exec_module = getattr(loader, "exec_module", None)
            if exec_module is None:
                return spec

            def run(module: ModuleType) -> None:
                try:
                    exec_module(module)
                finally:
                    loader.__dict__.pop("exec_module", None)
                _imported(module)

            loader.exec_module = run
            return spec
        except Exception as error:
            report_internal_error("asyncio import watcher", error)
            return None

    def _spec_from_others(self, name: str, path: Sequence[str] | None, target: Any) -> ModuleSpec | None:
        finders = list(sys.meta_path)
        after = finders[finders.index(self) + 1 :] if self in finders else finders
        for finder in after:
            find = getattr(finder, "find_spec", None)
            spec: ModuleSpec | None = find(name, path, target) if find is not None else None
            if spec is not None:
                return spec
        return None


def _remove_watcher() -> None:
    global _watcher
    if _watcher is not None:
        # A new list rather than .remove(): another thread may be iterating the old one in an import.
        sys.meta_path = [finder for finder in sys.meta_path if finder is not _watcher]
        _watcher = None


def install() -> None:
    """Wrap ``BaseEventLoop.call_exception_handler`` (once), now or as soon as asyncio is imported."""
    global _active, _watcher
    with _lock:
        _active = True
        module = sys.modules.get(_MODULE)
        if module is not None and hasattr(module, "BaseEventLoop"):
            _wrap(module)
        elif _watcher is None:
            _watcher = _ImportWatcher()
            sys.meta_path = [_watcher, *sys.meta_path]


def uninstall() -> None:
    """Put the loop class's method back (if it is still ours) and stop watching for asyncio."""
    global _active
    with _lock:
        _active = False
        _remove_watcher()
        loop_class = getattr(sys.modules.get(_MODULE), "BaseEventLoop", None)
        if loop_class is not None and loop_class.__dict__.get("call_exception_handler") is _call_exception_handler:
            loop_class.call_exception_handler = _original


def installed() -> bool:
    """Whether framecap observes asyncio's exception handler (or waits for asyncio to be imported)."""
    return _active
