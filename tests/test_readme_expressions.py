"""README "The failing expression and the values that explain it": the range of a failing node that
starts on another line than the frame's."""

import sys

import pytest

import framecap


class Order:
    pass


def read_missing(order):
    return (order
            .missing_attribute)  # fmt: skip


@pytest.mark.skipif(sys.version_info < (3, 11), reason="positions come from the interpreter on 3.11+")
def test_a_node_starting_on_an_earlier_line_says_where_it_starts(memory):
    try:
        read_missing(Order())
    except AttributeError:
        framecap.capture_exception()
    frame = memory.events[0]["exception"]["values"][-1]["stacktrace"]["frames"][-1]
    first_line = read_missing.__code__.co_firstlineno + 1  # `return (order`
    assert frame["context_line"].strip() == ".missing_attribute)  # fmt: skip"
    assert frame["lineno"] == first_line + 1
    assert frame["data"]["start_lineno"] == first_line
    assert frame["data"]["start_colno"] == len("    return (") + 1, "1-based, on the line where it starts"
    assert (frame["data"]["end_lineno"], frame["data"]["end_colno"]) == (
        first_line + 1,
        len("            .missing_attribute") + 1,
    )
