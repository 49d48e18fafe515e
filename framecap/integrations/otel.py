"""OpenTelemetry: link an event to the trace it happened in, and (optionally) the trace to the event.

When the program traces with OpenTelemetry and a span is recording where an event is captured, the
event gets ``contexts.trace`` with that span's ``trace_id`` (32 hex digits), ``span_id`` and, when
the span has a parent, ``parent_span_id`` (16 hex digits each), as Sentry's trace context has them,
so a server can show the error beside its trace. With ``otel_record_exception=True`` the exception
is also recorded on that span (``span.record_exception``), with framecap's event id as the
``framecap.event_id`` attribute, so a trace viewer leads to the event.

framecap never depends on OpenTelemetry and never imports it: the client calls this module only
when ``opentelemetry.trace`` is already in ``sys.modules`` (a program that never imported it can
have no active span), and this module reads it from there. Whatever fails here costs only the
trace context.
"""

from __future__ import annotations

import sys
from typing import Any

from ..internal import report_internal_error

__all__ = ["add_trace", "record_exception", "trace_context"]

_INVALID = 0  # an all-zero trace or span id means "no such id"


def _recording_span() -> Any:
    """The current span if one is recording, else None."""
    trace = sys.modules.get("opentelemetry.trace")
    get_current_span = getattr(trace, "get_current_span", None)
    if get_current_span is None:
        return None
    span = get_current_span()
    return span if span is not None and span.is_recording() else None


def trace_context() -> dict[str, str] | None:
    """``{"trace_id", "span_id"[, "parent_span_id"]}`` of the recording span, as lowercase hex; else None."""
    try:
        span = _recording_span()
        if span is None:
            return None
        context = span.get_span_context()
        trace_id, span_id = context.trace_id, context.span_id
        if not (_is_id(trace_id, 128) and _is_id(span_id, 64)):
            return None
        found = {"trace_id": f"{trace_id:032x}", "span_id": f"{span_id:016x}"}
        parent = getattr(span, "parent", None)  # the SDK's spans know their parent's context; the API's don't
        parent_id = getattr(parent, "span_id", None)
        if _is_id(parent_id, 64):
            found["parent_span_id"] = f"{parent_id:016x}"
        return found
    except Exception as error:
        report_internal_error("opentelemetry trace context", error)
        return None


def add_trace(event: dict[str, Any]) -> None:
    """Put the recording span's :func:`trace_context` in ``event["contexts"]["trace"]``, unless there is one."""
    trace = trace_context()
    if trace is None:
        return
    contexts = event.get("contexts")
    if contexts is None:
        event["contexts"] = {"trace": trace}
    elif isinstance(contexts, dict) and "trace" not in contexts:
        contexts["trace"] = trace


def record_exception(exc: BaseException, event_id: str) -> None:
    """Record ``exc`` on the recording span, with ``framecap.event_id``. Never raises."""
    try:
        span = _recording_span()
        if span is not None:
            span.record_exception(exc, attributes={"framecap.event_id": event_id})
    except BaseException as error:  # noqa: B036 - OpenTelemetry formats the exception: its __str__ is user code
        report_internal_error("opentelemetry record_exception", error)


def _is_id(value: Any, bits: int) -> bool:
    return type(value) is int and _INVALID < value < (1 << bits)
