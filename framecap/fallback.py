"""The reduced event: what a capture still sends near the recursion limit or out of memory.

A capture that starts within :data:`CAPTURE_DEPTH` frames of the recursion limit, or that runs
out of stack or memory on the way, sends a reduced event instead of nothing: every exception of
the chain with its type and message, and at most :data:`FRAMES` frames each (outermost and
innermost halves) with file, function and line, but no source, variables, expression values or
scope data. Built with loops only, from what is already in memory.

What it needs is reserved in advance:

- stack: the recursion limit is raised while it runs and put back (:mod:`framecap.limit_hold`),
  so a capture in the ``except RecursionError:`` of the deepest frame that catches it works;
- memory: each client holds :data:`RESERVED_BYTES` of address space (allocated once, never
  written, so it costs no resident memory) and frees it for the reduced event after a
  MemoryError; it takes it back afterwards when it can.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from ._version import __version__
from .chain import traceback_of, walk_chain
from .event import Draft, exception_header
from .frames import InAppRules, describe, walk_traceback
from .limit_hold import near_limit
from .meta import Meta, record
from .options import Options

__all__ = [
    "CAPTURE_DEPTH",
    "RESERVED_BYTES",
    "near_recursion_limit",
    "reduced_event",
    "reserve",
]

#: Frames of stack a full capture may need (serializer nesting adds two per ``max_depth`` level).
CAPTURE_DEPTH = 100
#: Address space held per client for the reduced event after a MemoryError.
RESERVED_BYTES = 4 << 20
#: Frames kept per exception in a reduced event, and exceptions kept.
FRAMES = 50
EXCEPTIONS = 10


def reserve() -> bytes | None:
    """Memory held for a reduced event (zero pages from ``calloc``: address space, not resident memory)."""
    try:
        return bytes(RESERVED_BYTES)
    except MemoryError:
        return None


def near_recursion_limit(max_depth: int) -> bool:
    """Whether fewer than the frames a full capture needs are left before the recursion limit."""
    return near_limit(CAPTURE_DEPTH + 2 * max_depth)  # (the program's limit: frames held don't count)


def reduced_event(
    exc: BaseException,
    options: Options,
    rules: InAppRules,
    mechanism: dict[str, Any],
    extra: dict[str, Any] | None,
    level: str,
    reason: str,
) -> Draft:
    """The reduced event for ``exc``: headers and places of frames only, every drop in ``_meta``."""
    meta: Meta = {}
    links, total = walk_chain(exc, min(options.max_exceptions, EXCEPTIONS))
    chained = len(links) > 1 or any(link.is_group for link in links)
    values = []
    kept: list[int] = []
    limit = max(options.max_value_length, 1024)
    for vi, link in enumerate(links):
        header, value_meta = exception_header(link, mechanism, chained, limit)
        record(meta, ("exception", "values", vi, "value"), value_meta)
        entries, count = walk_traceback(traceback_of(link.exc), min(options.max_frames, FRAMES))
        header.frames = [describe(tb, rules) for tb in entries]
        record(meta, ("exception", "values", vi), header.cuts)
        for fi, frame in enumerate(header.frames):
            record(meta, ("exception", "values", vi, "stacktrace", "frames", fi), frame.cuts)
        if count > len(entries):
            record(meta, ("exception", "values", vi, "stacktrace", "frames"), {"": {"len": count}})
        values.append(header.to_dict())
        kept.append(len(entries))
    if total > len(links):
        record(meta, ("exception", "values"), {"": {"len": total}})
    order = [
        (vi, fi)
        for vi in sorted(range(len(links)), key=lambda vi: links[vi].exception_id)
        for fi in reversed(range(kept[vi]))
    ]
    event: dict[str, Any] = {
        "event_id": uuid.uuid4().hex,
        "timestamp": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        "platform": "python",
        "level": level,
        "sdk": {"name": "framecap", "version": __version__},
        "exception": {"values": values},
    }
    for key in ("environment", "release", "server_name"):
        if getattr(options, key):
            event[key] = getattr(options, key)
    if extra:
        event.update(extra)
    note = {"framecap": f"reduced event ({reason}): no source, variables, expression values or scope data"}
    event["extra"] = {**event["extra"], **note} if isinstance(event.get("extra"), dict) else note
    if meta:
        event["_meta"] = meta
    return Draft(event, order, options.max_event_bytes, True)
