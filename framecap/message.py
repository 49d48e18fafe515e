"""Message events: ``capture_message()`` and log records without an exception.

A message event has the message as ``logentry`` (:mod:`framecap.logentry`), the level, the scope's
data and, with ``attach_stacktrace``, the stack of the code that captured it as the current thread's
``threads.values[0].stacktrace`` (where Sentry's protocol puts a stack without an exception). That
stack is built by the exception path's own stages: the live frames are linked into a traceback
(:func:`caller_stack`), then walked, described and enriched (source context, variables) exactly as
an exception's frames are, within the same budget, framecap's own frames left out.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterable
from types import FrameType, TracebackType
from typing import Any

from . import usercode
from .budget import FRAME_OVERHEAD, Budget
from .enrich import FrameWork, enrich_frames
from .event import _HAS_QUALNAME, Draft, _complete_comprehensions, _qualname, base_event, merge_keys
from .frames import InAppRules, describe, walk_traceback
from .logentry import Message, logentry
from .meta import CUT_MARGIN, Meta, record
from .options import Options
from .records import FrameRecord
from .safe import type_name
from .scope import Scope
from .scope_data import scope_data
from .scrub import Scrubber
from .serialize import Serializer, cost, plain_name
from .source import SourceReader

__all__ = ["Message", "caller_stack", "compose_message", "message_text", "reduced_message", "scrub_stack"]

_OWN = __name__.split(".")[0]
_MAX_SKIPPED = 1000  # innermost frames looked at while skipping framecap's (and a library's) own
_PATH = ("threads", "values", 0, "stacktrace", "frames")
_STR_TIME = 0.25  # seconds the program's __str__ of a message that is no string may take


def message_text(message: Any) -> Message:
    """``capture_message``'s argument as a message: a string as is, a ``str`` subclass's own characters
    (its ``__str__`` is never run), anything else through its ``str()`` on a helper thread within a
    time (:mod:`framecap.usercode`). One that fails or takes too long becomes a placeholder naming its
    type, noted in ``_meta`` (``framecap:str``, ``framecap:timeout``): the event still goes."""
    t = type(message)
    if t is str:
        return Message(message)
    if issubclass(t, str):
        return Message(str.__str__(message))
    try:
        return Message(str.__str__(usercode.call(str, message, _STR_TIME)))
    except usercode.TimedOut:
        outcome, rule = "took too long", "framecap:timeout"
    except BaseException:  # noqa: B036 - a hostile message costs only its text
        outcome, rule = "failed", "framecap:str"
    return Message(f"<{type_name(t)} object; str() {outcome}>", replaced={"formatted": rule})


def caller_stack(skip: tuple[str, ...] = ()) -> TracebackType | None:
    """The calling thread's stack as a traceback (outermost first), for the frame/enrichment stages.

    Starts at the innermost frame that belongs neither to framecap nor to a package named in
    ``skip`` (``("logging",)``: the frame that called the logger), so no frame of the capture
    itself is linked in (it would reference the traceback back). ``None`` when there is none.
    """
    frame: FrameType | None = sys._getframe(1)
    for _ in range(_MAX_SKIPPED):
        if frame is None or not _skipped(frame, skip):
            break
        frame = frame.f_back
    else:
        return None
    tb: TracebackType | None = None
    while frame is not None:
        lineno = frame.f_lineno
        tb = TracebackType(tb, frame, frame.f_lasti, lineno if type(lineno) is int else frame.f_code.co_firstlineno)
        frame = frame.f_back
    return tb


def _skipped(frame: FrameType, skip: tuple[str, ...]) -> bool:
    try:
        module = dict.get(frame.f_globals, "__name__")
    except BaseException:  # noqa: B036 - globals that can't be read: not ours
        return False
    if type(module) is not str:
        return False
    top = module.split(".", 1)[0]
    return (top == _OWN and module != _OWN + ".__main__") or top in skip


def compose_message(
    message: Message,
    options: Options,
    rules: InAppRules,
    level: str,
    scope: Scope | None = None,
    keys: dict[str, Any] | None = None,
    stack: TracebackType | None = None,
) -> Draft:
    """The message event, every value bounded and every cut recorded, texts still uncut.

    The budget goes to the message first, then to where the stack's frames are (innermost first),
    then to the scope's data, then to the frames' source and variables (innermost first).
    """
    budget = Budget(options.max_event_bytes)
    meta: Meta = {}
    entry = logentry(message, options, budget, meta)
    frames, work = _stack(stack, options, rules, budget, meta) if stack is not None else ([], [])
    revealed: list[str] = []  # what pydantic secrets hide (in scope data, in the stack's frames)
    context = scope_data(scope, options, meta, budget, revealed=revealed) if scope is not None else {}
    if work:
        reader = SourceReader()
        serializer = Serializer(
            max_depth=options.max_depth,
            max_breadth=options.max_breadth,
            max_length=options.max_value_length,
            margin=CUT_MARGIN,
        )
        enrich_frames(
            [FrameWork(frames[fi], tb, _PATH + (fi,)) for fi, tb in work], options, serializer, reader, meta, budget
        )
        serializer.close()
        revealed += serializer.revealed
    event = base_event(options, level)
    event["logentry"] = entry
    merge_keys(event, keys, context)
    if frames:
        event["threads"] = {"values": [_thread([frame.to_dict() for frame in frames])]}
    if meta:
        event["_meta"] = meta
    order = [(0, fi) for fi, _ in work]
    if not frames:
        return Draft(event, [], options.max_event_bytes, False, revealed=revealed)
    return Draft(event, order, options.max_event_bytes, budget.may_exceed(), frames_key="threads", revealed=revealed)


def _stack(
    stack: TracebackType, options: Options, rules: InAppRules, budget: Budget, meta: Meta
) -> tuple[list[FrameRecord], list[tuple[int, TracebackType]]]:
    """Frame records of the stack (oldest first) and ``(index, entry)`` to enrich, innermost first.

    Past ``max_frames`` the outermost and innermost halves are kept; past the frames' share of the
    budget, the outer frames are left out. Either way the count is recorded.
    """
    entries, count = walk_traceback(stack, options.max_frames)
    kept: list[tuple[FrameRecord, TracebackType]] = []
    for tb in reversed(entries):
        if budget.frames_exhausted():
            break
        frame = describe(tb, rules, None if _HAS_QUALNAME else _qualname(tb))
        size = FRAME_OVERHEAD + cost(frame.abs_path) + cost(frame.filename) + cost(frame.function)
        if not budget.frame_fits(size + cost(frame.module or "")):
            break
        kept.append((frame, tb))
    kept.reverse()
    frames = [frame for frame, _ in kept]
    if not _HAS_QUALNAME:
        _complete_comprehensions(frames)
    for fi, frame in enumerate(frames):
        record(meta, _PATH + (fi,), frame.cuts)
    if count > len(kept):
        record(meta, _PATH, {"": {"len": count}})
    return frames, [(fi, kept[fi][1]) for fi in reversed(range(len(kept)))]


def _thread(frames: list[dict[str, Any]]) -> dict[str, Any]:
    """The current thread, with the stack (Sentry: ``current``, not ``crashed``)."""
    thread: dict[str, Any] = {"id": threading.get_ident(), "current": True, "crashed": False}
    with contextlib.suppress(Exception):  # a thread's name is user code (a property of a Thread subclass)
        thread["name"] = plain_name(threading.current_thread().name)
    thread["stacktrace"] = {"frames": frames}
    return thread


def reduced_message(message: Message, options: Options, level: str, keys: dict[str, Any] | None, reason: str) -> Draft:
    """The message event near the recursion limit or out of memory: the message only, no stack or scope."""
    meta: Meta = {}
    event = base_event(options, level)
    event["logentry"] = logentry(message, options, Budget(options.max_event_bytes), meta)
    merge_keys(event, keys, {})
    note = {"framecap": f"reduced event ({reason}): no stack trace or scope data"}
    event["extra"] = {**event["extra"], **note} if isinstance(event.get("extra"), dict) else note
    if meta:
        event["_meta"] = meta
    return Draft(event, [], options.max_event_bytes, False)


def scrub_stack(scrubber: Scrubber, event: dict[str, Any], hint: Any, revealed: Iterable[str] = ()) -> dict[str, Any]:
    """Run the scrubber on a message event so that its stack is judged as an exception's frames are
    (source lines as code, variables by name, SQL parameters): the scrubber knows frames under
    ``exception.values``, so the thread is shown to it there (with its ``_meta``), then put back.
    ``revealed``: what the stack's pydantic secrets hide (filtered wherever the event echoes it)."""
    if "exception" in event or not isinstance(event.get("threads"), dict):
        return scrubber(event, hint, revealed)
    event["exception"] = event.pop("threads")
    meta = event.get("_meta")
    if isinstance(meta, dict) and "threads" in meta:
        meta["exception"] = meta.pop("threads")
    try:
        scrubber(event, hint, revealed)
    finally:
        event["threads"] = event.pop("exception")
        meta = event.get("_meta")
        if isinstance(meta, dict) and "exception" in meta:
            meta["threads"] = meta.pop("exception")
    return event
