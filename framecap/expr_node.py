"""The failing node of a traceback entry, found in a parsed fragment. Part of the expressions stage.

On 3.11+ the instruction's exact position usually names one node of the expected kind; anything
else goes to executing's node finders, handed the fragment instead of the whole file (positions
on 3.11+, a compiled comparison before). executing's memos are emptied after each use.
"""

from __future__ import annotations

import ast
import dis
import itertools
import sys
from collections.abc import Sequence
from types import CodeType, FrameType, SimpleNamespace
from typing import Any

from .expr_order import statement_of
from .expr_source import Fragment
from .expr_verify import same_offset

__all__ = ["find_node", "opname"]

_HAS_POSITIONS = sys.version_info >= (3, 11)
_MAX_SENTINEL_LINES = 5_000  # before 3.11 executing compiles the source once per candidate node


class _FragmentSource:
    """What executing's node finders read from a ``Source``: the nodes by line."""

    def __init__(self, fragment: Fragment) -> None:
        self._nodes_by_line = fragment.by_line
        self.tree = fragment.tree


def opname(code: CodeType, lasti: int) -> str | None:
    """The instruction at ``lasti`` (``co_code`` holds unspecialized instructions on every version)."""
    raw = code.co_code
    return dis.opname[raw[lasti]] if 0 <= lasti < len(raw) else None


# Instructions whose failing node is simply the one node at the instruction's exact position
# (3.11+): (node kind, context). Anything else, or anything ambiguous, goes to executing.
_QUICK: dict[str, tuple[type, type | None]] = {
    "BINARY_SUBSCR": (ast.Subscript, ast.Load),
    "BINARY_SLICE": (ast.Subscript, ast.Load),
    "STORE_SUBSCR": (ast.Subscript, ast.Store),
    "DELETE_SUBSCR": (ast.Subscript, ast.Del),
    "BINARY_OP": (ast.BinOp, None),
    "COMPARE_OP": (ast.Compare, None),
    "CONTAINS_OP": (ast.Compare, None),
    "LOAD_ATTR": (ast.Attribute, ast.Load),
    "LOAD_METHOD": (ast.Attribute, ast.Load),
    "STORE_ATTR": (ast.Attribute, ast.Store),
    "DELETE_ATTR": (ast.Attribute, ast.Del),
    "CALL": (ast.Call, None),
    "CALL_KW": (ast.Call, None),
    "CALL_FUNCTION_EX": (ast.Call, None),
    "UNARY_NEGATIVE": (ast.UnaryOp, None),
    "UNARY_INVERT": (ast.UnaryOp, None),
    "LOAD_GLOBAL": (ast.Name, ast.Load),
    "LOAD_NAME": (ast.Name, ast.Load),
    "LOAD_DEREF": (ast.Name, ast.Load),
    "LOAD_FAST_CHECK": (ast.Name, ast.Load),
}


def _quick_node(code: CodeType, lasti: int, fragment: Fragment, positions: Sequence[Any] | None) -> Any:
    """The failing node when the instruction's position names exactly one node of the expected kind
    (most failures), without disassembling the code (executing does, for every new code object)."""
    wanted = _QUICK.get(opname(code, lasti) or "")
    if wanted is None:
        return None
    if positions is not None:
        position = positions[lasti // 2] if 0 <= lasti // 2 < len(positions) else None
    else:
        position = next(itertools.islice(code.co_positions(), lasti // 2, None), None)
    if position is None or position[0] is None:
        return None
    kind, ctx = wanted
    found: list[Any] = []
    for candidate in fragment.by_line.get(position[0], ()):
        if type(candidate) is not kind or (ctx is not None and not isinstance(getattr(candidate, "ctx", None), ctx)):
            continue
        span = (candidate.lineno, candidate.end_lineno, candidate.col_offset, candidate.end_col_offset)  # type: ignore[attr-defined]
        if span == position:
            found.append(candidate)
    if len(found) != 1:
        return None
    node = found[0]
    parent = getattr(node, "parent", None)
    if isinstance(node, ast.Compare) and len(node.ops) > 1:
        return None  # chained comparisons: executing knows the compiler's quirks
    if isinstance(parent, ast.withitem) or node in getattr(parent, "decorator_list", ()):
        return None  # __enter__/__exit__ and decorator calls share these positions
    return node


# Before 3.11 (no instruction positions): instructions only one kind of node makes, by kind and
# context; when the failing statement holds exactly one such node, it is the one.
_BINARY = {
    "BINARY_POWER": ast.Pow,
    "BINARY_MULTIPLY": ast.Mult,
    "BINARY_MATRIX_MULTIPLY": ast.MatMult,
    "BINARY_FLOOR_DIVIDE": ast.FloorDiv,
    "BINARY_TRUE_DIVIDE": ast.Div,
    "BINARY_MODULO": ast.Mod,
    "BINARY_ADD": ast.Add,
    "BINARY_SUBTRACT": ast.Sub,
    "BINARY_LSHIFT": ast.LShift,
    "BINARY_RSHIFT": ast.RShift,
    "BINARY_AND": ast.BitAnd,
    "BINARY_XOR": ast.BitXor,
    "BINARY_OR": ast.BitOr,
}
_UNIQUE: dict[str, tuple[type, type | None]] = {
    "BINARY_SUBSCR": (ast.Subscript, ast.Load),
    "STORE_SUBSCR": (ast.Subscript, ast.Store),
    "DELETE_SUBSCR": (ast.Subscript, ast.Del),
    "LOAD_ATTR": (ast.Attribute, ast.Load),
    "LOAD_METHOD": (ast.Attribute, ast.Load),
    "STORE_ATTR": (ast.Attribute, ast.Store),
    "DELETE_ATTR": (ast.Attribute, ast.Del),
    "COMPARE_OP": (ast.Compare, None),
    "IS_OP": (ast.Compare, None),
    "CONTAINS_OP": (ast.Compare, None),
    **{name: (ast.BinOp, None) for name in _BINARY},
}


def _name_arg(code: CodeType, lasti: int) -> str | None:
    """The name an ``*_ATTR``/``LOAD_METHOD`` instruction uses (before 3.11: ``co_names[arg]``)."""
    raw, arg, index, shift = code.co_code, code.co_code[lasti + 1], lasti - 2, 8
    while index >= 0 and dis.opname[raw[index]] == "EXTENDED_ARG":
        arg |= raw[index + 1] << shift
        index, shift = index - 2, shift + 8
    return code.co_names[arg] if arg < len(code.co_names) else None


def _unique_node(code: CodeType, lasti: int, statements: set[Any]) -> Any:
    """Before 3.11: the one node of the statement(s) that can have made the failing instruction."""
    name = opname(code, lasti) or ""
    wanted = _UNIQUE.get(name)
    if wanted is None or any(n.startswith("@py") for n in (*code.co_names, *code.co_varnames)):
        return None  # (pytest rewrites assertions: executing knows how to read such code)
    kind, ctx = wanted
    attribute = _name_arg(code, lasti) if kind is ast.Attribute else None
    found = []
    for statement in statements:
        for node in ast.walk(statement):
            if type(node) is not kind or (ctx is not None and not isinstance(getattr(node, "ctx", None), ctx)):
                continue
            if kind is ast.Compare and len(node.ops) != 1:  # type: ignore[attr-defined]
                return None  # a chain: one node, several comparisons
            if kind is ast.BinOp and type(node.op) is not _BINARY[name]:  # type: ignore[attr-defined]
                continue
            if attribute is not None and not (
                node.attr == attribute or (node.attr.startswith("__") and attribute.endswith(node.attr))  # type: ignore[attr-defined]
            ):
                continue
            found.append(node)
            if len(found) > 1:
                return None
    return found[0] if found else None


def find_node(
    frame: FrameType, lasti: int, lineno: int, fragment: Fragment, positions: Sequence[Any] | None
) -> tuple[Any, Any]:
    """``(node, statements at the line)`` with executing's node finder on the fragment.

    For module-level code on 3.11+ the finder is shown the fragment's own compiled code (the same
    instructions at the same positions): it disassembles the whole code object it is given.
    """
    statements = {statement_of(node) for node in fragment.by_line.get(lineno, ())} - {None}
    if not statements:
        return None, statements
    import executing.executing as found_by  # (loaded with the first analysis)

    if _HAS_POSITIONS:
        node = _quick_node(frame.f_code, lasti, fragment, positions)
    else:
        node = _unique_node(frame.f_code, lasti, statements)
    if node is not None:
        return node, statements
    code: Any = frame
    if positions is not None and fragment.compiled is not None:
        offset = same_offset(frame.f_code, fragment.compiled, lasti, positions)
        if offset is None:
            return None, statements
        code, lasti = SimpleNamespace(f_code=fragment.compiled, f_lineno=lineno), offset
    try:
        if _HAS_POSITIONS or not fragment.whole_file or fragment.last <= _MAX_SENTINEL_LINES:
            # executing's finder for this Python: an alias it picks by version and does not re-export
            node_finder: Any = vars(found_by)["NodeFinder"]
            finder = node_finder(code, statements, fragment.tree, lasti, _FragmentSource(fragment))
            node = finder.result
            if node is not None and getattr(finder, "decorator", None) is not None:
                node = statement_of(node)  # a decorator being applied: the whole header ran
    except Exception:
        node = None
    finally:
        _clear_executing_caches(found_by)
    return node, statements


def _clear_executing_caches(module: Any) -> None:
    """executing memoizes per node and per code object without bound: fragments must not stay alive."""
    for holder, name in (
        (module, "statement_containing_node"),
        (sys.modules.get("executing._position_node_finder"), "get_instructions"),
    ):
        clear = getattr(getattr(holder, name, None), "cache_clear", None)
        if clear is not None:
            clear()
