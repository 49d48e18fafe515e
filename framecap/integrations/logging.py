"""The logging integration: log records become events (with exception info) or breadcrumbs.

framecap observes records without being a handler: it wraps ``logging.Logger.callHandlers``, the
step where a logger hands a record it let through to its handlers and its ancestors'. Adding a
handler to the root logger would change what the program prints: Python's last-resort handler
(which prints warnings and errors when no handler is configured) only runs when no handler exists,
``logging.basicConfig()`` does nothing once the root logger has one, and Flask and werkzeug add
their console handlers only when none is found. Wrapping changes none of that.

What it sees is what a handler on the root logger would see: records the logger let through (its
effective level, ``logging.disable``, ``disabled``, its filters) that propagate up to the root.
A record at ``logging_event_level`` or above becomes an event: with exception info
(``logger.exception()``, ``logger.error(..., exc_info=True)``) an exception event with mechanism
``{"type": "logging", "handled": true}``, else a message event; both have ``logentry`` (the
template, its arguments, the formatted message), ``logger`` and the record's level. A record at
``logging_breadcrumb_level`` or above becomes a breadcrumb for later events of the same scope (after
its own event, if it made one). The record's ``extra=`` fields (attributes a ``LogRecord`` doesn't
have by itself) go to the event's ``extra`` and the breadcrumb's ``data``, bounded like any value.
framecap's own records (the ``framecap`` logger) and records logged while framecap is handling a
record in the same thread are passed to the handlers as usual but never observed.
"""

from __future__ import annotations

import itertools
import logging
import threading
from typing import Any, Callable

from .. import usercode
from ..client import Client, get_current, report_internal_error
from ..message import Message, caller_stack
from ..meta import CUT_MARGIN
from ..safe import type_name
from ..scope import EventData, add_breadcrumb
from ..serialize import Serializer, plain_name
from ..serialize_kinds import SMALL_INT, inherits

__all__ = ["STANDARD_ATTRIBUTES", "install", "installed", "uninstall"]

_LEVELS = ((50, "fatal"), (40, "error"), (30, "warning"), (20, "info"))
_MAX_NAME = 1024
_MAX_CRUMB = 1024
#: What a ``LogRecord`` has by itself (and what formatters add): anything else came from ``extra=``.
STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "taskName",
}
#: Seconds the program's ``__str__`` may take (on a helper thread) for a record's message: an event's,
#: and a breadcrumb's (less: the record may be one the program's own handlers drop unformatted).
_EVENT_STR_TIME = 0.25
_CRUMB_STR_TIME = 0.05
_INLINE_LENGTH = 10_000  # a template or argument longer than this is formatted on a helper thread
_INLINE_ARGS = 100  # so are more arguments than this
_CRUMB_DATA = 4  # a breadcrumb's data holds at most this many max_value_length's worth of characters

# Logging's machinery is process-wide, so is its wrapper: the wrapped ``callHandlers``, our wrapper,
# whether it observes, a lock for installing, and a per-thread guard against re-entry.
_lock = threading.Lock()
_original: Callable[[logging.Logger, logging.LogRecord], None] | None = None
_wrapper: Callable[[logging.Logger, logging.LogRecord], None] | None = None
_active = False
_busy = threading.local()


def _level_name(levelno: int) -> str:
    return next((name for threshold, name in _LEVELS if levelno >= threshold), "debug")


def _plain(value: Any) -> bool:
    """An argument whose ``%`` formatting runs none of the program's code and is short and cheap."""
    t = type(value)
    if t is str or t is bytes:
        return len(value) <= _INLINE_LENGTH
    if t is int:
        return bool(-SMALL_INT < value < SMALL_INT)
    return t is float or t is bool or value is None


def _inline(record: logging.LogRecord) -> bool:
    """Whether formatting ``record`` as logging does runs none of the program's code (so no helper is
    needed): logging's own ``getMessage``, a plain ``str`` template and plain arguments."""
    if not inherits(type(record), "getMessage", logging.LogRecord):
        return False
    msg, args = record.msg, record.args
    if type(msg) is not str or len(msg) > _INLINE_LENGTH:
        return False
    if not args:
        return True
    if type(args) is tuple:
        values: Any = args
    elif type(args) is dict and all(type(key) is str for key in itertools.islice(args, _INLINE_ARGS + 1)):
        values = args.values()
    else:
        return False
    return len(values) <= _INLINE_ARGS and all(map(_plain, values))


def _render(record: logging.LogRecord) -> tuple[str, str]:
    """``(template, formatted)`` as logging makes them (``str(msg) % args``, or the record class's own
    ``getMessage``), each at most once; the template when the arguments don't fit it. Raises when the
    template's ``str()`` does."""
    msg = record.msg
    template = msg if type(msg) is str else str.__str__(str(msg))
    try:
        if inherits(type(record), "getMessage", logging.LogRecord):
            args = record.args
            formatted = template % args if args else template
        else:  # a record class of the program's own: its formatting is what its handlers print
            formatted = record.getMessage()
    except Exception:  # arguments that don't fit the template: logging itself would print the error
        formatted = template
    return template, formatted if type(formatted) is str else template


def _entry(record: logging.LogRecord, seconds: float) -> Message:
    """The record's message: template, arguments (a tuple, or a dict for ``%(name)s``) and the formatted
    text, formatted once. The program's ``__str__`` runs on a helper thread within ``seconds``
    (:mod:`framecap.usercode`); one that fails or takes too long leaves a placeholder, noted in ``_meta``."""
    args = record.args
    params = args if type(args) in (tuple, dict) else None
    try:
        template, formatted = _render(record) if _inline(record) else usercode.call(_render, record, seconds)
        return Message(formatted, template, params)
    except usercode.TimedOut:
        outcome, rule = "took too long", "framecap:timeout"
    except BaseException:  # noqa: B036 - a hostile message costs only its text, never the event
        outcome, rule = "failed", "framecap:str"
    try:
        msg = record.msg
        if type(msg) is str:  # the arguments failed: the template stands for the text, as when they don't fit
            return Message(msg, msg, params, {"formatted": rule})
        what = type_name(type(msg))
    except BaseException:  # noqa: B036 - not even the type's name: a generic one
        what = "object"
    text = f"<{what} object; str() {outcome}>"
    return Message(text, text, params, {"message": rule, "formatted": rule})


def _extras(record: logging.LogRecord, limit: int) -> dict[str, Any]:
    """The record's ``extra=`` fields: its attributes beyond :data:`STANDARD_ATTRIBUTES` (at most ``limit``).

    ``makeRecord`` adds them after the standard ones, so only the first ``limit`` past those are read.
    """
    state = getattr(record, "__dict__", None)
    if type(state) is not dict:
        return {}
    found: dict[str, Any] = {}
    for key, value in itertools.islice(state.items(), len(STANDARD_ATTRIBUTES) + limit):
        if key not in STANDARD_ATTRIBUTES and type(key) is str:
            found[key] = value
            if len(found) == limit:
                break
    return found


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


def _event(
    client: Client, record: logging.LogRecord, exc: BaseException | None, extras: dict[str, Any], entry: Message
) -> None:
    """An exception event (with exception info) or a message event (with the logging call's stack, if asked)."""
    keys = {"logger": plain_name(record.name, _MAX_NAME)}  # (lone surrogates escaped: a server rejects them)
    level = _level_name(record.levelno)
    data = EventData(extra=extras) if extras else None
    hint = {"log_record": record}
    if exc is not None:
        mechanism = {"type": "logging", "handled": True}
        client.capture(exc, mechanism, keys, level, data=data, message=entry, hint=hint)
    else:
        stack = caller_stack(("logging",)) if client.options.attach_stacktrace else None
        client.capture_entry(entry, level, keys, data=data, stack=stack, hint=hint)


def _breadcrumb(client: Client, record: logging.LogRecord, extras: dict[str, Any], text: str) -> None:
    options = client.options
    data = None
    if extras:  # taken now, as plain data: the scope keeps no reference to the program's objects
        serializer = Serializer(
            max_depth=options.max_depth,
            max_breadth=options.max_breadth,
            max_length=options.max_value_length,
            repr_strings=False,
            margin=CUT_MARGIN,
        )
        data = serializer.serialize(extras, _CRUMB_DATA * options.max_value_length)[0]
        serializer.close()
    add_breadcrumb(
        # Cut after the privacy stage (at max_value_length), which must see a secret straddling the cut whole.
        message=text[: max(_MAX_CRUMB, options.max_value_length) + CUT_MARGIN],
        category=plain_name(record.name, _MAX_NAME),
        level=_level_name(record.levelno),
        data=data,
        type="log",
        limit=options.max_breadcrumbs,
    )


def _observe(logger: logging.Logger, record: logging.LogRecord) -> None:
    """Turn one record into an event or a breadcrumb, if the options ask for it. Never raises."""
    if getattr(_busy, "active", False) or usercode.on_helper():
        return  # logged while framecap handles a record, or by the program's code framecap runs
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
        event_level, crumb_level = options.logging_event_level, options.logging_breadcrumb_level
        is_event = event_level is not None and levelno >= event_level
        is_crumb = crumb_level is not None and levelno >= crumb_level
        if not (is_event or is_crumb) or not _reaches_root(logger):
            return
        extras = _extras(record, options.max_breadth)
        entry = _entry(record, _EVENT_STR_TIME if is_event else _CRUMB_STR_TIME)  # formatted once for both
        if is_event:
            exc_info = record.exc_info
            exc = exc_info[1] if isinstance(exc_info, tuple) and len(exc_info) == 3 else None
            _event(client, record, exc if isinstance(exc, BaseException) else None, extras, entry)
        if is_crumb:
            _breadcrumb(client, record, extras, entry.formatted)
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
