"""Sentry's ``_meta``: where every cut, drop and substitution of an event is recorded.

``_meta`` mirrors the event's shape: each key is a path segment (list indices as strings) and
``""`` holds the remarks for the value at that path: ``{"len": original length, "rem": [[rule,
type, start, end], ...]}``. Every stage writes through :func:`record` (a subtree at a path) or
:func:`remark` (one remark at a path), so paths are spelled one way.

Text cuts are recorded before they are made: the serializer keeps up to :data:`CUT_MARGIN`
characters past each limit, so the privacy stage sees a secret that straddles the cut whole;
:func:`apply_cuts` then makes the cuts, walking ``_meta`` (not the event) and moving ranges.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

__all__ = [
    "CUT_MARGIN",
    "ELLIPSIS",
    "Meta",
    "apply_cuts",
    "cut_remark",
    "find",
    "mark_margins",
    "node",
    "record",
    "remark",
]

#: A ``_meta`` subtree: ``{"": {"len": ..., "rem": [...]}, "<child>": {...}}``.
Meta = dict[str, Any]

#: Characters kept past a text limit until the privacy stage has run: a secret that starts before
#: a cut and ends within this margin after it is scrubbed whole, never sent in part.
CUT_MARGIN = 512
ELLIPSIS = "..."
_LIMIT = "!limit"
_KEPT = "!kept"  # a text's length before the privacy stage; removed by apply_cuts


def node(meta: Meta, path: Sequence[Any]) -> Meta:
    """The ``_meta`` node at ``path`` (created as needed; a non-dict in the way is replaced)."""
    current = meta
    for part in path:
        key = str(part)
        child = current.get(key)
        if not isinstance(child, dict):
            child = current[key] = {}
        current = child
    return current


def find(meta: Meta, path: Sequence[Any]) -> Meta | None:
    """The ``_meta`` node at ``path`` if there is one (nothing is created)."""
    current: Any = meta
    for part in path:
        current = current.get(str(part)) if isinstance(current, dict) else None
        if current is None:
            return None
    return current if isinstance(current, dict) else None


def record(meta: Meta, path: Sequence[Any], subtree: Meta | None) -> None:
    """Merge a ``_meta`` subtree (as a stage returned it for its value) in at ``path``."""
    if not subtree:
        return
    target = node(meta, path)
    for key, value in subtree.items():
        if key == "" and isinstance(value, dict) and isinstance(target.get(""), dict):
            _merge_remarks(target[""], value)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            record(target, (key,), value)
        else:
            target[key] = value


def remark(
    meta: Meta, path: Sequence[Any], rule: str = _LIMIT, kind: str = "x", length: int | None = None, span: Any = None
) -> None:
    """Record one remark at ``path``: ``rule`` (``!limit`` for cuts), ``kind`` (``x`` removed,
    ``s`` substituted), the original ``length`` if known, the ``span`` ``(start, end)`` if any."""
    here = node(meta, path).setdefault("", {})
    if length is not None:
        here["len"] = length
    entry = [rule, kind] if span is None else [rule, kind, span[0], span[1]]
    rem = here.setdefault("rem", [])
    if entry not in rem:
        rem.append(entry)


def _merge_remarks(target: dict[str, Any], extra: dict[str, Any]) -> None:
    if "len" in extra:
        target["len"] = extra["len"]
    for entry in extra.get("rem") or ():
        target.setdefault("rem", [])
        if entry not in target["rem"]:
            target["rem"].append(entry)


def cut_remark(limit: int) -> list[Any]:
    """The remark of a text cut to ``limit`` characters (the last three are the ellipsis)."""
    return [_LIMIT, "x", limit - len(ELLIPSIS), limit]


def _pending(meta: Meta, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], dict[str, Any], list[Any]]]:
    """``(path, remarks, cut remark)`` for every text cut recorded under ``meta``."""
    for key, child in meta.items():
        if not isinstance(child, dict):
            continue
        if key == "":
            for entry in child.get("rem") or ():
                if isinstance(entry, list) and len(entry) == 4 and entry[0] == _LIMIT and entry[1] == "x":
                    yield path, child, entry
                    break
        else:
            yield from _pending(child, path + (key,))


def _value_at(event: dict[str, Any], path: tuple[str, ...]) -> tuple[Any, Any] | None:
    """``(container, key)`` holding the value at ``path`` in the event, or None."""
    parent: Any = None
    key: Any = None
    current: Any = event
    for part in path:
        if isinstance(current, dict):
            if part not in current:
                return None
            parent, key, current = current, part, current[part]
        elif isinstance(current, list):
            try:
                index = int(part)
            except ValueError:
                return None
            if not 0 <= index < len(current):
                return None
            parent, key, current = current, index, current[index]
        else:
            return None
    return (parent, key) if parent is not None else None


def _cut_point(keep: int, shrunk: int, remarks: Any) -> int:
    """Where to cut a text that scrubbing shrank by ``shrunk``, so nothing from past the original ``keep``
    stays: text before the first replacement is where it was; past it, at most ``shrunk`` to the left."""
    marks = sorted(
        (entry[2], entry[3])
        for entry in remarks
        if isinstance(entry, list) and len(entry) == 4 and entry[1] == "s" and type(entry[2]) is type(entry[3]) is int
    )
    if marks and marks[0][0] >= keep:
        return keep
    cut = max(0, keep - shrunk)
    for start, end in marks:
        if start <= cut < end or start == marks[0][0] and cut < start:
            # a marker holds nothing of the text: the first one (before ``keep``) stays whole if it fits
            return end if end <= keep else start
    return cut


def mark_margins(event: dict[str, Any]) -> None:
    """Note how long each text with a pending cut is before the privacy stage (see :func:`apply_cuts`)."""
    meta = event.get("_meta")
    if not isinstance(meta, dict):
        return
    for path, remarks, _ in list(_pending(meta, ())):
        where = _value_at(event, path)
        if where is not None and type(where[0][where[1]]) is str:
            remarks[_KEPT] = len(where[0][where[1]])


def apply_cuts(event: dict[str, Any]) -> None:
    """Make the text cuts recorded in ``event["_meta"]``, after the privacy stage saw the margins.

    A text longer than its limit is cut there (ending in ``...``). When scrubbing shrank a text kept in
    part (its length noted by :func:`mark_margins`), the cut moves left by as much, so no character from
    past the original cut (the margin's end may hold part of a secret) is sent, even when the text is now
    under its limit. Remarks of
    other stages that lay in the part cut off are dropped, ones that cross the cut end at it. Costs one
    walk of ``_meta``.
    """
    meta = event.get("_meta")
    if not isinstance(meta, dict):
        return
    for path, remarks, cut in list(_pending(meta, ())):
        before = remarks.pop(_KEPT, None)
        where = _value_at(event, path)
        if where is None:
            continue
        container, key = where
        text = container[key]
        keep, limit = cut[2], cut[3]
        if type(text) is not str:
            continue
        # Only a text kept in part (its margin ends inside the original) may end in part of a secret.
        partial = type(before) is int and before > limit and before < (remarks.get("len") or 0)
        shrunk = before - len(text) if partial else 0
        if len(text) <= limit and shrunk <= 0:
            continue
        if shrunk > 0:
            keep = _cut_point(keep, shrunk, remarks.get("rem") or ())
        container[key] = text[:keep] + ELLIPSIS
        kept: list[Any] = []
        for entry in remarks.get("rem") or ():
            if entry is cut or not (isinstance(entry, list) and len(entry) == 4):
                kept.append(entry)
            elif isinstance(entry[2], int) and entry[2] < keep:
                kept.append([entry[0], entry[1], entry[2], min(entry[3], keep)])
        kept.remove(cut)
        cut[2:] = [keep, keep + len(ELLIPSIS)]
        kept.append(cut)  # the cut is the last thing done to the text
        remarks["rem"] = kept
