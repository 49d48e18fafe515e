"""What ``executing`` can tell about a traceback entry: the function's qualified name and the failing statement.

Every call is guarded: when executing cannot work on a frame (no source, odd code), the caller
gets ``None`` and carries on with less.
"""

from __future__ import annotations

import ast
import re
from types import FrameType, TracebackType
from typing import Optional, Set

import executing

__all__ = ["code_qualname", "statement_names"]

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def code_qualname(frame: FrameType) -> Optional[str]:
    """``Class.method`` / ``outer.<locals>.inner`` on Pythons without ``co_qualname``."""
    try:
        name = executing.Source.for_frame(frame).code_qualname(frame.f_code)
        return name if isinstance(name, str) else None
    except Exception:
        return None


def statement_names(tb: TracebackType, context_line: Optional[str]) -> Set[str]:
    """Names used by the statement that was running at ``tb`` (by ``tb_lasti``, not the frame's current one).

    Falls back to the identifiers on ``context_line`` when executing can't find the statement.
    """
    try:
        found = executing.Source.executing(tb)
        statements = found.statements
        if statements:
            return {node.id for stmt in statements for node in ast.walk(stmt) if isinstance(node, ast.Name)}
    except Exception:
        pass
    return set(_IDENTIFIER.findall(context_line or ""))
