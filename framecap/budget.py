"""The event's size budget: named shares of ``max_event_bytes``, spent in order of importance,
and the last guard that makes a built event fit.

While an event is built, sizes are estimated (:func:`framecap.serialize.cost` counts characters
as ASCII-escaped JSON would, non-ASCII at six each; quotes, backslashes and punctuation are left
to the headroom). Who gets what, in order:

1. exception headers (type, message, mechanism), the captured exception first, then the others by
   ``exception_id``; each message at most :data:`VALUE_SHARE` of the event, the other exceptions'
   headers together at most :data:`OTHER_HEADERS_SHARE` (their messages are cut to share it);
2. where the frames are (file, function, line): at most :data:`FRAMES_SHARE`, the captured
   exception's innermost frames first, then outward, then the other exceptions' (their innermost
   frames first, round-robin, so each keeps its raise site; at most :data:`OTHER_FRAMES_SHARE`);
3. what the scope adds (request, user, tags, extra, breadcrumbs): at most :data:`SCOPE_SHARE`;
4. source and variables, in the same frame order; one frame's variables at most :data:`VARS_SHARE`.

Only an event whose estimate could exceed the limit is encoded and measured (:func:`fit`), and
that costs a few encodes, never one per frame.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from .meta import Meta, find, node, record, remark

__all__ = [
    "FRAMES_SHARE",
    "OTHER_FRAMES_SHARE",
    "OTHER_HEADERS_SHARE",
    "SCOPE_SHARE",
    "VALUE_SHARE",
    "VARS_SHARE",
    "Budget",
    "encoded_size",
    "fit",
]

#: Part of ``max_event_bytes`` the estimate may fill: the rest absorbs JSON quoting and punctuation
#: the estimate leaves out, and ``_meta``.
USABLE = 0.8
#: One exception message at most this part of the event (it is 8,192 characters by default).
VALUE_SHARE = 1 / 8
#: All frames' places (file, function, line, without source or variables) at most this part.
FRAMES_SHARE = 1 / 2
#: The headers of the exceptions other than the captured one together at most this part.
OTHER_HEADERS_SHARE = 1 / 8
#: The places of the other exceptions' frames together at most this part: the rest is kept for the
#: captured exception's source and variables.
OTHER_FRAMES_SHARE = 1 / 4
#: Request, user, tags, extra and breadcrumbs together at most this part.
SCOPE_SHARE = 1 / 4
#: One frame's variables (and expression values) at most this part.
VARS_SHARE = 1 / 8
#: Characters of a frame beyond its strings: keys, punctuation, numbers, ``in_app``, positions.
FRAME_OVERHEAD = 150
#: Characters of an exception beyond its type and message: keys, punctuation, mechanism.
EXCEPTION_OVERHEAD = 100
#: Characters of one ``_meta`` remark (a frame whose source or variables the budget left out).
REMARK_COST = 40
#: Characters of a request beyond its serialized data: method, URL, query string, headers.
REQUEST_OVERHEAD = 500
#: Source context is added to a frame only while more than this many characters are left (or
#: what its context window could take, if less).
SOURCE_FLOOR = 4096
#: An estimate above ``max_event_bytes / ESCAPE_FACTOR`` could encode past the limit (escaping
#: quotes and backslashes at most doubles the rest): only then is the event measured.
ESCAPE_FACTOR = 2


class Budget:
    """Characters left for one event; every stage spends from it in the order above."""

    def __init__(self, max_event_bytes: int) -> None:
        self.limit = max_event_bytes
        self.used = 0
        self.left = int(max_event_bytes * USABLE)
        self._frames_left = int(max_event_bytes * FRAMES_SHARE)
        self._other_frames_left = int(max_event_bytes * OTHER_FRAMES_SHARE)
        self.other_headers_left = int(max_event_bytes * OTHER_HEADERS_SHARE)

    def spend(self, size: int) -> None:
        self.used += size
        self.left -= size

    def value_limit(self, wanted: int) -> int:
        """Characters one exception message may have."""
        return max(16, min(wanted, int(self.limit * VALUE_SHARE)))

    def frame_fits(self, size: int, captured: bool = True) -> bool:
        """Spend ``size`` on one frame's place, if the frames' share and the budget allow it
        (for another exception's frame, also the other exceptions' share)."""
        if size > self._frames_left or size > self.left or (not captured and size > self._other_frames_left):
            return False
        if not captured:
            self._other_frames_left -= size
        self._frames_left -= size
        self.spend(size)
        return True

    def frames_exhausted(self) -> bool:
        """No further frame's place can fit."""
        return min(self._frames_left, self.left) < FRAME_OVERHEAD

    def scope_share(self) -> int:
        return int(self.limit * SCOPE_SHARE)

    def source_fits(self, context_lines: int, max_length: int) -> bool:
        return self.left > min((2 * context_lines + 1) * max_length, SOURCE_FLOOR)

    def vars_share(self) -> int:
        """Characters the next frame's variables may take."""
        return min(self.left, int(self.limit * VARS_SHARE))

    def may_exceed(self) -> bool:
        return self.used * ESCAPE_FACTOR > self.limit


def encoded_size(event: Any) -> int:
    """Bytes of the event as framecap encodes it (compact, ASCII-escaped JSON)."""
    return len(json.dumps(event, separators=(",", ":")))


def _frame_path(vi: int, fi: int, key: str = "exception") -> tuple[Any, ...]:
    return (key, "values", vi, "stacktrace", "frames", fi)


def _drop_vars(frame: dict[str, Any], meta: Meta, path: tuple[Any, ...]) -> int:
    if not frame.get("vars"):
        return 0
    here = find(meta, path)
    size = encoded_size(frame["vars"]) + (encoded_size(here.pop("vars", None)) if here else 0)
    frame["vars"] = {}
    remark(meta, path + ("vars",))
    return size


def _drop_source(frame: dict[str, Any], meta: Meta, path: tuple[Any, ...]) -> int:
    if "context_line" not in frame:
        return 0
    here = find(meta, path) or {}
    size = 0
    for key in ("pre_context", "context_line", "post_context"):
        size += encoded_size(frame.pop(key, None)) + encoded_size(here.pop(key, None))
    remark(meta, path + ("context_line",))
    return size


def _remove(items: list[Any], meta: Meta, path: Sequence[Any], doomed: set[int], total: int) -> None:
    """Remove ``items[i]`` for ``i`` in ``doomed``; renumber the ``_meta`` of the rest; record ``total``."""
    here = node(meta, path)
    renumbered: Meta = {"": here[""]} if "" in here else {}
    new_index = 0
    for index in range(len(items)):
        if index in doomed:
            continue
        if str(index) in here:
            renumbered[str(new_index)] = here[str(index)]
        new_index += 1
    items[:] = [item for index, item in enumerate(items) if index not in doomed]
    here.clear()
    here.update(renumbered)
    record(meta, path, {"": {"len": total}})


def fit(event: dict[str, Any], limit: int, order: Sequence[tuple[int, int]], key: str = "exception") -> None:
    """Make ``event`` encode within ``limit`` bytes, recording every drop in ``_meta``.

    ``order``: ``(exception index, frame index)`` from most to least important (``key``: ``threads``
    for a message's stack, whose values hold frames the same way). Dropped, least
    important first, until the measured excess is covered: variables, then source, then frames
    (the outermost of an exception first), then exceptions (highest ``exception_id`` first; never
    the captured one). Each pass measures only what it drops, then the event once.
    """
    size = encoded_size(event)
    if size <= limit:
        return
    holder = event.get(key)
    values = holder.get("values") if isinstance(holder, dict) else None
    if not isinstance(values, list):
        return  # no frames to drop (a message without a stack trace stays within the budget anyway)
    meta: Meta = event.setdefault("_meta", {})
    for drop in (_drop_vars, _drop_source):
        excess = size - limit
        for vi, fi in reversed(order):
            excess -= drop(values[vi]["stacktrace"]["frames"][fi], meta, _frame_path(vi, fi, key))
            if excess <= 0:
                break
        size = encoded_size(event)
        if size <= limit:
            return
    # Whole frames, then whole exceptions: renumbering their _meta as they go.
    excess = size - limit
    doomed: dict[int, set[int]] = {}
    for vi, fi in reversed(order):
        if excess <= 0:
            break
        frames = values[vi]["stacktrace"]["frames"]
        if len(doomed.setdefault(vi, set())) < len(frames) - 1:  # the innermost frame stays
            doomed[vi].add(fi)
            excess -= encoded_size(frames[fi]) + encoded_size(find(meta, _frame_path(vi, fi, key)))
    for vi, indexes in doomed.items():
        if indexes:
            stack = values[vi]["stacktrace"]
            path = (key, "values", vi, "stacktrace", "frames")
            total = (find(meta, path) or {}).get("", {}).get("len", len(stack["frames"]))
            _remove(stack["frames"], meta, path, indexes, total)
    size = encoded_size(event)
    if size <= limit or len(values) < 2:
        return
    excess = size - limit
    ids = sorted(range(len(values)), key=lambda vi: -int((values[vi].get("mechanism") or {}).get("exception_id") or 0))
    gone: set[int] = set()
    for vi in ids[:-1]:  # the last is the captured exception (id 0)
        if excess <= 0:
            break
        gone.add(vi)
        excess -= encoded_size(values[vi]) + encoded_size(find(meta, (key, "values", vi)))
    values_path = (key, "values")
    total = (find(meta, values_path) or {}).get("", {}).get("len", len(values))
    _remove(values, meta, values_path, gone, total)
