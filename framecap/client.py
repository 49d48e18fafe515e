"""The client: options + pipeline + transport. Captures never raise into the host program.

Pipeline for one capture::

    build_event (chain, frames, source, variables)  ->  processors (privacy stages)
        ->  before_send(event, hint)  ->  transport.send(event)

A message (``capture_message``, a log record without an exception) takes the same path with
:func:`framecap.message.compose_message` in place of ``build_event``. Internal failures are
contained: the capture returns ``None`` and the error is reported to :data:`internal_error_handlers`
(framecap's own tests make those loud) and, under ``debug``, logged on the ``framecap`` logger.
"""

from __future__ import annotations

import contextlib
import contextvars
import itertools
import os
import sys
import threading
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Callable, Optional, TypeVar, Union, cast

from ._current import get_current, set_current
from ._types import Event, Hint
from .chain import exception_dict, traceback_of
from .client_parts import check_event_fingerprint, exception_from, make_transport, otel_bridge
from .event import Draft, compose, finish
from .expressions import preload as preload_expressions
from .fallback import near_recursion_limit, reduced_event, reserve
from .frames import InAppRules
from .internal import internal_error_handlers, report_internal_error, report_misuse
from .limit_hold import hold_frames, release_frames, settle
from .message import Message, caller_stack, compose_message, message_text, reduced_message, scrub_stack
from .meta import mark_margins
from .options import Options, resolve_options
from .scope import EventData, event_data
from .scope import current as current_scope
from .scrub import Scrubber
from .signals import holding_signals
from .source_scrub import preload as preload_source_lexer
from .usercode import on_helper

__all__ = ["Client", "ExcInfo", "get_current", "internal_error_handlers", "report_internal_error", "set_current"]

ExcInfo = tuple[Optional[type[BaseException]], Optional[BaseException], Optional[TracebackType]]
ErrorArg = Union[BaseException, ExcInfo, None]
Processor = Callable[[Event, Hint], Optional[Event]]

_MARK = "__framecap_event_id_{}__"  # a client's key in a captured exception's __dict__ (de-duplication)
_UNSEEN = object()
#: Numbers the clients' marks: never reused, so a new client never reads an old one's marks.
_client_numbers = itertools.count(1)
#: The list that collects this context's finished events instead of sending them (framecap.testing.capture_events).
_sink: contextvars.ContextVar[list[Event] | None] = contextvars.ContextVar("framecap_sink", default=None)


_OUT_OF_MEMORY = "out of memory"
_NEAR_LIMIT = "near the recursion limit"


@dataclass
class _Job:
    """What one capture is about: an exception (with its mechanism), or a message."""

    exc: BaseException | None
    mechanism: dict[str, Any] | None
    keys: dict[str, Any] | None  # event keys the caller fills in (logger, threads, contexts, extra)
    level: str | None
    data: EventData | None
    message: Message | None
    stack: TracebackType | None  # a message's stack (attach_stacktrace)
    hint: dict[str, Any] | None


_F = TypeVar("_F", bound=Callable[..., Any])


def _inner(method: _F) -> _F:
    """What :func:`holding_signals` wraps: for an entry point calling another (signals are held, and a
    ``RecursionError`` reaches the outer one, which tries again with frames held)."""
    return cast(_F, method.__wrapped__)  # type: ignore[attr-defined]


class Client:
    """Captures exceptions into events and hands them to one transport.

    ``Client(dsn=None, **options)``: each option may also come from ``FRAMECAP_<OPTION>``.
    """

    def __init__(self, dsn: str | None = None, **options: Any) -> None:
        if dsn is not None:
            options["dsn"] = dsn
        self.options: Options = resolve_options(options)
        self.transport = make_transport(self.options)
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
        preload_source_lexer()  # and the source scrubber's lexer (tokenize's setup, before 3.12)
        self.last_event_id: str | None = None
        self._busy = threading.local()
        self._closed = False
        self._mark = _MARK.format(next(_client_numbers))
        #: Address space held for the reduced event after a MemoryError (see framecap.fallback).
        self._reserve = reserve()

    @holding_signals
    def capture_exception(
        self,
        error: ErrorArg = None,
        *,
        level: str | None = None,
        tags: dict[str, Any] | None = None,
        extra: dict[str, Any] | None = None,
        contexts: dict[str, dict[str, Any]] | None = None,
        fingerprint: list[str] | None = None,
    ) -> str | None:
        """Capture ``error`` (an exception, an exc_info tuple, or None for the one being handled).

        The keywords are data for this event only, merged over the scope's. Returns the event id,
        or None when the event was dropped.
        """
        try:
            exc = exception_from(error)
        except RecursionError:  # near the recursion limit, not a wrong argument: tried again with frames held
            raise
        except BaseException as problem:  # noqa: B036 - a wrong argument is reported, never raised
            report_misuse("capture_exception", problem, "use framecap.capture_message() for a message")
            return None
        if exc is None:
            return None
        data: EventData | None = None
        try:  # (the keywords' data too: before 3.11 every call allocates)
            data = event_data(
                "capture_exception", level=level, tags=tags, extra=extra, contexts=contexts, fingerprint=fingerprint
            )
            return _inner(Client.capture)(self, exc, {"type": "generic", "handled": True}, data=data)
        except MemoryError:  # before 3.11 even the call allocates: free the reserve for the reduced event
            self._reserve = None
            reason = _OUT_OF_MEMORY
        except RecursionError:  # called at the recursion limit: even the call needs a frame
            reason = _NEAR_LIMIT
        except BaseException:  # noqa: B036 - never raises
            return None
        held = False
        try:
            if data is None:  # tried again with the reserve freed; else the event goes without them
                with contextlib.suppress(Exception):
                    data = event_data(
                        "capture_exception",
                        level=level,
                        tags=tags,
                        extra=extra,
                        contexts=contexts,
                        fingerprint=fingerprint,
                    )
            job = _Job(exc, {"type": "generic", "handled": True}, None, None, data, None, None, None)
            held = reason == _NEAR_LIMIT and hold_frames()  # here: the next call needs a frame
            return self._reduced(job, reason)
        except BaseException:  # noqa: B036 - never raises
            return None
        finally:
            if held:
                release_frames()

    @holding_signals
    def capture_message(
        self,
        message: str,
        level: str | None = None,
        *,
        tags: dict[str, Any] | None = None,
        extra: dict[str, Any] | None = None,
        contexts: dict[str, dict[str, Any]] | None = None,
        fingerprint: list[str] | None = None,
    ) -> str | None:
        """Capture a message event: ``level`` (default: the scope's, else ``"info"``), the scope's data,
        and with ``attach_stacktrace`` the caller's stack. Returns the event id, or None when dropped."""
        entry = message_text(message)  # never raises; a str() that fails leaves a placeholder
        data = event_data(
            "capture_message", level=level, tags=tags, extra=extra, contexts=contexts, fingerprint=fingerprint
        )
        try:
            stack = caller_stack() if self.options.attach_stacktrace else None
        except BaseException as problem:  # noqa: B036 - the message still goes, without its stack
            report_internal_error("capture_message stack", problem, self.options.debug)
            stack = None
        return _inner(Client.capture_entry)(self, entry, data=data, stack=stack)

    @holding_signals
    def capture(
        self,
        exc: BaseException,
        mechanism: dict[str, Any],
        extra: dict[str, Any] | None = None,
        level: str | None = None,
        *,
        data: EventData | None = None,
        message: Message | None = None,
        hint: dict[str, Any] | None = None,
    ) -> str | None:
        """Run the pipeline for ``exc`` with the given mechanism; the hooks and integrations call this.

        ``extra``: event keys the caller fills in; ``level``: the event's level (else the scope's, else
        ``"error"``); ``data``: this event's own data over the scope's; ``message``: a log record's
        ``logentry``; ``hint``: more for ``before_send``'s hint.
        """
        if self._closed or getattr(self._busy, "active", False) or on_helper():
            return None  # closed, or a capture inside a capture (a __repr__ that captures): drop
        seen: Any = _UNSEEN
        try:
            marks = exception_dict(exc)
            if marks is not None:
                seen = marks.get(self._mark, _UNSEEN)
        except BaseException:  # noqa: B036 - at the recursion limit or out of memory: capture it anyway
            seen = _UNSEEN
        if seen is not _UNSEEN:  # the same exception through another path (logging, a framework, the excepthook)
            return seen if isinstance(seen, str) else None
        return self._guarded(_Job(exc, mechanism, extra, level, data, message, None, hint))

    @holding_signals
    def capture_entry(
        self,
        message: Message,
        level: str | None = None,
        keys: dict[str, Any] | None = None,
        *,
        data: EventData | None = None,
        stack: TracebackType | None = None,
        hint: dict[str, Any] | None = None,
    ) -> str | None:
        """Run the pipeline for a message event (``capture_message``, a log record without an exception).

        ``level``: else the scope's, else ``"info"``; ``keys``: event keys the caller fills in
        (``logger``); ``stack``: the traceback :func:`framecap.message.caller_stack` made, if any.
        """
        if self._closed or getattr(self._busy, "active", False) or on_helper():
            return None
        return self._guarded(_Job(None, None, keys, level, data, message, stack, hint))

    def _guarded(self, job: _Job) -> str | None:
        """One capture, never raising: the full event, the reduced one near the recursion limit."""
        self._busy.active = True
        held = False
        try:
            settle()  # a limit an earlier capture owes, put back if the stack is shallow enough now
            try:
                return self._capture(job)
            except RecursionError:  # too deep for the full event: frames held for the reduced one
                held = hold_frames()
                return self._reduced(job, _NEAR_LIMIT)
        except BaseException as error:  # noqa: B036 - a capture never raises, whatever reached it
            report_internal_error("capture", error, self.options.debug)
            return None
        finally:
            self._busy.active = False
            if held:
                release_frames()

    def _capture(self, job: _Job) -> str | None:
        """The full event; the reduced one after a MemoryError, with the memory held for it freed.
        Near the recursion limit: RecursionError."""
        if near_recursion_limit(self.options.max_depth):
            raise RecursionError("a capture needs more frames than are left")
        try:
            return self._send(job)
        except MemoryError:
            self._reserve = None
        # Here the failed attempt's partial event is gone with its traceback.
        return self._reduced(job, _OUT_OF_MEMORY)

    def _reduced(self, job: _Job, reason: str) -> str | None:
        """The reduced event, the path every fallback takes (near the recursion limit the caller holds
        frames for it first); afterwards the memory reserve is taken again if a MemoryError freed it."""
        try:
            return self._send(job, reason)
        finally:
            if self._reserve is None:
                with contextlib.suppress(BaseException):  # taken again for the next one, when it can be
                    self._reserve = reserve()

    def _send(self, job: _Job, reduced: str | None = None) -> str | None:
        """Build (full, or reduced for the given reason), scrub, cut, ``before_send``, hand over."""
        draft, hint = self._draft(job, reduced)
        otel = otel_bridge()
        if otel is not None:
            otel.add_trace(draft.event)
        event: Event | None = draft.event
        mark_margins(draft.event)
        for processor in self.processors:  # the privacy stage sees texts with their margins, then they are cut
            if event is not None and draft.frames_key == "threads" and isinstance(processor, Scrubber):
                event = scrub_stack(processor, event, hint, draft.revealed)  # judged as frames are
            elif event is not None and isinstance(processor, Scrubber):
                event = processor(event, hint, draft.revealed)
            else:
                event = processor(event, hint) if event is not None else None
        draft.revealed.clear()  # (the secrets pydantic hid: not kept past the privacy stage)
        if event is not None:
            event = finish(draft, event)
        if event is not None and self.options.before_send is not None:
            event = self.options.before_send(event, hint)
        if event is None:
            return None  # dropped: not marked, so the same exception captured later is sent
        if not isinstance(event, dict):
            raise TypeError(f"before_send returned {type(event).__name__}, not an event dict or None")
        check_event_fingerprint(event)
        sink = _sink.get()
        if sink is not None:
            sink.append(event)  # framecap.testing.capture_events(): kept, not sent
        else:
            self.transport.send(event)
        found = event.get("event_id")
        event_id = found if isinstance(found, str) else None
        self.last_event_id = event_id  # (other threads may set it too: this capture returns its own id)
        if job.exc is not None:
            self._remember(job.exc, event_id)
            if otel is not None and self.options.otel_record_exception and event_id is not None:
                otel.record_exception(job.exc, event_id)
        return event_id

    def _draft(self, job: _Job, reduced: str | None) -> tuple[Draft, Hint]:
        """The event before the privacy stage, and ``before_send``'s hint."""
        scope = current_scope().merged(job.data)
        exc, o = job.exc, self.options
        if exc is None:
            message = job.message or Message("")
            level = job.level or scope.level or "info"
            if reduced is None:
                draft = compose_message(message, o, self.rules, level, scope, job.keys, job.stack)
            else:
                draft = reduced_message(
                    Message(message.formatted, message.template, replaced=message.replaced), o, level, job.keys, reduced
                )
            hint: Hint = {}
        else:
            level = job.level or scope.level or "error"
            mechanism = job.mechanism or {"type": "generic", "handled": True}
            if reduced is None:
                draft = compose(exc, o, self.rules, mechanism, job.keys, level, scope, job.message)
            else:
                draft = reduced_event(exc, o, self.rules, mechanism, job.keys, level, reduced)
            hint = {"exc_info": (type(exc), exc, traceback_of(exc))}
        if job.hint:
            hint.update(job.hint)
        return draft, hint

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
