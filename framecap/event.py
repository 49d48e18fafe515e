"""Compose the level-1 stages into one Sentry event for an exception. No I/O beyond reading source.

Frames and tracebacks are read here and dropped when :func:`build_event` returns; the event holds
plain data only, every value already bounded, every cut recorded in ``_meta``.
"""

from __future__ import annotations

import datetime
import json
import sys
import uuid
from typing import Any

from ._version import __version__
from .chain import walk_chain
from .expressions import Analysis, analyze_frames, code_qualname, line_names, statement_names
from .frames import InAppRules, describe, walk_traceback
from .options import Options
from .request import BODY_LIMITS, request_data
from .scope import Scope
from .serialize import Meta, Serializer, clean_text, cost, cut_text
from .source import SourceReader
from .variables import is_module_frame, local_items

__all__ = ["build_event", "encoded_size"]

_EXC_VALUE_LIMIT = 8192
_FRAME_SHARE = 8  # one frame's variables may take at most 1/8 of the event budget
_HAS_QUALNAME = sys.version_info >= (3, 11)
_COMPREHENSIONS = frozenset({"<listcomp>", "<setcomp>", "<dictcomp>"})


def encoded_size(event: dict[str, Any]) -> int:
    """Bytes of the event as framecap encodes it (compact, ASCII-escaped JSON)."""
    return len(json.dumps(event, separators=(",", ":")))


def _exception_value(exc: BaseException, limit: int) -> tuple[str, Meta | None]:
    """``str(exc)`` plus ``__notes__``; never raises, never builds a huge message whole when avoidable."""
    try:
        args = exc.args
        if type(exc).__str__ is BaseException.__str__ and len(args) == 1 and type(args[0]) is str:
            head = args[0]
            original = len(head)
            text = head[: limit + 1]
        else:
            text = str(exc)
            original = len(text)
    except Exception:
        text, original = "<exception str() failed>", None
    try:
        notes = exc.__dict__.get("__notes__")
        if isinstance(notes, (list, tuple)):
            extra = "\n".join(n if isinstance(n, str) else "<note that is not a string>" for n in notes[:20])
            if extra:
                text = f"{text}\n{extra}" if text else extra
                original = None if original is None else original + 1 + len(extra)
    except Exception:
        pass
    return cut_text(text, limit, original if original and original > limit else None)


def _exception_header(exc: BaseException, limit: int) -> tuple[dict[str, Any], Meta | None]:
    t = type(exc)
    value, meta = _exception_value(exc, limit)
    out: dict[str, Any] = {"type": clean_text(getattr(t, "__qualname__", t.__name__)), "value": value}
    module = getattr(t, "__module__", None)
    if isinstance(module, str) and module not in ("builtins", "__builtin__", "exceptions"):
        out["module"] = module
    return out, ({"value": meta} if meta else None)


def _set_meta(root: Meta, path: tuple[Any, ...], meta: Meta | None) -> None:
    if not meta:
        return
    node = root
    for key in path:
        node = node.setdefault(str(key), {})
    for key, value in meta.items():
        node[key] = value


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
    """
    links, total = walk_chain(exc, options.max_exceptions)
    meta: Meta = {}
    serializer = Serializer(
        max_depth=options.max_depth, max_breadth=options.max_breadth, max_length=options.max_value_length
    )
    reader = SourceReader()
    values: list[dict[str, Any]] = []
    work: list[tuple[int, int, Any]] = []  # (value index, frame index, traceback entry) for source + vars
    chained = len(links) > 1 or any(link.is_group for link in links)
    used = 0
    for vi, link in enumerate(links):
        header, header_meta = _exception_header(link.exc, max(options.max_value_length, _EXC_VALUE_LIMIT))
        _set_meta(meta, ("exception", "values", vi), header_meta)
        mech = (
            dict(mechanism)
            if link.exception_id == 0
            else {"type": "chained", "handled": mechanism.get("handled", True)}
        )
        if chained:
            mech["exception_id"] = link.exception_id
            if link.parent_id is not None:
                mech["parent_id"] = link.parent_id
            if link.source:
                mech["source"] = link.source
            if link.is_group:
                mech["is_exception_group"] = True
        header["mechanism"] = mech
        entries, count = walk_traceback(link.exc.__traceback__, options.max_frames)
        frames: list[dict[str, Any]] = []
        for fi, tb in enumerate(entries):
            record = describe(tb, rules)
            if not _HAS_QUALNAME:
                record["function"] = code_qualname(tb.tb_frame) or record["function"]
                caller = frames[-1] if frames else None
                if record["function"] in _COMPREHENSIONS and caller and caller["abs_path"] == record["abs_path"]:
                    # run by the function that defines it, always: complete the name as co_qualname would
                    record["function"] = f"{caller['function']}.<locals>.{record['function']}"
            frames.append(record)
            work.append((vi, fi, tb))
            used += (
                150
                + cost(record["abs_path"])
                + cost(record["filename"])
                + cost(record["function"])
                + cost(record["module"] or "")
            )
        if frames:
            header["stacktrace"] = {"frames": frames}
        if count > len(frames):
            _set_meta(meta, ("exception", "values", vi, "stacktrace", "frames"), {"": {"len": count}})
        used += cost(header["value"]) + 100
        values.append(header)
    if total > len(links):
        _set_meta(meta, ("exception", "values"), {"": {"len": total}})
    context: dict[str, Any] = {}
    if scope is not None:  # request, user, tags, extra, breadcrumbs: at most a quarter of the event
        used += _apply_scope(context, scope, options, meta)
    # Source and variables: root cause first, innermost frames first, while the budget lasts.
    work.sort(key=lambda item: (item[0], -item[1]))
    budget = int(options.max_event_bytes * 0.8) - used
    analyses = _analyze(work, values, options, reader)
    for vi, fi, tb in work:
        frame_record = values[vi]["stacktrace"]["frames"][fi]
        spent = _enrich(
            frame_record,
            tb,
            options,
            serializer,
            reader,
            meta,
            ("exception", "values", vi, "stacktrace", "frames", fi),
            budget,
            analyses.get((vi, fi)),
        )
        budget -= spent
        used += spent
    serializer.close()
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
    if context.get("extra") and isinstance(event.get("extra"), dict):
        context["extra"] = {**event["extra"], **context["extra"]}
    event.update(context)
    if meta:
        event["_meta"] = meta
    # ``used`` counts non-ASCII text at its escaped size; quoting and backslashes at most double the
    # rest. Only an event that could exceed the limit is encoded and measured exactly.
    if used * 2 > options.max_event_bytes:
        _fit(event, options.max_event_bytes, work)
    return event


def _analyze(
    work: list[tuple[int, int, Any]], values: list[dict[str, Any]], options: Options, reader: SourceReader
) -> dict[tuple[int, int], Analysis]:
    """executing/pure_eval for the frames nearest the error (in-app first), within the time budget.

    Frames it skips or fails on say so in their ``data.expressions``; their positions stay as the
    interpreter gave them (``co_positions`` on 3.11+), unless their source changed since import.
    """
    frames = {(vi, fi): values[vi]["stacktrace"]["frames"][fi] for vi, fi, _ in work}
    nearest_first = sorted(work, key=lambda item: (-item[0], -item[1]))  # the captured exception, innermost
    results = analyze_frames(
        (((vi, fi), tb, bool(frames[(vi, fi)]["in_app"])) for vi, fi, tb in nearest_first),
        with_values=options.include_local_variables and options.include_expression_values,
        max_values=options.max_expression_values,
        max_frames=options.max_expression_frames,
        time_budget=options.expression_time_budget,
        lines=reader.lines,
    )
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
    return results


def _apply_scope(out: dict[str, Any], scope: Scope, options: Options, meta: Meta) -> int:
    """Put what the scope knows into ``out``, under the request policy; return its estimated size.

    One serializer (JSON types kept, strings cut) with one budget bounds all of it together.
    """
    if scope.request is None and not (
        scope.user or scope.integration_user or scope.tags or scope.extra or scope.breadcrumbs
    ):
        return 0
    serializer = Serializer(
        max_depth=options.max_depth,
        max_breadth=options.max_breadth,
        max_length=options.max_value_length,
        repr_strings=False,
    )
    left = options.max_event_bytes // 4

    def bounded(value: Any, path: tuple[Any, ...]) -> Any:
        nonlocal left
        data, data_meta, size = serializer.serialize(value, left)
        left -= size
        _set_meta(meta, path, data_meta)
        return data

    user: dict[str, Any] = {}
    if options.send_default_pii and scope.integration_user:
        user.update(scope.integration_user)
    if scope.user:
        user.update(scope.user)
    if scope.request is not None:
        request, ip, request_meta = request_data(
            scope.request, options.send_default_pii, BODY_LIMITS[options.max_request_body_size], options.trusted_proxies
        )
        _set_meta(meta, ("request",), request_meta)
        if "data" in request:
            request["data"] = bounded(request["data"], ("request", "data"))
        out["request"] = request
        left -= 500
        if ip and "ip_address" not in user:
            user["ip_address"] = ip
    if user:
        out["user"] = bounded(user, ("user",))
    if scope.tags:
        out["tags"] = {clean_text(str(k))[:200]: clean_text(str(v))[:200] for k, v in list(scope.tags.items())[:200]}
        left -= sum(len(k) + len(v) for k, v in out["tags"].items())
    if scope.extra:
        out["extra"] = bounded(dict(scope.extra), ("extra",))
    crumbs = list(scope.breadcrumbs)[-options.max_breadcrumbs :] if options.max_breadcrumbs else []
    if crumbs:
        newest_first = [bounded(crumbs[i], ("breadcrumbs", "values", i)) for i in reversed(range(len(crumbs)))]
        out["breadcrumbs"] = {"values": newest_first[::-1]}  # the budget goes to the newest first
    serializer.close()
    return options.max_event_bytes // 4 - left


def _enrich(
    record: dict[str, Any],
    tb: Any,
    options: Options,
    serializer: Serializer,
    reader: SourceReader,
    meta: Meta,
    path: tuple[Any, ...],
    budget: int,
    analysis: Analysis | None = None,
) -> int:
    """Add source context and variables to one frame record; return the characters spent."""
    frame = tb.tb_frame
    spent = 0
    line: str | None = None
    if options.include_source_context and budget > min(
        (2 * options.context_lines + 1) * options.max_value_length, 4096
    ):
        pre, line, post, line_meta, size = _context(reader, frame, record.get("lineno"), options)
        record["pre_context"], record["context_line"], record["post_context"] = list(pre), line, list(post)
        for key, value in line_meta.items():
            _set_meta(meta, path + key, value)
        spent += size
    if options.include_local_variables:
        share = min(budget - spent, options.max_event_bytes // _FRAME_SHARE)
        only = None
        if is_module_frame(frame):  # its locals are the module's globals: only what the statement uses
            only = statement_names(tb, line) if analysis is None else analysis.names or line_names(line)
        items, count = local_items(frame, options.max_breadth, only)
        if share <= 0:
            record["vars"] = {}
            _set_meta(meta, path + ("vars",), {"": {"len": count}} if count else None)
            return spent
        data, var_meta, used = serializer.serialize(dict(items), share)
        if count > len(data):
            var_meta = dict(var_meta or {})
            var_meta[""] = {"len": count}
        spent += used
        if analysis is not None and analysis.values and share - used > 0:
            expressions = {text: value for text, value in analysis.values if text not in data}
            extra_data, extra_meta, extra_used = serializer.serialize(expressions, share - used)
            data.update(extra_data)  # after the locals, never replacing one
            if extra_meta:
                var_meta = dict(var_meta or {})
                var_meta.update({k: v for k, v in extra_meta.items() if k})
            spent += extra_used
        record["vars"] = data
        _set_meta(meta, path + ("vars",), var_meta)
    return spent


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
            out, line_meta = cut_text(text, limit, len(text))
            metas[where] = line_meta  # type: ignore[assignment]
            return out

        pre_cut = tuple(cut(t, ("pre_context", i)) for i, t in enumerate(pre))
        post_cut = tuple(cut(t, ("post_context", i)) for i, t in enumerate(post))
        line_cut = None if line is None else cut(line, ("context_line",))
        size = sum(cost(t) + 3 for t in pre_cut + post_cut) + cost(line_cut or "")
        found = reader.memo[key] = (pre_cut, line_cut, post_cut, metas, size)
    return found


def _fit(event: dict[str, Any], limit: int, work: list[tuple[int, int, Any]]) -> None:
    """Last guard on size: drop variables, then source, from the frames farthest from the error."""
    if encoded_size(event) <= limit:
        return
    values = event["exception"]["values"]
    frames_meta = event.setdefault("_meta", {}).setdefault("exception", {}).setdefault("values", {})
    for key in ("vars", "source"):
        for vi, fi, _ in reversed(work):
            record = values[vi]["stacktrace"]["frames"][fi]
            node = (
                frames_meta.setdefault(str(vi), {})
                .setdefault("stacktrace", {})
                .setdefault("frames", {})
                .setdefault(str(fi), {})
            )
            if key == "vars" and record.get("vars"):
                record["vars"] = {}
                node["vars"] = {"": {"rem": [["!limit", "x"]]}}
            elif key == "source" and record.get("context_line") is not None:
                for name in ("pre_context", "context_line", "post_context"):
                    record.pop(name, None)
                    node.pop(name, None)
            else:
                continue
            if encoded_size(event) <= limit:
                return
    while len(values) > 1 and encoded_size(event) > limit:  # hostile messages or huge groups: keep the captured one
        values.pop(0)
    event["_meta"].pop("exception", None)
