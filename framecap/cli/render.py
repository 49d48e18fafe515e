"""``framecap show``: an event as a person reads it, laid out as :class:`~framecap.cli.terminal.Line` objects.

Python's traceback order and wording (causes first, "The above exception was the direct cause
of the following exception:"), exception groups as a tree following ``parent_id``, in-app
frames with source, the failing range and variables, library frames one line each (runs of
them one line), recursion collapsed as Python collapses it, every cut ``_meta`` records shown
where it happened, then the event's other sections.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from typing import Any

from .shape import (
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
from .terminal import ELLIPSIS, Line, highlight, render_lines
from .values import cut_marks, format_time, meta_at, value_segments

__all__ = ["event_lines", "render_event"]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_VAR_INDENT = 6


def render_event(
    event: dict[str, Any],
    *,
    color: bool = False,
    width: int | None = None,
    full: bool = False,
    tz: datetime.tzinfo | None = None,
    notes: Sequence[str] = (),
) -> str:
    """The text ``framecap show`` prints for ``event`` (``notes``: lines under the header)."""
    return render_lines(event_lines(event, full=full, width=width, tz=tz, notes=notes), color, width)


def event_lines(
    event: dict[str, Any],
    *,
    full: bool = False,
    width: int | None = None,
    tz: datetime.tzinfo | None = None,
    notes: Sequence[str] = (),
) -> list[Line]:
    """The lines of :func:`render_event`, before colour and width are applied."""
    return _Renderer(event, full, width, tz).lines(notes)


class _Renderer:
    def __init__(self, event: dict[str, Any], full: bool, width: int | None, tz: datetime.tzinfo | None) -> None:
        self.event = event
        self.meta: dict[str, Any] = event["_meta"] if isinstance(event.get("_meta"), dict) else {}
        self.full = full
        self.width = width
        self.tz = tz
        exception: Any = event.get("exception") if isinstance(event.get("exception"), dict) else {}
        values: Any = exception.get("values") if isinstance(exception.get("values"), list) else []
        self.values: list[dict[str, Any]] = [v for v in values if isinstance(v, dict)]

    # -- the whole event ----------------------------------------------------------------------------

    def lines(self, notes: Sequence[str]) -> list[Line]:
        out = self._header()
        out += [Line().add(note, "dim") for note in notes]
        kept = meta_at(self.meta, "exception", "values").get("")
        if isinstance(kept, dict) and isinstance(kept.get("len"), int) and kept["len"] > len(self.values):
            out.append(Line().add(f"[{len(self.values)} of {kept['len']:,} exceptions kept]", "mark"))
        if self.values:
            out.append(Line())
            out += self._tree()
        else:
            out += self._thread_stacks()
        out += self._sections()
        return out

    def _thread_stacks(self) -> list[Line]:
        """A message event's stack (``attach_stacktrace``): where the message was captured."""
        threads: Any = self.event.get("threads") if isinstance(self.event.get("threads"), dict) else {}
        out: list[Line] = []
        for index, thread in enumerate(as_list(threads.get("values"))):
            stack: Any = thread.get("stacktrace") if isinstance(thread, dict) else None
            frames = [f for f in as_list(stack.get("frames")) if isinstance(f, dict)] if isinstance(stack, dict) else []
            if frames:
                out += [Line(), Line().add("Stack (most recent call last):")]
                out += self._frames(frames, ("threads", "values", index), self.width)
        return out

    def _header(self) -> list[Line]:
        event = self.event
        line = Line().add("event ", "dim").add(str(event.get("event_id", "?")), "bold")
        when = event.get("timestamp")
        if when:
            line.add("  " + format_time(when, self.tz))
        if event.get("level"):
            line.add("  " + str(event["level"]), "error" if event["level"] in ("error", "fatal") else "")
        captured = self._captured()
        mech = mechanism(captured) if captured else {}
        if mech:
            handled = mech.get("handled")
            how = "handled" if handled else "unhandled" if handled is False else ""
            line.add(f"  {mech.get('type', '?')}" + (f" ({how})" if how else ""), "dim")
        return [line]

    def _captured(self) -> dict[str, Any] | None:
        for value in self.values:
            if mechanism(value).get("exception_id") == 0:
                return value
        return self.values[-1] if self.values else None

    # -- exceptions: chains and groups -----------------------------------------------------------------

    def _tree(self) -> list[Line]:
        by_id: dict[int, int] = {}
        for index, value in enumerate(self.values):
            ident = mechanism(value).get("exception_id")
            if isinstance(ident, int):
                by_id[ident] = index
        if not by_id:  # no ids: a plain chain, root cause first, each caused the next
            out: list[Line] = []
            for index in range(len(self.values)):
                if index:
                    source = chain_source(self.values[index - 1]) or "__context__"
                    out += [Line(), Line().add(RELATION.get(source, RELATION["__context__"]), "relation"), Line()]
                out += self._exception(index, self.width)
            return out
        children: dict[int, list[int]] = {}
        for index, value in enumerate(self.values):
            parent = mechanism(value).get("parent_id")
            if isinstance(parent, int) and parent in by_id:
                children.setdefault(by_id[parent], []).append(index)
        root = self.values.index(self._captured())  # type: ignore[arg-type]
        return self._node(root, children, self.width, set())

    def _node(self, index: int, children: dict[int, list[int]], width: int | None, seen: set[int]) -> list[Line]:
        if index in seen:
            return []
        seen.add(index)
        out: list[Line] = []
        mine = children.get(index, [])
        chained = [c for c in mine if chain_source(self.values[c]) in RELATION]
        members = sorted((c for c in mine if c not in chained), key=lambda c: member_index(self.values[c]))
        for child in chained[:1]:
            out += self._node(child, children, width, seen)
            out += [Line(), Line().add(RELATION[chain_source(self.values[child])], "relation"), Line()]
        out += self._exception(index, width)
        inner = None if width is None else max(30, width - 3)
        for position, child in enumerate(members):
            last = position == len(members) - 1
            block = self._node(child, children, inner, seen)
            for number, line in enumerate(block):
                branch = ("└─ " if last else "├─ ") if number == 0 else ("   " if last else "│  ")
                line.segments.insert(0, (branch, "tree"))
                line.indent += 3
                out.append(line)
        return out

    def _exception(self, vi: int, width: int | None) -> list[Line]:
        value = self.values[vi]
        stack: Any = value.get("stacktrace") if isinstance(value.get("stacktrace"), dict) else {}
        frames = [f for f in as_list(stack.get("frames")) if isinstance(f, dict)]
        path = ("exception", "values", vi)
        out: list[Line] = []
        if frames:
            out.append(Line().add("Traceback (most recent call last):"))
            out += self._frames(frames, path, width)
        ending = Line(indent=4).add(str(value.get("type") or "Exception"), "error")
        if value.get("module") and "." not in str(value.get("type")):
            ending.segments[0] = (f"{value['module']}.{value.get('type')}", "error")
        text = value.get("value")
        if text not in (None, ""):
            lines = str(text).split("\n")
            ending.add(": " + lines[0], "message")
            out.append(ending)
            out += [Line(indent=4).add(rest, "message") for rest in lines[1:]]
        else:
            out.append(ending)
        for mark in cut_marks(meta_at(self.meta, *path, "value"), "message"):
            out.append(Line().add(mark, "mark"))
        return out

    # -- frames ---------------------------------------------------------------------------------------

    def _frames(self, frames: list[dict[str, Any]], path: tuple[Any, ...], width: int | None) -> list[Line]:
        kept = meta_at(self.meta, *path, "stacktrace", "frames").get("")
        total: Any = kept.get("len") if isinstance(kept, dict) else None
        gap = len(frames) // 2 if isinstance(total, int) and total > len(frames) else None
        # items: ("frame", index) | ("repeat", count, times) | ("gap",)
        items: list[tuple[Any, ...]] = []
        for start, stop in ((0, gap), (gap, len(frames))) if gap is not None else ((0, len(frames)),):
            items += collapse_recursion(frames, start, stop, self.full)
            if stop == gap:
                items.append(("gap",))
        out: list[Line] = []
        run: list[int] = []
        last_index = len(frames) - 1

        def flush_run() -> None:
            if len(run) >= 2:
                packages = list(dict.fromkeys(package_of(frames[i]) for i in run))
                names = ", ".join(packages[:3]) + (", …" if len(packages) > 3 else "")
                out.append(Line().add(f"  {ELLIPSIS} {len(run)} library frames ({names}) {ELLIPSIS}", "library"))
            else:
                out.extend(self._short(frames[i]) for i in run)
            run.clear()

        for item in items:
            if item[0] == "frame":
                index = item[1]
                frame = frames[index]
                if not self.full and not frame.get("in_app") and index != last_index:
                    run.append(index)
                    continue
                flush_run()
                if self.full or frame.get("in_app"):
                    out += self._full(frame, path + ("stacktrace", "frames", index), width)
                else:
                    out.append(self._short(frame))
                continue
            flush_run()
            if item[0] == "repeat":
                count, times = item[1], item[2]
                what = "line" if count == 1 else f"{count} frames"
                plural = "time" if times == 1 else "times"
                out.append(Line().add(f"  [Previous {what} repeated {times:,} more {plural}]", "mark"))
            else:
                out.append(Line().add(f"  [{len(frames)} of {total:,} frames kept]", "mark"))
        flush_run()
        return out

    def _short(self, frame: dict[str, Any]) -> Line:
        where = frame.get("filename") or frame.get("abs_path") or "?"
        line = Line(cut=True).add("  ").add(str(where), "library").add(f":{frame.get('lineno')}", "library")
        return line.add(f" in {frame.get('function') or '?'}", "library")

    def _full(self, frame: dict[str, Any], path: tuple[Any, ...], width: int | None) -> list[Line]:
        where = frame.get("abs_path") or frame.get("filename") or "?"
        head = Line(indent=4).add('  File "').add(str(where), "path").add('", line ')
        head.add(str(frame.get("lineno")), "current").add(", in ").add(str(frame.get("function") or "?"), "function")
        if not frame.get("in_app"):
            head.add("  (library)", "library")
        out = [head]
        out += self._source(frame, path, width)
        out += self._variables(frame, path)
        return out

    def _source(self, frame: dict[str, Any], path: tuple[Any, ...], width: int | None) -> list[Line]:
        found = numbered_source(frame)
        if found is None:
            return []
        lineno, numbered = found
        digits = len(str(numbered[-1][0]))
        ranges = failing_ranges(frame, {n: t for n, t, _ in numbered})
        out: list[Line] = []
        for number, text, where in numbered:
            current = number == lineno
            gutter = Line(cut=True).add("  > " if current else "    ", "caret" if current else "")
            gutter.add(str(number).rjust(digits), "current" if current else "lineno").add("   ")
            prefix = len(gutter.text)
            span = ranges.get(number)
            shown, offset = _window(text, span, None if width is None else width - prefix)
            segments = highlight(shown)
            if span is not None:
                a, b = span[0] - offset, min(span[1] - offset, len(shown))
                segments = _overlay(segments, a, b, "failing")
            gutter.segments += segments
            out.append(gutter)
            if span is not None:
                a, b = span[0] - offset, min(span[1] - offset, len(shown))
                out.append(Line(cut=True).add(" " * (prefix + a) + "^" * max(1, b - a), "caret"))
            for mark in cut_marks(meta_at(self.meta, *path, *where), "line"):
                out.append(Line().add(" " * prefix + mark, "mark"))
        return out

    def _variables(self, frame: dict[str, Any], path: tuple[Any, ...]) -> list[Line]:
        variables = frame.get("vars")
        out: list[Line] = []
        meta = meta_at(self.meta, *path, "vars")
        if isinstance(variables, dict):
            for name, value in variables.items():
                style = "name" if _NAME.match(name) else "expression"
                line = Line(indent=_VAR_INDENT + 4).add(" " * _VAR_INDENT).add(name, style).add(" = ")
                line.segments += value_segments(value, meta_at(meta, name))
                out.append(line)
        own: Any = meta.get("") if isinstance(meta.get(""), dict) else {}
        shown: Any = len(variables) if isinstance(variables, dict) else 0
        if isinstance(own.get("len"), int) and own["len"] > shown:
            extra = own["len"] - shown
            out.append(Line().add(" " * _VAR_INDENT + f"… {extra:,} more variable{'s' if extra != 1 else ''}", "mark"))
        for mark in cut_marks(meta, "variables"):
            out.append(Line().add(" " * _VAR_INDENT + mark, "mark"))
        status: Any = (frame.get("data") or {}).get("expressions") if isinstance(frame.get("data"), dict) else None
        if status:
            out.append(Line().add(" " * _VAR_INDENT + f"(expression values: {status})", "dim"))
        return out

    # -- the other sections ---------------------------------------------------------------------------

    def _sections(self) -> list[Line]:
        from .sections import sections

        return sections(self.event, self.meta, self.tz)


def _first_line(text: Any) -> str:
    return str(text or "").split("\n", 1)[0]


def _window(text: str, span: tuple[int, int] | None, room: int | None) -> tuple[str, int]:
    """``text`` fitted to ``room`` columns around the failing ``span``: (shown text, columns dropped on the left)."""
    if room is None or len(text) <= room or room < 10:
        return text, 0
    if span is None or span[1] <= room - 1:
        return text[: room - 1] + ELLIPSIS, 0
    start = max(0, min(span[0] - room // 4, len(text) - room + 1))
    shown = ELLIPSIS + text[start + 1 : start + room - 1]
    if start + room - 1 < len(text):
        shown += ELLIPSIS
    return shown, start


def _overlay(segments: list[tuple[str, str]], a: int, b: int, style: str) -> list[tuple[str, str]]:
    """Restyle columns ``[a, b)`` of ``segments``."""
    out: list[tuple[str, str]] = []
    pos = 0
    for text, own in segments:
        end = pos + len(text)
        for lo, hi, which in ((pos, min(end, a), own), (max(pos, a), min(end, b), style), (max(pos, b), end, own)):
            if hi > lo:
                out.append((text[lo - pos : hi - pos], which))
        pos = end
    return out
