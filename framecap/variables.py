"""Which local variables a frame contributes, read once and bounded in count.

Only picks names and values; the serializer renders them. A module-level frame's locals are the
module's globals, so there only the names its failing statement uses are taken. The locals are
copied at C speed before anything else runs (a ``__repr__`` or another thread may change them
later), keys of any type are kept as they are (``locals()[42] = True`` is legal in a module or
``exec``), and a locals mapping that fails to be read costs only this frame's variables.
"""

from __future__ import annotations

import inspect
import itertools
import operator
from collections.abc import Collection
from types import FrameType
from typing import Any

__all__ = ["is_module_frame", "local_items"]

_KEY = operator.itemgetter(0)
_SKIP = frozenset({"__tracebackhide__", "__builtins__", ".0"})  # ".0": a comprehension's iterator


def is_module_frame(frame: FrameType) -> bool:
    """A frame whose locals are its globals: module bodies and ``exec`` of module-level code.

    Function frames are told apart by their code flags, without touching ``f_locals`` (which, before
    Python 3.13, rebuilds the locals dict on every access).
    """
    try:
        if frame.f_code.co_flags & inspect.CO_NEWLOCALS:
            return False
        return frame.f_locals is frame.f_globals
    except BaseException:  # noqa: B036 - a locals mapping that can't be read is not the module's
        return False


def _skipped(key: Any) -> bool:
    return type(key) is str and (key in _SKIP or key.startswith("."))


def _plain_names(keys: list[Any]) -> bool:
    """Every key a ``str`` (the type itself: a subclass's ``__hash__`` is the program's code), none skipped,
    none starting with ``.``: the common case, told at C speed (types compared by identity, joined once)."""
    if not all(map(operator.is_, map(type, keys), itertools.repeat(str))) or not _SKIP.isdisjoint(keys):
        return False
    joined = "\0".join(keys)
    return not joined.startswith(".") and "\0." not in joined


def local_items(
    frame: FrameType, limit: int, only: Collection[str] | None = None
) -> tuple[list[tuple[Any, Any]], int, str | None]:
    """Return ``(first `limit` (name, value) pairs, how many there were, why they couldn't be read)``.

    ``only`` restricts the names (used for module frames). Reads ``f_locals`` once: a dict (module
    frames, and function frames before 3.13) is copied in C, at most ``limit`` items and the few
    skipped names; 3.13's write-through proxy is listed (function locals are few); any other
    mapping (``exec`` or a class body with custom locals) runs its own code, so is guarded.
    """
    try:
        scope = frame.f_locals
        if only is not None:
            if type(scope) is dict:
                picked = [
                    (name, dict.__getitem__(scope, name)) for name in only if name in scope and not _skipped(name)
                ]
            else:
                picked = [(name, scope[name]) for name in only if name in scope and not _skipped(name)]
            picked.sort(key=lambda item: item[0])
            return picked[:limit], len(picked), None
        if type(scope) is dict:
            head = list(itertools.islice(dict.items(scope), limit + len(_SKIP)))
            if len(head) == len(scope):  # every key in hand: no lookup (a key's __eq__ is the program's code)
                keys = list(map(_KEY, head))
                if _plain_names(keys):  # the common case, at C speed
                    return head[:limit], len(head), None
                total = len(head) - sum(1 for key in keys if type(key) is str and key in _SKIP)
            else:
                total = len(scope) - sum(map(scope.__contains__, _SKIP))
        else:
            head = list(scope.items())
            total = len(head)
        kept = [item for item in head if type(item[0]) is not str or (item[0] not in _SKIP and item[0][:1] != ".")]
        if type(scope) is not dict:
            total = len(kept)
        return kept[:limit], max(total, min(len(kept), limit)), None
    except BaseException as error:  # noqa: B036 - a custom locals mapping: only this frame's variables are lost
        return [], 0, f"locals could not be read: {type(error).__name__}"
