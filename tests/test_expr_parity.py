"""Failing-node positions and qualified names: framecap's (fragments) against executing's (whole files).

The same crashing code of many shapes is analysed both ways on every Python version; they must
agree. executing stays the reference: framecap hands it a parsed fragment instead of the file.
"""

import sys

import executing
import pytest
from helpers import load_module

from framecap.expr_budget import Budget
from framecap.expr_plan import make_plan
from framecap.expressions import clear_caches, code_qualname

SAMPLE = '''import asyncio
import functools


class Box:
    def __init__(self):
        self.items = [1, 2]
        self.__secret = {"a": 1}
        self.none = None

    def method(self, key):
        return self.items[key] + 1

    def private(self):
        return self.__secret["missing"]

    def chained(self):
        return self.none.attr.other

    @staticmethod
    def static(d):
        return d["k"]

    @classmethod
    def klass(cls, d):
        return d[cls.__name__]

    @property
    def prop(self):
        return self.none + 1

    def uses_super(self):
        return super().missing()

    class Inner:
        def deep(self, d):
            return d["deep"]


def deco(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return fn(*args, **kwargs)

    return wrapper


@deco
def decorated(d):
    return d["decorated"]


def call_kwargs(f):
    return f(1, key=2, *[3], **{"x": 4})


def compare(a, b, c):
    return a < b < c


def binop(a):
    return a["x"] * 2 + a["y"] / 0


def multiline(d):
    return (
        d["a"]
        + d["b"]
        + d["zzz"]
    )


def closure(data):
    factor = 2

    def inner(key):
        return data[key] * factor

    return inner("nope")


def listcomp(rows):
    return [r["v"] / r["w"] for r in rows]


def genexp(rows):
    return sum(r["v"] / r["w"] for r in rows)


def dictcomp(rows):
    return {r["k"]: r["v"] / 0 for r in rows}


def lambdas(items):
    return sorted(items, key=lambda item: item["k"])


def with_statement(cm):
    with cm as handle:
        return handle


def for_statement(seq):
    for x in seq:
        return x


def if_statement(d):
    if d["flag"]:
        return 1
    return 0


def augassign(d):
    d["total"] += "x"
    return d


def fstring(o):
    return f"{o.missing:>10}"


def walrus(d):
    if (n := d["n"]) > 0:
        return n
    return 0


def assert_statement(x):
    assert x > 1, f"x too small: {x}"


def raise_statement(x):
    raise ValueError(f"bad {x}")


def handled(d):
    try:
        return d["key"] + 1
    except KeyError as error:
        caught = error
    d["key"] = 1
    raise caught


def unicode_columns(values):
    s = "héllo wörld"; return s + values["ключ"]


def generator(d):
    yield d["g"]


async def coroutine(d):
    await asyncio.sleep(0)
    return d["c"] + 1


def default_args(d, fallback=None):
    def pick(key=d["default"]):
        return key

    return pick()


SQL = """
SELECT *
FROM table
def fake(): pass
"""


def after_string(d):
    def nested(k):
        return d[k]

    return nested("after")


if True:

    def in_block(d):
        return d["block"]


def tabs(d):
	return d["tab"]


def slicing(s):
    return s[1:2]["x"]


def star_args(args):
    return max(*args)


def dict_display(a):
    return {"k": a.missing}


def nested_calls(f):
    return f(f(f(1)))


def class_body():
    class Local:
        value = {}["class body"]

    return Local


def store_attr(o):
    o.attr = 1


def store_item(t):
    t[0] = 1


def delete_item(d):
    del d["missing"]


def negative(o):
    return -o


def global_name():
    return undefined_global_name


def unbound():
    if False:
        local = 1
    return local


def contains(x):
    return 1 in x


def method_on_none(o):
    return o.method()


def call_none(f):
    return f()


def decorator_evaluation(d):
    @functools.lru_cache(d["size"])
    def cached():
        return 1

    return cached


def decorator_application():
    @None.__class__
    def applied():
        return 1

    return applied


def chained_in_if(x):
    if 1 < x < None:
        return 1


def slice_none(s):
    return s[1:2]


def augassign_attr(o):
    o.total += "x"
    return o


def percent(x):
    return "%d items" % x


def with_call(path):
    with open(path) as handle:
        return handle


class Formatted:
    def long_signature(
        self,
        first,
        second=None,
    ):
        def helper(
            value,
        ):
            return value["helper"]

        return helper(first)

    async def coro_method(self, d):
        return d["async"]


def class_scope_comprehension():
    class Table:
        rows = [r["k"] for r in [{}]]

    return Table


def two_subscripts(d):
    return d["a"] + d["b"]


def same_attribute(o):
    return o.x.x.x


def factory():
    class Made:
        def method(self, d):
            return d["made"]

    return Made()
'''

CASES = [
    ("Box.method", lambda m: m.Box().method(5)),
    ("Box.private", lambda m: m.Box().private()),
    ("Box.chained", lambda m: m.Box().chained()),
    ("Box.static", lambda m: m.Box.static({})),
    ("Box.klass", lambda m: m.Box.klass({})),
    ("Box.prop", lambda m: m.Box().prop),
    ("Box.uses_super", lambda m: m.Box().uses_super()),
    ("Box.Inner.deep", lambda m: m.Box.Inner().deep({})),
    ("decorated", lambda m: m.decorated({})),
    ("call_kwargs", lambda m: m.call_kwargs(None)),
    ("compare", lambda m: m.compare(1, 2, None)),
    ("binop", lambda m: m.binop({"x": 1, "y": 2})),
    ("multiline", lambda m: m.multiline({"a": 1, "b": 2})),
    ("closure.<locals>.inner", lambda m: m.closure({})),
    ("listcomp.<locals>.<listcomp>", lambda m: m.listcomp([{"v": 1, "w": 0}])),
    ("genexp.<locals>.<genexpr>", lambda m: m.genexp([{"v": 1, "w": 0}])),
    ("dictcomp.<locals>.<dictcomp>", lambda m: m.dictcomp([{"k": 1, "v": 1}])),
    ("lambdas", lambda m: m.lambdas([{}, {}])),
    ("with_statement", lambda m: m.with_statement(None)),
    ("for_statement", lambda m: m.for_statement(None)),
    ("if_statement", lambda m: m.if_statement({})),
    ("augassign", lambda m: m.augassign({"total": 1})),
    ("fstring", lambda m: m.fstring(object())),
    ("walrus", lambda m: m.walrus({})),
    ("assert_statement", lambda m: m.assert_statement(0)),
    ("raise_statement", lambda m: m.raise_statement(0)),
    ("handled", lambda m: m.handled({})),
    ("unicode_columns", lambda m: m.unicode_columns({})),
    ("generator", lambda m: next(m.generator({}))),
    ("coroutine", lambda m: m.asyncio.run(m.coroutine({}))),
    ("default_args", lambda m: m.default_args({})),
    ("after_string.<locals>.nested", lambda m: m.after_string({})),
    ("in_block", lambda m: m.in_block({})),
    ("tabs", lambda m: m.tabs({})),
    ("slicing", lambda m: m.slicing("abc")),
    ("star_args", lambda m: m.star_args([])),
    ("dict_display", lambda m: m.dict_display(object())),
    ("nested_calls", lambda m: m.nested_calls(None)),
    ("class_body", lambda m: m.class_body()),
    ("store_attr", lambda m: m.store_attr(None)),
    ("store_item", lambda m: m.store_item(())),
    ("delete_item", lambda m: m.delete_item({})),
    ("negative", lambda m: m.negative(None)),
    ("global_name", lambda m: m.global_name()),
    ("unbound", lambda m: m.unbound()),
    ("contains", lambda m: m.contains(5)),
    ("method_on_none", lambda m: m.method_on_none(None)),
    ("call_none", lambda m: m.call_none(None)),
    ("decorator_evaluation", lambda m: m.decorator_evaluation({})),
    ("decorator_application", lambda m: m.decorator_application()),
    ("chained_in_if", lambda m: m.chained_in_if(2)),
    ("slice_none", lambda m: m.slice_none(None)),
    ("augassign_attr", lambda m: m.augassign_attr(type("O", (), {"total": 1})())),
    ("percent", lambda m: m.percent("x")),
    ("with_call", lambda m: m.with_call("/nonexistent/framecap")),
    ("Formatted.long_signature.<locals>.helper", lambda m: m.Formatted().long_signature({})),
    ("Formatted.coro_method", lambda m: m.asyncio.run(m.Formatted().coro_method({}))),
    ("class_scope_comprehension.<locals>.Table.<listcomp>", lambda m: m.class_scope_comprehension()),
    ("factory.<locals>.Made.method", lambda m: m.factory().method({})),
    ("two_subscripts", lambda m: m.two_subscripts({"a": 1})),
    ("same_attribute", lambda m: m.same_attribute(type("O", (), {"x": None})())),
]


FOUND_WHERE_EXECUTING_IS_NOT = {"delete_item": 'd["missing"]'}


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return load_module(tmp_path_factory.mktemp("parity"), SAMPLE, "parity_sample")


def _innermost(module, call):
    try:
        call(module)
    except BaseException as error:  # noqa: B036
        tb = error.__traceback__
    found = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == module.__file__:
            found = tb
        tb = tb.tb_next
    return found


def _executing_position(tb):
    found = executing.Source.executing(tb)
    node, lines = found.node, found.source.lines
    if node is None or getattr(node, "end_lineno", None) is None:
        return None

    def column(lineno, offset):
        return len(lines[lineno - 1].encode("utf-8")[:offset].decode("utf-8", "replace")) + 1

    return (
        node.lineno,
        column(node.lineno, node.col_offset),
        node.end_lineno,
        column(node.end_lineno, node.end_col_offset),
    )


@pytest.mark.parametrize(("name", "call"), CASES, ids=[c[0] for c in CASES])
def test_positions_and_names_match_executing(sample, name, call):
    clear_caches()
    tb = _innermost(sample, call)
    with open(sample.__file__) as handle:
        lines = handle.readlines()
    plan = make_plan(tb.tb_frame, tb.tb_lasti, tb.tb_lineno, lines, Budget(60).check)
    assert plan.status is None and not plan.source_changed
    assert plan.last - plan.first < 12, "only the function (or the one around a lambda/comprehension) is parsed"
    expected_position = _executing_position(tb)
    if name in FOUND_WHERE_EXECUTING_IS_NOT and sys.version_info < (3, 11):
        text = FOUND_WHERE_EXECUTING_IS_NOT[name]  # framecap finds what executing finds on 3.11+
        column = lines[tb.tb_lineno - 1].index(text) + 1
        assert expected_position is None
        expected_position = (tb.tb_lineno, column, tb.tb_lineno, column + len(text))
    assert plan.position == expected_position
    code = tb.tb_frame.f_code
    if code.co_name in ("<listcomp>", "<setcomp>", "<dictcomp>", "<genexpr>"):
        expected = name  # as co_qualname has it (executing leaves it bare)
    else:
        expected = executing.Source.executing(tb).code_qualname()
    if sys.version_info >= (3, 11):
        assert expected == code.co_qualname
    got = code_qualname(tb.tb_frame, lines)
    assert got == expected, (got, expected)
