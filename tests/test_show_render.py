"""``framecap show`` on any event the inbox may hold (old versions, before_send edits): it never fails."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from framecap.cli.render import render_event

leaf = st.none() | st.booleans() | st.integers(-5, 2000) | st.text(max_size=12) | st.floats(allow_nan=False)
json_values = st.recursive(
    leaf,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=12,
)
frame = st.fixed_dictionaries(
    {},
    optional={
        key: json_values
        for key in (
            "filename",
            "abs_path",
            "function",
            "module",
            "lineno",
            "colno",
            "in_app",
            "context_line",
            "pre_context",
            "post_context",
            "vars",
            "data",
        )
    },
)
value = st.fixed_dictionaries(
    {},
    optional={
        "type": json_values,
        "value": json_values,
        "module": json_values,
        "mechanism": st.fixed_dictionaries(
            {}, optional={k: json_values | st.integers(0, 3) for k in ("exception_id", "parent_id", "source", "type")}
        ),
        "stacktrace": st.fixed_dictionaries({"frames": st.lists(frame, max_size=6)}) | json_values,
    },
)
event = st.fixed_dictionaries(
    {"exception": st.fixed_dictionaries({"values": st.lists(value, max_size=4)}) | json_values},
    optional={
        key: json_values
        for key in (
            "_meta",
            "request",
            "user",
            "tags",
            "contexts",
            "extra",
            "breadcrumbs",
            "logentry",
            "sdk",
            "release",
            "timestamp",
            "event_id",
            "level",
            "message",
        )
    },
)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(event, st.booleans(), st.sampled_from([None, 20, 80]), st.booleans())
def test_show_renders_any_event(data, color, width, full):
    text = render_event(data, color=color, width=width, full=full)
    assert isinstance(text, str)
