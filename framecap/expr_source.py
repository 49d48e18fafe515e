"""The smallest piece of source that holds a code object, parsed with its real line and column numbers.

Part of the expressions stage. Parsing whole files is what made first captures slow (and it can't
be interrupted), so only the failing function is parsed: its own lines, found from the code
object (first line, last line of its instructions), under one synthetic header line per enclosing
``class``/``def``/block, found by indentation above it. The headers keep name mangling (``self.__x``)
and closures (the enclosing function's parameters are the code's free variables) as they were, and
the text is padded with blank lines so that every node keeps its real position.

A fragment is trusted only when compiling it gives back the code that ran (:mod:`framecap.expr_verify`).
"""

from __future__ import annotations

import ast
import dis
import itertools
import re
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import CodeType
from typing import Any, Callable

__all__ = [
    "Fragment",
    "Level",
    "code_kind",
    "enclosing",
    "imports_size",
    "module_imports",
    "module_statement",
    "instruction_lines",
    "parse_fragment",
    "parse_whole",
    "qualname_from_lines",
]

_HAS_POSITIONS = sys.version_info >= (3, 11)
_HEADER = re.compile(r"(async[ \t]+def|def|class)[ \t]+([^\W\d]\w*)")
_BLOCK = re.compile(r"(if|elif|else|for|async[ \t]+for|while|try|except|finally|with|async[ \t]+with|match|case)\b")
_CONTINUATION = re.compile(r"(else|elif|except|finally)\b|[)\]}]")
_COMPREHENSION_NAMES = frozenset({"<listcomp>", "<setcomp>", "<dictcomp>", "<genexpr>"})
_CO_NEWLOCALS = 0x0002
MAX_WHOLE_LINES = 20_000  # larger sources are never parsed whole (parsing can't be interrupted)
MAX_WHOLE_CHARS = 2_000_000


@dataclass(frozen=True)
class Level:
    """One enclosing header: ``kind`` is ``class``, ``def`` or ``block``."""

    kind: str
    name: str
    lineno: int
    indent: str


@dataclass
class Fragment:
    """A parsed piece of a file: nodes carry ``parent`` links and real positions."""

    tree: ast.Module
    first: int  # real lines first..last were parsed (1-based, inclusive)
    last: int
    by_line: dict[int, list[ast.AST]] = field(default_factory=dict)
    whole_file: bool = False
    #: What compiling it gave (set by :func:`verify`): module code for module-level fragments.
    compiled: CodeType | None = None


def code_kind(code: CodeType) -> str:
    """``module``, ``class`` (a class body), ``function``, ``lambda``, ``comprehension``, or
    ``other``: code whose name no Python source gives it (templates compiled to Python, e.g.
    Jinja2's "top-level template code"), whose file is not its source."""
    name = code.co_name
    if name == "<module>" or name.startswith("<cell line"):
        return "module"
    if name == "<lambda>":
        return "lambda"
    if name in _COMPREHENSION_NAMES:
        return "comprehension"
    if not name.isidentifier():
        return "other"
    return "function" if code.co_flags & _CO_NEWLOCALS else "class"


def _width(line: str) -> int:
    stripped = line.lstrip(" \t")
    return len(line[: len(line) - len(stripped)].expandtabs(8))


def _code_line(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def enclosing(
    lines: Sequence[str], lineno: int, statement_start: bool, check: Callable[[], None]
) -> tuple[list[Level], int] | None:
    """The headers enclosing line ``lineno``, outermost first, and the line its statement starts on.

    Goes up by indentation: each line indented less than what is below it must be a ``def``,
    ``class`` or block header (a closing bracket may end a multi-line header). With
    ``statement_start``, the first such line may also be the start of the statement that holds
    ``lineno`` (a lambda or comprehension on a continuation line). Anything else (text inside a
    multi-line string, say) makes the answer ambiguous: None.
    """
    if not 0 < lineno <= len(lines):
        return None
    current = _width(lines[lineno - 1])
    start = lineno
    levels: list[Level] = []
    closing = False
    for index in range(lineno - 2, -1, -1):
        if index % 256 == 0:
            check()
        if current == 0:
            break
        line = lines[index]
        if not _code_line(line):
            continue
        width = _width(line)
        if width >= current:
            continue
        text = line.lstrip(" \t")
        indent = line[: len(line) - len(text)]
        header = _HEADER.match(text)
        if header:
            kind = "class" if header.group(1) == "class" else "def"
            levels.append(Level(kind, header.group(2), index + 1, indent))
        elif _BLOCK.match(text):
            levels.append(Level("block", "", index + 1, indent))
        elif text[0] in ")]}" and not closing:
            closing = True  # the end of a multi-line header: its start is further up, same indent
            continue
        elif statement_start and not levels and not closing:
            start = index + 1
        else:
            return None
        closing = False
        current = width
    if closing:
        return None
    return levels[::-1], start


def _max_line(code: CodeType) -> int:
    """The last source line of ``code``'s instructions, nested code included."""
    last = code.co_firstlineno
    if _HAS_POSITIONS:
        for position in code.co_positions():
            end = position[1]
            if end is not None and end > last:
                last = end
    else:
        for _, line in dis.findlinestarts(code):
            if line is not None and line > last:
                last = line
    for const in code.co_consts:
        if isinstance(const, CodeType):
            last = max(last, _max_line(const))
    return last


def _extend(lines: Sequence[str], last: int, width: int, statement: bool = False) -> int:
    """Past ``last``, the lines that still belong to a definition indented at ``width`` (with
    ``statement``: to a top-level statement, which ``else:`` or a closing bracket may continue)."""
    while last < len(lines):
        line = lines[last]
        if _code_line(line) and _width(line) <= width and not (statement and _CONTINUATION.match(line.lstrip(" \t"))):
            break
        last += 1
    while last > 0 and not _code_line(lines[last - 1]):
        last -= 1
    return last


_IMPORT = re.compile(r"[ \t]*(?:from[ \t]+\S+[ \t]+)?import[ \t]+(.*)")
# Names bound by module-level imports, per file (last few files): from 3.11 the compiler loads
# ``module.attr`` differently when ``module`` was imported at module level, so a fragment must
# know them. Module-level for the same reason as the plan cache; bounded.
_imports: dict[str, tuple[int, int, str, tuple[str, ...]]] = {}
_MAX_IMPORT_FILES = 16


def module_imports(filename: str, lines: Sequence[str], check: Callable[[], None]) -> tuple[str, ...]:
    """The names module-level ``import``/``from ... import`` statements bind (also inside
    module-level ``if``/``try`` blocks, not inside definitions)."""
    key = (id(lines), len(lines), lines[-1] if lines else "")
    found = _imports.get(filename)
    if found is not None and found[:3] == key:
        return found[3]
    names: list[str] = []
    for index, line in enumerate(lines):
        if index % 512 == 0:
            check()
        if "import" not in line:
            continue
        match = _IMPORT.match(line)
        if match is None:
            continue
        if _width(line) > 0:
            around = enclosing(lines, index + 1, False, check)
            if around is None or any(level.kind != "block" for level in around[0]):
                continue
        text = match.group(1)
        follow = index + 1
        while ("(" in text and ")" not in text or text.rstrip().endswith("\\")) and follow < len(lines):
            text += " " + lines[follow]
            follow += 1
        for part in text.split("#")[0].replace("(", " ").replace(")", " ").replace("\\", " ").split(","):
            words = part.split()
            name = words[-1] if len(words) == 3 and words[1] == "as" else (words[0].split(".")[0] if words else "")
            if name.isidentifier() and name not in names:
                names.append(name)
    if len(_imports) >= _MAX_IMPORT_FILES:
        _imports.pop(next(iter(_imports)), None)
    _imports[filename] = (*key, tuple(names))
    return tuple(names)


def imports_size() -> int:
    """Bytes kept by the import names cache (a few files' names)."""
    return sys.getsizeof(_imports) + sum(
        200 + sum(sys.getsizeof(name) for name in entry[3]) for entry in list(_imports.values())
    )


def _header_line(level: Level, params: str) -> str:
    if level.kind == "class":
        return f"{level.indent}class {level.name}:\n"
    if level.kind == "def":
        return f"{level.indent}def {level.name}({params}):\n"
    return f"{level.indent}if 1:\n"


_SHARED = (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)  # singletons: no parent


def _index(tree: ast.Module, fragment: Fragment, check: Callable[[], None]) -> None:
    """Parent links, and the nodes by line as executing expects them (expressions on every line
    they span). The parser shares one ``Load()``, one ``Add()``...: those get no parent link, which
    would keep the last tree alive."""
    by_line: dict[int, list[ast.AST]] = defaultdict(list)
    stack: list[Any] = [tree]
    count = 0
    expr, node_type, shared = ast.expr, ast.AST, _SHARED
    while stack:
        node = stack.pop()
        count += 1
        if count % 512 == 0:
            check()
        for name in node._fields:
            value = getattr(node, name, None)
            if type(value) is list:
                for child in value:
                    if isinstance(child, node_type) and not isinstance(child, shared):
                        child.parent = node  # type: ignore[attr-defined]
                        stack.append(child)
            elif isinstance(value, node_type) and not isinstance(value, shared):
                value.parent = node  # type: ignore[attr-defined]
                stack.append(value)
        lineno = getattr(node, "lineno", None)
        if lineno is not None:
            end = node.end_lineno
            if end is not None and end != lineno and isinstance(node, expr):
                for line in range(lineno, end + 1):
                    by_line[line].append(node)
            else:
                by_line[lineno].append(node)
    fragment.by_line = by_line


def _parse(text: str, filename: str) -> ast.Module | None:
    try:
        return ast.parse(text, filename=filename)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None


def parse_fragment(code: CodeType, lines: Sequence[str], target: int, check: Callable[[], None]) -> Fragment | None:
    """The definition that holds ``code`` (a function or class body, or the function around a lambda
    or comprehension), or for module-level lambdas and comprehensions the top-level statement."""
    kind = code_kind(code)
    found = enclosing(lines, target, kind in ("lambda", "comprehension"), check)
    if found is None:
        return None
    levels, start = found
    first, width = target, _width(lines[target - 1]) if 0 < target <= len(lines) else 0
    scope_found = kind in ("function", "class")
    if kind in ("lambda", "comprehension"):
        scopes = [i for i, level in enumerate(levels) if level.kind != "block"]
        scope_found = bool(scopes)
        if scopes:
            inner = scopes[-1]
            first, width = levels[inner].lineno, len(levels[inner].indent.expandtabs(8))
            levels = levels[:inner]
        else:  # module level: the whole top-level statement
            first = levels[0].lineno if levels else start
            width, levels = 0, []
            while first > 1 and lines[first - 2].startswith("@"):
                first -= 1
    last = _extend(lines, max(_max_line(code), target), width, statement=width == 0 and not scope_found)
    if len(levels) > first - 1:
        return None
    defs = [i for i, level in enumerate(levels) if level.kind == "def"]
    free = ", ".join(name for name in code.co_freevars if name != "__class__")
    headers = [_header_line(level, free if defs and i == defs[-1] else "") for i, level in enumerate(levels)]
    imported = module_imports(code.co_filename, lines, check) if _HAS_POSITIONS else ()
    if imported and first - 1 - len(headers) >= 1:
        headers.insert(0, "import " + ", ".join(imported) + "\n")
    body = lines[first - 1 : last]
    if len(body) > MAX_WHOLE_LINES or sum(map(len, body)) > MAX_WHOLE_CHARS:
        return None  # parsing can't be interrupted: a function this large is not parsed
    text = "\n" * (first - 1 - len(headers)) + "".join(headers) + "".join(body)
    check()
    tree = _parse(text, code.co_filename)
    if tree is None:
        return None
    fragment = Fragment(tree, first, last)
    _index(tree, fragment, check)
    return fragment


def instruction_lines(code: CodeType, lasti: int, lineno: int) -> tuple[int, int]:
    """The lines the instruction at ``lasti`` spans (3.11+), else just ``lineno``."""
    if _HAS_POSITIONS:
        position = next(itertools.islice(code.co_positions(), lasti // 2, None), None)
        if position is not None and position[0]:
            return position[0], position[1] or position[0]
    return lineno, lineno


def module_statement(
    filename: str, lines: Sequence[str], lineno: int, end_lineno: int, check: Callable[[], None]
) -> Fragment | None:
    """The top-level statement(s) spanning lines ``lineno`` to ``end_lineno`` of module-level code."""
    if not 0 < lineno <= len(lines):
        return None
    first = lineno
    while first > 1 and (
        not _code_line(lines[first - 1]) or _width(lines[first - 1]) > 0 or _CONTINUATION.match(lines[first - 1])
    ):
        first -= 1
    while first > 1 and lines[first - 2].startswith("@"):
        first -= 1
    last = _extend(lines, max(lineno, end_lineno), 0, statement=True)
    check()
    imported = module_imports(filename, lines, check) if first > 1 else ()
    prefix = ("\n" * (first - 2) + "import " + ", ".join(imported) + "\n") if imported else "\n" * (first - 1)
    tree = _parse(prefix + "".join(lines[first - 1 : last]), filename)
    if tree is None or not any(s.lineno <= lineno <= (s.end_lineno or s.lineno) for s in tree.body):
        return None
    fragment = Fragment(tree, first, last)
    _index(tree, fragment, check)
    return fragment


def parse_whole(lines: Sequence[str], filename: str, check: Callable[[], None]) -> Fragment | None:
    """The whole file, when it is small enough to parse without blowing the time budget."""
    if len(lines) > MAX_WHOLE_LINES or sum(map(len, lines)) > MAX_WHOLE_CHARS:
        return None
    check()
    tree = _parse("".join(lines), filename)
    if tree is None:
        return None
    fragment = Fragment(tree, 1, len(lines), whole_file=True)
    _index(tree, fragment, check)
    return fragment


def qualname_from_lines(code: CodeType, lines: Sequence[str], check: Callable[[], None]) -> str | None:
    """``Class.method``, ``outer.<locals>.inner`` from the enclosing headers; None when ambiguous."""
    kind = code_kind(code)
    if kind in ("module", "other"):
        return None
    found = enclosing(lines, code.co_firstlineno, kind in ("lambda", "comprehension"), check)
    if found is None:
        return None
    parts: list[str] = []
    for level in found[0]:
        if level.kind == "class":
            parts.append(level.name)
        elif level.kind == "def":
            parts += [level.name, "<locals>"]
    parts.append(code.co_name)
    return ".".join(parts)
