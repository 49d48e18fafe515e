"""Which sub-expressions the interpreter had already evaluated when a node raised.

Part of the expressions stage (only :mod:`framecap.expr_plan` uses it). Works on an AST whose
nodes carry ``parent`` links, and follows Python's evaluation order (the same on 3.9 to 3.13, checked
by the tests): operands before their operation, left to right; a call's function, then its
positional and starred arguments, then its keywords; an assignment's value before its targets; a
dict display's keys before their values; decorators, then defaults, then the definition.

Only what certainly ran is returned. Left out: everything after the failing node in evaluation
order, the bodies of compound statements (only their header ran), the untaken side of
``a if c else b``, the operands of ``and``/``or`` and of chained comparisons that short-circuiting
may have skipped, and code of other scopes (lambda and function bodies, comprehension interiors
seen from the enclosing frame, where their variables are not).
"""

from __future__ import annotations

import ast
import sys
from typing import Any

__all__ = ["WHOLE_STATEMENT_INSTRUCTIONS", "completed_before", "frame_scope", "statement_of"]

#: PEP 709: from 3.12 list, set and dict comprehensions run in the enclosing frame.
_OWN_FRAME_COMPREHENSIONS: tuple[type, ...] = (
    (ast.GeneratorExp,) if sys.version_info >= (3, 12) else (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


class _Found(Exception):
    """The failing node was reached: what was recorded so far is complete."""


def _parent(node: Any) -> Any:
    return getattr(node, "parent", None)


def statement_of(node: ast.AST) -> ast.stmt | None:
    """The innermost statement containing ``node`` (itself if it is one)."""
    current: Any = node
    while current is not None and not isinstance(current, ast.stmt):
        current = _parent(current)
    return current


def frame_scope(node: ast.AST) -> ast.AST | None:
    """The node whose code object runs ``node``: a def, lambda or class body, a comprehension with
    its own frame, or the module. A definition's decorators, defaults and bases, and a
    comprehension's first iterable, run in the enclosing scope."""
    child: Any = node
    current: Any = _parent(node)
    while current is not None:
        if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if any(child is s for s in current.body):
                return current
        elif isinstance(current, ast.Lambda):
            if child is current.body:
                return current
        elif isinstance(current, _OWN_FRAME_COMPREHENSIONS):
            if child is not current.generators[0]:  # type: ignore[attr-defined]
                return current  # type: ignore[return-value]
        elif isinstance(current, ast.comprehension) and isinstance(_parent(current), _OWN_FRAME_COMPREHENSIONS):
            owner = _parent(current)
            if current is not owner.generators[0] or child is not current.iter:
                return owner  # type: ignore[no-any-return]
            child, current = owner, _parent(owner)  # the first iterable: evaluated outside
            continue
        elif isinstance(current, ast.Module):
            return current
        child, current = current, _parent(current)
    return None


class _Walk:
    """Records expression nodes in the order their evaluation completed, up to the failing node."""

    def __init__(self, failing: ast.AST | None) -> None:
        self.failing = failing
        self.done: list[ast.expr] = []
        self.path: set[int] = set()  # ids of the failing node and its ancestors
        current: Any = failing
        while current is not None:
            self.path.add(id(current))
            current = _parent(current)

    def on_path(self, node: Any) -> bool:
        return node is not None and id(node) in self.path

    # -- expressions ---------------------------------------------------------------------------

    def expr(self, node: Any) -> None:
        if node is None:
            return
        if node is self.failing:
            self.operands(node)  # they completed; the failing operation did not
            raise _Found
        if not self.operands(node):
            if self.on_path(node):
                raise _Found  # inside something we don't model: stop here, conservatively
            return
        self.done.append(node)

    def operands(self, node: Any) -> bool:
        """Visit ``node``'s operands in evaluation order; False for kinds we don't model."""
        if isinstance(node, (ast.Name, ast.Constant)):
            return True
        if isinstance(node, ast.Attribute):
            self.expr(node.value)
        elif isinstance(node, ast.Subscript):
            self.expr(node.value)
            self.expr(node.slice)
        elif isinstance(node, ast.Slice):
            self.expr(node.lower)
            self.expr(node.upper)
            self.expr(node.step)
        elif isinstance(node, ast.BinOp):
            self.expr(node.left)
            self.expr(node.right)
        elif isinstance(node, ast.UnaryOp):
            self.expr(node.operand)
        elif isinstance(node, ast.BoolOp):
            self.short_circuit(node.values)
        elif isinstance(node, ast.Compare):
            self.short_circuit([node.left, *node.comparators], always=2)
        elif isinstance(node, ast.IfExp):
            self.expr(node.test)
            if self.on_path(node.body):
                self.expr(node.body)
            elif self.on_path(node.orelse):
                self.expr(node.orelse)
        elif isinstance(node, ast.Call):
            self.expr(node.func)
            for arg in node.args:
                self.expr(arg)
            for keyword in node.keywords:
                self.expr(keyword.value)
        elif isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            for elt in node.elts:
                self.expr(elt)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                self.expr(key)
                self.expr(value)
        elif isinstance(node, (ast.Starred, ast.NamedExpr)):
            self.expr(node.value)
        elif isinstance(node, ast.JoinedStr):
            for part in node.values:
                self.expr(part)
        elif isinstance(node, ast.FormattedValue):
            self.expr(node.value)
            self.expr(node.format_spec)
        elif isinstance(node, (ast.Await, ast.Yield, ast.YieldFrom)):
            self.expr(node.value)
        elif isinstance(node, ast.Lambda):
            self.arguments(node.args)  # the body is another scope
        elif isinstance(node, _COMPREHENSIONS):
            self.expr(node.generators[0].iter)
            if self.on_path(node):
                raise _Found  # the failure is inside: its variables are not this frame's
        else:
            return False
        return True

    def short_circuit(self, operands: list[Any], always: int = 1) -> None:
        """``and``/``or`` operands and chained comparisons: the first ``always`` operands always run;
        later ones only as far as the failing node shows they did."""
        reached = next((i for i, operand in enumerate(operands) if self.on_path(operand)), -1)
        for operand in operands[: max(always, reached + 1)]:
            self.expr(operand)

    def arguments(self, args: ast.arguments) -> None:
        for default in [*args.defaults, *args.kw_defaults]:
            self.expr(default)

    def target(self, node: Any, loaded: bool = False) -> None:
        """An assignment target: the parts it loads before storing (``obj`` of ``obj.a``, ``d``
        and ``k`` of ``d[k]``); with ``loaded`` (augmented assignment) the target's value too."""
        if node is self.failing and isinstance(node, (ast.Tuple, ast.List, ast.Name)):
            raise _Found  # unpacking or storing failed
        if isinstance(node, (ast.Tuple, ast.List)):
            for elt in node.elts:
                self.target(elt)
        elif isinstance(node, ast.Starred):
            self.target(node.value)
        elif isinstance(node, ast.Attribute):
            self.expr(node.value)
        elif isinstance(node, ast.Subscript):
            self.expr(node.value)
            self.expr(node.slice)
        if node is self.failing:
            raise _Found
        if loaded and isinstance(node, (ast.Attribute, ast.Subscript, ast.Name)):
            self.done.append(node)

    # -- statements: their header only --------------------------------------------------------

    def statement(self, node: Any, whole: bool = False) -> None:
        """The header of statement ``node``. ``whole``: the statement itself failed, after all of
        its header ran (a ``raise``, a failed ``assert``, a decorator being applied ...)."""
        if isinstance(node, (ast.Expr, ast.Return)):
            self.expr(node.value)
        elif isinstance(node, ast.Assign):
            self.expr(node.value)
            for target in () if whole else node.targets:  # whole: unpacking the value failed
                self.target(target)
        elif isinstance(node, ast.AugAssign):
            self.target(node.target, loaded=True)
            self.expr(node.value)
        elif isinstance(node, ast.AnnAssign):
            self.expr(node.value)
            self.target(node.target)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            self.expr(node.iter)
            if not whole:
                self.target(node.target)
        elif isinstance(node, (ast.While, ast.If)):
            self.expr(node.test)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for index, item in enumerate(node.items):
                if whole and index:
                    break  # which item's __enter__ or __exit__ failed is unknown: the first ran
                self.expr(item.context_expr)
                if item.optional_vars is not None and not whole:
                    self.target(item.optional_vars)
        elif isinstance(node, ast.Raise):
            self.expr(node.exc)
            self.expr(node.cause)
        elif isinstance(node, ast.Assert):
            self.expr(node.test)
            if whole or self.on_path(node.msg):
                self.expr(node.msg)
        elif isinstance(node, ast.Delete):
            for target in node.targets[:1] if whole else node.targets:  # whole: the first deletion failed
                self.target(target)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for decorator in node.decorator_list:
                self.expr(decorator)
            self.arguments(node.args)
        elif isinstance(node, ast.ClassDef):
            for decorator in node.decorator_list:
                self.expr(decorator)
            for base in node.bases:
                self.expr(base)
            for keyword in node.keywords:
                self.expr(keyword.value)
        elif sys.version_info >= (3, 10) and isinstance(node, ast.Match):
            self.expr(node.subject)

    def comprehension(self, node: Any) -> None:
        """One iteration of a comprehension running in its own frame, up to the failing node."""
        for index, generator in enumerate(node.generators):
            if index:
                self.expr(generator.iter)
            self.target(generator.target)
            later = [
                *node.generators[index + 1 :],
                *([node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]),
            ]
            if any(self.on_path(part) for part in later):
                conditions = generator.ifs  # the failure is further on: every condition ran (and held)
            else:
                reached = next((i for i, cond in enumerate(generator.ifs) if self.on_path(cond)), -1)
                conditions = generator.ifs[: reached + 1]
            for condition in conditions:
                self.expr(condition)
        if isinstance(node, ast.DictComp):
            self.expr(node.key)
            self.expr(node.value)
        else:
            self.expr(node.elt)


#: Statements that fail as a whole after their header ran, by the instruction that raised (used when
#: the failing node is unknown, e.g. on 3.9/3.10 where executing can't map these instructions).
WHOLE_STATEMENT_INSTRUCTIONS: dict[type, tuple[str, ...]] = {
    ast.Raise: ("RAISE_VARARGS",),
    ast.Assert: ("RAISE_VARARGS",),
    ast.For: ("GET_ITER", "FOR_ITER"),
    ast.AsyncFor: ("GET_AITER", "GET_ANEXT"),
    ast.With: ("SETUP_WITH", "BEFORE_WITH", "WITH_EXCEPT_START"),
    ast.AsyncWith: ("SETUP_ASYNC_WITH", "BEFORE_ASYNC_WITH"),
    ast.AugAssign: ("INPLACE_", "BINARY_OP"),
    ast.Assign: ("UNPACK_SEQUENCE", "UNPACK_EX"),
    ast.Delete: ("DELETE_SUBSCR", "DELETE_ATTR"),
}


def completed_before(failing: ast.AST | None, statement: ast.stmt | None = None) -> list[ast.expr]:
    """The expressions whose evaluation had completed when ``failing`` raised, in evaluation order.

    ``failing`` is the node that was executing (its operands completed, it did not); a statement
    node means the statement failed after its header ran. With ``failing`` unknown, give
    ``statement`` when it is known to have failed as a whole (see ``WHOLE_STATEMENT_INSTRUCTIONS``).
    Anything uncertain is left out: an empty list means "show nothing".
    """
    walk = _Walk(failing)
    try:
        if failing is None:
            if statement is not None:
                walk.statement(statement, whole=True)
            return walk.done
        scope = frame_scope(failing)
        if isinstance(failing, ast.stmt):
            if scope is None or isinstance(scope, (ast.Lambda, *_COMPREHENSIONS)):
                return []
            walk.statement(failing, whole=True)
            return walk.done
        if isinstance(scope, ast.Lambda):
            walk.expr(scope.body)
        elif isinstance(scope, _COMPREHENSIONS):
            walk.comprehension(scope)
        elif scope is not None:
            found = statement_of(failing)
            if found is None:
                return []
            walk.statement(found)
        return []  # the walk never reached the failing node: unsure, show nothing
    except _Found:
        return walk.done
