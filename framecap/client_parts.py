"""The client's plain helpers: reading ``capture_exception``'s argument, choosing the transport,
checking what ``before_send`` made of the fingerprint, and finding the OpenTelemetry bridge."""

from __future__ import annotations

import os
import sys
from types import TracebackType
from typing import Any

from ._types import Event, Transport
from .chain import traceback_of
from .internal import report_misuse
from .meta import remark
from .options import Options
from .scope import check_fingerprint
from .transports import CallableTransport, Inbox
from .transports.inbox import default_state_dir

__all__ = ["check_event_fingerprint", "exception_from", "make_transport", "otel_bridge"]


def exception_from(error: Any) -> BaseException | None:
    """The exception ``capture_exception(error)`` is about: ``error`` itself, an exc_info tuple's
    value, or (for None) the one being handled. TypeError for anything else."""
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


def otel_bridge() -> Any:
    """framecap's OpenTelemetry module, once the program has imported OpenTelemetry's tracing API (there
    can be no active span before); None until then, at the cost of one dict lookup."""
    if "opentelemetry.trace" not in sys.modules:
        return None
    from .integrations import otel  # here: the integrations package imports the client

    return otel


def check_event_fingerprint(event: Event) -> None:
    """A fingerprint ``before_send`` made that is no list of strings is taken out (and said so in ``_meta``)."""
    if event.get("fingerprint") is None:
        return
    try:
        check_fingerprint(event["fingerprint"])
    except (TypeError, ValueError) as error:
        del event["fingerprint"]
        meta = event.get("_meta")
        if not isinstance(meta, dict):
            meta = event["_meta"] = {}
        remark(meta, ("fingerprint",), "framecap:invalid", "x")
        report_misuse("before_send (fingerprint)", error)


def make_transport(options: Options) -> Transport:
    """The transport the options ask for: theirs, HTTP for a DSN (with its spool), else the inbox."""
    transport = options.transport
    if transport is None and options.dsn:
        # here, not at the top: a program without a DSN never loads ssl, http.client and urllib.request
        from .dsn import parse_dsn
        from .transports.http import HttpTransport
        from .transports.spool import Spool

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
        return Inbox(
            options.store,
            options.max_inbox_events,
            timeout=max(0.1, min(options.shutdown_timeout, 5.0)),
            max_queue=options.max_queue_size,
        )
    if callable(getattr(transport, "send", None)):
        return transport  # type: ignore[no-any-return]
    return CallableTransport(transport)
