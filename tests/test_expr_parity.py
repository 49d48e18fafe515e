"""Failing-node positions and qualified names: framecap's (fragments) against executing's (whole files).

The same crashing code of many shapes is analysed both ways on every Python version; they must
agree. executing stays the reference: framecap hands it a parsed fragment instead of the file.
"""

import sys

import executing
import pytest
from helpers import load_module

from framecap.expr_eval import Budget
from framecap.expr_plan import make_plan
from framecap.expressions import clear_caches, code_qualname

SAMPLE = 'import asyncio\nimport functools\n\n\nclass Box:\n    def __init__(self):\n        self.items = [1, 2]\n        self.__secret = {"a": 1}\n        self.none = None\n\n    def method(self, key):\n        return self.items[key] + 1\n\n    def private(self):\n        return self.__secret["missing"]\n\n    def chained(self):\n        return self.none.attr.other\n\n    @staticmethod\n    def static(d):\n        return d["k"]\n\n    @classmethod\n    def klass(cls, d):\n        return d[cls.__name__]\n\n    @property\n    def prop(self):\n        return self.none + 1\n\n    def uses_super(self):\n        return super().missing()\n\n    class Inner:\n        def deep(self, d):\n            return d["deep"]\n\n\ndef deco(fn):\n    @functools.wraps(fn)\n    def wrapper(*args, **kwargs):\n        return fn(*args, **kwargs)\n\n    return wrapper\n\n\n@deco\ndef decorated(d):\n    return d["decorated"]\n\n\ndef call_kwargs(f):\n    return f(1, key=2, *[3], **{"x": 4})\n\n\ndef compare(a, b, c):\n    return a < b < c\n\n\ndef binop(a):\n    return a["x"] * 2 + a["y"] / 0\n\n\ndef multiline(d):\n    return (\n        d["a"]\n        + d["b"]\n        + d["zzz"]\n    )\n\n\ndef closure(data):\n    factor = 2\n\n    def inner(key):\n        return data[key] * factor\n\n    return inner("nope")\n\n\ndef listcomp(rows):\n    return [r["v"] / r["w"] for r in rows]\n\n\ndef genexp(rows):\n    return sum(r["v"] / r["w"] for r in rows)\n\n\ndef dictcomp(rows):\n    return {r["k"]: r["v"] / 0 for r in rows}\n\n\ndef lambdas(items):\n    return sorted(items, key=lambda item: item["k"])\n\n\ndef with_statement(cm):\n    with cm as handle:\n        return handle\n\n\ndef for_statement(seq):\n    for x in seq:\n        return x\n\n\ndef if_statement(d):\n    if d["flag"]:\n        return 1\n    return 0\n\n\ndef augassign(d):\n    d["total"] += "x"\n    return d\n\n\ndef fstring(o):\n    return f"{o.missing:>10}"\n\n\ndef walrus(d):\n    if (n := d["n"]) > 0:\n        return n\n    return 0\n\n\ndef assert_statement(x):\n    assert x > 1, f"x too small: {x}"\n\n\ndef raise_statement(x):\n    raise ValueError(f"bad {x}")\n\n\ndef handled(d):\n    try:\n        return d["key"] + 1\n    except KeyError as error:\n        caught = error\n    d["key"] = 1\n    raise caught\n\n\ndef unicode_columns(values):\n    s = "héllo wörld"; return s + values["ключ"]\n\n\ndef generator(d):\n    yield d["g"]\n\n\nasync def coroutine(d):\n    await asyncio.sleep(0)\n    return d["c"] + 1\n\n\ndef default_args(d, fallback=None):\n    def pick(key=d["default"]):\n        return key\n\n    return pick()\n\n\nSQL = """\nSELECT *\nFROM table\ndef fake(): pass\n"""\n\n\ndef after_string(d):\n    def nested(k):\n        return d[k]\n\n    return nested("after")\n\n\nif True:\n\n    def in_block(d):\n        return d["block"]\n\n\ndef tabs(d):\n\treturn d["tab"]\n\n\ndef slicing(s):\n    return s[1:2]["x"]\n\n\ndef star_args(args):\n    return max(*args)\n\n\ndef dict_display(a):\n    return {"k": a.missing}\n\n\ndef nested_calls(f):\n    return f(f(f(1)))\n\n\ndef class_body():\n    class Local:\n        value = {}["class body"]\n\n    return Local\n'

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
    ("listcomp", lambda m: m.listcomp([{"v": 1, "w": 0}])),
    ("genexp", lambda m: m.genexp([{"v": 1, "w": 0}])),
    ("dictcomp", lambda m: m.dictcomp([{"k": 1, "v": 1}])),
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
]


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
    lines = open(sample.__file__).readlines()
    plan = make_plan(tb.tb_frame, tb.tb_lasti, tb.tb_lineno, lines, Budget(60).check)
    assert plan.status is None and not plan.source_changed
    assert plan.last - plan.first < 12, "only the function (or the one around a lambda/comprehension) is parsed"
    assert plan.position == _executing_position(tb)
    code = tb.tb_frame.f_code
    if code.co_name in ("<listcomp>", "<setcomp>", "<dictcomp>", "<genexpr>"):
        expected = f"{name}.<locals>.{code.co_name}"  # as co_qualname has it (executing leaves it bare)
    else:
        expected = executing.Source.executing(tb).code_qualname()
    if sys.version_info >= (3, 11):
        assert expected == code.co_qualname
    got = code_qualname(tb.tb_frame, lines)
    assert got == expected, (got, expected)
