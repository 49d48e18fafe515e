import sys

import pytest
from helpers import frames_of, load_module

import framecap

SAMPLE = """
class Account:
    def __init__(self, owner, scores):
        self.owner = owner
        self.scores = scores

    def ratio(self, idx):
        factor = 2
        return self.scores[idx] / (self.scores[1] - 1)


def outer():
    def inner(n):
        account = Account("ada", [3, 1, 4])
        return account.ratio(n)
    return inner(0)
"""


def test_whole_frames_with_exact_lines(memory, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    framecap.init(transport=memory, install_hooks=False, project_root=str(tmp_path), context_lines=2)
    module = load_module(tmp_path, SAMPLE, "acct_mod")
    try:
        module.outer()
    except ZeroDivisionError:
        event_id = framecap.capture_exception()
    event = memory.events[-1]
    assert event_id == event["event_id"] and len(event_id) == 32 and int(event_id, 16) >= 0
    assert event["platform"] == "python" and event["level"] == "error"
    assert event["sdk"] == {"name": "framecap", "version": framecap.__version__}
    value = event["exception"]["values"][-1]
    assert value["type"] == "ZeroDivisionError" and value["value"] == "division by zero"
    assert value["mechanism"] == {"type": "generic", "handled": True} and "module" not in value
    frames = frames_of(event)
    assert [f["function"] for f in frames] == [
        "test_whole_frames_with_exact_lines",
        "outer",
        "outer.<locals>.inner",
        "Account.ratio",
    ]
    path = str(tmp_path / "acct_mod.py")
    expected = [
        {
            "filename": "acct_mod.py",
            "abs_path": path,
            "module": "acct_mod",
            "function": "outer",
            "lineno": 15,
            "in_app": True,
            "pre_context": ['        account = Account("ada", [3, 1, 4])', "        return account.ratio(n)"],
            "context_line": "    return inner(0)",
            "post_context": [],
            "vars": {"inner": frames[1]["vars"]["inner"]},
        },
        {
            "filename": "acct_mod.py",
            "abs_path": path,
            "module": "acct_mod",
            "function": "outer.<locals>.inner",
            "lineno": 14,
            "in_app": True,
            "pre_context": ["    def inner(n):", '        account = Account("ada", [3, 1, 4])'],
            "context_line": "        return account.ratio(n)",
            "post_context": ["    return inner(0)"],
            "vars": {"n": "0", "account": frames[2]["vars"]["account"]},
        },
        {
            "filename": "acct_mod.py",
            "abs_path": path,
            "module": "acct_mod",
            "function": "Account.ratio",
            "lineno": 8,
            "in_app": True,
            "pre_context": ["    def ratio(self, idx):", "        factor = 2"],
            "context_line": "        return self.scores[idx] / (self.scores[1] - 1)",
            "post_context": ["", ""],
            "vars": {
                "self": frames[3]["vars"]["self"],
                "idx": "0",
                "factor": "2",
                # pure expression values of the failing statement, nearest the failing node first
                "self.scores[idx]": "3",
                "self.scores[1] - 1": "0",
                "self.scores": ["3", "1", "4"],
                "self.scores[1]": "1",
            },
        },
    ]
    got = [{k: v for k, v in f.items() if k not in ("colno", "data")} for f in frames[1:]]
    assert got == expected
    assert frames[1]["vars"]["inner"].startswith("<function outer.<locals>.inner at 0x")
    assert frames[3]["vars"]["self"].startswith("<acct_mod.Account object at 0x")
    # the failing node, from executing on every Python version: `self.scores[idx] / (self.scores[1] - 1)`
    assert frames[3]["colno"] == 16 and frames[3]["data"] == {"end_lineno": 8, "end_colno": 55}
    assert frames[2]["colno"] == 16 and frames[2]["data"] == {"end_lineno": 14, "end_colno": 32}


def test_lineno_comes_from_the_traceback_not_the_frame(memory):
    def handler():
        try:
            raise ValueError("here")  # the raise line
        except ValueError as error:
            caught = error
        x = 1  # the frame has moved on
        return caught, x

    error, _ = handler()
    framecap.capture_exception(error)
    frame = frames_of(memory.events[-1])[-1]
    assert frame["context_line"].strip() == 'raise ValueError("here")  # the raise line'


def test_exc_info_tuple_and_unraised_exception_and_no_exception(memory):
    try:
        raise KeyError("k")
    except KeyError:
        info = sys.exc_info()
    assert framecap.capture_exception(info)
    assert memory.events[-1]["exception"]["values"][-1]["value"] == "'k'"
    assert framecap.capture_exception(RuntimeError("never raised"))
    assert "stacktrace" not in memory.events[-1]["exception"]["values"][-1]
    assert framecap.capture_exception() is None
    assert len(memory.events) == 2


@pytest.mark.internal_errors
def test_wrong_argument_is_contained(memory, internal_errors):
    assert framecap.capture_exception("not an exception") is None  # type: ignore[arg-type]
    assert internal_errors and isinstance(internal_errors[0][1], TypeError)


def test_no_client_means_no_event():
    assert framecap.capture_exception(ValueError()) is None
    assert framecap.flush() is True


def test_before_send_can_edit_or_drop(memory):
    seen = []

    def before_send(event, hint):
        seen.append(hint["exc_info"][0])
        if "drop" in event["exception"]["values"][-1]["value"]:
            return None
        event["tags"] = {"edited": "yes"}
        return event

    framecap.init(transport=memory, install_hooks=False, before_send=before_send)
    assert framecap.capture_exception(ValueError("drop me")) is None
    assert framecap.capture_exception(ValueError("keep me"))
    assert seen == [ValueError, ValueError] and memory.events[-1]["tags"] == {"edited": "yes"}
    assert len(memory.events) == 1


def test_an_event_before_send_dropped_is_sent_when_captured_again(memory):
    dropping = [True]
    framecap.init(transport=memory, install_hooks=False, before_send=lambda e, h: None if dropping[0] else e)
    error = ValueError("first dropped, then wanted")
    assert framecap.capture_exception(error) is None and memory.events == []
    dropping[0] = False
    event_id = framecap.capture_exception(error)
    assert event_id is not None and [e["event_id"] for e in memory.events] == [event_id]
    assert framecap.capture_exception(error) == event_id and len(memory.events) == 1  # sent once, then de-duplicated


@pytest.mark.internal_errors
def test_failing_before_send_and_transport_are_contained(internal_errors):
    def broken(event, hint):
        raise RuntimeError("user bug")

    framecap.init(transport=framecap.MemoryTransport(), install_hooks=False, before_send=broken)
    assert framecap.capture_exception(ValueError()) is None

    def bad_transport(event):
        raise OSError("disk full")

    framecap.init(transport=bad_transport, install_hooks=False)
    assert framecap.capture_exception(ValueError()) is None
    assert [type(e) for _, e in internal_errors] == [RuntimeError, OSError]


def test_callable_transport_is_called_synchronously():
    got = []
    framecap.init(transport=got.append, install_hooks=False, environment="prod", release="1.0", server_name="web-1")
    event_id = framecap.capture_exception(ValueError("x"))
    assert got and got[0]["event_id"] == event_id
    assert (got[0]["environment"], got[0]["release"], got[0]["server_name"]) == ("prod", "1.0", "web-1")


def test_transport_object_gets_flush_and_close():
    class Recorder:
        def __init__(self):
            self.calls = []

        def send(self, event):
            self.calls.append("send")

        def flush(self, timeout=None):
            self.calls.append(("flush", timeout))
            return True

        def close(self):
            self.calls.append("close")

    rec = Recorder()
    client = framecap.Client(transport=rec, shutdown_timeout=0.5)
    client.capture_exception(ValueError())
    assert client.flush(1.0) is True
    client.close()
    assert rec.calls == ["send", ("flush", 1.0), ("flush", 0.5), "close"]
    assert client.capture_exception(ValueError()) is None


def test_exception_value_guards_and_notes(memory):
    class BadStr(Exception):
        def __str__(self):
            raise RuntimeError("no str")

    framecap.capture_exception(BadStr())
    assert memory.events[-1]["exception"]["values"][-1]["value"] == "<exception str() failed>"
    error = ValueError("base")
    error.__notes__ = ["note one", 2]
    framecap.capture_exception(error)
    assert memory.events[-1]["exception"]["values"][-1]["value"] == "base\nnote one\n<note that is not a string>"
    framecap.capture_exception(ValueError("m" * 100_000))
    value = memory.events[-1]["exception"]["values"][-1]["value"]
    assert len(value) == 8192
    assert memory.events[-1]["_meta"]["exception"]["values"]["0"]["value"][""]["len"] == 100_000


def test_exception_type_and_module(memory):
    class Custom(Exception):
        pass

    framecap.capture_exception(Custom("c"))
    value = memory.events[-1]["exception"]["values"][-1]
    assert value["type"] == "test_exception_type_and_module.<locals>.Custom" and value["module"] == "test_capture"


def test_switches_turn_off_source_and_variables(memory):
    framecap.init(transport=memory, install_hooks=False, include_source_context=False, include_local_variables=False)
    try:
        secret_local = "value"  # noqa: F841
        raise ValueError()
    except ValueError:
        framecap.capture_exception()
    frame = frames_of(memory.events[-1])[-1]
    assert "vars" not in frame and "context_line" not in frame and "pre_context" not in frame
    assert "secret_local" not in str(memory.events[-1])


def test_capture_inside_a_repr_during_capture_is_dropped(memory):
    class Reentrant:
        def __repr__(self):
            framecap.capture_exception(ValueError("inner"))
            return "Reentrant()"

    try:
        obj = Reentrant()  # noqa: F841
        raise ValueError("outer")
    except ValueError:
        framecap.capture_exception()
    assert [e["exception"]["values"][-1]["value"] for e in memory.events] == ["outer"]


def test_running_frame_locals_cells_and_no_side_effects(memory):
    counter = 0

    def closure():
        return counter

    try:
        value = 41
        raise ValueError("running frame")
    except ValueError:
        framecap.capture_exception()
    value += 1
    assert value == 42 and closure() == 0
    local_vars = frames_of(memory.events[-1])[-1]["vars"]
    assert local_vars["value"] == "41" and local_vars["counter"] == "0"
    assert local_vars["closure"].startswith(
        "<function test_running_frame_locals_cells_and_no_side_effects.<locals>.closure"
    )
    assert "memory" in local_vars and list(local_vars).index("memory") == 0  # arguments first, in order


def test_many_locals_keep_far_more_than_ten(memory):
    namespace = {}
    names = [f"v{i}" for i in range(80)]
    exec(
        "def many():\n" + "".join(f"    {n} = {i}\n" for i, n in enumerate(names)) + "    raise ValueError('many')\n",
        namespace,
    )
    try:
        namespace["many"]()
    except ValueError:
        framecap.capture_exception()
    event = memory.events[-1]
    frame = frames_of(event)[-1]
    assert list(frame["vars"]) == names[:50]
    index = str(len(frames_of(event)) - 1)
    assert event["_meta"]["exception"]["values"]["0"]["stacktrace"]["frames"][index]["vars"] == {"": {"len": 80}}
