"""The cost gate of expression values: operations whose cost hides in a bool, a deque or many
medium-sized strings are refused before any work; cheap ones still evaluate."""

import ast
import collections
import tracemalloc

import pytest

from framecap.expr_budget import Budget
from framecap.expr_eval import CannotEval, GatedEvaluator

ROWS = ["x" * 10_000] * 1000
NAMES = {
    "flag": True,
    "n": 800_000_000,
    "count": 100_000,
    "small": 3,
    "window": collections.deque(range(100)),
    "tiny": collections.deque([1, 2]),
    "rows": ROWS,
    "row_tuple": tuple(ROWS),
    "template": "%s" * 1000,
    "str": str,
    "repr": repr,
    "names": ["ab", "cd"],
}
REFUSED = [
    "flag << n",
    "window * count",
    "count * window",
    "str(rows)",
    "repr(rows)",
    "template % row_tuple",
    "rows == rows",
]
ALLOWED = {
    "flag << small": 8,
    "tiny * small": collections.deque([1, 2, 1, 2, 1, 2]),
    "str(names)": "['ab', 'cd']",
}


def _evaluate(text):
    return GatedEvaluator(NAMES, Budget(60))[ast.parse(text, mode="eval").body]


@pytest.mark.parametrize("text", REFUSED)
def test_hidden_costs_are_refused_before_the_work(text):
    tracemalloc.start()
    try:
        with pytest.raises(CannotEval):
            _evaluate(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 200_000


@pytest.mark.parametrize(("text", "value"), list(ALLOWED.items()))
def test_cheap_operations_on_the_same_kinds_still_evaluate(text, value):
    assert _evaluate(text) == value


class _Meta(type):
    ran: list = []

    def __getattribute__(cls, name):
        _Meta.ran.append(name)
        return super().__getattribute__(name)


class _Model(metaclass=_Meta):
    kind = "model"

    def __init__(self):
        self.limit = 0


def _ratio(model, total):
    return total / model.limit + len(model.kind)


def test_attribute_values_never_run_a_metaclass_getattribute():
    import framecap

    transport = framecap.MemoryTransport()
    client = framecap.Client(transport=transport, install_hooks=False)
    model = _Model()
    try:
        _ratio(model, 10)
    except ZeroDivisionError as error:
        _Meta.ran.clear()
        assert client.capture_exception(error) is not None
        ran = list(_Meta.ran)
    frame = transport.events[-1]["exception"]["values"][-1]["stacktrace"]["frames"][-1]
    assert ran == []
    assert frame["vars"]["model.limit"] == "0"
