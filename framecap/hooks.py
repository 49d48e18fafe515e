"""The process hooks: ``sys.excepthook``, ``threading.excepthook``, ``sys.unraisablehook``, and exit flushing.

Each hook captures through the current client, then always calls the hook it replaced, so the
usual traceback still prints. Installing is idempotent and leaves exactly one framecap layer;
uninstalling restores what was there, or, when someone has installed a hook on top of ours,
leaves theirs alone and turns ours into a pass-through.
"""

from __future__ import annotations

import _thread
import atexit
import sys
import threading
from typing import Any, Callable

from .client import get_current, report_internal_error
from .serialize import Serializer, plain_name

__all__ = ["install", "installed", "uninstall"]

_previous: dict[str, Callable[..., Any]] = {}
#: The stdlib's own thread hook (``threading.__excepthook__`` is 3.10+; on 3.9 it is ``_thread._excepthook``).
_THREADING_DEFAULT: Callable[..., Any] = getattr(threading, "__excepthook__", None) or _thread._excepthook
_state = {"active": False, "atexit": False}
_lock = threading.RLock()


def _capture(exc: BaseException | None, mechanism: dict[str, Any], extra: dict[str, Any] | None = None) -> None:
    """Capture through the current client; contain everything (this runs inside a hook)."""
    try:
        client = get_current()
        if not _state["active"] or client is None or exc is None:
            return
        if issubclass(type(exc), KeyboardInterrupt) and not client.options.capture_keyboard_interrupt:
            return
        client.capture(exc, mechanism, extra)
    except BaseException as error:  # noqa: B036 - a hook must never raise
        report_internal_error("hook", error)


def _excepthook(exc_type: Any, exc: Any, tb: Any) -> None:
    _capture(exc, {"type": "excepthook", "handled": False})
    previous = _previous.get("sys.excepthook", sys.__excepthook__)
    try:
        previous(exc_type, exc, tb)
    except SystemExit:
        raise  # Python exits with it, as it would from the replaced hook
    except BaseException as error:  # the replaced hook failed: what Python prints then, our frame left out
        _hook_failed("Error in sys.excepthook:\n", error, "\nOriginal exception was:\n")
        sys.__excepthook__(exc_type, exc, tb)


def _hook_failed(header: str, error: BaseException, footer: str = "") -> None:
    """Print the replaced hook's own error as Python does (``header``, its traceback without our frame)."""
    try:
        sys.stderr.write(header)
        inner = error.__traceback__.tb_next if error.__traceback__ else None
        sys.__excepthook__(type(error), error.with_traceback(inner), inner)
        sys.stderr.write(footer)
    except BaseException:  # noqa: B036, S110 - no stderr: the original is still tried
        pass


def _threading_hook(args: Any) -> None:
    thread = getattr(args, "thread", None)
    if not issubclass(type(args.exc_value), SystemExit):
        extra: dict[str, Any] = {}
        try:  # (a Thread subclass's ``ident`` or ``name`` may be a property: user code)
            ident = getattr(thread, "ident", None)
            name = plain_name(getattr(thread, "name", ""))
        except Exception:
            ident = name = None
        if thread is not None and isinstance(ident, int):
            extra["threads"] = {"values": [{"id": ident, "name": name, "crashed": True, "current": True}]}
            extra["contexts"] = {"thread": {"type": "default", "name": name, "id": ident}}
        _capture(args.exc_value, {"type": "threading", "handled": False}, extra)
    previous = _previous.get("threading.excepthook", _THREADING_DEFAULT)
    try:
        previous(args)
    except BaseException as error:  # Python's words for a failing hook, then the thread's own traceback
        error.__suppress_context__ = True  # (as Python does: the thread's exception follows anyway)
        _hook_failed("Exception in threading.excepthook:\n", error)
        _THREADING_DEFAULT(args)


def _unraisable_hook(unraisable: Any) -> None:
    try:
        rendered = Serializer(max_depth=1, max_breadth=1, max_length=512, repr_strings=True).serialize(
            unraisable.object
        )[0]
        message = unraisable.err_msg or "Exception ignored in"
        extra = {"extra": {"unraisable": {"message": str(message)[:512], "object": rendered}}}
    except BaseException:
        extra = None
    _capture(unraisable.exc_value, {"type": "unraisablehook", "handled": False}, extra)
    previous: Callable[[Any], object] = _previous.get("sys.unraisablehook", sys.__unraisablehook__)
    try:
        previous(unraisable)
    except BaseException as error:  # Python's words for a failing hook, then the unraisable itself
        try:
            named = f"Exception ignored in sys.unraisablehook: {previous!r}\n"
        except BaseException:  # noqa: B036 - the hook's own repr failed
            named = "Exception ignored in sys.unraisablehook:\n"
        _hook_failed(named, error)
        sys.__unraisablehook__(unraisable)


_HOOKS = {
    "sys.excepthook": (sys, "excepthook", _excepthook),
    "threading.excepthook": (threading, "excepthook", _threading_hook),
    "sys.unraisablehook": (sys, "unraisablehook", _unraisable_hook),
}


def _at_exit() -> None:
    client = get_current()
    if client is not None:
        try:
            client.close()
        except BaseException as error:
            report_internal_error("atexit", error)


def install() -> None:
    """Install the three hooks (once) and the exit flush. Safe to call again."""
    with _lock:
        for key, (owner, name, ours) in _HOOKS.items():
            current = getattr(owner, name)
            if current is ours or key in _previous:
                continue  # on top already, or still in the chain below someone else's hook
            _previous[key] = current
            setattr(owner, name, ours)
        _state["active"] = True
        if not _state["atexit"]:
            atexit.register(_at_exit)
            _state["atexit"] = True


def uninstall() -> None:
    """Restore the hooks that were there; a hook someone put on top of ours is left alone."""
    with _lock:
        _state["active"] = False
        for key, (owner, name, ours) in _HOOKS.items():
            if getattr(owner, name) is ours:
                setattr(owner, name, _previous.pop(key))


def installed() -> bool:
    """Whether framecap's hooks are capturing."""
    return bool(_state["active"])
