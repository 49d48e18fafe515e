"""Hostile values, generated: whatever a value's ``__repr__``, ``__len__`` or ``__iter__`` does
(raise any ``BaseException``, return a non-string, mutate the dict holding it, lie), the capture
returns an id, every variable is kept, and each failing value is a placeholder recorded in ``_meta``."""

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import framecap

_RAISED = [ValueError, SystemExit, KeyboardInterrupt, GeneratorExit, MemoryError, RecursionError, BaseException]


class _Hostile:
    def __init__(self, action, holder):
        self.action = action
        self.holder = holder

    def __repr__(self):
        kind, arg = self.action
        if kind == "raise":
            raise _RAISED[arg]("hostile")
        if kind == "non-str":
            return [None, 1, b"x", ["l"]][arg % 4]
        if kind == "mutate":
            self.holder.clear()
            self.holder.update({f"k{i}": i for i in range(arg)})
            return "mutated"
        if kind == "sleep":
            time.sleep(arg / 1000)
            return "slept"
        return "x" * (arg * 1000)


class _Liar(list):
    def __len__(self):
        return 10**12

    def __iter__(self):
        raise SystemExit(1)


_ACTIONS = st.one_of(
    st.tuples(st.just("raise"), st.integers(0, len(_RAISED) - 1)),
    st.tuples(st.just("non-str"), st.integers(0, 3)),
    st.tuples(st.just("mutate"), st.integers(0, 50)),
    st.tuples(st.just("sleep"), st.integers(0, 20)),
    st.tuples(st.just("big"), st.integers(0, 300)),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(actions=st.lists(_ACTIONS, min_size=1, max_size=6), nest=st.booleans())
def test_hostile_values_cost_only_themselves(actions, nest):
    transport = framecap.MemoryTransport()
    client = framecap.Client(transport=transport, install_hooks=False)
    holder = {}
    values = [_Hostile(action, holder) for action in actions]
    holder.update({str(i): v for i, v in enumerate(values)})

    def work(holder, values, liar):
        nested = {"inner": values} if nest else values
        marker = 42
        raise KeyError(len(nested) + marker + len(liar))

    try:
        work(holder, values, _Liar([1, 2]))
    except KeyError as error:
        event_id = client.capture_exception(error)
    assert event_id is not None
    event = transport.events[-1]
    frame = event["exception"]["values"][-1]["stacktrace"]["frames"][-1]
    assert {"holder", "values", "liar", "nested", "marker"} <= set(frame["vars"])
    assert frame["vars"]["marker"] == "42"
    failing = [a for a in actions if a[0] in ("raise", "non-str")]
    if failing:
        text = str(frame["vars"]["values"])
        assert "repr() raised" in text
        assert "framecap:repr" in str(event["_meta"])
