"""Source context and variables for one frame record: the enrichment a frame gets while the budget lasts.

Whatever fails here costs only this frame's source or variables (recorded in ``_meta``); a frame
reached after the budget is spent gets a remark instead.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

from .budget import REMARK_COST, Budget
from .expressions import Analysis, line_names, statement_names
from .meta import CUT_MARGIN, Meta, record, remark
from .options import Options
from .records import FrameRecord
from .serialize import Serializer, clean_text, cost, cut_text
from .source import SourceReader
from .variables import is_module_frame, local_items

__all__ = ["enrich_frame"]


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
    frame = tb.tb_frame
    line: str | None = None
    if budget.left <= 0 and (options.include_source_context or options.include_local_variables):
        remark(meta, path)  # the frame's source and variables are left out: the event's size limit
        budget.spend(REMARK_COST)
        return
    if options.include_source_context and not budget.source_fits(options.context_lines, options.max_value_length):
        remark(meta, path + ("context_line",))
        budget.spend(REMARK_COST)
    elif options.include_source_context:
        try:
            pre, line, post, line_meta, size = _context(reader, frame, frame_record.lineno, options)
        except BaseException as error:  # noqa: B036 - a loader's get_source is user code
            remark(meta, path + ("context_line",), f"framecap:failed:{type(error).__name__}", "x")
        else:
            frame_record.pre_context, frame_record.context_line, frame_record.post_context = list(pre), line, list(post)
            for key, value in line_meta.items():
                record(meta, path + key, value)
            budget.spend(size)
    if not options.include_local_variables:
        return
    try:
        _variables(frame_record, tb, line, options, serializer, meta, path, budget, analysis)
    except BaseException as error:  # noqa: B036 - e.g. a RecursionError near the limit: this frame's variables only
        frame_record.vars = {}
        remark(meta, path + ("vars",), f"framecap:failed:{type(error).__name__}", "x")


def _variables(
    frame_record: FrameRecord,
    tb: TracebackType,
    line: str | None,
    options: Options,
    serializer: Serializer,
    meta: Meta,
    path: tuple[Any, ...],
    budget: Budget,
    analysis: Analysis | None,
) -> None:
    frame = tb.tb_frame
    share = budget.vars_share()
    only = None
    if is_module_frame(frame):  # its locals are the module's globals: only what the statement uses
        only = statement_names(tb, line) if analysis is None else analysis.names or line_names(line)
    items, count, problem = local_items(frame, options.max_breadth, only)
    if problem:
        frame_record.vars = {}
        remark(meta, path + ("vars",), "framecap:locals", "x")
        return
    if share <= 0:
        frame_record.vars = {}
        record(meta, path + ("vars",), {"": {"len": count}} if count else None)
        return
    data, var_meta, used = serializer.serialize_items(items, count, share)
    if count > len(data):
        var_meta = dict(var_meta or {})
        var_meta[""] = {"len": count}
    if analysis is not None and analysis.values and share - used > 0:
        expressions = [(text, value) for text, value in analysis.values if text not in data]
        extra_data, extra_meta, extra_used = serializer.serialize_items(expressions, len(expressions), share - used)
        data.update(extra_data)  # after the locals, never replacing one
        if extra_meta:
            var_meta = dict(var_meta or {})
            var_meta.update({k: v for k, v in extra_meta.items() if k})
        used += extra_used
    budget.spend(used)
    frame_record.vars = data
    record(meta, path + ("vars",), var_meta)


def _context(reader: SourceReader, frame: Any, lineno: int | None, options: Options) -> tuple[Any, ...]:
    """Context lines cut to ``max_value_length``, with their ``_meta`` and cost; memoized per capture."""
    key = (frame.f_code.co_filename, lineno)
    found = reader.memo.get(key)
    if found is None:
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
    return found
