"""The client: options + pipeline + transport. Captures never raise into the host program.

Pipeline for one capture::

    build_event (chain, frames, source, variables)  ->  processors (privacy stages)
        ->  before_send(event, hint)  ->  transport.send(event)

Internal failures are contained: the capture returns ``None`` and the error is reported to
:data:`internal_error_handlers` (framecap's own tests make those loud) and, under ``debug``,
logged on the ``framecap`` logger.
"""

from __future__ import annotations

import contextlib
import contextvars
import itertools
import logging
import os
import sys
import threading
from types import TracebackType
from typing import Any, Callable, Optional, Union

from ._types import Event, Hint, Transport
from .chain import exception_dict, traceback_of
from .dsn import parse_dsn
from .event import compose, finish
from .expressions import preload as preload_expressions
from .fallback import hold_frames, near_recursion_limit, reduced_event, release_frames, reserve
from .frames import InAppRules
from .options import Options, resolve_options
from .scope import current as current_scope
from .scrub import Scrubber
from .transports import CallableTransport, Inbox
from .transports.http import HttpTransport
from .transports.inbox import default_state_dir
from .transports.spool import Spool

__all__ = ["Client", "ExcInfo", "get_current", "internal_error_handlers", "set_current"]

logger = logging.getLogger("framecap")

ExcInfo = tuple[Optional[type[BaseException]], Optional[BaseException], Optional[TracebackType]]
ErrorArg = Union[BaseException, ExcInfo, None]
Processor = Callable[[Event, Hint], Optional[Event]]

#: Called with ``(where, error)`` for every contained internal failure.
internal_error_handlers: list[Callable[[str, BaseException], None]] = []
_MARK = "__framecap_event_id_{}__"  # a client's key in a captured exception's __dict__ (de-duplication)
_UNSEEN = object()
#: Numbers the clients' marks: never reused, so a new client never reads an old one's marks.
_client_numbers = itertools.count(1)
#: The list that collects this context's finished events instead of sending them (framecap.testing.capture_events).
_sink: contextvars.ContextVar[list[Event] | None] = contextvars.ContextVar("framecap_sink", default=None)


def report_internal_error(where: str, error: BaseException, debug: bool = False) -> None:
    """Contain an internal failure: tell the handlers and, under ``debug``, the log. Never raises."""
    for handler in list(internal_error_handlers):
        with contextlib.suppress(Exception):
            handler(where, error)
    with contextlib.suppress(Exception):
        logger.log(logging.WARNING if debug else logging.DEBUG, "framecap: internal error in %s", where, exc_info=error)


def _exception_from(error: ErrorArg) -> BaseException | None:
    if error is None:
        return sys.exc_info()[1]
    given: Any = error
    if issubclass(type(given), BaseException):  # (isinstance would consult a __class__ property)
        return given  # type: ignore[no-any-return]
    if issubclass(type(given), tuple) and tuple.__len__(given) == 3:
        value: Any = tuple.__getitem__(given, 1)
        if issubclass(type(value), BaseException):
            tb: Any = tuple.__getitem__(given, 2)
            if type(tb) is TracebackType and traceback_of(value) is None:
                value = BaseException.with_traceback(value, tb)
            return value  # type: ignore[no-any-return]
        return None
    raise TypeError(f"capture_exception() takes an exception, an exc_info tuple or None, not {type(error).__name__}")


class Client:
    """Captures exceptions into events and hands them to one transport.

    ``Client(dsn=None, **options)``: each option may also come from ``FRAMECAP_<OPTION>``.
    """

    def __init__(self, dsn: str | None = None, **options: Any) -> None:
        if dsn is not None:
            options["dsn"] = dsn
        self.options: Options = resolve_options(options)
        self.transport = self._make_transport(self.options)
        root = self.options.project_root or os.getcwd()
        self.rules = InAppRules(root, self.options.in_app_include, self.options.in_app_exclude)
        o = self.options
        #: Privacy stages, run on every event before ``before_send`` and the transport.
        self.processors: list[Processor] = [
            Scrubber(
                o.denylist,
                o.allowlist,
                o.scrub_values,
                scrub_ip_addresses=not o.send_default_pii,
                wsgi_header_keys=not o.send_default_pii,
                secret_rules=o.secret_rules,
            )
        ]
        # executing and pure_eval (when needed) at start-up rather than in the first capture
        preload_expressions(
            bool(o.max_expression_frames and (o.include_expression_values or sys.version_info < (3, 11)))
        )
        self.last_event_id: str | None = None
        self._busy = threading.local()
        self._closed = False
        self._mark = _MARK.format(next(_client_numbers))
        #: Address space held for the reduced event after a MemoryError (see framecap.fallback).
        self._reserve = reserve()

    @staticmethod
    def _make_transport(options: Options) -> Transport:
        transport = options.transport
        if transport is None and options.dsn:
            source = options.sources.get("dsn")
            dsn = parse_dsn(options.dsn, source if source and source != "argument" else None)
            state = options.state_dir or default_state_dir()
            spool = Spool(os.path.join(state, "spool", dsn.key), options.max_spool_events, options.max_spool_bytes)
            return HttpTransport(
                dsn,
                spool,
                timeout=options.http_timeout,
                max_queue=options.max_queue_size,
                shutdown_timeout=options.shutdown_timeout,
                debug=options.debug,
            )
        if transport is None:
            return Inbox(options.store, options.max_inbox_events, timeout=max(0.1, min(options.shutdown_timeout, 5.0)))
        if callable(getattr(transport, "send", None)):
            return transport
        return CallableTransport(transport)

    def capture_exception(self, error: ErrorArg = None) -> str | None:
        """Capture ``error`` (an exception, an exc_info tuple, or None for the one being handled).

        Returns the event id, or None when the event was dropped.
        """
        try:
            exc = _exception_from(error)
        except BaseException as problem:  # noqa: B036 - a wrong argument is reported, never raised
            report_internal_error("capture_exception argument", problem, self.options.debug)
            return None
        if exc is None:
            return None
        reduced = None
        try:
            return self.capture(exc, {"type": "generic", "handled": True})
        except MemoryError:  # before 3.11 even the call allocates (a frame): free the reserve, try once more
            self._reserve = None
        except RecursionError:  # called at the recursion limit: even the call needs a frame
            reduced = "near the recursion limit"
        except BaseException:  # noqa: B036 - never raises
            return None
        held = False
        try:
            if reduced is None:
                return self.capture(exc, {"type": "generic", "handled": True})
            held = hold_frames()
            return self._send(exc, {"type": "generic", "handled": True}, None, "error", reduced)
        except BaseException:  # noqa: B036 - never raises
            return None
        finally:
            if held:
                release_frames()

    def capture(
        self,
        exc: BaseException,
        mechanism: dict[str, Any],
        extra: dict[str, Any] | None = None,
        level: str = "error",
    ) -> str | None:
        """Run the pipeline for ``exc`` with the given mechanism; the hooks and integrations call this."""
        if self._closed or getattr(self._busy, "active", False):
            return None  # closed, or a capture inside a capture (a __repr__ that captures): drop
        self._busy.active = True
        held = False
        try:
            marks = exception_dict(exc)
            seen = marks.get(self._mark, _UNSEEN) if marks is not None else _UNSEEN
            if seen is not _UNSEEN:  # the same exception through another path (logging, a framework, the excepthook)
                return seen  # type: ignore[no-any-return]
            try:
                return self._capture(exc, mechanism, extra, level)
            except RecursionError:  # too deep for the full event: the reduced one, with frames reserved for it
                held = hold_frames()
                return self._send(exc, mechanism, extra, level, "near the recursion limit")
        except BaseException as error:  # noqa: B036 - a capture never raises, whatever reached it
            report_internal_error("capture", error, self.options.debug)
            return None
        finally:
            self._busy.active = False
            if held:
                release_frames()

    def _capture(
        self, exc: BaseException, mechanism: dict[str, Any], extra: dict[str, Any] | None, level: str
    ) -> str | None:
        """The full event; the reduced one after a MemoryError, with the memory held for it freed
        (and taken again afterwards, when it can be). Near the recursion limit: RecursionError."""
        if near_recursion_limit(self.options.max_depth):
            raise RecursionError("a capture needs more frames than are left")
        try:
            return self._send(exc, mechanism, extra, level)
        except MemoryError:
            self._reserve = None
        # Here the failed attempt's partial event is gone with its traceback.
        try:
            return self._send(exc, mechanism, extra, level, "out of memory")
        finally:
            if self._reserve is None:
                self._reserve = reserve()

    def _send(
        self,
        exc: BaseException,
        mechanism: dict[str, Any],
        extra: dict[str, Any] | None,
        level: str,
        reduced: str | None = None,
    ) -> str | None:
        """Build (full, or reduced for the given reason), scrub, cut, ``before_send``, hand over."""
        if reduced is None:
            draft = compose(exc, self.options, self.rules, mechanism, extra, level=level, scope=current_scope())
        else:
            draft = reduced_event(exc, self.options, self.rules, mechanism, extra, level, reduced)
        event: Event | None = draft.event
        hint: Hint = {"exc_info": (type(exc), exc, traceback_of(exc))}
        for processor in self.processors:  # the privacy stage sees texts with their margins, then they are cut
            event = processor(event, hint) if event is not None else None
        if event is not None:
            event = finish(draft, event)
        if event is not None and self.options.before_send is not None:
            event = self.options.before_send(event, hint)
        if event is None:
            return None  # dropped: not marked, so the same exception captured later is sent
        if not isinstance(event, dict):
            raise TypeError(f"before_send returned {type(event).__name__}, not an event dict or None")
        sink = _sink.get()
        if sink is not None:
            sink.append(event)  # framecap.testing.capture_events(): kept, not sent
        else:
            self.transport.send(event)
        event_id = event.get("event_id")
        self.last_event_id = event_id if isinstance(event_id, str) else None
        self._remember(exc, self.last_event_id)
        return self.last_event_id

    def _remember(self, exc: BaseException, event_id: str | None) -> None:
        """Mark the exception object itself, for this client (no reference to it is kept, so neither are its frames)."""
        marks = exception_dict(exc)
        if marks is not None:  # an exception without a __dict__: no de-duplication for it
            with contextlib.suppress(Exception):
                marks[self._mark] = event_id

    def stats(self) -> dict[str, Any]:
        """The transport's delivery counters (see README, Delivery); ``{}`` for a transport without any."""
        try:
            stats = getattr(self.transport, "stats", None)
            return dict(stats()) if callable(stats) else {}
        except Exception as error:
            report_internal_error("stats", error, self.options.debug)
            return {}

    def flush(self, timeout: float | None = None) -> bool:
        """Wait up to ``timeout`` seconds (default ``shutdown_timeout``) for queued events to go out."""
        try:
            return bool(self.transport.flush(self.options.shutdown_timeout if timeout is None else timeout))
        except Exception as error:
            report_internal_error("flush", error, self.options.debug)
            return False

    def close(self) -> None:
        """Flush within ``shutdown_timeout``, then release the transport; later captures are dropped."""
        if self._closed:
            return
        self.flush()
        self._closed = True
        try:
            self.transport.close()
        except Exception as error:
            report_internal_error("close", error, self.options.debug)


_current: Client | None = None
_current_lock = threading.Lock()


def get_current() -> Client | None:
    """The client :func:`framecap.init` configured, if any."""
    return _current


def set_current(client: Client | None) -> Client | None:
    """Make ``client`` current; returns the one it replaced."""
    global _current
    with _current_lock:
        previous, _current = _current, client
    return previous
