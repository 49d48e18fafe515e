"""Expression values only for code that ran: a module-level statement edited on disk after it was
compiled (same instructions at the same places, other constants or names) gets none."""

import dataclasses
import json
import linecache
import traceback

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import framecap


def _vars_after_edit(tmp_path, before, after):
    transport = framecap.MemoryTransport()
    client = framecap.Client(transport=transport, install_hooks=False)
    path = tmp_path / "job.py"
    source = 'prices = {"apple": 0, "peach": 7}\nratio = 10 / prices[%s]\n'
    path.write_text(source % before)
    code = compile(source % before, str(path), "exec")
    path.write_text(source % after)
    linecache.checkcache(str(path))
    try:
        exec(code, {"__name__": "job"})
    except ZeroDivisionError as error:
        assert client.capture_exception(error) is not None
    frame = transport.events[-1]["exception"]["values"][-1]["stacktrace"]["frames"][-1]
    return frame


def test_an_edited_constant_in_module_code_gives_no_expression_values(tmp_path):
    frame = _vars_after_edit(tmp_path, '"apple"', '"peach"')
    assert frame["context_line"] == 'ratio = 10 / prices["peach"]'
    assert 'prices["peach"]' not in frame.get("vars", {})
    assert "colno" not in frame or frame.get("data", {}).get("expressions")


def test_an_edited_name_in_module_code_gives_no_expression_values(tmp_path):
    frame = _vars_after_edit(tmp_path, '"apple"', "list(prices)[0]")
    assert "list(prices)" not in frame.get("vars", {})


def test_unchanged_module_code_keeps_its_expression_values(tmp_path):
    frame = _vars_after_edit(tmp_path, '"apple"', '"apple"')
    assert frame["vars"]['prices["apple"]'] == "0"


@dataclasses.dataclass
class _Point:
    x: int

    def __post_init__(self):
        1 / self.x


def test_a_module_level_dataclass_init_is_named_as_pythons_traceback_names_it():
    transport = framecap.MemoryTransport()
    client = framecap.Client(transport=transport, install_hooks=False)
    try:
        _Point(0)
    except ZeroDivisionError as error:
        assert client.capture_exception(error) is not None
        python = [entry.name for entry in traceback.extract_tb(error.__traceback__)]
    ours = [f["function"] for f in transport.events[-1]["exception"]["values"][-1]["stacktrace"]["frames"]]
    assert python[-2:] == ["__init__", "__post_init__"]
    assert ours[-2:] == ["__init__", "_Point.__post_init__"]


def test_a_file_edited_between_captures_shows_its_new_lines(tmp_path):
    # Context windows are remembered across captures only while the file's lines are the ones read.
    import os
    import time

    transport = framecap.MemoryTransport()
    client = framecap.Client(transport=transport, install_hooks=False)
    path = tmp_path / "edited.py"
    source = "def fail():\n    # %s\n    return 1 / 0\n"
    path.write_text(source % "first")
    code = compile(source % "first", str(path), "exec")
    namespace = {"__name__": "edited", "__file__": str(path)}
    exec(code, namespace)

    def capture():
        try:
            namespace["fail"]()
        except ZeroDivisionError as error:
            assert client.capture_exception(error) is not None
        return transport.events[-1]["exception"]["values"][-1]["stacktrace"]["frames"][-1]

    assert capture()["pre_context"][-1] == "    # first"
    assert capture()["pre_context"][-1] == "    # first"
    path.write_text(source % "second")
    stat = os.stat(path)
    os.utime(path, (stat.st_atime, time.time() + 5))  # a new mtime, even on a coarse clock
    frame = capture()
    assert frame["pre_context"][-1] == "    # second" and frame["context_line"] == "    return 1 / 0"


def test_a_loader_whose_get_source_raises_costs_that_frames_source_and_says_so(tmp_path):
    event = _capture_with_loader(tmp_path, OSError("archive unreadable"))
    frame = event["exception"]["values"][-1]["stacktrace"]["frames"][-1]
    assert frame["function"] == "run" and frame["lineno"] == 2 and "context_line" not in frame
    assert frame["vars"]["order"] == {"total": "3"}  # the frame's variables stay
    index = len(event["exception"]["values"][-1]["stacktrace"]["frames"]) - 1
    where = event["_meta"]["exception"]["values"]["0"]["stacktrace"]["frames"][str(index)]["context_line"]
    assert where[""]["rem"] == [["framecap:failed:OSError", "x"]]


_FAILURES = st.sampled_from([OSError, ValueError, RuntimeError, LookupError, TypeError, MemoryError, ZeroDivisionError])
_MISSING = st.sampled_from([ImportError, ModuleNotFoundError])


def _capture_with_loader(tmp_path, error: BaseException) -> dict:
    class Loader:
        def get_source(self, name):
            raise error

    transport = framecap.MemoryTransport()
    client = framecap.Client(transport=transport, install_hooks=False)
    filename = str(tmp_path / "gone" / "plugin.py")  # no such file: the loader is asked
    namespace = {"__name__": "plugin", "__file__": filename, "__loader__": Loader()}
    exec(compile("def run(order):\n    return order['total'] / 0\n", filename, "exec"), namespace)
    try:
        namespace["run"]({"total": 3})
    except ZeroDivisionError as caught:
        assert client.capture_exception(caught) is not None
    return transport.events[-1]


def _source_meta(event: dict) -> dict:
    values = event["exception"]["values"]
    index = str(len(values[-1]["stacktrace"]["frames"]) - 1)
    meta = event.get("_meta", {}).get("exception", {}).get("values", {}).get(str(len(values) - 1), {})
    return meta.get("stacktrace", {}).get("frames", {}).get(index, {}).get("context_line", {})


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=_FAILURES, text=st.text(max_size=40))
def test_any_failing_loader_costs_only_that_frames_source_and_says_which_error(tmp_path, kind, text):
    event = _capture_with_loader(tmp_path, kind(text))
    frame = event["exception"]["values"][-1]["stacktrace"]["frames"][-1]
    assert "context_line" not in frame and frame["vars"]["order"] == {"total": "3"}
    assert _source_meta(event)[""]["rem"] == [[f"framecap:failed:{kind.__name__}", "x"]]


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=_MISSING, text=st.text(max_size=40))
def test_a_loader_that_cannot_find_the_source_reports_no_failure(tmp_path, kind, text):
    event = _capture_with_loader(tmp_path, kind(text))
    frame = event["exception"]["values"][-1]["stacktrace"]["frames"][-1]
    assert frame["context_line"] is None and frame["vars"]["order"] == {"total": "3"}  # missing, as for a gone file
    assert "failed" not in json.dumps(_source_meta(event))
