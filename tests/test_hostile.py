"""One value never costs the event: hostile reprs, containers changed under the capture, unhashable
types, odd locals; what fails is replaced (and recorded in ``_meta``), everything else stays."""

import threading

import pytest
from helpers import frames_of

import framecap


def capture_in(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except BaseException as error:  # noqa: B036 - the hostile cases raise anything
        return framecap.capture_exception(error)
    raise AssertionError("did not raise")


def vars_meta(event, index=-1):
    frames = event["_meta"]["exception"]["values"][str(len(event["exception"]["values"]) - 1)]["stacktrace"]["frames"]
    return frames[str(len(frames_of(event)) + index if index < 0 else index)]["vars"]


def fail_with(**values):
    1 / 0


def test_a_repr_that_grows_the_dict_holding_it(memory):
    registry = {}

    class Registering:
        def __repr__(self):
            for i in range(20):
                registry[f"late{i}"] = i
            return "Registering()"

    registry["first"] = Registering()
    registry["second"] = 2
    assert capture_in(fail_with, registry=registry)
    assert frames_of(memory.events[-1])[-1]["vars"] == {
        "values": {"registry": {"first": "Registering()", "second": "2"}}
    }


def test_a_dict_another_thread_changes_while_a_repr_runs(memory):
    shared = {f"k{i}": i for i in range(10)}
    asked, done = threading.Event(), threading.Event()

    class WaitsForTheOtherThread:
        def __repr__(self):  # releases the GIL, as real reprs (I/O, locks) do
            asked.set()
            assert done.wait(30)
            return "Waits()"

    shared["a_waiter"] = WaitsForTheOtherThread()

    def mutate():
        assert asked.wait(30)
        for i in range(100):
            shared[f"new{i}"] = i
        shared.pop("k0")
        done.set()

    thread = threading.Thread(target=mutate)
    thread.start()
    assert capture_in(fail_with, shared=shared)
    thread.join()
    rendered = frames_of(memory.events[-1])[-1]["vars"]["values"]["shared"]
    assert rendered == {**{f"k{i}": str(i) for i in range(10)}, "a_waiter": "Waits()"}


class NoHash(type):
    """A metaclass with ``__eq__`` and no ``__hash__``: its classes are unhashable."""

    def __eq__(cls, other):
        return cls is other


class Unhashable(metaclass=NoHash):
    def __repr__(self):
        return "Unhashable()"


class UnhashableDict(dict, metaclass=NoHash):
    pass


class UnhashableStr(str, metaclass=NoHash):
    pass


class UnhashableError(Exception, metaclass=NoHash):
    pass


def test_instances_of_unhashable_classes(memory):
    def fail(obj, mapping, text):
        raise UnhashableError("boom")

    assert capture_in(fail, Unhashable(), UnhashableDict(a=1), UnhashableStr("s" * 2000))
    event = memory.events[-1]
    value = event["exception"]["values"][-1]
    assert (value["type"], value["value"], value["module"]) == ("UnhashableError", "boom", "test_hostile")
    frame_vars = frames_of(event)[-1]["vars"]
    assert frame_vars["obj"] == "Unhashable()" and frame_vars["mapping"] == {"a": "1"}
    assert frame_vars["text"] == "'" + "s" * 1020 + "..."
    assert vars_meta(event)["text"] == {"": {"len": 2000, "rem": [["!limit", "x", 1021, 1024]]}}


def test_non_string_keys_in_a_frames_locals(memory):
    in_exec = compile("locals()[42] = True\nname = 'x'\n1 / 0\n", "<hostile>", "exec")
    assert capture_in(exec, in_exec, {}, {"given": 1})
    assert frames_of(memory.events[-1])[-1]["vars"] == {"given": "1", "42": "True", "name": "'x'"}

    def class_body():
        class Body:
            locals()[("a", 1)] = "tuple key"
            1 / 0

    assert capture_in(class_body)
    body_vars = frames_of(memory.events[-1])[-1]["vars"]
    assert body_vars["('a', 1)"] == "'tuple key'" and body_vars["__qualname__"].endswith("Body'")

    module_code = compile("import sys\nlocals()[7] = 'seven'\nsys.modules[__name__]\nvalue = 1 / 0\n", "<m>", "exec")
    assert capture_in(exec, module_code, {"__name__": "hostile_module"})
    assert frames_of(memory.events[-1])[-1]["vars"] == {}  # a module frame shows the names its statement uses


@pytest.mark.parametrize("kind", [SystemExit, KeyboardInterrupt, GeneratorExit, type("Custom", (BaseException,), {})])
def test_a_repr_raising_any_base_exception(memory, kind):
    class Raises:
        def __repr__(self):
            raise kind("from a repr")

    assert capture_in(fail_with, bad=Raises(), good="kept")
    event = memory.events[-1]
    placeholder = f"<{Raises.__qualname__} object; repr() raised {kind.__qualname__}>"
    assert frames_of(event)[-1]["vars"] == {"values": {"bad": placeholder, "good": "'kept'"}}
    assert vars_meta(event)["values"]["bad"] == {"": {"rem": [["framecap:repr", "s", 0, len(placeholder)]]}}


def test_exception_that_fails_every_way_costs_only_its_message(memory):
    class Hostile(Exception):
        def __str__(self):
            raise SystemExit("no message")

        @property
        def __cause__(self):
            raise KeyboardInterrupt

        @property
        def __traceback__(self):
            raise GeneratorExit

    try:
        raise Hostile("x") from ValueError("root")
    except Hostile as error:
        assert framecap.capture_exception(error)
    values = memory.events[-1]["exception"]["values"]
    assert [(v["type"], v["value"]) for v in values] == [
        ("ValueError", "root"),
        ("test_exception_that_fails_every_way_costs_only_its_message.<locals>.Hostile", "<exception str() failed>"),
    ]
    assert frames_of(memory.events[-1])[-1]["function"] == "test_exception_that_fails_every_way_costs_only_its_message"


def test_a_locals_mapping_that_fails_costs_only_that_frames_variables(memory):
    class Failing(dict):
        def items(self):
            raise KeyboardInterrupt

        def __getitem__(self, key):
            raise SystemExit

        def __contains__(self, key):
            raise SystemExit

    def outer(marker):
        exec(compile("1 / 0\n", "<failing>", "exec"), {}, Failing(a=1))

    assert capture_in(outer, "outer kept")
    event = memory.events[-1]
    frames = frames_of(event)
    assert frames[-1]["vars"] == {} and frames[-2]["vars"]["marker"] == "'outer kept'"
    assert vars_meta(event) == {"": {"rem": [["framecap:locals", "x"]]}}


def test_hostile_metaclass_hooks_never_run(memory):
    class Loud(type):
        """A metaclass whose every hook raises: the serializer must read its classes without them."""

        def __getattribute__(cls, name):
            raise SystemExit(name)

        def __hash__(cls):
            raise KeyboardInterrupt

        def __eq__(cls, other):
            raise GeneratorExit

    class LoudTuple(tuple, metaclass=Loud):
        pass

    class LoudPlain(metaclass=Loud):
        pass

    assert capture_in(fail_with, pair=LoudTuple((1, 2)), plain=LoudPlain())
    rendered = frames_of(memory.events[-1])[-1]["vars"]["values"]
    assert rendered["pair"] == ["1", "2"] and rendered["plain"].startswith("<test_hostile.test_hostile_metaclass")


@pytest.mark.internal_errors
def test_a_wrong_argument_that_lies_about_its_class_is_reported_not_raised(memory, internal_errors):
    class Impostor:
        @property
        def __class__(self):
            raise SystemExit("isinstance() asked")

    assert framecap.capture_exception(Impostor()) is None
    assert framecap.capture_exception((ValueError, Impostor(), None)) is None
    assert [type(error) for _, error in internal_errors] == [TypeError]
