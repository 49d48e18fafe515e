"""Reading an event's shape, shared by ``framecap show`` and ``framecap serve``: how exceptions
relate (``mechanism``), which source lines a frame has and where its failing range is, and which
frames repeat a recursion. Everything here takes event data of any shape and never raises on it."""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "MAX_CYCLE",
    "RELATION",
    "as_list",
    "chain_source",
    "collapse_recursion",
    "failing_ranges",
    "mechanism",
    "member_index",
    "numbered_source",
    "package_of",
]

#: Python's words between chained exceptions, by the mechanism's ``source``.
RELATION = {
    "__cause__": "The above exception was the direct cause of the following exception:",
    "__context__": "During handling of the above exception, another exception occurred:",
}
MAX_CYCLE = 8  # longest run of frames recognised as one repeated recursion step

Numbered = list[tuple[int, str, tuple[Any, ...]]]  # (line number, text, where in the frame)


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def mechanism(value: dict[str, Any]) -> dict[str, Any]:
    found = value.get("mechanism")
    return found if isinstance(found, dict) else {}


def chain_source(value: dict[str, Any]) -> str:
    """How an exception hangs off its parent: ``__cause__``, ``__context__``, ``exceptions[2]``, or ""."""
    source = mechanism(value).get("source")
    return source if isinstance(source, str) else ""


def member_index(value: dict[str, Any]) -> int:
    found = re.search(r"\d+", chain_source(value))
    return int(found.group()) if found else 0


def package_of(frame: dict[str, Any]) -> str:
    module = frame.get("module")
    if isinstance(module, str) and module:
        return module.split(".")[0]
    name = str(frame.get("filename") or frame.get("abs_path") or "?")
    return name.replace("\\", "/").split("/")[0] or "?"


def numbered_source(frame: dict[str, Any]) -> tuple[int, Numbered] | None:
    """The frame's line number and its source lines numbered (pre, the line, post), or None without source."""
    line = frame.get("context_line")
    if line is None:
        return None
    lineno: Any = frame.get("lineno") if isinstance(frame.get("lineno"), int) else 0
    pre = [t for t in as_list(frame.get("pre_context")) if isinstance(t, str)]
    post = [t for t in as_list(frame.get("post_context")) if isinstance(t, str)]
    numbered = (
        [(lineno - len(pre) + i, t, ("pre_context", i)) for i, t in enumerate(pre)]
        + [(lineno, str(line), ("context_line",))]
        + [(lineno + 1 + i, t, ("post_context", i)) for i, t in enumerate(post)]
    )
    return lineno, numbered


def failing_ranges(frame: dict[str, Any], lines: dict[int, str]) -> dict[int, tuple[int, int]]:
    """0-based ``[start, end)`` columns of the failing range on each shown line (``colno`` is 1-based)."""
    data: Any = frame.get("data") if isinstance(frame.get("data"), dict) else {}
    lineno = frame.get("lineno")
    start_line = data.get("start_lineno", lineno)
    start_col = data.get("start_colno", frame.get("colno"))
    end_line, end_col = data.get("end_lineno", start_line), data.get("end_colno")
    if not all(isinstance(v, int) for v in (start_line, start_col, end_line)) or end_line < start_line:
        return {}
    out = {}
    for number in range(start_line, end_line + 1):
        text = lines.get(number)
        if text is None:
            continue
        stripped = text.rstrip()
        a = start_col - 1 if number == start_line else len(text) - len(text.lstrip())
        b = end_col - 1 if number == end_line and isinstance(end_col, int) else len(stripped)
        a = max(0, min(a, len(stripped)))
        b = max(a + 1, min(b, max(len(stripped), a + 1)))
        out[number] = (a, b)
    return out


def _frame_key(frame: dict[str, Any]) -> tuple[Any, ...]:
    return (frame.get("abs_path") or frame.get("filename"), frame.get("lineno"), frame.get("function"))


def collapse_recursion(
    frames: list[dict[str, Any]], start: int, stop: int, full: bool = False
) -> list[tuple[Any, ...]]:
    """Items ``("frame", index)`` and ``("repeat", k, times)`` for ``frames[start:stop]``, by Python's
    rule: a line repeated shows 3 times, then "[Previous line repeated N more times]"; a cycle of
    ``k`` frames shows once, then "[Previous k frames repeated N more times]". ``full``: no collapsing."""
    keys = [_frame_key(f) for f in frames]
    items: list[tuple[Any, ...]] = []
    i = start
    while i < stop:
        best = None
        if not full:
            for k in range(1, MAX_CYCLE + 1):
                if i + 2 * k > stop:
                    break
                times = 1
                while i + (times + 1) * k <= stop and keys[i + times * k : i + (times + 1) * k] == keys[i : i + k]:
                    times += 1
                if (k == 1 and times > 3) or (k > 1 and times >= 2 and (times - 1) * k >= 3):
                    best = (k, times)
                    break
        if best is None:
            items.append(("frame", i))
            i += 1
            continue
        k, times = best
        shown = 3 if k == 1 else 1
        items += [("frame", j) for j in range(i, i + shown * k)]
        items.append(("repeat", k, times - shown))
        i += times * k
    return items
