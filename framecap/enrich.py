"""Source context and variables for a capture's frame records: the enrichment each frame gets while the
budget lasts, most important frame first.

Whatever fails here costs only that frame's source or variables (recorded in ``_meta``); a frame
reached after the budget is spent gets a remark instead.

The program's own code a value runs (its ``__repr__``) runs on a helper thread
(:mod:`framecap.usercode`). The frames are enriched on the capturing thread until the first whose
values need one; from there the rest of the frames are enriched in one helper job (one hand-off
per capture, not one per frame). A ``__repr__`` past its time makes the job start again on another
helper from the frame whose variables it was serializing (what was rendered is reused).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType
from typing import Any

from . import usercode
from .budget import REMARK_COST, Budget
from .expressions import Analysis, line_names, statement_names
from .meta import CUT_MARGIN, Meta, record, remark
from .options import Options
from .records import FrameRecord
from .serialize import Serializer, clean_text, cost, cut_text
from .source import LoaderFailed, SourceReader
from .variables import is_module_frame, local_items

__all__ = ["FrameWork", "enrich_frame", "enrich_frames"]


@dataclass
class FrameWork:
    """One frame to enrich: its record, traceback entry, ``_meta`` path and expression analysis.

    With an ``index``, the path is ``where + (index,)``, built only when a ``_meta`` entry needs it
    (most frames record none: a RecursionError has hundreds)."""

    record: FrameRecord
    tb: TracebackType
    where: tuple[Any, ...]
    analysis: Analysis | None = None
    index: int | None = None

    @property
    def path(self) -> tuple[Any, ...]:
        return self.where if self.index is None else (*self.where, self.index)


@dataclass
class _Vars:
    """A frame's variables, read and waiting to be serialized (the point a restarted job resumes at)."""

    work: FrameWork
    items: list[tuple[Any, Any]]
    count: int
    share: int


def enrich_frames(
    frames: list[FrameWork], options: Options, serializer: Serializer, reader: SourceReader, meta: Meta, budget: Budget
) -> None:
    """Add source context and variables to ``frames``, in their order, while the budget lasts."""
    _Enrichment(frames, options, serializer, reader, meta, budget).run()


def enrich_frame(
    frame_record: FrameRecord,
    tb: TracebackType,
    options: Options,
    serializer: Serializer,
    reader: SourceReader,
    meta: Meta,
    path: tuple[Any, ...],
    budget: Budget,
    analysis: Analysis | None = None,
) -> None:
    """Add source context and variables to one frame record. Whatever fails costs only this frame's part."""
    enrich_frames([FrameWork(frame_record, tb, path, analysis)], options, serializer, reader, meta, budget)


class _Enrichment:
    """The frames of one capture, enriched in order; resumable at the frame whose variables are pending."""

    def __init__(
        self,
        frames: list[FrameWork],
        options: Options,
        serializer: Serializer,
        reader: SourceReader,
        meta: Meta,
        budget: Budget,
    ) -> None:
        self.frames = frames
        self.options = options
        self.serializer = serializer
        self.reader = reader
        self.meta = meta
        self.budget = budget
        self.next = 0  # the next frame to start
        self.pending: _Vars | None = None  # a frame whose variables are being serialized

    def run(self) -> None:
        if not self._resume(inline=True):  # a frame's values need a helper: the rest goes to one
            self.serializer.hand_off(self._resume)

    def _resume(self, inline: bool) -> bool:
        """Enrich from where the enrichment stands; ``inline``: stop (False) before values that need a helper."""
        while True:
            pending = self.pending
            if pending is None:
                if self.next >= len(self.frames):
                    return True
                work = self.frames[self.next]
                self.next += 1
                pending = self.pending = self._start(work)
                if pending is None:
                    continue
            if inline and not self._plain(pending):
                return False
            self._finish(pending)
            self.pending = None

    def _plain(self, pending: _Vars) -> bool:
        analysis = pending.work.analysis
        values = analysis.values if analysis is not None and analysis.values else []
        return self.serializer.plain_items(pending.items) and self.serializer.plain_items(values)

    def _start(self, work: FrameWork) -> _Vars | None:
        """The frame's source context, and its variables read: what is left to serialize, if anything."""
        options, meta, budget = self.options, self.meta, self.budget
        frame = work.tb.tb_frame
        line: str | None = None
        if budget.left <= 0 and (options.include_source_context or options.include_local_variables):
            remark(meta, work.path)  # the frame's source and variables are left out: the event's size limit
            budget.spend(REMARK_COST)
            return None
        if options.include_source_context and not budget.source_fits(options.context_lines, options.max_value_length):
            remark(meta, work.path + ("context_line",))
            budget.spend(REMARK_COST)
        elif options.include_source_context:
            try:
                pre, line, post, line_meta, size = _context(self.reader, frame, work.record.lineno, options)
            except BaseException as error:  # noqa: B036 - a loader's get_source is user code
                name = str(error) if isinstance(error, LoaderFailed) else type(error).__name__
                remark(meta, work.path + ("context_line",), f"framecap:failed:{name}", "x")
            else:
                work.record.pre_context, work.record.context_line, work.record.post_context = (
                    list(pre),
                    line,
                    list(post),
                )
                for key, value in line_meta.items():
                    record(meta, work.path + key, value)
                budget.spend(size)
        if not options.include_local_variables:
            return None
        try:
            return self._read(work, line)
        except BaseException as error:  # noqa: B036 - e.g. a RecursionError near the limit: this frame's variables only
            self._failed(work, error)
            return None

    def _read(self, work: FrameWork, line: str | None) -> _Vars | None:
        frame, analysis = work.tb.tb_frame, work.analysis
        share = self.budget.vars_share()
        only = None
        if is_module_frame(frame):  # its locals are the module's globals: only what the statement uses
            only = statement_names(work.tb, line) if analysis is None else analysis.names or line_names(line)
        items, count, problem = local_items(frame, self.options.max_breadth, only)
        if problem:
            work.record.vars = {}
            remark(self.meta, work.path + ("vars",), "framecap:locals", "x")
            return None
        if share <= 0:
            work.record.vars = {}
            if count:
                record(self.meta, work.path + ("vars",), {"": {"len": count}})
            return None
        return _Vars(work, items, count, share)

    def _finish(self, pending: _Vars) -> None:
        """Serialize the frame's variables (and expression values), then record them: nothing is recorded
        before every walk is done, so a restarted job can run this again."""
        work, share = pending.work, pending.share
        try:
            data, var_meta, used = self.serializer.walk_items(pending.items, pending.count, share)
            if pending.count > len(data):
                var_meta = dict(var_meta or {})
                var_meta[""] = {"len": pending.count}
            analysis = work.analysis
            if analysis is not None and analysis.values and share - used > 0:
                expressions = [(text, value) for text, value in analysis.values if text not in data]
                extra_data, extra_meta, extra_used = self.serializer.walk_items(
                    expressions, len(expressions), share - used
                )
                data.update(extra_data)  # after the locals, never replacing one
                if extra_meta:
                    var_meta = dict(var_meta or {})
                    var_meta.update({k: v for k, v in extra_meta.items() if k})
                used += extra_used
            self.budget.spend(used)
            work.record.vars = data
            if var_meta:
                record(self.meta, work.path + ("vars",), var_meta)
        except usercode.Abandoned:
            raise  # this job was given up on (a stuck __repr__ returned): another one goes on
        except BaseException as error:  # noqa: B036 - e.g. a RecursionError near the limit: this frame's variables only
            self._failed(work, error)

    def _failed(self, work: FrameWork, error: BaseException) -> None:
        work.record.vars = {}
        remark(self.meta, work.path + ("vars",), f"framecap:failed:{type(error).__name__}", "x")


#: Context windows by (file, line, context_lines, max_value_length), across captures: the lines of the
#: file as read (the very list, so an edited file is read again) and the window. Code, never data.
_WINDOWS: dict[tuple[Any, ...], tuple[list[str], tuple[Any, ...]]] = {}
_WINDOWS_LIMIT = 256


def _context(reader: SourceReader, frame: Any, lineno: int | None, options: Options) -> tuple[Any, ...]:
    """Context lines cut to ``max_value_length``, with their ``_meta`` and cost; memoized per capture,
    and across captures while the file's lines are the same (windows without a cut only)."""
    key = (frame.f_code.co_filename, lineno)
    found = reader.memo.get(key)
    if found is None:
        lines = reader.lines(key[0], frame.f_globals)  # read (and checked for changes) once per capture
        shared = (key[0], lineno, options.context_lines, options.max_value_length)
        known = _WINDOWS.get(shared)
        if known is not None and known[0] is lines:
            found = reader.memo[key] = known[1]
            return found
        pre, line, post = reader.context(key[0], lineno, options.context_lines, frame.f_globals)
        metas: dict[tuple[Any, ...], Meta] = {}
        limit = options.max_value_length

        def cut(text: str, where: tuple[Any, ...]) -> str:
            if len(text) <= limit:
                return clean_text(text)
            out, line_meta = cut_text(text[: limit + CUT_MARGIN], limit, len(text), CUT_MARGIN)
            metas[where] = line_meta  # type: ignore[assignment]
            return out

        pre_cut = tuple(cut(t, ("pre_context", i)) for i, t in enumerate(pre))
        post_cut = tuple(cut(t, ("post_context", i)) for i, t in enumerate(post))
        line_cut = None if line is None else cut(line, ("context_line",))
        size = sum(cost(t[:limit]) + 3 for t in pre_cut + post_cut) + cost((line_cut or "")[:limit])
        found = reader.memo[key] = (pre_cut, line_cut, post_cut, metas, size)
        if lines and not metas:  # (a cut's _meta is merged into events by reference: not shared)
            if len(_WINDOWS) >= _WINDOWS_LIMIT:
                _WINDOWS.clear()
            _WINDOWS[shared] = (lines, found)
    return found
