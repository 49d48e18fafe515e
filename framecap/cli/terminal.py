"""Terminal output: styled lines, colour decisions, Python highlighting, width, the pager, closed pipes.

A renderer builds :class:`Line` objects (segments of text, each with a style name); this module
turns them into plain or ANSI-coloured text fitted to a width. One renderer serves both, so the
coloured and the plain output always have the same layout.
"""

from __future__ import annotations

import builtins
import contextlib
import io
import keyword
import os
import shlex
import shutil
import subprocess
import sys
import tokenize
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO

__all__ = ["Line", "Output", "choose_color", "emit", "highlight", "render_lines", "terminal_width"]

#: Style name -> ANSI SGR parameters (16 colours and attributes: readable on dark and light themes).
STYLES = {
    "": "",
    "dim": "2",
    "bold": "1",
    "error": "1;31",  # the exception type and the failing line's marker
    "message": "1",
    "caret": "1;31",
    "failing": "1;4;31",  # the failing range inside the source line
    "lineno": "2",
    "current": "1;33",  # the failing line's number
    "path": "36",
    "function": "1;36",
    "library": "2",
    "name": "1;34",  # a variable name
    "expression": "35",  # an expression's source text
    "value": "",
    "mark": "2;33",  # cuts, collapses, filtered values
    "heading": "1;4",
    "key": "34",
    "relation": "1",
    "kw": "35",
    "str": "32",
    "num": "36",
    "comment": "2;3",
    "builtin": "36",
    "tree": "2",
}
_BUILTINS = frozenset(name for name in dir(builtins) if not name.startswith("_")) | {"self", "cls"}
ELLIPSIS = "…"


@dataclass
class Line:
    """One output line: ``segments`` of ``(text, style)``. Too wide, it is ``cut`` (source: one line,
    ending in ``…``) or wrapped (values, messages) with continuation lines indented by ``indent``."""

    segments: list[tuple[str, str]] = field(default_factory=list)
    cut: bool = False
    indent: int = 0

    def add(self, text: str, style: str = "") -> Line:
        if text:
            self.segments.append((text, style))
        return self

    @property
    def text(self) -> str:
        return "".join(t for t, _ in self.segments)


def choose_color(mode: str, stream: IO[str], environ: dict[str, str] | None = None) -> bool:
    """``--color always|never`` win; in ``auto``, ``NO_COLOR`` (non-empty) turns colour off,
    ``FORCE_COLOR`` (non-empty) on, else colour only when ``stream`` is a terminal (not ``TERM=dumb``)."""
    env = os.environ if environ is None else environ
    if mode == "always":
        return True
    if mode == "never":
        return False
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    try:
        return stream.isatty() and env.get("TERM") != "dumb"
    except Exception:
        return False


def terminal_width(stream: IO[str], environ: dict[str, str] | None = None) -> int | None:
    """The terminal's width when ``stream`` is one, else ``$COLUMNS`` when set, else None (no limit)."""
    env = os.environ if environ is None else environ
    try:
        if stream.isatty():
            return max(20, shutil.get_terminal_size().columns)
    except Exception:
        pass
    columns = env.get("COLUMNS", "")
    return max(20, int(columns)) if columns.isdigit() else None


def highlight(code: str) -> list[tuple[str, str]]:
    """Python source (one line, possibly partial) as styled segments; unparsable parts stay plain."""
    out: list[tuple[str, str]] = []
    pos = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(code).readline):
            if token.start[0] != 1:
                break
            start, end = token.start[1], token.end[1] if token.end[0] == 1 else len(code)
            if start < pos or end > len(code):
                continue
            style = _token_style(token)
            if start > pos:
                out.append((code[pos:start], ""))
            if end > start:
                out.append((code[start:end], style))
            pos = end
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    if pos < len(code):
        rest = code[pos:]
        stripped = rest.lstrip()
        style = "str" if stripped[:1] in ("'", '"') else "comment" if stripped.startswith("#") else ""
        out.append((rest, style))
    return out


def _token_style(token: tokenize.TokenInfo) -> str:
    kind, text = token.type, token.string
    if kind == tokenize.NAME:
        if keyword.iskeyword(text):
            return "kw"
        return "builtin" if text in _BUILTINS else ""
    if kind == tokenize.STRING or kind in _FSTRING_TOKENS:
        return "str"
    if kind == tokenize.NUMBER:
        return "num"
    if kind == tokenize.COMMENT:
        return "comment"
    return ""


_FSTRING_TOKENS = frozenset(
    getattr(tokenize, name) for name in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END") if hasattr(tokenize, name)
)


def _fit(line: Line, width: int | None) -> list[Line]:
    """Cut or wrap ``line`` to ``width`` columns, marking the cut with ``…``."""
    if width is None or len(line.text) <= width:
        return [line]
    if line.cut:
        return [_take(line.segments, width - 1)[0].add(ELLIPSIS, "mark")]
    out: list[Line] = []
    rest = line.segments
    first = True
    room = width
    while rest:
        text = "".join(t for t, _ in rest)
        take = room
        if len(text) > room:
            space = text.rfind(" ", 0, room)
            if space > room * 0.6:  # break between words when that costs little room
                take = space + 1
        head, rest = _take(rest, take)
        if not first:
            head.segments.insert(0, (" " * line.indent, ""))
        out.append(head)
        first = False
        room = max(10, width - line.indent)
    return out


def _take(segments: Sequence[tuple[str, str]], count: int) -> tuple[Line, list[tuple[str, str]]]:
    """The first ``count`` characters of ``segments`` as a line, and the segments left over."""
    head = Line()
    left = list(segments)
    while left and count > 0:
        text, style = left.pop(0)
        if len(text) <= count:
            head.add(text, style)
            count -= len(text)
        else:
            head.add(text[:count], style)
            left.insert(0, (text[count:], style))
            count = 0
    return head, left


def render_lines(lines: Sequence[Line], color: bool, width: int | None) -> str:
    """The text of ``lines``: fitted to ``width`` (None: as they are), with ANSI styles when ``color``."""
    out: list[str] = []
    for line in lines:
        for fitted in _fit(line, width):
            if color:
                merged: list[list[str]] = []
                for text, style in fitted.segments:
                    if merged and merged[-1][1] == style:
                        merged[-1][0] += text
                    else:
                        merged.append([text, style])
                out.append("".join(_sgr(text, style) for text, style in merged).rstrip())
            else:
                out.append(fitted.text.rstrip())
    return "\n".join(out)


def _sgr(text: str, style: str) -> str:
    code = STYLES.get(style, "")
    return f"\x1b[{code}m{text}\x1b[0m" if code and text.strip() else text


@dataclass
class Output:
    """Where ``show`` and ``list`` write: a stream, whether it gets colour, its width, and a pager."""

    stream: IO[str]
    color: bool
    width: int | None
    pager: bool

    @classmethod
    def for_stream(cls, stream: IO[str], color: str = "auto", pager: bool = True, width: int | None = None) -> Output:
        is_tty = False
        with contextlib.suppress(Exception):
            is_tty = stream.isatty()
        return cls(
            stream=stream,
            color=choose_color(color, stream),
            width=width if width is not None else terminal_width(stream),
            pager=pager and is_tty,
        )


def emit(text: str, output: Output) -> None:
    """Write ``text`` (plus a newline), through the pager when it is taller than the terminal."""
    if not text.endswith("\n"):
        text += "\n"
    if output.pager and text.count("\n") > shutil.get_terminal_size().lines - 1 and _page(text, output):
        return
    output.stream.write(text)
    output.stream.flush()


def _page(text: str, output: Output) -> bool:
    """Pipe ``text`` into ``$PAGER`` (else ``less -R``); False when no pager could start."""
    command = os.environ.get("PAGER") or "less -R"
    try:
        argv = shlex.split(command)
    except ValueError:
        return False
    if not argv or argv[0] == "cat":
        return False
    env = dict(os.environ)
    env.setdefault("LESS", "R")
    try:
        pager = subprocess.Popen(argv, stdin=subprocess.PIPE, env=env)
    except OSError:
        return False
    assert pager.stdin is not None
    try:
        pager.stdin.write(text.encode(getattr(output.stream, "encoding", None) or "utf-8", "replace"))
        pager.stdin.close()
    except (BrokenPipeError, OSError):  # the reader quit early: that is fine
        pass
    while True:
        try:
            pager.wait()
            break
        except KeyboardInterrupt:  # less handles Ctrl-C itself; keep waiting for it
            continue
    return True


def quiet_broken_pipe() -> None:
    """After a closed pipe (``| head``): point stdout at /dev/null so the interpreter's final flush is silent."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except Exception:
        pass
