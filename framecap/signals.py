"""Signals that arrive during a capture are handled when it ends, as the program would handle them.

A capture catches whatever goes wrong inside it, so a ``KeyboardInterrupt`` (Ctrl-C) or the
exception a program's own ``SIGTERM``/``SIGALRM`` handler raises would be swallowed if the handler
ran in the middle of it: the program would go on as if the signal never came. On the main thread
(the only one Python runs signal handlers on), a capture holds the signals whose handlers are
Python functions, and once it ends puts the handlers back and calls them for what came meanwhile:
``capture_exception()`` then raises what the handler raises, as the interrupted line would have.
The public entry points hold them (:func:`holding_signals`), outside everything that catches
errors within a capture; nested holds pass what they held to the outer one. An entry point called a
few frames from the recursion limit runs once more with frames held (:mod:`framecap.limit_hold`).
"""

from __future__ import annotations

import _signal  # type: ignore[import-not-found]  # (no stubs: the C module behind signal)
import contextlib
import functools
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any, Callable, TypeVar, cast

from .limit_hold import hold_frames, release_frames

__all__ = ["held_signals", "holding_signals"]

_NAMES = ("SIGINT", "SIGTERM", "SIGALRM", "SIGHUP", "SIGUSR1", "SIGUSR2")
_HELD = tuple(int(getattr(signal, name)) for name in _NAMES if hasattr(signal, name))
_F = TypeVar("_F", bound=Callable[..., Any])


@contextlib.contextmanager
def held_signals() -> Iterator[None]:
    """Hold the Python-level signal handlers for the block (main thread only), then run them."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[tuple[int, FrameType | None]] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        pending.append((signum, frame))

    saved: dict[int, Any] = {}
    try:
        for number in _HELD:  # (_signal's own functions: signal's wrappers make enums of every answer)
            handler = _signal.getsignal(number)
            if callable(handler):
                _signal.signal(number, hold)
                saved[number] = handler
    except (ValueError, OSError, RuntimeError):  # not the main interpreter, or a platform's refusal
        pass
    except BaseException:  # out of memory halfway: no handler stays replaced
        for number, handler in saved.items():
            with contextlib.suppress(BaseException):
                _signal.signal(number, handler)
        raise
    try:
        yield
    finally:
        for number, handler in saved.items():
            with contextlib.suppress(ValueError, OSError, RuntimeError):
                _signal.signal(number, handler)
        for number, frame in pending:
            saved[number](number, frame)  # what it raises leaves the capture, as it would have left the line


def holding_signals(method: _F) -> _F:
    """Decorate a capture entry point: signals are held while it runs (see :func:`held_signals`)."""

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        holder: contextlib.AbstractContextManager[None] | None = None
        try:
            try:
                holder = held_signals()
                holder.__enter__()
            except (MemoryError, RecursionError):  # before 3.11 even this allocates: capture without holding
                holder = None
            try:
                return method(*args, **kwargs)  # (a capture entry point never raises but this)
            finally:
                if holder is not None:
                    holder.__exit__(None, None, None)  # restores the handlers, then runs what was held
                    holder = None
        except RecursionError:  # a few frames from the recursion limit: once more, with frames held
            pass
        held = False
        try:
            held = hold_frames()
            if holder is not None:  # its exit found no frame: the handlers go back now
                with contextlib.suppress(Exception):
                    holder.__exit__(None, None, None)
            return method(*args, **kwargs)
        except RecursionError:  # right at the limit: no frame left to capture with (never raised)
            return None
        finally:
            if held:
                release_frames()

    return cast(_F, wrapper)
