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
import logging
import os
import sys
import threading
from types import TracebackType
from typing import Any, Callable, Optional, Union

from ._types import Event, Hint, Transport
from .dsn import parse_dsn
from .event import build_event
from .expressions import preload as preload_expressions
from .frames import InAppRules
from .options import Options, resolve_options
from .scope import current as current_scope
from .scope import set_breadcrumb_limit
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
_MARK = "__framecap_event_id__"
_UNSEEN = object()
#: Lists that collect finished events instead of sending them (framecap.testing.capture_events).
_sinks: list[list[Event]] = []


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
    if isinstance(error, BaseException):
        return error
    if isinstance(error, tuple) and len(error) == 3:
        value = error[1]
        if isinstance(value, BaseException):
            if error[2] is not None and value.__traceback__ is None:
                value = value.with_traceback(error[2])
            return value
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
            )
        ]
        set_breadcrumb_limit(o.max_breadcrumbs)
        # executing and pure_eval (when needed) at start-up rather than in the first capture
        preload_expressions(
            bool(o.max_expression_frames and (o.include_expression_values or sys.version_info < (3, 11)))
        )
        self.last_event_id: str | None = None
        self._busy = threading.local()
        self._closed = False

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
        except Exception as problem:
            report_internal_error("capture_exception argument", problem, self.options.debug)
            return None
        if exc is None:
            return None
        return self.capture(exc, {"type": "generic", "handled": True})

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
        try:
            seen = exc.__dict__.get(_MARK, _UNSEEN)
        except Exception:
            seen = _UNSEEN
        if seen is not _UNSEEN:
            return seen  # type: ignore[no-any-return]  # the same exception through another path (logging, a framework, the excepthook)
        self._busy.active = True
        try:
            event: Event | None = build_event(
                exc, self.options, self.rules, mechanism, extra, level=level, scope=current_scope()
            )
            hint: Hint = {"exc_info": (type(exc), exc, exc.__traceback__)}
            for processor in self.processors:
                event = processor(event, hint) if event is not None else None
            if event is not None and self.options.before_send is not None:
                event = self.options.before_send(event, hint)
            if event is None:
                self._remember(exc, None)
                return None
            if not isinstance(event, dict):
                raise TypeError(f"before_send returned {type(event).__name__}, not an event dict or None")
            sink = _sinks[-1] if _sinks else None
            if sink is not None:
                sink.append(event)  # framecap.testing.capture_events(): kept, not sent
            else:
                self.transport.send(event)
            event_id = event.get("event_id")
            self.last_event_id = event_id if isinstance(event_id, str) else None
            self._remember(exc, self.last_event_id)
            return self.last_event_id
        except Exception as error:
            report_internal_error("capture", error, self.options.debug)
            return None
        finally:
            self._busy.active = False

    @staticmethod
    def _remember(exc: BaseException, event_id: str | None) -> None:
        """Mark the exception object itself (no reference to it is kept, so neither are its frames)."""
        with contextlib.suppress(Exception):  # an exception that refuses attributes: no de-duplication for it
            exc.__dict__[_MARK] = event_id

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
