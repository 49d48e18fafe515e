"""Evaluation order: what ``completed_before`` says ran must really have run, on this interpreter.

Each statement below is run for real with every sub-expression wrapped in a call that logs its
completion, and with one chosen node made to fail right after its operands ran. The nodes that
``completed_before`` returns for that failing node must all be among the logged ones.
"""

import ast
import sys

import pytest

from framecap.expr_order import completed_before, frame_scope

STATEMENTS = [
    "r = a + b * c",
    "r = d['k'] + o.x.y - lst[1:2][0]",
    "r = f(a, *lst, k=b, **m)",
    "r = f(k=b, *lst)",
    "r = {a: b, **d, c: a}",
    "r = [a, *lst, b]",
    "r = a if c else b",
    "r = a if b else c",
    "r = c and a",
    "r = a and b and c and d",
    "r = c or a or b",
    "r = a < b < c < d['k']",
    "r = c < a < b",
    "r = not a",
    "r = -a + ~b",
    "d['x'] = o.x = a + b",
    "lst[a], o.z = b, c",
    "d['k'] += a * b",
    "o.x += b",
    "r: int = a + b",
    "r = (w := a + b) * w",
    "r = f'{a + b}-{o.x!r:>{b}}'",
    "r = [x + a for x in lst if x > b]",
    "r = {x: x * a for x in lst}",
    "r = sorted(lst, key=lambda v: v + a)",
    "r = lst[f(a):f(b)]",
    "if a + b > c: r = d['k']",
    "while c > a + b: pass",
    "for x in lst[a:]: r = x",
    "with ctx(a + b) as o.w, ctx(c): r = a",
    "assert a + b, f(c)",
    "del d['k'], o.temp",
    "raise Boom(a + b) from Boom(c)",
    "@deco(a + b)\ndef g(x=a * b, *, y=c + a): return x",
    "@deco(a)\nclass K(Base, metaclass=Meta): z = a",
]


class Boom(Exception):
    pass


class _Fail(Exception):
    pass


class _Obj:
    pass


def _environment(log):
    o = _Obj()
    o.x = _Obj()
    o.x.y = 5
    o.temp = 1

    class Ctx:
        def __init__(self, value):
            self.value = value

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    def done(tag, value):
        log.append(tag)
        return value

    def fail(tag, value):
        raise _Fail(tag)

    return {
        "a": 1,
        "b": 2,
        "c": 0,
        "d": {"k": 3, "x": 4},
        "lst": [1, 2, 3],
        "m": {"m": 1},
        "o": o,
        "f": lambda *args, **kwargs: 1,
        "ctx": Ctx,
        "deco": lambda *args: lambda target: target,
        "Base": object,
        "Meta": type,
        "Boom": Boom,
        "_done": done,
        "_fail": fail,
    }


def _parented(tree):
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            child.parent = node
    return tree


def _wrappable(node):
    parent = getattr(node, "parent", None)
    if not isinstance(node, ast.expr) or isinstance(node, (ast.Starred, ast.Slice, ast.FormattedValue)):
        return False
    if isinstance(getattr(node, "ctx", None), (ast.Store, ast.Del)):
        return False
    if isinstance(parent, ast.JoinedStr) or (isinstance(parent, ast.FormattedValue) and node is parent.format_spec):
        return False
    return not (isinstance(parent, ast.Subscript) and isinstance(node, ast.Tuple) and node is parent.slice)


class _Wrap(ast.NodeTransformer):
    """Replace each wrappable node by ``_done(id, node)`` (``_fail`` for the failing one)."""

    def __init__(self, ids, failing_id):
        self.ids, self.failing_id = ids, failing_id

    def generic_visit(self, node):
        original = self.ids.get(id(node))
        node = super().generic_visit(node)
        if original is None:
            return node
        helper = "_fail" if original == self.failing_id else "_done"
        call = ast.Call(ast.Name(helper, ast.Load()), [ast.Constant(original), node], [])
        return ast.copy_location(call, node)


def _cases():
    for source in STATEMENTS:
        tree = _parented(ast.parse(source))
        for node in ast.walk(tree):
            if _wrappable(node) and not isinstance(frame_scope(node), (ast.Lambda, ast.FunctionDef, ast.ClassDef)):
                yield source, ast.unparse(node) if hasattr(ast, "unparse") else type(node).__name__


def _run(source, failing_text):
    tree = _parented(ast.parse(source))
    nodes = [n for n in ast.walk(tree) if _wrappable(n)]
    ids = {id(n): i for i, n in enumerate(nodes)}
    failing = next(
        n for n in nodes if (ast.unparse(n) if hasattr(ast, "unparse") else type(n).__name__) == failing_text
    )
    expected = completed_before(failing)
    copy = _parented(ast.parse(source))  # the same shape, wrapped
    copy_ids = {id(n): ids[id(m)] for n, m in zip([n for n in ast.walk(copy) if _wrappable(n)], nodes)}
    wrapped = ast.fix_missing_locations(_Wrap(copy_ids, ids[id(failing)]).visit(copy))
    log = []
    namespace = _environment(log)
    try:
        exec(compile(wrapped, "<order>", "exec"), namespace)
    except _Fail:
        return nodes, ids, expected, set(log)
    return nodes, ids, expected, None  # never ran (an untaken branch): it can't have failed


@pytest.mark.skipif(sys.version_info < (3, 9), reason="ast.unparse")
@pytest.mark.parametrize(("source", "failing_text"), sorted(set(_cases())))
def test_completed_nodes_really_ran(source, failing_text):
    nodes, ids, expected, logged = _run(source, failing_text)
    if logged is None:
        return
    claimed = {ids[id(n)] for n in expected if id(n) in ids}
    assert claimed <= logged, [ast.unparse(nodes[i]) for i in claimed - logged]
