import sys

import pytest

import framecap

if sys.version_info < (3, 11):
    from exceptiongroup import ExceptionGroup  # the backport; framecap reads it the same way
else:
    ExceptionGroup = ExceptionGroup  # noqa: PLW0127


def values(memory):
    return memory.events[-1]["exception"]["values"]


def summary(memory):
    return [
        (
            v["type"],
            v["mechanism"].get("exception_id"),
            v["mechanism"].get("parent_id"),
            v["mechanism"].get("source"),
            v["mechanism"].get("is_exception_group", False),
        )
        for v in values(memory)
    ]


def test_cause_chain_root_first(memory):
    try:
        try:
            {}["missing"]
        except KeyError as error:
            raise ValueError("bad config") from error
    except ValueError:
        framecap.capture_exception()
    assert summary(memory) == [("KeyError", 1, 0, "__cause__", False), ("ValueError", 0, None, None, False)]
    assert values(memory)[0]["mechanism"] == {
        "type": "chained",
        "handled": True,
        "exception_id": 1,
        "parent_id": 0,
        "source": "__cause__",
    }
    assert values(memory)[-1]["mechanism"] == {"type": "generic", "handled": True, "exception_id": 0}
    assert values(memory)[0]["stacktrace"]["frames"][-1]["context_line"].strip() == '{}["missing"]'


def test_context_and_suppressed_context(memory):
    try:
        try:
            1 / 0
        except ZeroDivisionError:
            raise TypeError("during")
    except TypeError:
        framecap.capture_exception()
    assert summary(memory) == [("ZeroDivisionError", 1, 0, "__context__", False), ("TypeError", 0, None, None, False)]
    try:
        try:
            1 / 0
        except ZeroDivisionError:
            raise TypeError("suppressed") from None
    except TypeError:
        framecap.capture_exception()
    assert summary(memory) == [("TypeError", None, None, None, False)]
    assert values(memory)[0]["mechanism"] == {"type": "generic", "handled": True}


def test_nested_groups_have_right_parents_at_every_depth(memory):
    def raise_it(error):
        raise error

    def build():
        inner = []
        for error in (OSError("disk"), KeyError("k")):
            try:
                raise_it(error)
            except Exception as caught:
                inner.append(caught)
        try:
            raise_it(ExceptionGroup("inner", inner))
        except ExceptionGroup as group:
            nested = group
        try:
            try:
                raise_it(ValueError("cause"))
            except ValueError as cause:
                raise ExceptionGroup("outer", [nested, TypeError("t")]) from cause
        except ExceptionGroup as outer:
            return outer

    framecap.capture_exception(build())
    got = summary(memory)
    assert got[-1] == ("ExceptionGroup", 0, None, None, True)
    by_id = {eid: (t, parent, source, group) for t, eid, parent, source, group in got}
    assert by_id[1] == ("ValueError", 0, "__cause__", False)
    assert by_id[2] == ("ExceptionGroup", 0, "exceptions[0]", True)
    assert by_id[3] == ("OSError", 2, "exceptions[0]", False)
    assert by_id[4] == ("KeyError", 2, "exceptions[1]", False)
    assert by_id[5] == ("TypeError", 0, "exceptions[1]", False)
    assert sorted(by_id) == [0, 1, 2, 3, 4, 5]
    assert "stacktrace" not in values(memory)[got.index(("TypeError", 5, 0, "exceptions[1]", False))]


def test_cycles_terminate(memory):
    a, b = ValueError("a"), KeyError("b")
    a.__context__, b.__context__ = b, a
    framecap.capture_exception(a)
    assert summary(memory) == [("KeyError", 1, 0, "__context__", False), ("ValueError", 0, None, None, False)]


def test_chain_length_is_capped_and_recorded(memory):
    framecap.init(transport=memory, install_hooks=False, max_exceptions=3)
    error = None
    for i in range(20):
        new = ValueError(str(i))
        new.__cause__ = error
        error = new
    framecap.capture_exception(error)
    assert [v["value"] for v in values(memory)] == ["17", "18", "19"]
    assert memory.events[-1]["_meta"]["exception"]["values"][""] == {"len": 20}


@pytest.mark.skipif(sys.version_info < (3, 11), reason="add_note is 3.11+")
def test_notes_on_chained_members(memory):
    error = ValueError("v")
    error.add_note("while loading user 7")
    framecap.capture_exception(error)
    assert values(memory)[-1]["value"] == "v\nwhile loading user 7"
