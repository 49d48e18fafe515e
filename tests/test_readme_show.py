"""README "`framecap show`": collapsing and the marks of cuts, on events from real captures
(``render_event`` is what ``framecap show`` prints)."""

import re
import traceback

import framecap
from framecap.cli.render import render_event


def _event(function, *args, **options):
    """The event of ``function``'s crash; without source context unless asked (this file's source
    lines hold the very text the tests look for)."""
    options.setdefault("include_source_context", False)
    transport = framecap.MemoryTransport()
    client = framecap.Client(transport=transport, install_hooks=False, **options)
    try:
        function(*args)
    except Exception as error:
        client.capture_exception(error)
        printed = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    finally:
        client.close()
    return transport.events[0], printed


def countdown(n):
    return countdown(n - 1) if n else 1 / 0


def test_a_line_repeated_shows_three_times_then_the_count_python_prints():
    event, python = _event(countdown, 40)
    shown = render_event(event)
    (python_mark,) = re.findall(r"\[Previous line repeated \d+ more times\]", python)
    assert python_mark in shown, "the same count as Python's own traceback"
    assert shown.count("in countdown\n") == python.count("in countdown\n")
    assert "File" in render_event(event, full=True) and python_mark not in render_event(event, full=True)


def many_locals():
    a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11 = range(12)  # noqa: F841
    return 1 / 0


def test_locals_past_max_breadth_are_counted():
    event, _ = _event(many_locals, max_breadth=5)
    assert "… 7 more variables" in render_event(event)


def deep_chain(n):
    try:
        if n == 0:
            raise KeyError("root")
        deep_chain(n - 1)
    except Exception as error:
        raise ValueError(f"level {n}") from error


def test_exceptions_past_max_exceptions_are_counted():
    event, _ = _event(deep_chain, 4, max_exceptions=2)
    assert "[2 of 6 exceptions kept]" in render_event(event)


def long_message():
    raise RuntimeError("x" * 10_000)


def test_a_cut_message_says_where_it_was_cut():
    event, _ = _event(long_message)
    assert "[message cut at 8,192 of 10,000 characters]" in render_event(event)


def long_line():
    value = "a long line of source that will not fit in sixteen characters"  # noqa: F841
    return 1 / 0


def test_a_cut_source_line_says_where_it_was_cut():
    event, _ = _event(long_line, max_value_length=16, include_source_context=True)
    assert re.search(r"\[line cut at 16 of \d+ characters\]", render_event(event))


def string_keys():
    lone = {"1": "only a string key"}  # noqa: F841
    both = {1: "int", "1": "str"}  # noqa: F841
    return 1 / 0


def test_dict_keys_as_python_shows_them_and_a_lone_numeric_string_key_as_a_number():
    event, _ = _event(string_keys)
    shown = render_event(event)
    assert "both = {1: 'int', '1': 'str'}" in shown
    assert "lone = {1: 'only a string key'}" in shown, "documented: it can't be told from an int key"


def far_right(values):
    return "a fairly long prefix that pushes the failing part to the right: " + str(values["late_key"])


def test_a_cut_failing_line_keeps_its_failing_range_in_view():
    event, _ = _event(far_right, {}, include_source_context=True)
    shown = render_event(event, width=50)
    assert max(len(line) for line in shown.splitlines()) <= 50
    failing = [line for line in shown.splitlines() if line.startswith("  >")][-1]  # far_right's own line
    assert "…" in failing and failing.rstrip().endswith('str(values["late_key"])'), failing
