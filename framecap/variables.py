"""Which local variables a frame contributes, read once and bounded in count.

Only picks names and values; the serializer renders them. A module-level frame's locals are the
module's globals, so there only the names its failing statement uses are taken.
"""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Collection
from types import FrameType
from typing import Any

__all__ = ["is_module_frame", "local_items"]

_SKIP = frozenset({"__tracebackhide__", "__builtins__"})


def is_module_frame(frame: FrameType) -> bool:
    """A frame whose locals are its globals: module bodies and ``exec`` of module-level code.

    Function frames are told apart by their code flags, without touching ``f_locals`` (which, before
    Python 3.13, rebuilds the locals dict on every access).
    """
    try:
        if frame.f_code.co_flags & inspect.CO_NEWLOCALS:
            return False
        return frame.f_locals is frame.f_globals
    except Exception:
        return False


def local_items(frame: FrameType, limit: int, only: Collection[str] | None = None) -> tuple[list[tuple[str, Any]], int]:
    """Return ``(first `limit` (name, value) pairs, how many there were)``.

    ``only`` restricts the names (used for module frames). Reads ``f_locals`` once; on
    Python 3.13 that is a write-through proxy, iterated, never copied whole.
    """
    try:
        scope = frame.f_locals
    except Exception:
        return [], 0
    if only is not None:
        picked = [(name, scope[name]) for name in only if name in scope and name not in _SKIP]
        picked.sort(key=lambda item: item[0])
        return picked[:limit], len(picked)
    pairs = (
        (k, v) for k, v in scope.items() if k not in _SKIP and not k.startswith(".")
    )  # ".0": a comprehension's iterator
    kept = list(itertools.islice(pairs, limit))
    total = len(kept) + sum(1 for _ in pairs) if len(kept) == limit else len(kept)
    return kept, total
