"""Plans: what one failing instruction shows, worked out once per (code object, instruction).

Part of the expressions stage. A plan holds the failing node's position, the names its statement
uses, and the sub-expressions that had certainly been evaluated when it raised (ranked, with their
source text): a warm capture at a known site only evaluates them. Plans hold no frames,
tracebacks or values, only small AST subtrees (parent links cut) and strings; the cache is bounded
in count and bytes, and its size is reported by :func:`cache_size`.

The failing node is found by :mod:`framecap.expr_node` in the parsed fragment.
"""

from __future__ import annotations

import ast
import sys
import threading
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from types import CodeType, FrameType
from typing import Any, Callable

from .expr_node import find_node, opname
from .expr_order import WHOLE_STATEMENT_INSTRUCTIONS, completed_before, statement_of
from .expr_source import (
    MAX_WHOLE_CHARS,
    MAX_WHOLE_LINES,
    Fragment,
    code_kind,
    module_statement,
    parse_fragment,
    parse_whole,
)
from .expr_verify import verify

__all__ = ["Plan", "PlanCache", "make_plan"]

_HAS_POSITIONS = sys.version_info >= (3, 11)
_MAX_CANDIDATES = 100  # the most values a frame can show (max_expression_values is at most 100)
_MAX_TEXT = 200
_CO_NEWLOCALS = 0x0002
_KEPT = (ast.Attribute, ast.Subscript, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.Call)
_DISPLAYS = (ast.List, ast.Tuple, ast.Set, ast.Dict)
SOURCE_CHANGED = "skipped: source changed since import"
TOO_LARGE = "skipped: source too large"


@dataclass(frozen=True)
class Plan:
    """What to show for one (code object, instruction): plain data and small AST subtrees."""

    position: tuple[int, int, int, int] | None
    status: str | None
    source_changed: bool
    names: frozenset[str] | None
    candidates: tuple[tuple[str, ast.expr], ...]
    local_names: frozenset[str] | None
    first: int  # the source lines the plan was made from, and a digest of them
    last: int
    digest: int
    size: int = 0

    def fresh(self, lines: Sequence[str]) -> bool:
        """Whether ``lines`` still hold the text this plan was made from."""
        return self.last <= len(lines) and hash(tuple(lines[self.first - 1 : self.last])) == self.digest


class PlanCache:
    """Plans by (code object, instruction offset), least recently used dropped past ``max_plans`` or
    ``max_bytes``. Code objects are held weakly (by id, checked through a weak reference)."""

    def __init__(self, max_plans: int = 1024, max_bytes: int = 1_500_000) -> None:
        self.max_plans, self.max_bytes = max_plans, max_bytes
        self._plans: OrderedDict[tuple[int, int], tuple[Any, Plan]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, code: CodeType, lasti: int) -> Plan | None:
        key = (id(code), lasti)
        with self._lock:
            entry = self._plans.get(key)
            if entry is None:
                return None
            if entry[0]() is not code:  # another code object now lives at that address
                self._drop(key)
                return None
            self._plans.move_to_end(key)
            return entry[1]

    def put(self, code: CodeType, lasti: int, plan: Plan) -> None:
        key = (id(code), lasti)
        try:
            ref = weakref.ref(code)
        except TypeError:
            return
        with self._lock:
            if key in self._plans:
                self._drop(key)
            self._plans[key] = (ref, plan)
            self._bytes += plan.size
            while self._plans and (len(self._plans) > self.max_plans or self._bytes > self.max_bytes):
                self._drop(next(iter(self._plans)))

    def _drop(self, key: tuple[int, int]) -> None:
        entry = self._plans.pop(key, None)
        if entry is not None:
            self._bytes -= entry[1].size

    def size(self) -> tuple[int, int]:
        """``(plans, bytes)`` kept."""
        with self._lock:
            return len(self._plans), self._bytes + sys.getsizeof(self._plans) + 200 * len(self._plans)

    def clear(self) -> None:
        with self._lock:
            self._plans.clear()
            self._bytes = 0


# -- ranking and text -----------------------------------------------------------------------------


def _char_column(lines: Sequence[str], lineno: int, byte_offset: int) -> int:
    """ast columns count UTF-8 bytes; the context line is shown in characters."""
    line = lines[lineno - 1] if 0 < lineno <= len(lines) else ""
    if line.isascii():
        return byte_offset
    return len(line.encode("utf-8")[:byte_offset].decode("utf-8", "replace"))


def _segment(lines: Sequence[str], node: Any) -> str:
    """The source text of ``node``, whitespace collapsed (ast columns are UTF-8 byte offsets)."""
    first, last = node.lineno, node.end_lineno
    if last is None or not (0 < first <= last <= len(lines)):
        return ""
    if first == last:
        text = lines[first - 1].encode("utf-8")[node.col_offset : node.end_col_offset].decode("utf-8", "replace")
    else:
        parts = [lines[first - 1].encode("utf-8")[node.col_offset :].decode("utf-8", "replace")]
        parts += lines[first : last - 1]
        parts.append(lines[last - 1].encode("utf-8")[: node.end_col_offset].decode("utf-8", "replace"))
        text = " ".join(parts)
    text = " ".join(text.split())
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 3] + "..."


def _depth_below(node: Any, ancestor: Any) -> int | None:
    depth, current = 0, node
    while current is not None:
        if current is ancestor:
            return depth
        current = getattr(current, "parent", None)
        depth += 1
    return None


def _literal(node: ast.AST) -> bool:
    try:
        ast.literal_eval(node)
    except Exception:
        return False
    return True


def _wanted(node: ast.expr) -> bool:
    """Worth evaluating: not a plain name (the locals show it), a literal, or a store target
    (except an augmented assignment's, which was read first)."""
    if not isinstance(node, _KEPT + _DISPLAYS):
        return False
    if isinstance(getattr(node, "ctx", None), (ast.Store, ast.Del)):
        parent = getattr(node, "parent", None)
        if not (isinstance(parent, ast.AugAssign) and parent.target is node):
            return False
    return not (isinstance(node, _DISPLAYS + (ast.UnaryOp, ast.BinOp, ast.Call)) and _literal(node))


def _candidates(done: list[ast.expr], reference: Any, lines: Sequence[str]) -> list[tuple[str, ast.expr]]:
    """Ranked like the failing node sees them: its own operands first (nearest first), then the
    rest of the statement by line distance and column; one entry per source text."""
    ranked = []
    for node in done:
        if not _wanted(node):
            continue
        depth = _depth_below(node, reference) if reference is not None else None
        if depth is not None:
            rank: tuple[int, ...] = (0, depth)
        else:
            distance = abs(node.lineno - reference.lineno) if reference is not None else 0
            rank = (1, distance)
        ranked.append((rank, node.lineno, node.col_offset, node))
    ranked.sort(key=lambda item: item[:3])
    out: list[tuple[str, ast.expr]] = []
    seen: set[str] = set()
    for *_, node in ranked:
        text = _segment(lines, node)
        if text and text not in seen:
            seen.add(text)
            out.append((text, node))
            if len(out) >= _MAX_CANDIDATES:
                break
    return out


_SHARED = (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)


def _copy(node: Any, memo: dict[int, Any]) -> Any:
    """``node``'s subtree without positions or parent links (shared subtrees stay shared)."""
    found = memo.get(id(node))
    if found is None:
        fields = {}
        for name in node._fields:
            value = getattr(node, name, None)
            if type(value) is list:
                value = [_copy(v, memo) if isinstance(v, ast.AST) and not isinstance(v, _SHARED) else v for v in value]
            elif isinstance(value, ast.AST) and not isinstance(value, _SHARED):
                value = _copy(value, memo)
            fields[name] = value
        found = memo[id(node)] = type(node)(**fields)
    return found


def _kept(candidates: list[tuple[str, ast.expr]]) -> tuple[list[tuple[str, ast.expr]], int]:
    """Copies of the candidate subtrees, small and free of the fragment (which another plan of the
    same capture may still use, and which is then freed), and the bytes they keep."""
    memo: dict[int, Any] = {}
    kept = [(text, _copy(node, memo)) for text, node in candidates]
    size = sum(sys.getsizeof(text) + 64 for text, _ in kept)
    size += sum(sys.getsizeof(node) + sys.getsizeof(node.__dict__) for node in memo.values())
    return kept, size


# -- making a plan ----------------------------------------------------------------------------


def _fragment(
    code: CodeType, lasti: int, lines: Sequence[str], check: Callable[[], None], positions: Sequence[Any] | None
) -> tuple[Fragment | None, str | None, bool]:
    """``(verified fragment, status, source changed)``: the function's own lines first, the whole file second."""
    kind = code_kind(code)
    fragment: Fragment | None = None
    if kind != "module":
        fragment = parse_fragment(code, lines, code.co_firstlineno, check)
    elif positions is not None and 0 <= lasti // 2 < len(positions):
        position = positions[lasti // 2]
        if position[0]:
            fragment = module_statement(code.co_filename, lines, position[0], position[1] or position[0], check)
    if fragment is not None:
        check()
        if verify(fragment, code, positions):
            return fragment, None, False
    if len(lines) > MAX_WHOLE_LINES or sum(map(len, lines)) > MAX_WHOLE_CHARS:
        return None, TOO_LARGE, False
    whole = parse_whole(lines, code.co_filename, check)
    if whole is None:
        return None, None, False  # not Python source (a template?), or a file now broken: nothing to show
    check()
    if verify(whole, code):
        return whole, None, False
    return None, SOURCE_CHANGED, True


def make_plan(
    frame: FrameType,
    lasti: int,
    lineno: int,
    lines: Sequence[str],
    check: Callable[[], None],
    fragments: dict[int, Any] | None = None,
) -> Plan:
    """Work out the plan for the instruction ``lasti`` of ``frame``'s code, which raised at ``lineno``.

    ``check`` raises when the time budget is spent (a plan cut short is never cached). ``fragments``
    keeps the parsed fragments of one capture, for frames of the same function (recursion).
    """
    code = frame.f_code
    module_like = code_kind(code) in ("module", "class")
    local_names = (
        frozenset(code.co_varnames + code.co_cellvars + code.co_freevars) if code.co_flags & _CO_NEWLOCALS else None
    )
    # module-level code: its positions once (read again per instruction, they cost on large modules)
    positions = list(code.co_positions()) if _HAS_POSITIONS and code_kind(code) == "module" else None
    if fragments is not None and positions is None and id(code) in fragments:
        fragment, status, changed = fragments[id(code)]
    else:
        fragment, status, changed = _fragment(code, lasti, lines, check, positions)
        if fragments is not None and positions is None:
            fragments[id(code)] = (fragment, status, changed)
    if fragment is None:  # remembered against the failing line only: hashing a huge file per capture costs
        line = min(max(lineno, 1), max(len(lines), 1))
        return Plan(None, status, changed, None, (), local_names, line, line, hash(tuple(lines[line - 1 : line])))
    check()
    node, statements = find_node(frame, lasti, lineno, fragment, None if fragment.whole_file else positions)
    statement = statement_of(node) if node is not None else (next(iter(statements)) if len(statements) == 1 else None)
    position = None
    if node is not None and getattr(node, "end_lineno", None) is not None:
        position = (
            node.lineno,
            _char_column(lines, node.lineno, node.col_offset) + 1,
            node.end_lineno,
            _char_column(lines, node.end_lineno, node.end_col_offset) + 1,
        )
    if node is not None:
        done = completed_before(node)
    elif (
        statement is not None
        and (name := opname(code, lasti))
        and any(name.startswith(prefix) for prefix in WHOLE_STATEMENT_INSTRUCTIONS.get(type(statement), ()))
    ):
        done = completed_before(None, statement)
    else:
        done = []
    names = None
    if module_like and statement is not None:
        names = frozenset(n.id for n in ast.walk(statement) if isinstance(n, ast.Name))
    candidates, size = _kept(_candidates(done, node if node is not None else statement, lines))
    size += 600 + (sum(sys.getsizeof(n) for n in names) if names else 0)
    first, last = fragment.first, fragment.last
    if fragment.whole_file and statement is not None:  # checked at every use: the statement's lines suffice
        first, last = statement.lineno, statement.end_lineno or statement.lineno
    digest = hash(tuple(lines[first - 1 : last]))
    return Plan(position, None, False, names, tuple(candidates), local_names, first, last, digest, size)
