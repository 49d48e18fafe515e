"""Source lines judged together: what a line inherits from the lines before it in the same frame.

Source text is lexed one line at a time (:mod:`framecap.source_scrub`); a value can start on a later
line than its owner. For each line of a frame's ``pre_context`` + ``context_line`` + ``post_context``:

- the owner carried from an unfinished statement above (``DB_PASSWORD = (``, ``SECRET_KEY = \\``,
  ``TOKEN = ("part1"`` with the rest of an implicitly concatenated literal below);
- whether the line sits inside a multi-line string that is a value (``CONFIG = \"\"\"``, ``load(\"\"\"``):
  such a line is data (YAML, an ``.env`` text), scanned by the value rules as a whole, never as code.
  A docstring (a triple quote with no ``=`` or ``(`` before it) is left to the per-line rules.

:func:`block_contexts` applies it to an event's frame, cached by the frame's lines.
"""

from __future__ import annotations

import re
from typing import Any, Optional

from .source_pairs import SECRET_CALLS
from .source_scrub import Tok, lex, literal_content, target_name

__all__ = ["QUIET", "Contexts", "block_contexts", "line_contexts", "lines_key"]

_TRIPLE = re.compile(r"\"\"\"|'''")
_ASSIGN = frozenset({"=", ":=", "+=", "|="})
_SOURCE_KEYS = ("pre_context", "context_line", "post_context")
_OPEN_END = re.compile(r"[(\[{=\\,]\s*(?:#.*)?\Z")  # a line that leaves its statement open


def line_contexts(lines: list[str]) -> list[tuple[str | None, bool]]:
    """``(carried owner, inside a value string)`` for each of ``lines`` (consecutive source lines)."""
    out: list[tuple[str | None, bool]] = []
    owner: str | None = None
    depth = 0
    quote: str | None = None  # the triple quote of the open multi-line string, if any
    value = False  # whether that string is a value (not a docstring)
    key: str | None = None  # ``"password":`` or ``password=`` ending the line above: the owner of this one
    call: list[int] | None = None  # a secret-taking call left open: [its argument's index or -1 (any), item, depth]
    for line in lines:
        if quote is not None:
            out.append((None, value))
            closing = line.find(quote)
            if closing != -1:
                quote = None  # the rest of the line is code again, without an owner carried
                owner, depth, key = None, 0, None
            continue
        argument = call is not None and call[2] == depth and call[0] in (-1, call[1])
        out.append((key or owner or ("secret" if argument else None), False))
        opened = _opened_string(line)
        if opened is not None:
            quote, value = opened
            owner, depth, key, call = None, 0, None, None
            continue
        toks = lex(line)
        line_owner, change, continued = _statement(line, toks)
        call = _secret_call(line, toks, depth, call)
        key = _trailing_key(line, toks)
        depth = max(0, depth + change)
        if line_owner is not None or change > 0:
            owner = line_owner
        if not (continued or depth > 0):
            owner = None
    return out


def _opened_string(line: str) -> tuple[str, bool] | None:
    """The triple quote a line leaves open, and whether it starts a value (after ``=`` or ``(``)."""
    found = list(_TRIPLE.finditer(line))
    if len(found) % 2 == 0 or "#" in line[: found[0].start()] or line.strip() in ('"""', "'''"):
        return None  # (a lone triple quote more often closes a docstring opened above the context)
    last = found[-1]
    before = line[: found[0].start()].rstrip()
    return last.group(), before.endswith(("=", "(", ",", "[", ":")) and bool(before.strip())


def _statement(line: str, toks: list[Tok]) -> tuple[str | None, int, bool]:
    """The owner a line assigns to (at its own top level; none when it leaves a call open: the literals
    below are the call's arguments), its bracket balance, whether it continues."""
    owner = None
    opened: list[bool] = []  # the brackets this line leaves open: whether each is a call's
    depth = 0
    last = ""
    for i, tok in enumerate(toks):
        if tok.kind == "comment":
            break
        text = line[tok.start : tok.end]
        last = text if tok.kind == "op" else ""
        if tok.kind != "op":
            continue
        if text in "([{":
            depth += 1
            before = toks[i - 1] if i else None
            opened.append(text == "(" and before is not None and before.kind in ("name", "string"))
        elif text in ")]}":
            depth -= 1
            if opened:
                opened.pop()
        elif text in _ASSIGN and depth == 0:
            owner = target_name(line, toks, i)
    if any(opened):
        owner = None
    continued = line.rstrip().endswith("\\") or last in _ASSIGN or depth > 0
    return owner, depth, continued


def _trailing_key(line: str, toks: list[Tok]) -> str | None:
    """The dict key (``"password":``) or keyword (``password=``) a line ends with, its value below."""
    code = [t for t in toks if t.kind != "comment"]
    if len(code) < 2 or code[-1].kind != "op":
        return None
    last, key = line[code[-1].start : code[-1].end], code[-2]
    if last == ":" and key.kind == "string":
        text = line[key.start : key.end]
        a, b = literal_content(text)
        return text[a:b] or None
    if last == "=" and key.kind == "name" and len(code) >= 3 and line[code[-3].start : code[-3].end] in ",(":
        return line[key.start : key.end]
    return None


def _secret_call(line: str, toks: list[Tok], depth: int, call: list[int] | None) -> list[int] | None:
    """The secret-taking call (:data:`SECRET_CALLS`) open after ``line``: ``jwt.encode(`` ending a line, its
    secret argument below; ``call`` (the one open before it) counts the arguments ``line`` holds."""
    opened: list[list[int] | None] = []  # the brackets this line opens: a secret-taking call's state, or None
    for i, tok in enumerate(toks):
        if tok.kind == "comment":
            break
        text = line[tok.start : tok.end]
        if tok.kind != "op":
            continue
        if text in "([{":
            name = line[toks[i - 1].start : toks[i - 1].end] if i and toks[i - 1].kind == "name" else ""
            if name and i >= 3 and line[toks[i - 2].start : toks[i - 2].end] == "." and toks[i - 3].kind == "name":
                dotted = line[toks[i - 3].start : toks[i - 3].end] + "." + name
                name = dotted if dotted in SECRET_CALLS else name
            wanted = SECRET_CALLS.get(name, -2) if text == "(" else -2
            depth += 1
            opened.append([-1 if wanted is None else wanted, 0, depth] if wanted != -2 else None)
        elif text in ")]}":
            depth -= 1
            if opened:
                opened.pop()
            elif call is not None and depth < call[2]:
                call = None
        elif text == "," and not opened and call is not None and depth == call[2]:
            call[1] += 1
        elif text == "," and opened and opened[-1] is not None:
            opened[-1][1] += 1
    if opened:
        return opened[-1]
    return call


Contexts = dict[tuple[str, Optional[int]], tuple[Optional[str], bool]]


def lines_key(frame: dict[str, Any]) -> tuple[Any, ...]:
    """A frame's source lines as one tuple, built at C speed: the key a warm event finds its frames' lines
    by (unhashable when an item where a line should be is: the caller's lookup catches that)."""
    pre, line, post = frame.get("pre_context"), frame.get("context_line"), frame.get("post_context")
    return (
        (tuple(pre) if type(pre) is list else ())
        + ((line,) if type(line) is str else ())
        + (tuple(post) if type(post) is list else ())
    )


_UNSET: Any = object()
#: The contexts of a frame whose lines all hold nothing to scrub (the scrubber marks them: no line inherits
#: anything, and each line alone scans to nothing); told apart from another empty result by identity.
QUIET: Contexts = {}  # never written to


def block_contexts(
    frame: dict[str, Any], cache: dict[tuple[str, ...], Contexts], limit: int, quick: Any = _UNSET
) -> Contexts:
    """What each source line of ``frame`` inherits from the lines above it (:func:`line_contexts`),
    for the lines that inherit something; empty when no line leaves a statement or a string open. ``cache``:
    results by the frame's lines (code recurs), at most ``limit``; ``quick``: :func:`lines_key` of the
    frame when the caller has it."""
    quick = lines_key(frame) if quick is _UNSET else quick
    try:
        found = cache.get(quick)
    except TypeError:  # an unhashable item where a line should be
        quick, found = None, None
    if found is not None:
        return found
    keyed: list[tuple[tuple[str, int | None], str]] = []
    for key in _SOURCE_KEYS:
        lines = frame.get(key)
        if type(lines) is str:
            keyed.append(((key, None), lines))
        elif type(lines) is list:
            keyed += [((key, index), line) for index, line in enumerate(lines) if type(line) is str]
    text = tuple(line for _, line in keyed)
    if len(cache) >= limit:
        cache.clear()
    found = cache[text] = {}
    if quick is not None:
        cache[quick] = found
    if any(_OPEN_END.search(line) or _unbalanced(line) or '"""' in line or "'''" in line for line in text[:-1]):
        contexts = line_contexts(list(text))
        found.update((where, c) for (where, _), c in zip(keyed, contexts) if c[0] is not None or c[1])
    return found


def _unbalanced(line: str) -> bool:
    return line.count("(") + line.count("[") + line.count("{") > line.count(")") + line.count("]") + line.count("}")
