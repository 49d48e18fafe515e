"""Evaluate planned expressions with pure_eval, bounded in cost and time.

Part of the expressions stage (used by :mod:`framecap.expressions`). pure_eval decides what is
*pure* (no user code: no properties, ``__getattr__``, ``__eq__`` of user types ...); this module adds
a **cost gate** in front of it, because pure is not cheap: ``[0] * width``, ``7 ** n``,
``items * factor`` or ``sorted(big)`` are pure and may take seconds and gigabytes. An operation whose
cost grows with its operands is evaluated only when its operands are small (see ``_small``) and,
for repetition, powers, shifts and ``%``-formatting, when its result is bounded too. Lookups whose
cost doesn't depend on the data (names, attributes, indexing a sequence, ``len``, ``not``,
``and``/``or``, ``is``) are always allowed. Every node evaluated checks the deadline.
"""

from __future__ import annotations

import ast
import datetime
import decimal
import fractions
import re
from collections import OrderedDict, deque
from collections.abc import Iterator, Mapping
from types import FrameType
from typing import Any, Callable

import pure_eval
from pure_eval import utils as pure_eval_utils
from pure_eval.utils import CannotEval

from .expr_attr import getattr_static
from .expr_budget import Budget, OutOfTime

# pure_eval's helpers carry no annotations: typed once here, so that their callers are checked.
has_ast_name: Callable[[Any, ast.AST], bool] = pure_eval_utils.has_ast_name

__all__ = [
    "MAX_BITS",
    "Budget",
    "MAX_CHARS",
    "MAX_ITEMS",
    "MAX_TOTAL_CHARS",
    "CannotEval",
    "FrameNames",
    "GatedEvaluator",
    "OutOfTime",
    "interesting",
]

#: Largest operand of a costly operation: ints of this many bits, strings/bytes of this many
#: characters, containers of this many items (counted deeply), and the size of a result built by
#: repetition, ``**``, ``<<`` or ``%``-formatting.
MAX_BITS = 1024
MAX_CHARS = 10_000
MAX_ITEMS = 1_000
#: Characters of all the strings in one container together (``str(rows)`` copies them all).
MAX_TOTAL_CHARS = 100_000
_MAX_PARSE_CHARS = 1_000  # int("...")/float("..."): conversion is quadratic before 3.11
_MAX_ROUND_DIGITS = 1_000  # round(x, -n) builds 10**n
_MAX_DEPTH = 10

# Types are compared by identity (``id`` sets): ``kind in (dict, ...)`` would call the ``__eq__`` of
# a user metaclass.
_SCALARS = frozenset(map(id, (bool, float, complex, type(None), datetime.date, datetime.time, datetime.datetime)))
_TEXTS = frozenset(map(id, (str, bytes, bytearray)))
_SEQUENCES = frozenset(map(id, (str, bytes, bytearray, list, tuple)))
_CONTAINERS = frozenset(map(id, (tuple, list, set, frozenset, dict, OrderedDict, deque)))
_MAPPINGS = frozenset(map(id, (dict, OrderedDict)))
_SCANNED = frozenset(map(id, (dict, OrderedDict, deque)))
_EXACT_NUMBERS = frozenset(map(id, (decimal.Decimal, fractions.Fraction)))
_PERCENT = re.compile(rb"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d*))?")


def _small(value: Any, budget: list[int] | None = None, depth: int = 0) -> bool:
    """Whether ``value`` is a standard value of bounded size (``MAX_*`` above), checked in bounded time."""
    kind = type(value)
    if kind is int:
        return value.bit_length() <= MAX_BITS  # type: ignore[no-any-return]
    if id(kind) in _SCALARS:
        return True
    if id(kind) in _TEXTS:
        if budget is not None:
            budget[1] -= len(value)
            if budget[1] < 0:
                return False
        return len(value) <= MAX_CHARS
    if kind is decimal.Decimal:
        sign, digits, exponent = value.as_tuple()
        return len(digits) <= 100 and (not isinstance(exponent, int) or abs(exponent) <= 1000)
    if kind is fractions.Fraction:
        return bool(value.numerator.bit_length() <= MAX_BITS and value.denominator.bit_length() <= MAX_BITS)
    if kind is slice:
        return all(_small(part, budget, depth + 1) for part in (value.start, value.stop, value.step))
    if id(kind) not in _CONTAINERS or depth > _MAX_DEPTH:
        return False
    if budget is None:
        budget = [MAX_ITEMS, MAX_TOTAL_CHARS]
    budget[0] -= len(value)
    if budget[0] < 0:
        return False
    items = (part for pair in value.items() for part in pair) if id(kind) in _MAPPINGS else value
    return all(_small(item, budget, depth + 1) for item in items)


def _length(value: Any) -> int | None:
    return len(value) if id(type(value)) in _SEQUENCES else None


def _repeated(value: Any) -> int | None:
    """The length of a sequence that ``*`` repeats (a deque too)."""
    return len(value) if id(type(value)) in _SEQUENCES or type(value) is deque else None


def _integer(value: Any) -> bool:
    return type(value) is int or type(value) is bool  # True << n is an int shift


def _gate_binop(ev: GatedEvaluator, node: ast.BinOp) -> None:
    left, right = ev[node.left], ev[node.right]
    if not (_small(left) and _small(right)):
        raise CannotEval
    op = type(node.op)
    if op is ast.Mult:
        for seq, count in ((left, right), (right, left)):
            size = _repeated(seq)
            if size is not None and _integer(count):
                limit = MAX_CHARS if id(type(seq)) in _TEXTS else MAX_ITEMS
                if size * max(count, 0) > limit:
                    raise CannotEval
    elif op is ast.Pow:
        if id(type(left)) in _EXACT_NUMBERS or id(type(right)) in _EXACT_NUMBERS:
            raise CannotEval
        if _integer(left) and _integer(right) and right > 0 and left.bit_length() * right > MAX_BITS:
            raise CannotEval
    elif op is ast.LShift:
        if _integer(left) and _integer(right) and left.bit_length() + right > MAX_BITS:
            raise CannotEval
    elif op is ast.Mod and (type(left) is str or type(left) is bytes):
        template = left.encode("utf-8", "replace") if isinstance(left, str) else left
        width = 0
        for match in _PERCENT.finditer(template):
            for part in match.groups():
                if part == b"*":
                    raise CannotEval
                width += int(part) if part else 0
        if width > MAX_CHARS:
            raise CannotEval


def _gate_unary(ev: GatedEvaluator, node: ast.UnaryOp) -> None:
    if not isinstance(node.op, ast.Not) and not _small(ev[node.operand]):
        raise CannotEval  # -x, +x, ~x copy the number; truthiness is free


def _gate_compare(ev: GatedEvaluator, node: ast.Compare) -> None:
    if all(isinstance(op, (ast.Is, ast.IsNot)) for op in node.ops):
        return
    if not _small(ev[node.left]):
        raise CannotEval
    for op, operand in zip(node.ops, node.comparators):
        if not isinstance(op, (ast.Is, ast.IsNot)) and not _small(ev[operand]):
            raise CannotEval


def _gate_subscript(ev: GatedEvaluator, node: ast.Subscript) -> None:
    value = ev[node.value]
    kind = type(value)
    if id(kind) in _SCANNED and len(value) > MAX_ITEMS:
        raise CannotEval  # pure_eval checks every key of a dict; deque indexing walks it
    index = node.slice
    if isinstance(index, ast.Slice):
        parts = [None if p is None else ev[p] for p in (index.lower, index.upper, index.step)]
        size = _length(value)
        if size is None:
            return
        try:
            count = len(range(*slice(*parts).indices(size)))
        except Exception:
            raise CannotEval from None
        if count > (MAX_CHARS if id(kind) in _TEXTS else MAX_ITEMS):
            raise CannotEval
    else:
        key = ev[index]
        if type(key) is not int and not _small(key):
            raise CannotEval  # pure_eval checks a key deeply; a dict hashes and compares it


def _gate_display(ev: GatedEvaluator, node: Any) -> None:
    """``{a, b}`` and ``{k: v}`` hash their elements (keys)."""
    for element in node.keys if isinstance(node, ast.Dict) else node.elts:
        if element is not None and not _small(ev[element]):
            raise CannotEval


_FREE_CALLS = frozenset(map(id, (len, id, type, bool, slice, range)))  # constant cost whatever the argument


def _gate_call(ev: GatedEvaluator, node: ast.Call) -> None:
    if node.keywords:
        return  # pure_eval refuses calls with keywords
    func = ev[node.func]
    if id(func) in _FREE_CALLS:
        return
    args = [ev[arg] for arg in node.args]
    if not all(_small(arg) for arg in args):
        raise CannotEval
    if (func is int or func is float or func is complex) and args and id(type(args[0])) in _TEXTS:
        if len(args[0]) > _MAX_PARSE_CHARS:
            raise CannotEval
    elif func is round and len(args) > 1 and (type(args[1]) is not int or abs(args[1]) > _MAX_ROUND_DIGITS):
        raise CannotEval
    elif func is pow and len(args) == 2:
        _gate_binop(ev, ast.BinOp(left=node.args[0], op=ast.Pow(), right=node.args[1]))


_GATES: dict[type, Callable[[Any, Any], None]] = {
    ast.BinOp: _gate_binop,
    ast.UnaryOp: _gate_unary,
    ast.Compare: _gate_compare,
    ast.Subscript: _gate_subscript,
    ast.Call: _gate_call,
    ast.Set: _gate_display,
    ast.Dict: _gate_display,
}


class GatedEvaluator(pure_eval.Evaluator):
    """pure_eval's evaluator with the cost gate and a deadline checked at every node."""

    def __init__(self, names: Mapping[str, Any], budget: Budget) -> None:
        super().__init__(names)
        self._check = budget.check

    def _handle(self, node: ast.expr) -> Any:
        self._check()
        kind = type(node)
        gate = _GATES.get(kind)
        if gate is not None:
            try:
                gate(self, node)
            except (CannotEval, OutOfTime):
                raise
            except Exception:  # e.g. a dict another thread resized while we looked: just not this value
                raise CannotEval from None
        # pure_eval first tries ast.literal_eval on every node (an exception for each that isn't a
        # literal); these can't be literals, so they go straight to its handler for their kind.
        if kind is ast.Name:
            try:
                return self.names[node.id]  # type: ignore[attr-defined]
            except KeyError:
                raise CannotEval from None
        if kind is ast.Attribute:
            return getattr_static(self[node.value], node.attr)  # type: ignore[attr-defined]
        if kind is ast.Constant:
            return node.value  # type: ignore[attr-defined]
        handler = _DIRECT.get(kind)
        if handler is not None and not _maybe_literal(node):
            return handler(self, node)
        return super()._handle(node)


def _maybe_literal(node: Any) -> bool:
    """What ``ast.literal_eval`` could accept among these kinds: ``-1``, ``1+2j``, ``set()``."""
    if isinstance(node, ast.UnaryOp):
        return isinstance(node.operand, ast.Constant)
    if isinstance(node, ast.BinOp):
        return isinstance(node.left, (ast.Constant, ast.UnaryOp)) and isinstance(node.right, ast.Constant)
    if isinstance(node, ast.Call):
        return not node.args and not node.keywords
    return False


_DIRECT: dict[type, Callable[[Any, Any], Any]] = {
    kind: method
    for kind, name in (
        (ast.Subscript, "_handle_subscript"),
        (ast.Compare, "_handle_compare"),
        (ast.BoolOp, "_handle_boolop"),
        (ast.BinOp, "_handle_binop"),
        (ast.UnaryOp, "_handle_unary"),
        (ast.Call, "_handle_call"),
    )
    if callable(method := getattr(pure_eval.Evaluator, name, None))
}


class FrameNames(Mapping):  # type: ignore[type-arg]
    """Variable lookup as the frame's code does it: a function's own variables only from its
    locals (an unbound local is not a global), other names from globals then builtins; class and
    module bodies look in their namespace first. Only real dicts are read, never a user mapping."""

    def __init__(self, frame: FrameType, local_names: frozenset[str] | None) -> None:
        self._frame = frame
        self._local_names = local_names
        self._locals: Any = None

    def _namespace(self) -> Any:
        if self._locals is None:
            self._locals = self._frame.f_locals  # read once, and only when needed
        return self._locals

    def __getitem__(self, name: str) -> Any:
        if self._local_names is None or name in self._local_names:
            space = self._namespace()
            if isinstance(space, dict):
                if dict.__contains__(space, name):
                    return dict.__getitem__(space, name)
            elif type(space).__name__ == "FrameLocalsProxy" and name in space:  # 3.13: a view, no user code
                return space[name]
            if self._local_names is not None:
                raise KeyError(name)
        for space in (self._frame.f_globals, self._frame.f_builtins):
            if isinstance(space, dict) and dict.__contains__(space, name):
                return dict.__getitem__(space, name)
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def interesting(node: ast.expr, value: Any) -> bool:
    """pure_eval's rule, minus the literal check done when planning: ``self.method`` is not worth showing."""
    return not has_ast_name(value, node)
