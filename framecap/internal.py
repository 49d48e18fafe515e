"""Contained failures: framecap's own errors and wrong uses of its API, reported without ever raising.

An internal failure goes to :data:`internal_error_handlers` (framecap's own tests make those loud)
and to the ``framecap`` logger (at WARNING under ``debug``, else DEBUG). A wrong use of the API (a
string given to ``capture_exception``, a fingerprint that is no list of strings) is reported the
same way and also logged once per kind at WARNING, whatever ``debug`` says: the program goes on,
and its author learns what to change.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Callable

__all__ = ["internal_error_handlers", "report_internal_error", "report_misuse"]

logger = logging.getLogger("framecap")

#: Called with ``(where, error)`` for every contained internal failure.
internal_error_handlers: list[Callable[[str, BaseException], None]] = []
# Kinds of misuse already warned about: the warning is meant once per process, like Python's own.
_warned: set[str] = set()
_warned_lock = threading.Lock()
_REASON_LENGTH = 1000  # characters of an error's message in a warning


def report_internal_error(where: str, error: BaseException, debug: bool = False) -> None:
    """Contain an internal failure: tell the handlers and, under ``debug``, the log. Never raises."""
    for handler in list(internal_error_handlers):
        with contextlib.suppress(Exception):
            handler(where, error)
    with contextlib.suppress(Exception):
        logger.log(logging.WARNING if debug else logging.DEBUG, "framecap: internal error in %s", where, exc_info=error)


def report_misuse(where: str, error: BaseException, advice: str = "") -> None:
    """A wrong argument to framecap's API: reported as an internal error, and once per ``where`` a WARNING
    on the ``framecap`` logger with the error's message (and ``advice``). Never raises."""
    report_internal_error(where, error)
    with contextlib.suppress(Exception):
        with _warned_lock:
            if where in _warned:
                return
            _warned.add(where)
        logger.warning(
            "framecap: %s: %s%s (this warning is shown once)", where, _reason(error), f"; {advice}" if advice else ""
        )


def _reason(error: BaseException) -> str:
    """What went wrong, for a warning: the error's message (its ``str()``, run off this thread within a
    time), or its type's name when it has none (``raise RuntimeError``); never raises."""
    from .exc_value import exception_value  # the message stage; loaded only when there is a warning

    try:
        text = exception_value(error, _REASON_LENGTH)[0]
    except BaseException:  # noqa: B036 - not even that: the type's name says something
        text = ""
    try:
        name = type(error).__name__
    except BaseException:  # noqa: B036
        name = "error"
    if text and not text.startswith("<exception str()"):
        return text
    return name if type(name) is str else "error"
