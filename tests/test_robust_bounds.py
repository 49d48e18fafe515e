"""Hostile sizes outside the variables: huge ``__notes__``, multi-megabyte type, module and function
names. The event stays within ``max_event_bytes`` and the capture's memory stays bounded."""

import json
import sys
import tracemalloc

import pytest

import framecap


def _client():
    transport = framecap.MemoryTransport()
    return framecap.Client(transport=transport, install_hooks=False), transport


@pytest.mark.skipif(sys.version_info < (3, 11), reason="add_note is 3.11+")
def test_huge_notes_are_cut_before_they_are_joined():
    client, transport = _client()
    note = "x" * 5_000_000
    try:
        raise ValueError("payload rejected")
    except ValueError as error:
        for _ in range(20):
            error.add_note(note)  # one shared string: joining them whole would allocate 100 MB
        tracemalloc.start()
        try:
            event_id = client.capture_exception(error)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert event_id is not None
    assert peak < 20_000_000, peak
    event = transport.events[-1]
    assert event["exception"]["values"][0]["value"].startswith("payload rejected\nxxx")
    meta = event["_meta"]["exception"]["values"]["0"]["value"][""]
    assert meta["len"] == len("payload rejected") + 20 * (1 + len(note))


def test_huge_type_module_and_function_names_are_cut_and_recorded():
    client, transport = _client()

    class Generated(Exception):
        pass

    Generated.__qualname__ = "G" * 3_000_000
    Generated.__module__ = "pkg." * 750_000

    def work():
        raise Generated("boom")

    if sys.version_info >= (3, 11):
        work.__code__ = work.__code__.replace(co_qualname="f" * 3_000_000, co_name="f" * 3_000_000)
    else:
        work.__code__ = work.__code__.replace(co_name="f" * 3_000_000)
    try:
        work()
    except Generated as error:
        assert client.capture_exception(error) is not None
    event = transport.events[-1]
    assert len(json.dumps(event)) <= client.options.max_event_bytes
    value = event["exception"]["values"][0]
    assert len(value["type"]) <= 512 and value["type"].startswith("GGG")
    assert len(value["module"]) <= 512
    frames = value["stacktrace"]["frames"]
    assert frames[-1]["function"].endswith("...") and len(frames[-1]["function"]) <= 512
    meta = event["_meta"]["exception"]["values"]["0"]
    assert meta["type"][""]["len"] == 3_000_000
    assert meta["module"][""]["len"] == 3_000_000
    assert meta["stacktrace"]["frames"][str(len(frames) - 1)]["function"][""]["len"] >= 3_000_000


def _deep(depth, label):
    padding = "v" * 2000  # noqa: F841 - a variable for the frame to carry
    if depth == 0:
        raise ValueError(f"level {label} " + "n" * 3000)
    return _deep(depth - 1, label)


def _chain(k):
    try:
        if k == 0:
            _deep(100, k)
        else:
            _chain(k - 1)
    except ValueError as cause:
        try:
            _deep(100, k)
        except ValueError as error:
            raise error from cause


def test_long_messages_of_chained_exceptions_leave_the_captured_exceptions_innermost_frames_their_budget():
    transport = framecap.MemoryTransport()
    client = framecap.Client(transport=transport, install_hooks=False, max_event_bytes=200_000)
    try:
        _chain(49)
    except ValueError as error:
        assert client.capture_exception(error) is not None
    event = transport.events[-1]
    assert len(json.dumps(event, separators=(",", ":"))) <= 200_000
    values = event["exception"]["values"]
    captured = values[-1]
    assert captured["value"].startswith("level 49 ")
    frames = captured["stacktrace"]["frames"]
    assert len(frames) >= 10
    assert all("context_line" in f for f in frames[-3:])
    assert frames[-1]["vars"]["padding"].startswith("'vvv")
    assert len(values) >= 10  # the others keep their headers (messages cut shorter), innermost frames first
    meta = event["_meta"]["exception"]["values"]
    assert meta[""]["len"] == 51 or len(values) == 51
    shortened = [str(i) for i, v in enumerate(values[:-1]) if len(v["value"]) < 3000]
    assert shortened and all(meta[i]["value"][""]["len"] > 3000 for i in shortened)


def _crumb(**given):
    return lambda: framecap.add_breadcrumb(**{"message": "m", **given})


def _last_crumb(event):
    return event["breadcrumbs"]["values"][-1]


@pytest.mark.parametrize(
    ("setter", "check"),
    [
        (_crumb(level="nonsense"), lambda e: "level" not in _last_crumb(e)),
        (_crumb(level="WARNING"), lambda e: _last_crumb(e)["level"] == "warning"),
        (_crumb(level=30), lambda e: _last_crumb(e)["level"] == "warning"),
        (_crumb(message=5), lambda e: "message" not in _last_crumb(e)),
        (_crumb(category=5), lambda e: "category" not in _last_crumb(e)),
        (_crumb(type=5), lambda e: "type" not in _last_crumb(e)),
        (_crumb(data="str"), lambda e: "data" not in _last_crumb(e)),
        (lambda: framecap.set_user({"id": 1, "data": "str"}), lambda e: e["user"] == {"id": 1}),
        (lambda: framecap.set_user({"id": 1, "sentry_user": 5}), lambda e: e["user"] == {"id": 1}),
    ],
)
@pytest.mark.internal_errors
def test_scope_values_sentry_would_refuse_the_event_for_are_left_out(setter, check):
    from conftest import assert_schema_valid

    transport = framecap.MemoryTransport()
    client = framecap.Client(transport=transport, install_hooks=False)
    with framecap.new_scope():
        setter()
        try:
            raise ValueError("boom")
        except ValueError as error:
            assert client.capture_exception(error) is not None
    event = transport.events[-1]
    assert check(event), event.get("breadcrumbs", event.get("user"))
    assert_schema_valid([event])


def test_plain_values_are_walked_without_a_helper_thread(memory):
    # Builtin values run none of the program's code: no hand-off to a helper thread (it cost ~1 ms
    # per capture); a value of the program's own class still goes to a helper.
    import threading
    import time

    def helpers():
        return [t for t in threading.enumerate() if t.name == "framecap-usercode"]

    deadline = time.monotonic() + 5
    while helpers() and time.monotonic() < deadline:
        time.sleep(0.05)  # helpers from earlier tests end after 0.5 s idle
    assert not helpers()

    def plain(n):  # the traceback starts here: only builtin values in its frame
        rows, name, ratio = [1, 2, {"a": (3, 4.5)}], "ada", 0.5
        try:
            return rows[n] if name and ratio else None
        except IndexError:
            return framecap.capture_exception()

    assert plain(9) is not None
    assert not helpers() and memory.events[-1]["exception"]["values"][-1]["stacktrace"]["frames"][-1]["vars"]

    class Mine:
        def __repr__(self):
            return "<mine>"

    def custom(value):
        return value.missing

    try:
        custom(Mine())
    except AttributeError as error:
        framecap.capture_exception(error)
    assert helpers()
    assert memory.events[-1]["exception"]["values"][-1]["stacktrace"]["frames"][-1]["vars"]["value"] == "<mine>"


def test_a_caught_builtin_exception_of_plain_args_needs_no_helper_thread(memory, monkeypatch):
    # `except KeyError as error: capture(error)`: the error is a local of the frame, and its str is the
    # exception's value; a builtin exception of builtin arguments runs none of the program's code.
    from framecap import usercode

    started = []
    start = usercode._start
    monkeypatch.setattr(usercode, "_start", lambda job: started.append(job) or start(job))

    def lookup(table):
        try:
            return table["missing"]
        except KeyError as error:
            return framecap.capture_exception(error)

    assert lookup({"a": 1}) is not None
    event = memory.events[-1]
    assert not started
    assert event["exception"]["values"][-1]["value"] == "'missing'"
    assert event["exception"]["values"][-1]["stacktrace"]["frames"][-1]["vars"]["error"] == "KeyError('missing')"


def test_big_builtin_values_are_walked_without_a_helper_as_far_as_the_walk_looks(memory, monkeypatch):
    # The walk reads a container's first max_breadth items, max_depth levels down: what lies beyond is
    # never rendered, so a program's object there needs no helper; one within reach (or in a key,
    # rendered whole) still goes to one.
    from framecap import usercode

    started = []
    start = usercode._start
    monkeypatch.setattr(usercode, "_start", lambda job: started.append(job) or start(job))

    class Mine:
        def __repr__(self):
            return "<mine>"

    def hold(rows, nested):  # the traceback starts here: its frame's values only
        try:
            raise KeyError(len(rows) + len(nested))
        except KeyError as error:
            return framecap.capture_exception(error)

    deep = {"k": {"k": {"k": {"k": {"k": {"k": Mine()}}}}}}
    cases = [
        (list(range(10_000)) + [Mine()], deep, 0, "0"),
        ([Mine()] + list(range(10_000)), {}, 1, "<mine>"),
        ([{(1, Mine()): 1}], {}, 1, {"(1, <mine>)": "1"}),
    ]
    for rows, nested, helpers, first in cases:
        started.clear()
        assert hold(rows, nested) is not None
        assert len(started) == helpers
        values = memory.events[-1]["exception"]["values"][-1]["stacktrace"]["frames"][-1]["vars"]
        assert values["rows"][0] == first
