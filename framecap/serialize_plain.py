"""Which values the serializer can walk on the capturing thread: those whose walk runs none of the
program's code (exact builtin types, as far as the walk looks), so no helper thread is needed."""

from __future__ import annotations

import builtins
import itertools
from typing import Any

from . import usercode

__all__ = ["PLAIN_NODES", "plain", "plain_pairs"]

_NONE = type(None)
#: Exact types whose serialization runs none of the program's code.
# (by id: a class's metaclass may make hashing or comparing the class itself run code)
_PLAIN = frozenset(map(id, {int, float, complex, str, bytes, bool, _NONE} | usercode.INLINE_REPR))
_PLAIN_CONTAINERS = frozenset(map(id, (list, tuple, dict, set, frozenset)))
_DICT = id(dict)
#: How much is looked at before the walk goes to a helper thread anyway.
PLAIN_NODES = 256
#: Builtin exception types with BaseException's repr: their repr runs only their ``args``' (often the
#: caught exception itself, in an ``except ... as error`` frame).
_PLAIN_ERRORS = frozenset(
    id(t)
    for t in vars(builtins).values()
    if isinstance(t, type) and issubclass(t, BaseException) and t.__repr__ is BaseException.__repr__
)


def plain(values: list[Any]) -> bool:
    """Whether rendering ``values`` whole (every item, at any depth) runs none of the program's code
    (exact builtin types all the way down, at most :data:`PLAIN_NODES` looked at)."""
    stack, seen = values, 0
    try:
        while stack:
            value = stack.pop()
            seen += 1
            if seen > PLAIN_NODES:
                return False
            t = id(type(value))
            if t in _PLAIN:
                continue
            if t in _PLAIN_ERRORS:
                value = value.args  # an exact builtin type: its own C getter
                t = id(tuple)
            if t not in _PLAIN_CONTAINERS or seen + len(value) > PLAIN_NODES:
                return False
            stack.extend(itertools.chain(value.keys(), value.values()) if type(value) is dict else value)
    except Exception:  # a container another thread changes meanwhile: let the helper walk it
        return False
    return True


def plain_pairs(pairs: list[tuple[Any, Any]], max_depth: int, max_breadth: int) -> bool:
    """Whether the serializer's walk of ``pairs`` (a dict's items) runs none of the program's code.

    As the walk does, only the first ``max_breadth`` items of a container are looked at, and no item
    of one ``max_depth`` levels down (it is shown as ``<list with N items>``): a big builtin list
    needs no helper. Keys and builtin exceptions are rendered by ``repr``, whole: they are checked
    whole (:func:`plain`).
    """
    if 2 * len(pairs) > PLAIN_NODES:
        return False
    keys = [key for key, _ in pairs if id(type(key)) not in _PLAIN]
    if keys and not plain(keys):
        return False
    level, seen, depth = [value for _, value in pairs], 0, 1
    try:
        while level:
            below: list[Any] = []
            for value in level:
                seen += 1
                if seen > PLAIN_NODES:
                    return False
                t = id(type(value))
                if t in _PLAIN:
                    continue
                if t in _PLAIN_ERRORS:
                    if not plain(list(value.args)):
                        return False
                    continue
                if t not in _PLAIN_CONTAINERS:
                    return False
                if depth >= max_depth:
                    continue  # only its length is read
                if t == _DICT:
                    items = list(itertools.islice(dict.items(value), max_breadth))
                    keys = [key for key, _ in items if id(type(key)) not in _PLAIN]
                    if keys and not plain(keys):
                        return False
                    below.extend(item for _, item in items)
                else:
                    below.extend(itertools.islice(value, max_breadth))
            level, depth = below, depth + 1
    except Exception:  # a container another thread changes meanwhile: let the helper walk it
        return False
    return True
