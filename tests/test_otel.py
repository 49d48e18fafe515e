"""OpenTelemetry: events carry the recording span's trace context; with otel_record_exception the span records
the exception with framecap's event id. Spans come from opentelemetry-sdk with its in-memory exporter."""

import json

import pytest

import framecap

trace = pytest.importorskip("opentelemetry.trace")
sdk_trace = pytest.importorskip("opentelemetry.sdk.trace")
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF  # noqa: E402


@pytest.fixture
def tracing():
    """A tracer of a local provider (the global one is left alone) and the spans it finished."""
    exporter = InMemorySpanExporter()
    provider = sdk_trace.TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield provider.get_tracer("tests"), exporter
    provider.shutdown()


def ids(span):
    context = span.get_span_context()
    return f"{context.trace_id:032x}", f"{context.span_id:016x}"


def test_events_carry_the_recording_spans_trace_context(memory, tracing):
    tracer, exporter = tracing
    framecap.capture_message("outside any span")
    with tracer.start_as_current_span("request") as outer:
        framecap.capture_message("in the outer span")
        with tracer.start_as_current_span("charge") as inner:
            framecap.capture_exception(ValueError("declined"), contexts={"payment": {"id": 1}})
            framecap.capture_message("already traced", contexts={"trace": {"trace_id": "1" * 32, "span_id": "2" * 16}})
    outside, in_outer, in_inner, given = memory.events
    assert "contexts" not in outside
    trace_id, outer_id = ids(outer)
    assert in_outer["contexts"] == {"trace": {"trace_id": trace_id, "span_id": outer_id}}
    assert in_inner["contexts"] == {
        "payment": {"id": 1},
        "trace": {"trace_id": trace_id, "span_id": ids(inner)[1], "parent_span_id": outer_id},
    }
    assert given["contexts"]["trace"] == {"trace_id": "1" * 32, "span_id": "2" * 16}, "the event's own wins"
    assert [s.name for s in exporter.get_finished_spans()] == ["charge", "request"]
    assert exporter.get_finished_spans()[0].events == (), "not recorded on the span unless asked"


def test_a_span_that_is_not_recording_adds_nothing(memory):
    tracer = sdk_trace.TracerProvider(sampler=ALWAYS_OFF).get_tracer("tests")
    with tracer.start_as_current_span("sampled out") as span:
        assert not span.is_recording()
        framecap.capture_message("m")
    assert "contexts" not in memory.events[0]


def test_otel_record_exception_records_it_on_the_span_with_the_event_id(memory, tracing):
    tracer, exporter = tracing
    framecap.init(transport=memory, install_hooks=False, otel_record_exception=True)
    with tracer.start_as_current_span("charge"):
        try:
            raise ConnectionError("payment provider down")
        except ConnectionError:
            event_id = framecap.capture_exception()
        framecap.capture_message("messages are not recorded")
    (span,) = exporter.get_finished_spans()
    (recorded,) = span.events
    assert recorded.name == "exception"
    assert recorded.attributes["exception.type"] == "ConnectionError"
    assert recorded.attributes["exception.message"] == "payment provider down"
    assert recorded.attributes["framecap.event_id"] == event_id == memory.events[0]["event_id"]
    assert memory.events[0]["contexts"]["trace"]["span_id"] == ids(span)[1]


@pytest.mark.internal_errors
def test_a_failing_span_costs_only_the_trace_context(memory, internal_errors, monkeypatch):
    class Broken(trace.NonRecordingSpan):
        def is_recording(self):
            return True

        def get_span_context(self):
            raise RuntimeError("broken span")

        def record_exception(self, *args, **kwargs):
            raise RuntimeError("cannot record")

    framecap.init(transport=memory, install_hooks=False, otel_record_exception=True)
    monkeypatch.setattr(trace, "get_current_span", lambda: Broken(trace.INVALID_SPAN_CONTEXT))
    assert framecap.capture_exception(KeyError("k")) == memory.events[0]["event_id"]
    assert "contexts" not in memory.events[0]
    assert [where for where, _ in internal_errors] == [
        "opentelemetry trace context",
        "opentelemetry record_exception",
    ]


def test_framecap_never_imports_opentelemetry(run_python):
    completed = run_python(
        """
        import json, sys
        import framecap

        framecap.init(transport=lambda event: None, otel_record_exception=True)
        framecap.capture_exception(ValueError("v"))
        framecap.capture_message("m")
        print(json.dumps(sorted(m for m in sys.modules if m.startswith("opentelemetry"))))
        """
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == []
