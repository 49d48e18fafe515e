"""What the scrubber remembers across events (code, never data) changes no result: a warm scrubber filters
an event exactly as a new one does, and the scanner's pre-check lets the same texts through as the
alternation it replaced."""

from __future__ import annotations

import copy
import re
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from framecap.scrub import Scrubber
from framecap.source_block import QUIET
from framecap.textscan import _GATE

# Lines that hold nothing, lines with a secret, lines that open a block the next lines inherit from.
_LINES = [
    "    return level(n - 1) + count",
    "x = compute(a, b)",
    'password = "hunter2hunter2"',
    "token = self.get_token()",
    'api_key = "sk-proj-Zx81kQm2Lp0aB7cD9eF1gH3iJ5kL"',
    "config = {",
    '    "password": "s3cr3t-value",',
    "}",
    '"""',
    "    secret = (",
    '        "abcDEF123456ghiJKL7890",',
    "    )",
    "# a comment",
    "",
    'url = "postgres://app:pw12345@db/shop"',
]
_VALUES = st.sampled_from(
    [
        "'frame-40'",
        "40",
        "None",
        "'hunter2hunter2'",
        "'sk-proj-Zx81kQm2Lp0aB7cD9eF1gH3iJ5kL'",
        "<function f at 0x7f00aa>",
        "'postgres://app:pw12345@db/shop'",
        "13.333333333333334",
    ]
)
_NAMES = st.sampled_from(["n", "label", "password", "token", "url", "items", "query_string", "settings['password']"])
_LINE = st.sampled_from(_LINES)


@st.composite
def _frames(draw: Any) -> dict[str, Any]:
    frame: dict[str, Any] = {"function": "f", "lineno": 3}
    if draw(st.booleans()):
        frame["pre_context"] = draw(st.lists(_LINE, max_size=4))
    if draw(st.booleans()):
        frame["context_line"] = draw(_LINE)
    if draw(st.booleans()):
        frame["post_context"] = draw(st.lists(_LINE | st.just(["unhashable"]), max_size=4))
    frame["vars"] = draw(st.dictionaries(_NAMES, _VALUES | st.lists(_VALUES, max_size=3), max_size=4))
    return frame


def _event(frames: list[dict[str, Any]]) -> dict[str, Any]:
    return {"exception": {"values": [{"type": "E", "value": "boom", "stacktrace": {"frames": frames}}]}}


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(_frames(), min_size=1, max_size=4), min_size=1, max_size=4))
def test_a_warm_scrubber_filters_as_a_new_one(events):
    warm = Scrubber()
    for frames in events:  # each event seen by the warm scrubber after all the ones before it, twice
        event = _event(frames)
        expected = Scrubber()(copy.deepcopy(event))
        assert warm(copy.deepcopy(event)) == expected
        assert warm(copy.deepcopy(event)) == expected


def test_a_frame_whose_lines_hold_nothing_is_remembered_and_a_secret_line_is_not():
    scrubber = Scrubber()
    quiet = {"context_line": "x = compute(a, b)", "pre_context": ["def f():"], "vars": {"n": "1"}}
    loud = {"context_line": 'password = "hunter2hunter2"', "vars": {"n": "1"}}
    for _ in range(2):
        event = scrubber(_event([copy.deepcopy(quiet), copy.deepcopy(loud)]))
        frames = event["exception"]["values"][0]["stacktrace"]["frames"]
        assert frames[1]["context_line"] == 'password = "[Filtered]"'
        assert frames[0]["context_line"] == "x = compute(a, b)"
    assert scrubber._blocks[("def f():", "x = compute(a, b)")] is QUIET
    assert scrubber._blocks[('password = "hunter2hunter2"',)] is not QUIET


# The pre-check as it was written before its alternatives shared their starts.
_ALTERNATION = re.compile(
    r"[=:@?]|--|-p|[A-Za-z0-9_\-+/.~]{16}|\d{4}|\d{3}-\d\d-|\d\.\d+\.\d+\.\d|[A-Z]{2}\d\d"
    r"|earer |asic |oken |igest |Bot |machine |sshpass|PRIVATE KEY"
)
_GATE_TEXT = st.lists(
    st.sampled_from(list("aZ09_-+/.~ :=@?pB<>'\"\\\n1234.5-") + ["earer ", "sshpass", "PRIVATE KEY", "oken ", "AB12"]),
    max_size=10,
).map("".join)


@settings(max_examples=500, deadline=None)
@given(_GATE_TEXT | st.text(max_size=40))
@example("x-p")
@example("1.2.3.4")
@example("123-45-")
def test_the_scanners_pre_check_passes_the_same_texts(text):
    assert (_GATE.search(text) is None) == (_ALTERNATION.search(text) is None)
