"""What ``executing`` and ``pure_eval`` tell about a traceback entry.

- the function's qualified name (for Pythons without ``co_qualname``);
- the node that was executing at the entry's instruction (``tb_lasti``: a frame that caught the
  exception still points at the raise site), with its position in characters;
- the values of the pure sub-expressions of the executing statement, nearest the failing node first
  (pure_eval never runs properties, ``__getattr__`` or other user code).

Every function is guarded: when executing or pure_eval cannot work on a frame, the caller gets
less (``None``, empty) and an error message, never an exception. executing's parsed-source cache
is kept bounded.
"""

from __future__ import annotations

import ast
import re
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import FrameType, TracebackType
from typing import Any

import executing
import pure_eval

__all__ = ["Analysis", "analyze", "code_qualname", "line_names", "statement_names", "trim_cache"]

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MAX_EXPRESSION_TEXT = 200


@dataclass
class Analysis:
    """Plain results for one traceback entry."""

    #: ``(lineno, colno, end_lineno, end_colno)`` of the failing node, 1-based columns, in characters.
    position: tuple[int, int, int, int] | None = None
    #: ``(source text, value)`` pairs, nearest the failing node first.
    values: list[tuple[str, Any]] = field(default_factory=list)
    #: Names the executing statement uses (for module frames).
    names: set[str] = field(default_factory=set)
    #: Why part of the analysis is missing, if it is.
    error: str | None = None


def code_qualname(frame: FrameType) -> str | None:
    """``Class.method`` / ``outer.<locals>.inner`` on Pythons without ``co_qualname``."""
    try:
        name = executing.Source.for_frame(frame).code_qualname(frame.f_code)
        return name if isinstance(name, str) else None
    except Exception:
        return None


def _names(statements: Any) -> set[str]:
    return {node.id for stmt in statements for node in ast.walk(stmt) if isinstance(node, ast.Name)}


def line_names(context_line: str | None) -> set[str]:
    """The identifiers on a source line: the fallback when the statement can't be found."""
    return set(_IDENTIFIER.findall(context_line or ""))


def statement_names(tb: TracebackType, context_line: str | None) -> set[str]:
    """Names used by the statement running at ``tb``; the identifiers on ``context_line`` if unknown."""
    try:
        statements = executing.Source.executing(tb).statements
        if statements:
            return _names(statements)
    except Exception:
        pass
    return line_names(context_line)


def _char_column(lines: Sequence[str], lineno: int, byte_offset: int) -> int:
    """ast columns count UTF-8 bytes; the context line is shown in characters."""
    line = lines[lineno - 1] if 0 < lineno <= len(lines) else ""
    if line.isascii():
        return byte_offset
    return len(line.encode("utf-8")[:byte_offset].decode("utf-8", "replace"))


def _depth_below(node: ast.AST, ancestor: ast.AST) -> int | None:
    """How many parent links from ``node`` up to ``ancestor`` (None if it is not below it)."""
    depth = 0
    current: Any = node
    while current is not None:
        if current is ancestor:
            return depth
        current = getattr(current, "parent", None)
        depth += 1
    return None


def _segment(lines: Any, node: ast.AST) -> str:
    """The source text of ``node`` from the file's lines (ast columns are UTF-8 byte offsets)."""
    first, last = node.lineno, node.end_lineno  # type: ignore[attr-defined]
    if not (0 < first <= last <= len(lines)):
        return ""
    if first == last:
        raw = lines[first - 1].encode("utf-8")[node.col_offset : node.end_col_offset]  # type: ignore[attr-defined]
        return raw.decode("utf-8", "replace")
    parts = [lines[first - 1].encode("utf-8")[node.col_offset :].decode("utf-8", "replace")]  # type: ignore[attr-defined]
    parts += list(lines[first : last - 1])
    parts.append(lines[last - 1].encode("utf-8")[: node.end_col_offset].decode("utf-8", "replace"))  # type: ignore[attr-defined]
    return "\n".join(parts)


_UNKNOWN = object()
_positions: OrderedDict[tuple[Any, int], tuple[int, int, int, int] | None] = OrderedDict()


def analyze(tb: TracebackType, with_values: bool, max_values: int, with_names: bool = False) -> Analysis:
    """Position of the failing node, (``with_values``) up to ``max_values`` pure expression values, and
    (``with_names``) the names the statement uses."""
    key = (tb.tb_frame.f_code, tb.tb_lasti)
    if not with_values and not with_names:
        cached = _positions.get(key, _UNKNOWN)  # one lookup: other threads may evict at any time
        if cached is not _UNKNOWN:
            return Analysis(position=cached)  # type: ignore[arg-type]
    result = Analysis()
    try:
        found = executing.Source.executing(tb)
    except Exception as error:
        result.error = f"executing failed: {type(error).__name__}"
        return result
    source: Any = found.source
    node: Any = found.node
    statements = list(found.statements or ())
    if with_names:
        result.names = _names(statements)
    lines: Sequence[str] = getattr(source, "lines", None) or ()
    if node is not None and getattr(node, "end_lineno", None) is not None:
        try:
            result.position = (
                node.lineno,
                _char_column(lines, node.lineno, node.col_offset) + 1,
                node.end_lineno,
                _char_column(lines, node.end_lineno, node.end_col_offset) + 1,
            )
        except Exception:
            result.position = None
    _positions[key] = result.position  # depends on the code object and instruction only
    while len(_positions) > 4096:
        try:
            _positions.popitem(last=False)
        except KeyError:
            break
    if not with_values or not statements or max_values <= 0:
        return result
    try:
        evaluator = pure_eval.Evaluator.from_frame(tb.tb_frame)
        groups = evaluator.interesting_expressions_grouped(statements[0])
    except Exception as error:
        result.error = f"pure_eval failed: {type(error).__name__}"
        return result
    ranked = []
    for nodes, value in groups:
        first: Any = nodes[0]
        if isinstance(first, ast.Name):
            continue  # a plain name is a variable: already among the locals
        depths = [d for d in (_depth_below(n, node) for n in nodes) if d is not None] if node is not None else []
        if depths:
            rank = (0, min(depths), 0)
        else:
            distance = min(abs(n.lineno - (node.lineno if node is not None else n.lineno)) for n in nodes)
            rank = (1, distance, first.col_offset)
        ranked.append((rank, first.lineno, first.col_offset, first, value))
    ranked.sort(key=lambda item: item[:3])
    seen: set[str] = set()
    for _, _, _, first, value in ranked:
        if len(result.values) >= max_values:
            break
        try:
            segment = _segment(lines, first)
        except Exception:
            segment = ""
        segment = " ".join(segment.split())
        if not segment or segment in seen:
            continue
        if len(segment) > _MAX_EXPRESSION_TEXT:
            segment = segment[: _MAX_EXPRESSION_TEXT - 3] + "..."
        seen.add(segment)
        result.values.append((segment, value))
    return result


def trim_cache(max_sources: int, max_nodes: int = 4096) -> None:
    """Bound executing's caches, which grow without limit: parsed sources (the ``max_sources`` most
    recent kept) and found nodes per code object and instruction (which also hold sources)."""
    for name, bound in (("__source_cache_with_lines", max_sources), ("__executing_cache", max_nodes)):
        try:
            cache = executing.Source.__dict__.get(name)
            if isinstance(cache, dict) and len(cache) > bound:
                for key in list(cache)[: len(cache) - bound]:
                    cache.pop(key, None)
        except Exception:
            pass
