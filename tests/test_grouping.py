"""Grouping: which events are the same crash, from real captures and from hostile event data."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import framecap
from framecap.grouping import default_components, fingerprint, mask_message, summarize


def lookup(table, key):
    return table[key]


def capture(key, table=None):
    transport = framecap.MemoryTransport()
    client = framecap.Client(transport=transport, install_hooks=False)
    try:
        lookup(table or {}, key)
    except KeyError as error:
        client.capture_exception(error)
    return transport.events[-1]


def test_same_code_path_same_fingerprint_whatever_the_values():
    first, second = capture("alice"), capture("bob", {"x": 1})
    assert fingerprint(first) == fingerprint(second)
    parts = default_components(first)
    assert parts[0] == "type:KeyError"
    assert parts[-1] == "frame:test_grouping:lookup:return table[key]"
    assert not any(part.split(":")[-1].isdigit() for part in parts), "no line numbers"


def test_another_place_or_type_is_another_issue():
    event = capture("k")
    other = capture("k")
    other["exception"]["values"][-1]["type"] = "LookupError"
    assert fingerprint(event) != fingerprint(other)
    moved = capture("k")
    moved["exception"]["values"][-1]["stacktrace"]["frames"][-1]["function"] = "find"
    assert fingerprint(event) != fingerprint(moved)


def test_fallback_masks_what_varies():
    def event(message, in_app=False):
        frame = {"module": "lib", "function": "f", "in_app": in_app, "context_line": "x"}
        return {"exception": {"values": [{"type": "E", "value": message, "stacktrace": {"frames": [frame]}}]}}

    assert mask_message("no user 'bob' (id 42) at 0x7f3a9c, ref 9f86d081884c7d65") == (
        "no user <str> (id <num>) at <hex>, ref <hex>"
    )
    assert fingerprint(event("user 'bob' id 4")) == fingerprint(event('user "al" id 1234'))
    assert fingerprint(event("user 'bob' id 4")) != fingerprint(event("disk full"))
    assert default_components(event("no traceback 3", in_app=False)) == ["type:E:no traceback <num>"]


def test_user_fingerprint_wins_and_default_expands():
    event = capture("k")
    mine = dict(event, fingerprint=["payments", "{{ default }}"])
    plain = dict(event, fingerprint=["payments"])
    assert fingerprint(plain) == fingerprint(dict(capture("other"), fingerprint=["payments"]))
    assert fingerprint(mine) != fingerprint(plain) and fingerprint(mine) != fingerprint(event)
    assert fingerprint(dict(event, fingerprint=["{{default}}"])) == fingerprint(
        dict(event, fingerprint=["{{ default }}"])
    )


def test_summary_never_says_none():
    assert summarize({"exception": {"values": [{"type": "E", "value": "m"}]}}) == {
        "type": "E",
        "message": "m",
        "location": "(no traceback)",
    }
    assert summarize({})["location"] == "(no traceback)"
    event = capture("k")
    assert summarize(event)["location"].endswith(" in lookup")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["exception", "fingerprint", "message", "logentry", "level"]), json_values, max_size=5
    )
)
@pytest.mark.slow
def test_any_event_shape_gets_a_fingerprint_and_a_summary(event):
    assert len(fingerprint(event)) == 32
    assert summarize(event)["location"]
