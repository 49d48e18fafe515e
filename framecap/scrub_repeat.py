"""The same dict met again in one event: scrubbed once, its result copied.

A WSGI ``environ`` is a local of every middleware frame (seven in a Flask stack), and the serializer
renders each frame's copy alike. Judging a dict depends only on its data, its ``_meta``, the tier and
name it sits under and whether its strings are reprs (nothing in the privacy stage reads further up
the path), so an equal dict under an equal name gets the same result: its data and its ``_meta``
are copied from the first one's, and its secrets were remembered with the first.

Compared at C speed (serialized data holds only dicts, lists, strings, numbers, booleans and None:
``==`` runs none of the program's code); only dicts of :data:`MIN_KEYS` keys or more, a bounded
number per event.
"""

from __future__ import annotations

from typing import Any

from .echo import meta_node
from .serialize_text import copied

__all__ = ["MIN_KEYS", "Repeats"]

#: Smaller dicts are judged as fast as they are compared.
MIN_KEYS = 8
_MAX_KINDS = 64  # (name, tier, reprs, size) kinds remembered per event
_MAX_PER_KIND = 4


class Repeats:
    """One event's dicts judged so far, by (name, tier, reprs, size): their data and ``_meta`` before and
    after."""

    __slots__ = ("_seen",)

    def __init__(self) -> None:
        self._seen: dict[tuple[Any, ...], list[tuple[Any, Any, Any, Any]]] = {}

    def before(self, value: dict[str, Any], path: tuple[Any, ...], tier: int, reprs: bool, meta: dict[str, Any]) -> Any:
        """The result for ``value`` if an equal dict was judged already (``value`` and its ``_meta`` are then
        made the result); else a token to pass to :meth:`after` once ``value`` is judged (None: not kept)."""
        kind = (path[-1], tier, reprs, len(value))
        found = self._seen.get(kind)
        own_meta = meta_node(meta, path, create=False)
        if found:
            for data, data_meta, result, result_meta in found:
                if data == value and data_meta == own_meta:
                    value.clear()
                    value.update(copied(result))
                    _graft(meta, path, result_meta)
                    return True
            if len(found) >= _MAX_PER_KIND:
                return None
        elif len(self._seen) >= _MAX_KINDS:
            return None
        return (kind, copied(value), copied(own_meta))

    def after(self, token: Any, value: dict[str, Any], path: tuple[Any, ...], meta: dict[str, Any]) -> None:
        """Remember how the dict :meth:`before` saw was judged."""
        kind, data, data_meta = token
        result_meta = copied(meta_node(meta, path, create=False))
        self._seen.setdefault(kind, []).append((data, data_meta, copied(value), result_meta))


def _graft(meta: dict[str, Any], path: tuple[Any, ...], node: dict[str, Any]) -> None:
    """Make ``node`` (a copy of it) the ``_meta`` at ``path``, or remove what is there when it is empty."""
    parent = meta_node(meta, path[:-1], create=bool(node))
    key = str(path[-1])
    if node:
        parent[key] = copied(node)
    elif key in parent:
        del parent[key]
