"""Names the program controls (file paths, modules, thread and type names) never cost an event: a lone
surrogate (an undecodable byte in a file name) is escaped so Sentry's server keeps the event, and a
name of any length is cut."""

import json
import os
import sqlite3
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sentry_relay.processing import StoreNormalizer

import framecap
from framecap.envelope import event_json, without_lone_surrogates
from framecap.transports.inbox import Inbox


def _relay_keeps(body: bytes) -> None:
    StoreNormalizer(project_id=1, remove_other=True).normalize_event(raw_event=body)  # raises when rejected


def _crash_in_file(tmp_path, transport) -> None:
    name = os.fsdecode(b"caf\xe9_module.py")  # a name that is not UTF-8: a lone surrogate in Python
    path = str(tmp_path / name)
    namespace = {"__name__": "caf" + name[3] + "_module"}
    code = compile("def run(order):\n    return order['total'] / 0\n", path, "exec")
    exec(code, namespace)
    client = framecap.Client(transport=transport, install_hooks=False)
    try:
        namespace["run"]({"total": 1})
    except ZeroDivisionError as error:
        assert client.capture_exception(error) is not None


def test_a_frame_in_a_file_whose_name_is_not_utf8_reaches_the_server(tmp_path):
    transport = framecap.MemoryTransport()
    _crash_in_file(tmp_path, transport)
    event = transport.events[-1]
    frame = event["exception"]["values"][-1]["stacktrace"]["frames"][-1]
    assert frame["abs_path"].endswith("caf\\udce9_module.py") and frame["module"] == "caf\\udce9_module"
    body = event_json(event)
    _relay_keeps(body)
    assert b"\\udce9" not in body.replace(b"\\\\udce9", b"")  # no lone escape left on the wire


def test_the_inbox_keeps_such_an_event_readable(tmp_path):
    store = str(tmp_path / "events.db")
    transport = Inbox(store)
    _crash_in_file(tmp_path, transport)
    transport.close()
    with sqlite3.connect(store) as connection:
        (body,) = connection.execute("SELECT body FROM events").fetchone()
    _relay_keeps(body.encode("ascii") if isinstance(body, str) else body)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_an_uncaught_exception_in_a_thread_with_such_a_name(memory):
    framecap.init(transport=memory)
    thread = threading.Thread(target=lambda: 1 / 0, name="worker-" + os.fsdecode(b"\xff"))
    thread.start()
    thread.join()
    event = memory.events[-1]
    assert event["contexts"]["thread"]["name"] == "worker-\\udcff"
    _relay_keeps(event_json(event))


def test_a_repr_that_fails_on_a_type_with_a_huge_name_costs_a_bounded_placeholder(memory):
    huge = type("B" * 200_000, (), {"__repr__": lambda self: 1 / 0})

    def fail(value):
        raise RuntimeError("x")

    try:
        fail(huge())
    except RuntimeError:
        framecap.capture_exception()
    event = memory.events[-1]
    placeholder = event["exception"]["values"][-1]["stacktrace"]["frames"][-1]["vars"]["value"]
    assert placeholder.startswith("<BBBB") and "repr() raised ZeroDivisionError" in placeholder
    assert len(placeholder) < 400 and len(json.dumps(event)) < 20_000


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(["a", "\\", "\ud800", "\udc00", "\udce9", "\U0001f600", '"', "\n"])))
def test_wire_text_has_no_lone_surrogate_and_reads_back_as_their_escapes(text):
    encoded = without_lone_surrogates(json.dumps(text))
    encoded.encode("ascii")
    decoded = json.loads(encoded)
    decoded.encode("utf-8")  # no lone surrogate is left (a high and a low one side by side are a pair)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return
    assert decoded == text


def test_a_group_of_half_a_million_members_is_counted_only_as_far_as_the_walk_goes():
    import builtins
    import tracemalloc

    from framecap.chain import walk_chain

    group_type = getattr(builtins, "ExceptionGroup", None)
    if group_type is None:
        pytest.skip("ExceptionGroup is 3.11+")
    group = group_type("wide", [ValueError(i) for i in range(500_000)])

    tracemalloc.start()
    links, total = walk_chain(group, 10)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(links) == 10 and total == 10_000
    assert peak < 8 << 20, peak  # labels for 10,000 members, not half a million


def test_a_logger_whose_name_is_not_utf8_reaches_the_server(memory):
    import logging

    framecap.init(transport=memory, install_hooks=False)
    name = "jobs." + os.fsdecode(b"caf\xe9")
    logging.getLogger(name).setLevel(logging.INFO)
    logging.getLogger(name).info("started")  # a breadcrumb under the name
    logging.getLogger(name).error("failed")
    event = memory.events[-1]
    assert event["logger"] == "jobs.caf\\udce9"
    assert event["breadcrumbs"]["values"][-1]["category"] == "jobs.caf\\udce9"
    _relay_keeps(event_json(event))
