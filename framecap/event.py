"""Compose the level-1 stages into one Sentry event for an exception. No I/O beyond reading source.

Frames and tracebacks are read into records (:mod:`framecap.records`) and dropped when
:func:`compose` returns; the budget (:mod:`framecap.budget`) decides who gets what; every cut is
recorded in ``_meta`` through :mod:`framecap.meta`. The records become Sentry's dicts once, at
the end. Text cuts are made by :func:`finish`, after the privacy stage has seen their margins.
"""

from __future__ import annotations

import datetime
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from ._version import __version__
from .budget import EXCEPTION_OVERHEAD, FRAME_OVERHEAD, Budget, encoded_size, fit
from .chain import Link, traceback_of, walk_chain
from .enrich import FrameWork, enrich_frames
from .exc_value import errno_of, exception_value
from .expressions import Analysis, analyze_frames, code_qualname
from .frames import InAppRules, describe, walk_traceback
from .logentry import Message, logentry
from .meta import CUT_MARGIN, Meta, apply_cuts, record
from .options import Options
from .records import ExceptionRecord, FrameRecord, bounded_name
from .safe import type_module, type_qualname
from .scope import Scope
from .scope_data import scope_data
from .serialize import Serializer, clean_text, cost
from .source import SourceReader

__all__ = ["Draft", "base_event", "build_event", "compose", "encoded_size", "exception_header", "finish", "merge_keys"]

_EXC_VALUE_LIMIT = 8192
_HAS_QUALNAME = sys.version_info >= (3, 11)
_COMPREHENSIONS = frozenset({"<listcomp>", "<setcomp>", "<dictcomp>"})
_BUILTIN_MODULES = ("builtins", "__builtin__", "exceptions")

Work = list[tuple[int, int, TracebackType]]  # (exception index, frame index, traceback entry)


@dataclass
class Draft:
    """A built event whose text cuts and size check are still to come (see :func:`finish`)."""

    event: dict[str, Any]
    #: ``(exception index, frame index)``, most important first: what :func:`fit` drops last (only
    #: filled in when ``may_exceed``: nothing else reads it).
    order: list[tuple[int, int]]
    limit: int
    may_exceed: bool
    #: Where the frames of ``order`` are: ``exception`` (its values), or ``threads`` (a message's stack).
    frames_key: str = "exception"
    #: What pydantic secrets held by frames hide (the serializer read them): the scrubber filters their
    #: echoes; cleared once it has (never in the event, never kept past the capture).
    revealed: list[str] = field(default_factory=list)


def build_event(
    exc: BaseException,
    options: Options,
    rules: InAppRules,
    mechanism: dict[str, Any],
    extra: dict[str, Any] | None = None,
    level: str = "error",
    scope: Scope | None = None,
) -> dict[str, Any]:
    """Build the event for ``exc`` as it was raised; ``mechanism`` says how it was captured.

    ``scope`` adds the request (through the request policy), user, tags, extra and breadcrumbs.
    The client runs the privacy stage between :func:`compose` and :func:`finish`; this is both at once.
    """
    return finish(compose(exc, options, rules, mechanism, extra, level, scope))


def finish(draft: Draft, event: dict[str, Any] | None = None) -> dict[str, Any]:
    """Make the recorded text cuts, then (only if the estimate said it might be needed) fit the size."""
    event = draft.event if event is None else event
    apply_cuts(event)
    if draft.may_exceed:
        fit(event, draft.limit, draft.order, draft.frames_key)
    if "_meta" in event and not event["_meta"]:
        del event["_meta"]
    return event


def compose(
    exc: BaseException,
    options: Options,
    rules: InAppRules,
    mechanism: dict[str, Any],
    extra: dict[str, Any] | None = None,
    level: str = "error",
    scope: Scope | None = None,
    message: Message | None = None,
) -> Draft:
    """The event for ``exc`` with every value bounded and every cut recorded, texts still uncut.

    ``extra``: event keys the caller fills in (``logger``, ``threads``, ``contexts``, ``extra``);
    ``message``: a log record's message, as the event's ``logentry``.
    """
    budget = Budget(options.max_event_bytes)
    meta: Meta = {}
    links, total = walk_chain(exc, options.max_exceptions)
    records = _exceptions(links, mechanism, options, budget, meta)
    entry = logentry(message, options, budget, meta) if message is not None else None
    links = [link for link in links if link.exception_id < len(records)]
    if total > len(records):
        record(meta, ("exception", "values"), {"": {"len": total}})
    work = _frames(records, links, options, rules, budget, meta)
    hidden: list[str] = []  # (what pydantic secrets in scope data hide)
    context = scope_data(scope, options, meta, budget, revealed=hidden) if scope is not None else {}
    reader = SourceReader()
    try:
        analyses, views = _analyze(work, records, options, reader)
    except BaseException:  # noqa: B036 - the analysis failed as a whole: the frames keep the interpreter's positions
        analyses = {}
    else:
        for (vi, fi), view in views.items():
            records[vi].frames[fi].take_positions(view)
    serializer = Serializer(
        max_depth=options.max_depth,
        max_breadth=options.max_breadth,
        max_length=options.max_value_length,
        margin=CUT_MARGIN,
    )
    where = [("exception", "values", vi, "stacktrace", "frames") for vi in range(len(records))]
    frames = [  # source and variables: most important frames first, while the budget lasts
        FrameWork(records[vi].frames[fi], tb, where[vi], analyses.get((vi, fi)), fi) for vi, fi, tb in work
    ]
    enrich_frames(frames, options, serializer, reader, meta, budget)
    serializer.close()
    record_name_cuts(records, meta)
    event = base_event(options, level)
    event["exception"] = {"values": [rec.to_dict() for rec in records]}
    if entry is not None:
        event["logentry"] = entry
    merge_keys(event, extra, context)
    if meta:
        event["_meta"] = meta
    may_exceed = budget.may_exceed()
    order = [(vi, fi) for vi, fi, _ in work] if may_exceed else []
    return Draft(event, order, options.max_event_bytes, may_exceed, revealed=hidden + serializer.revealed)


def base_event(options: Options, level: str) -> dict[str, Any]:
    """What every event starts with: id, time, platform, level, SDK, and the options' environment,
    release and server name."""
    event: dict[str, Any] = {
        "event_id": uuid.uuid4().hex,
        "timestamp": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        "platform": "python",
        "level": level,
        "sdk": {"name": "framecap", "version": __version__},
    }
    for key in ("environment", "release", "server_name"):
        if getattr(options, key):
            event[key] = getattr(options, key)
    return event


def merge_keys(event: dict[str, Any], keys: dict[str, Any] | None, context: dict[str, Any]) -> None:
    """Add the caller's event ``keys``, then the scope's ``context``; ``extra`` and ``contexts`` are
    merged (the scope's entries win over the caller's, which are a hook's facts such as the thread)."""
    if keys:
        event.update(keys)
    for key in ("extra", "contexts"):
        if context.get(key) and isinstance(event.get(key), dict):
            context[key] = {**event[key], **context[key]}
    event.update(context)


def _exceptions(
    links: list[Link], mechanism: dict[str, Any], options: Options, budget: Budget, meta: Meta
) -> list[ExceptionRecord]:
    """Exception records (root cause first), headers paid for captured-first; those past the budget
    are dropped, highest ``exception_id`` first (a child's id is always above its parent's)."""
    chained = len(links) > 1 or any(link.is_group for link in links)
    limit = budget.value_limit(max(options.max_value_length, _EXC_VALUE_LIMIT))
    headers: dict[int, tuple[ExceptionRecord, Meta | None]] = {}
    ordered = sorted(links, key=lambda link: link.exception_id)
    for index, link in enumerate(ordered):
        mine = limit
        if link.exception_id:  # another exception: an equal part of what the others' headers have left
            mine = min(limit, max(64, budget.other_headers_left // (len(ordered) - index) - EXCEPTION_OVERHEAD))
        header, value_meta = exception_header(link, mechanism, chained, mine)
        size = EXCEPTION_OVERHEAD + cost(header.type) + cost(header.value[:mine]) + cost(header.module or "")
        if link.exception_id:
            if size > min(budget.left, budget.other_headers_left):
                break
            budget.other_headers_left -= size
        budget.spend(size)
        headers[link.exception_id] = (header, value_meta)
    records: list[ExceptionRecord] = []
    for link in links:
        if link.exception_id in headers:
            header, value_meta = headers[link.exception_id]
            record(meta, ("exception", "values", len(records), "value"), value_meta)
            records.append(header)
    return records


def exception_header(
    link: Link, mechanism: dict[str, Any], chained: bool, limit: int
) -> tuple[ExceptionRecord, Meta | None]:
    """The exception's record without frames (type, message cut to ``limit``, module, mechanism)."""
    exc = link.exc
    t = type(exc)
    value, value_meta = exception_value(exc, limit)
    module = type_module(t)
    mech = dict(mechanism) if link.exception_id == 0 else {"type": "chained", "handled": mechanism.get("handled", True)}
    if chained:
        mech["exception_id"] = link.exception_id
        if link.parent_id is not None:
            mech["parent_id"] = link.parent_id
        if link.source:
            mech["source"] = link.source
        if link.is_group:
            mech["is_exception_group"] = True
    if issubclass(t, OSError):
        found = errno_of(exc)
        if found is not None:
            mech["meta"] = {**(mech.get("meta") or {}), "errno": found}
    cuts: Meta = {}
    header = ExceptionRecord(
        type=bounded_name(clean_text(type_qualname(t)), cuts, "type"),
        value=value,
        module=None if module is None or module in _BUILTIN_MODULES else bounded_name(module, cuts, "module"),
        mechanism=mech,
        exception_id=link.exception_id,
        cuts=cuts,
    )
    return header, value_meta


def record_name_cuts(records: list[ExceptionRecord], meta: Meta, key: str = "exception") -> None:
    """Record in ``meta`` the names the records cut (see :func:`framecap.records.bounded_name`)."""
    for vi, rec in enumerate(records):
        record(meta, (key, "values", vi), rec.cuts)
        for fi, frame in enumerate(rec.frames):
            record(meta, (key, "values", vi, "stacktrace", "frames", fi), frame.cuts)


def _frames(
    records: list[ExceptionRecord],
    links: list[Link],
    options: Options,
    rules: InAppRules,
    budget: Budget,
    meta: Meta,
) -> Work:
    """Frame records, paid for in order of importance; returns the frames to enrich in that order.

    The captured exception's frames come first, innermost to outermost; then the other exceptions'
    by depth, round-robin (every exception's innermost frame, then every second-innermost, ...), so
    each keeps its raise site. Past the frames' share, an exception's outer frames are left out.
    """
    walks = [walk_traceback(traceback_of(link.exc), options.max_frames) for link in links]
    by_id = sorted(range(len(records)), key=lambda vi: records[vi].exception_id)
    captured, others = by_id[0], by_id[1:]
    # Kept per exception innermost first, as parallel lists, and the order taken as exception indexes
    # only (the depth is the count taken so far): no tuple per frame (hundreds in a RecursionError).
    kept: list[list[FrameRecord]] = [[] for _ in records]
    kept_tbs: list[list[TracebackType]] = [[] for _ in records]
    stopped: set[int] = set()
    taken: list[int] = []
    described: dict[tuple[Any, ...], Any] = {}  # describe()'s memo for this capture
    last: FrameRecord | None = None
    size = 0
    for vi, depth in _frame_order(walks, captured, others):
        if vi in stopped:
            continue
        if budget.frames_exhausted():
            break
        tb = walks[vi][0][-1 - depth]
        frame = describe(tb, rules, None if _HAS_QUALNAME else _qualname(tb), described)
        if not (
            last is not None  # a recursion: the same names (the very strings) as the frame before
            and frame.abs_path is last.abs_path
            and frame.filename is last.filename
            and frame.function is last.function
            and frame.module is last.module
        ):
            size = FRAME_OVERHEAD + cost(frame.abs_path) + cost(frame.filename) + cost(frame.function)
            size += cost(frame.module or "")
        last = frame
        if not budget.frame_fits(size, vi == captured):
            stopped.add(vi)  # its frames stay the innermost ones, without a gap
            continue
        kept[vi].append(frame)
        kept_tbs[vi].append(tb)
        taken.append(vi)
    for vi, record_ in enumerate(records):
        record_.frames = kept[vi][::-1]  # oldest first
        record_.frame_count = walks[vi][1]
        if not _HAS_QUALNAME:
            _complete_comprehensions(record_.frames)
        if walks[vi][1] > len(kept[vi]):
            record(meta, ("exception", "values", vi, "stacktrace", "frames"), {"": {"len": walks[vi][1]}})
    work: Work = []
    depths = [0] * len(records)
    for vi in taken:
        depth = depths[vi]
        depths[vi] = depth + 1
        work.append((vi, len(kept[vi]) - 1 - depth, kept_tbs[vi][depth]))
    return work


def _frame_order(
    walks: list[tuple[list[TracebackType], int]], captured: int, others: list[int]
) -> Iterator[tuple[int, int]]:
    """``(exception index, depth)`` in the order frames are paid for: the captured exception's frames
    innermost first, then the others' by depth, round-robin."""
    for depth in range(len(walks[captured][0])):
        yield captured, depth
    deepest = max((len(walks[vi][0]) for vi in others), default=0)
    for depth in range(deepest):
        for vi in others:
            if depth < len(walks[vi][0]):
                yield vi, depth


def _qualname(tb: TracebackType) -> str | None:
    """3.9/3.10: the qualified name from executing (which reads the source: a loader may misbehave)."""
    try:
        return code_qualname(tb.tb_frame)
    except BaseException:  # noqa: B036 - the plain name then
        return None


def _complete_comprehensions(frames: list[FrameRecord]) -> None:
    """3.9/3.10: a comprehension is run by the function that defines it; name it as co_qualname would."""
    for caller, frame in zip(frames, frames[1:]):
        if frame.function in _COMPREHENSIONS and caller.abs_path == frame.abs_path:
            frame.function = f"{caller.function}.<locals>.{frame.function}"


def _analyze(
    work: list[tuple[int, int, Any]], records: list[ExceptionRecord], options: Options, reader: SourceReader
) -> tuple[dict[tuple[int, int], Analysis], dict[tuple[int, int], dict[str, Any]]]:
    """executing/pure_eval for the frames nearest the error (in-app first), within the time budget.

    Frames it skips or fails on say so in their ``data.expressions``; their positions stay as the
    interpreter gave them (``co_positions`` on 3.11+), unless their source changed since import.
    Returns the analyses, and the analysed frames as Sentry dicts without source or variables, with
    what the analysis wrote into them (``colno``, ``data``): the caller adopts these. Only the
    analysed frames are made into dicts (a RecursionError has hundreds of frames, three analysed).
    """
    # The captured exception first, innermost first: descending (exception, frame) indexes, as one int.
    nearest_first = sorted(work, key=lambda item: (item[0] << 32) + item[1], reverse=True)
    results = analyze_frames(
        (((vi, fi), tb, bool(records[vi].frames[fi].in_app)) for vi, fi, tb in nearest_first),
        with_values=options.include_local_variables and options.include_expression_values,
        max_values=options.max_expression_values,
        max_frames=options.max_expression_frames,
        time_budget=options.expression_time_budget,
        lines=reader.lines,
    )
    frames = {key: records[key[0]].frames[key[1]].skeleton() for key in results}
    for key, analysis in results.items():
        record = frames[key]
        if analysis.error:
            record.setdefault("data", {})["expressions"] = analysis.error
        if analysis.source_changed:  # the interpreter's positions point into other code too
            record.pop("colno", None)
            for name in ("end_lineno", "end_colno"):
                record.get("data", {}).pop(name, None)
            if record.get("data") == {}:
                del record["data"]
        position = analysis.position
        if position is not None:
            data = record.setdefault("data", {})
            data["end_lineno"], data["end_colno"] = position[2], position[3]
            if position[0] == record.get("lineno"):
                record["colno"] = position[1]
            else:
                data["start_lineno"], data["start_colno"] = position[0], position[1]
                record.pop("colno", None)
    return results, frames
