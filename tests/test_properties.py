"""Property-based tests: the serializer never raises and always stays within its limits; no hostile
value costs the event."""

import json
import re

import pytest
from hostile import ERROR_RECIPES, RECIPES, build, build_error
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import framecap
from conftest import assert_schema_valid
from framecap.options import resolve_options
from framecap.serialize import Serializer

leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=300),
    st.binary(max_size=300),
    st.complex_numbers(),
)
values = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=8),
        st.tuples(inner, inner),
        st.frozensets(st.integers(), max_size=5),
        st.dictionaries(st.one_of(st.text(max_size=20), st.integers(), st.tuples(st.integers())), inner, max_size=8),
    ),
    max_leaves=60,
)


def strings_of(data):
    if isinstance(data, str):
        yield data
    elif isinstance(data, list):
        for item in data:
            yield from strings_of(item)
    elif isinstance(data, dict):
        for key, item in data.items():
            yield key
            yield from strings_of(item)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(values, st.integers(1, 4), st.integers(1, 6), st.integers(16, 64), st.booleans())
def test_serializer_output_is_json_and_bounded(value, depth, breadth, length, repr_strings):
    data, meta, used = Serializer(
        max_depth=depth, max_breadth=breadth, max_length=length, repr_strings=repr_strings
    ).serialize(value)
    encoded = json.dumps({"data": data, "meta": meta})
    encoded.encode("utf-8")
    assert all(len(s) <= max(length, 256) for s in strings_of(data))

    def check(node, level):
        if isinstance(node, (list, dict)):
            assert len(node) <= breadth and level <= depth
            for item in node.values() if isinstance(node, dict) else node:
                check(item, level + 1)

    check(data, 0)


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(st.text(max_size=12))
def test_boolean_variables_either_parse_or_name_themselves(raw):
    try:
        got = resolve_options({}, {"FRAMECAP_DEBUG": raw}).debug
    except framecap.ConfigError as error:
        assert "FRAMECAP_DEBUG" in str(error) and raw.strip().lower() not in {
            "1",
            "0",
            "true",
            "false",
            "yes",
            "no",
            "on",
            "off",
        }
    else:
        assert got is (raw.strip().lower() in {"1", "true", "yes", "on"}) or raw == ""


def crash(error, registry, first, second, third):
    registry_alias = registry  # noqa: F841 - one more local that mutating reprs change
    raise error


@pytest.mark.slow
@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
)
@given(
    st.lists(RECIPES, min_size=3, max_size=3),
    ERROR_RECIPES,
    st.integers(1, 6),
    st.integers(1, 8),
    st.integers(16, 300),
    st.integers(10_000, 200_000),
    st.booleans(),
)
def test_no_hostile_value_costs_the_event(
    internal_errors, recipes, error_recipe, depth, breadth, length, event_bytes, expressions
):
    transport = framecap.MemoryTransport()
    client = framecap.Client(
        transport=transport,
        install_hooks=False,
        max_depth=depth,
        max_breadth=breadth,
        max_value_length=length,
        max_event_bytes=event_bytes,
        include_expression_values=expressions,
    )
    registry = {"seed": 1}
    values = [build(recipe, registry) for recipe in recipes]
    error = build_error(error_recipe, registry)
    try:
        crash(error, registry, *values)
    except BaseException as caught:  # noqa: B036 - any kind of exception is captured
        event_id = client.capture_exception(caught)
    assert internal_errors == []
    assert event_id is not None and re.fullmatch("[0-9a-f]{32}", event_id)
    (event,) = transport.events
    assert_schema_valid([event])
    assert len(json.dumps(event, separators=(",", ":"))) <= event_bytes
    frame = event["exception"]["values"][-1]["stacktrace"]["frames"][-1]
    assert frame["function"] == "crash" and set(frame["vars"]) <= {
        "error",
        "registry",
        "first",
        "second",
        "third",
        "registry_alias",
    }
