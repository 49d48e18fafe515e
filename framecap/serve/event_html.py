"""An event as an HTML page body: the exception chain or group, frames, source, variables, sections.

The layout follows ``framecap show`` (Python's order and wording, groups as a tree following
``parent_id``, recursion collapsed as Python collapses it, every ``_meta`` cut where it
happened), with what a page adds: library frames and long values collapse into ``<details>``
that open in place, without any script. Every string from the event reaches the page as text
of :mod:`framecap.serve.html` elements, escaped when rendered.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from ..cli.shape import (
    RELATION,
    as_list,
    chain_source,
    collapse_recursion,
    failing_ranges,
    mechanism,
    member_index,
    numbered_source,
    package_of,
)
from ..cli.terminal import highlight
from ..cli.values import meta_at
from .html import Child, Element, h
from .sections_html import sections
from .values_html import Cuts, describe_cut, marks, more_mark, value_html

__all__ = ["event_body"]

logger = logging.getLogger("framecap")

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TOKEN_CLASS = {"kw": "t-kw", "str": "t-str", "num": "t-num", "comment": "t-com", "builtin": "t-bi"}
_MAX_GROUP_DEPTH = 40  # nesting of exception groups drawn as a tree; deeper members are listed flat


def event_body(event: dict[str, Any]) -> list[Element]:
    """The exceptions and every section of ``event``; any ``_meta`` cut not shown in place comes last."""
    page = _EventPage(event)
    out = page.exceptions()
    out += _guard("sections", lambda: sections(event, page.cuts))
    out += _guard("cuts", page.leftover_cuts)
    return out


def _guard(what: str, build: Any) -> list[Element]:
    """A part that can't be drawn costs that part only: the page says so instead of failing."""
    try:
        return list(build())
    except Exception as error:  # an event of any shape must still be viewable
        logger.debug("framecap serve: could not draw %s: %r", what, error, exc_info=True)
        return [h("p", {"class": "broken"}, f"(this part of the event could not be shown: {type(error).__name__})")]


class _EventPage:
    def __init__(self, event: dict[str, Any]) -> None:
        self.event = event
        self.cuts = Cuts(event.get("_meta"))
        exception: Any = event.get("exception") if isinstance(event.get("exception"), dict) else {}
        self.values: list[dict[str, Any]] = [v for v in as_list(exception.get("values")) if isinstance(v, dict)]

    # -- exceptions ---------------------------------------------------------------------------------

    def exceptions(self) -> list[Element]:
        if not self.values:
            return _guard("stack", self._thread_stacks)
        out = h("section", {"class": "exceptions"})
        kept = self.cuts.at("exception", "values").get("")
        if isinstance(kept, dict) and isinstance(kept.get("len"), int) and kept["len"] > len(self.values):
            out.add(h("p", {"class": "cut"}, f"[{len(self.values)} of {kept['len']:,} exceptions kept]"))
        out.add(_guard("exceptions", self._tree))
        return [out]

    def _thread_stacks(self) -> list[Element]:
        """A message event's stack (``attach_stacktrace``): where the message was captured."""
        threads: Any = self.event.get("threads") if isinstance(self.event.get("threads"), dict) else {}
        out: list[Element] = []
        for index, thread in enumerate(as_list(threads.get("values"))):
            stack: Any = thread.get("stacktrace") if isinstance(thread, dict) else None
            frames = [f for f in as_list(stack.get("frames")) if isinstance(f, dict)] if isinstance(stack, dict) else []
            if frames:
                block = h("div", {"class": "exception", "id": f"thread-{index}"})
                block.add(h("p", {"class": "tb-head"}, "Stack (most recent call last):"))
                block.add(self._frames(frames, ("threads", "values", index)))
                out.append(h("section", {"class": "exceptions"}, block))
        return out

    def _tree(self) -> list[Element]:
        by_id: dict[int, int] = {}
        for index, value in enumerate(self.values):
            ident = mechanism(value).get("exception_id")
            if isinstance(ident, int) and not isinstance(ident, bool):
                by_id.setdefault(ident, index)
        if not by_id:  # a plain chain, root cause first, each caused the next
            out: list[Element] = []
            for index in range(len(self.values)):
                if index:
                    source = chain_source(self.values[index - 1]) or "__context__"
                    out.append(h("p", {"class": "relation"}, RELATION.get(source, RELATION["__context__"])))
                out.append(self._exception(index))
            return out
        children: dict[int, list[int]] = {}
        for index, value in enumerate(self.values):
            parent = mechanism(value).get("parent_id")
            if isinstance(parent, int) and parent in by_id and by_id[parent] != index:
                children.setdefault(by_id[parent], []).append(index)
        root = next(
            (i for i, v in enumerate(self.values) if mechanism(v).get("exception_id") == 0), len(self.values) - 1
        )
        seen: set[int] = set()
        out = self._node(root, children, seen, 0)
        rest = [i for i in range(len(self.values)) if i not in seen]
        if rest:
            out.append(h("p", {"class": "relation"}, "Exceptions not linked to the one captured:"))
            out += [self._exception(i) for i in rest]
        return out

    def _node(self, index: int, children: dict[int, list[int]], seen: set[int], depth: int) -> list[Element]:
        if index in seen:
            return []
        seen.add(index)
        mine = children.get(index, []) if depth < _MAX_GROUP_DEPTH else []
        chained = [c for c in mine if chain_source(self.values[c]) in RELATION]
        members = sorted((c for c in mine if c not in chained), key=lambda c: member_index(self.values[c]))
        out: list[Element] = []
        for child in chained[:1]:
            out += self._node(child, children, seen, depth + 1)
            out.append(h("p", {"class": "relation"}, RELATION[chain_source(self.values[child])]))
        block = self._exception(index)
        if members:
            tree = h("ol", {"class": "group"})
            for child in members:
                tree.add(h("li", None, self._node(child, children, seen, depth + 1)))
            block.add(tree)
        out.append(block)
        return out

    def _exception(self, vi: int) -> Element:
        value = self.values[vi]
        path = ("exception", "values", vi)
        stack: Any = value.get("stacktrace") if isinstance(value.get("stacktrace"), dict) else {}
        frames = [f for f in as_list(stack.get("frames")) if isinstance(f, dict)]
        block = h("div", {"class": "exception", "id": f"exception-{vi}"})
        if frames:
            block.add(h("p", {"class": "tb-head"}, "Traceback (most recent call last):"))
            block.add(_guard("frames", lambda: self._frames(frames, path)))
        kind = str(value.get("type") or "Exception")
        if value.get("module") and "." not in kind:
            kind = f"{value['module']}.{kind}"
        ending = h("p", {"class": "ending"}, h("span", {"class": "exc-type"}, kind))
        text = value.get("value")
        if text not in (None, ""):
            ending.add(": ", h("span", {"class": "exc-value"}, str(text)))
        ending.add(marks(self.cuts.at(*path, "value"), "message"))
        mech = mechanism(value)
        if mech.get("type"):
            handled = mech.get("handled")
            how = " (handled)" if handled is True else " (unhandled)" if handled is False else ""
            ending.add(" ", h("span", {"class": "mechanism"}, f"{mech['type']}{how}"))
        block.add(ending)
        return block

    # -- frames ---------------------------------------------------------------------------------------

    def _frames(self, frames: list[dict[str, Any]], path: tuple[Any, ...]) -> list[Element]:
        kept = self.cuts.at(*path, "stacktrace", "frames").get("")
        total: Any = kept.get("len") if isinstance(kept, dict) else None
        gap = len(frames) // 2 if isinstance(total, int) and total > len(frames) else None
        items: list[tuple[Any, ...]] = []
        for start, stop in ((0, gap), (gap, len(frames))) if gap is not None else ((0, len(frames)),):
            items += collapse_recursion(frames, start, stop)
            if stop == gap:
                items.append(("gap",))
        out: list[Element] = []
        run: list[int] = []
        last_index = len(frames) - 1
        next_index = 0

        def flush_run() -> None:
            if len(run) >= 2:
                packages = list(dict.fromkeys(package_of(frames[i]) for i in run))
                names = ", ".join(packages[:3]) + (", …" if len(packages) > 3 else "")
                out.append(
                    h(
                        "details",
                        {"class": "lib-run"},
                        h("summary", None, f"… {len(run)} library frames ({names}) …"),
                        [self._frame(frames[i], path + ("stacktrace", "frames", i)) for i in run],
                    )
                )
            else:
                out.extend(self._frame(frames[i], path + ("stacktrace", "frames", i)) for i in run)
            run.clear()

        for item in items:
            if item[0] == "frame":
                index = item[1]
                next_index = index + 1
                if not frames[index].get("in_app") and index != last_index:
                    run.append(index)
                    continue
                flush_run()
                out.append(self._frame(frames[index], path + ("stacktrace", "frames", index)))
                continue
            flush_run()
            if item[0] == "repeat":
                count, times = item[1], item[2]
                hidden = range(next_index, min(len(frames), next_index + count * times))
                next_index = hidden.stop
                what = "line" if count == 1 else f"{count} frames"
                plural = "time" if times == 1 else "times"
                out.append(
                    h(
                        "details",
                        {"class": "repeat"},
                        h("summary", {"class": "cut"}, f"[Previous {what} repeated {times:,} more {plural}]"),
                        [self._frame(frames[i], path + ("stacktrace", "frames", i)) for i in hidden],
                    )
                )
            else:
                out.append(h("p", {"class": "cut"}, f"[{len(frames)} of {total:,} frames kept]"))
        flush_run()
        return out

    def _frame(self, frame: dict[str, Any], path: tuple[Any, ...]) -> Element:
        in_app = bool(frame.get("in_app"))
        where = str(frame.get("abs_path") or frame.get("filename") or "?")
        summary = h(
            "summary",
            None,
            h("span", {"class": "path"}, where),
            ", line ",
            h("span", {"class": "lineno"}, str(frame.get("lineno"))),
            ", in ",
            h("span", {"class": "func"}, str(frame.get("function") or "?")),
            None if in_app else h("span", {"class": "libtag"}, "library"),
        )
        body = h("div", {"class": "frame-body"})
        body.add(_guard("source", lambda: self._source(frame, path)))
        body.add(_guard("variables", lambda: self._variables(frame, path)))
        if not body.children:
            body.add(h("p", {"class": "dim"}, "(no source or variables)"))
        return h("details", {"class": "frame app" if in_app else "frame lib", "open": in_app}, summary, body)

    def _source(self, frame: dict[str, Any], path: tuple[Any, ...]) -> list[Element]:
        found = numbered_source(frame)
        if found is None:
            return []
        lineno, numbered = found
        ranges = failing_ranges(frame, {n: t for n, t, _ in numbered})
        table = h("table", {"class": "source"})
        for number, text, where in numbered:
            current = number == lineno
            code = h("td", {"class": "code"}, _highlighted(text, ranges.get(number)))
            code.add(marks(self.cuts.at(*path, *where), "line"))
            table.add(h("tr", {"class": "current" if current else None}, h("td", {"class": "num"}, str(number)), code))
        return [table]

    def _variables(self, frame: dict[str, Any], path: tuple[Any, ...]) -> list[Element]:
        variables = frame.get("vars")
        meta = self.cuts.at(*path, "vars")
        out: list[Element] = []
        table = h("table", {"class": "vars"})
        if isinstance(variables, dict):
            for name, value in variables.items():
                kind = "name" if _NAME.match(str(name)) else "expr"
                table.add(
                    h(
                        "tr",
                        {"class": kind},
                        h("th", None, h("code", None, str(name))),
                        h("td", None, value_html(value, meta_at(meta, name), reprs=True)),
                    )
                )
        if table.children:
            out.append(table)
        more = more_mark(meta.get(""), len(variables) if isinstance(variables, dict) else 0, "variable")
        if more is not None:
            out.append(h("p", None, more))
        found = marks(meta, "variables")
        if found:
            out.append(h("p", None, found))
        data: Any = frame.get("data") if isinstance(frame.get("data"), dict) else {}
        if data.get("expressions"):
            out.append(h("p", {"class": "dim"}, f"(expression values: {data['expressions']})"))
        return out

    # -- what is left -----------------------------------------------------------------------------------

    def leftover_cuts(self) -> list[Element]:
        found = self.cuts.leftovers()
        if not found:
            return []
        rows = [
            h("tr", None, h("th", None, h("code", None, where)), h("td", {"class": "cut"}, describe_cut(own)))
            for where, own in found
        ]
        return [
            h(
                "section",
                {"class": "sect", "id": "other-cuts"},
                h("h2", None, "Other cuts"),
                h("table", {"class": "kv"}, rows),
            )
        ]


def _highlighted(text: str, span: tuple[int, int] | None) -> Element:
    """One source line, syntax-highlighted; the failing columns ``[a, b)`` inside a ``<mark>``."""
    code = h("code")
    segments = highlight(text)
    if span is None:
        code.add(_token_spans(segments))
        return code
    a, b = span
    before, inside, after = _split(segments, a, b)
    code.add(_token_spans(before), h("mark", {"class": "failing"}, _token_spans(inside)), _token_spans(after))
    return code


def _token_spans(segments: list[tuple[str, str]]) -> list[Child]:
    return [
        h("span", {"class": _TOKEN_CLASS[style]}, text) if style in _TOKEN_CLASS else text for text, style in segments
    ]


def _split(segments: list[tuple[str, str]], a: int, b: int) -> tuple[list[tuple[str, str]], ...]:
    parts: tuple[list[tuple[str, str]], ...] = ([], [], [])
    pos = 0
    for text, style in segments:
        end = pos + len(text)
        for which, (lo, hi) in enumerate(((pos, min(end, a)), (max(pos, a), min(end, b)), (max(pos, b), end))):
            if hi > lo:
                parts[which].append((text[lo - pos : hi - pos], style))
        pos = end
    return parts
