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
from dataclasses import dataclass, field
from types import FrameType, TracebackType
from typing import Any, List, Optional, Set, Tuple

import executing
import pure_eval

__all__ = ["Analysis", "analyze", "code_qualname", "statement_names", "trim_cache"]

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MAX_EXPRESSION_TEXT = 200


@dataclass
class Analysis:
    """Plain results for one traceback entry."""

    #: ``(lineno, colno, end_lineno, end_colno)`` of the failing node, 1-based columns, in characters.
    position: Optional[Tuple[int, int, int, int]] = None
    #: ``(source text, value)`` pairs, nearest the failing node first.
    values: List[Tuple[str, Any]] = field(default_factory=list)
    #: Names the executing statement uses (for module frames).
    names: Set[str] = field(default_factory=set)
    #: Why part of the analysis is missing, if it is.
    error: Optional[str] = None


def code_qualname(frame: FrameType) -> Optional[str]:
    """``Class.method`` / ``outer.<locals>.inner`` on Pythons without ``co_qualname``."""
    try:
        name = executing.Source.for_frame(frame).code_qualname(frame.f_code)
        return name if isinstance(name, str) else None
    except Exception:
        return None


def statement_names(tb: TracebackType, context_line: Optional[str]) -> Set[str]:
    """Names used by the statement running at ``tb``; the identifiers on ``context_line`` if unknown."""
    try:
        statements = executing.Source.executing(tb).statements
        if statements:
            return {node.id for stmt in statements for node in ast.walk(stmt) if isinstance(node, ast.Name)}
    except Exception:
        pass
    return set(_IDENTIFIER.findall(context_line or ""))


def _char_column(lines: List[str], lineno: int, byte_offset: int) -> int:
    """ast columns count UTF-8 bytes; the context line is shown in characters."""
    line = lines[lineno - 1] if 0 < lineno <= len(lines) else ""
    if line.isascii():
        return byte_offset
    return len(line.encode("utf-8")[:byte_offset].decode("utf-8", "replace"))


def _depth_below(node: ast.AST, ancestor: ast.AST) -> Optional[int]:
    """How many parent links from ``node`` up to ``ancestor`` (None if it is not below it)."""
    depth = 0
    current: Any = node
    while current is not None:
        if current is ancestor:
            return depth
        current = getattr(current, "parent", None)
        depth += 1
    return None


def analyze(tb: TracebackType, with_values: bool, max_values: int) -> Analysis:
    """Position of the failing node and (``with_values``) up to ``max_values`` pure expression values."""
    result = Analysis()
    try:
        found = executing.Source.executing(tb)
    except Exception as error:
        result.error = f"executing failed: {type(error).__name__}"
        return result
    source = found.source
    node = found.node
    statements = list(found.statements or ())
    result.names = {n.id for stmt in statements for n in ast.walk(stmt) if isinstance(n, ast.Name)}
    lines = list(getattr(source, "lines", ()) or ())
    if node is not None and getattr(node, "end_lineno", None) is not None:
        try:
            result.position = (
                node.lineno, _char_column(lines, node.lineno, node.col_offset) + 1,
                node.end_lineno, _char_column(lines, node.end_lineno, node.end_col_offset) + 1,
            )
        except Exception:
            result.position = None
    if not with_values or not statements or max_values <= 0:
        return result
    try:
        evaluator = pure_eval.Evaluator.from_frame(tb.tb_frame)
        groups = evaluator.interesting_expressions_grouped(statements[0])
    except Exception as error:
        result.error = f"pure_eval failed: {type(error).__name__}"
        return result
    text = getattr(source, "text", "") or ""
    ranked = []
    for nodes, value in groups:
        first = nodes[0]
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
    seen: Set[str] = set()
    for _, _, _, first, value in ranked:
        if len(result.values) >= max_values:
            break
        try:
            segment = ast.get_source_segment(text, first) or ""
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


def trim_cache(max_sources: int) -> None:
    """Keep executing's parsed-source cache to the ``max_sources`` most recent files (it grows without bound)."""
    try:
        cache = executing.Source.__dict__.get("__source_cache_with_lines")
        if isinstance(cache, dict):
            while len(cache) > max_sources:
                cache.pop(next(iter(cache)))
    except Exception:
        pass
