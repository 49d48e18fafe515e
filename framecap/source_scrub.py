"""Scrub source text as code: only literals (and comments) can hold a secret.

A source line (often one line from the middle of a statement, or of a docstring) is split into tokens
by Python's ``tokenize``; where the tokenizer gives up (an unterminated string, a bracket closed on
another line), a small tolerant lexer takes over from that column. Then, for each string or number
literal:

- its *owner* is the name it is assigned to (``password = "..."``, ``self.api_key: str = "..."``,
  ``cfg["DB_PASS"] = "..."``), passed as (``login(password="...")``), compared with (``token == "..."``,
  ``"..." != secret``), stored under in a dict display (``{"password": "..."}``), contained in a tuple,
  list or set display assigned to, or the default of (``os.environ.get("API_KEY", "...")``); a literal
  inside a call's positional arguments has no owner. A strong owner filters any non-empty literal, a
  weak owner only credential-shaped strings;
- whatever its owner, the value rules run on the literal's text (provider tokens, URL credentials...).

Identifiers, calls, annotations and operators are never replaced; comments get the value rules.
"""

from __future__ import annotations

import contextlib
import io
import re
import tokenize
from typing import Callable, NamedTuple

from .names import NONE, STRONG
from .shapes import credential_shaped, reference
from .source_pairs import comment_logins, literal_content, login_pair, random_argument, secret_argument
from .textscan import evidence, not_a_value

__all__ = ["Tok", "lex", "literal_spans", "literal_content", "target_name"]

Span = tuple[int, int, str]


class Tok(NamedTuple):
    kind: str  # name, op, string, number, comment
    start: int
    end: int


_FALLBACK = re.compile(
    r"(?P<comment>\#.*)"
    r"|(?P<string>(?:[rRbBuUfF]{1,2})?(?:'''(?:[^\\]|\\.)*?(?:'''|\Z)|\"\"\"(?:[^\\]|\\.)*?(?:\"\"\"|\Z)"
    r"|'(?:[^'\\\n]|\\.)*(?:'|\Z)|\"(?:[^\"\\\n]|\\.)*(?:\"|\Z)))"
    r"|(?P<number>\d[\w.]*|\.\d\w*)"
    r"|(?P<name>[^\W\d]\w*)"
    r"|(?P<op>:=|==|!=|<=|>=|->|\*\*=?|//=?|<<=?|>>=?|[-+*/%@&|^]=|[-+*/%@&|^~<>=.,:;()\[\]{}])"
    r"|(?P<ws>\s+)"
    r"|(?P<other>.)",
    re.S,
)
_KIND = {tokenize.NAME: "name", tokenize.OP: "op", tokenize.STRING: "string", tokenize.NUMBER: "number"}
_KIND[tokenize.COMMENT] = "comment"
_FSTRING_START = getattr(tokenize, "FSTRING_START", -1)
_FSTRING_END = getattr(tokenize, "FSTRING_END", -1)
_KEYWORDS = frozenset(
    [
        "and",
        "or",
        "not",
        "in",
        "is",
        "if",
        "else",
        "elif",
        "for",
        "while",
        "return",
        "yield",
        "await",
        "lambda",
        "assert",
        "del",
        "import",
        "from",
        "as",
        "with",
        "print",
    ]
)
_TEMPLATE_PARTS = re.compile(r"[^{}%\s]+(?=\{|%|\Z)|(?<=\})[^{}%\s]+")
_ESCAPED = re.compile(r"\\x[0-9a-fA-F]{2}")
_DEFAULT_GETTERS = frozenset({"get", "getenv", "setdefault", "pop", "environ_get"})
_ASSIGN = frozenset({"=", ":=", "+=", "|="})
_COMPARE = frozenset({"==", "!="})


def _fallback(line: str, position: int, out: list[Tok]) -> None:
    for match in _FALLBACK.finditer(line, position):
        kind = match.lastgroup
        if kind not in ("ws", "other"):
            out.append(Tok(kind, match.start(), match.end()))  # type: ignore[arg-type]


def preload() -> None:
    """Lex one line, so that the first capture does not pay for what the lexer sets up once (before
    Python 3.12, ``tokenize`` compiles its token regular expression on first use: milliseconds)."""
    with contextlib.suppress(Exception):  # a warm-up only: a capture that needs the lexer meets any failure
        lex("x = f(1, 'a')  # c\n")


def lex(line: str) -> list[Tok]:
    """Tokens of one line: Python's tokenizer, then the tolerant lexer from where it stopped."""
    out: list[Tok] = []
    depth = 0  # f-string nesting (3.12+ tokenizes f-strings in parts)
    fstring_start = 0
    try:
        for tok in tokenize.generate_tokens(io.StringIO(line).readline):
            if tok.start[0] != 1:
                break
            if tok.type == _FSTRING_START:
                if depth == 0:
                    fstring_start = tok.start[1]
                depth += 1
            elif tok.type == _FSTRING_END:
                depth -= 1
                if depth == 0:
                    out.append(Tok("string", fstring_start, tok.end[1]))
            elif depth == 0:
                if tok.type == tokenize.ERRORTOKEN and tok.string.strip():
                    _fallback(line, tok.start[1], out)
                    return out
                kind = _KIND.get(tok.type)
                if kind is not None:
                    out.append(Tok(kind, tok.start[1], tok.end[1] if tok.end[0] == 1 else len(line)))
    except Exception:  # TokenError, SyntaxError, and (3.12+, on odd bytes) UnicodeDecodeError
        resume = out[-1].end if out else 0
        if depth:  # an f-string left open: lex it again as a whole
            resume = fstring_start
            out = [t for t in out if t.end <= resume]
        if resume < len(line.rstrip()):
            _fallback(line, resume, out)
    return out


class _Level:
    __slots__ = ("call", "owner", "callee", "first", "items")

    def __init__(self, call: bool, callee: str | None = None) -> None:
        self.call = call
        self.items = 0  # commas seen at this level: the index of the current item of a display
        self.owner: str | None = None
        self.callee = callee  # the called function's name, for ``.get("NAME", "default")``
        self.first: str | None = None  # that call's first argument, when a string literal


def _target(line: str, toks: list[Tok], index: int) -> str | None:
    """The name assigned to / compared with by the operator at ``index``, looking left."""
    j = index - 1
    # an annotated assignment ``name: T = v``: the name before the ':' at this bracket depth
    depth = 0
    k = j
    while k >= 0:
        kind, start, end = toks[k]
        text = line[start:end]
        if kind == "op":
            if text in ")]}":
                depth += 1
            elif text in "([{":
                if depth == 0:
                    break
                depth -= 1
            elif depth == 0 and text in (",", ";", "=", "lambda"):
                break
            elif depth == 0 and text == ":" and k > 0 and toks[k - 1].kind == "name":
                return line[toks[k - 1].start : toks[k - 1].end]
        k -= 1
    return _operand_name(line, toks, j, backwards=True)


def _operand_name(line: str, toks: list[Tok], j: int, backwards: bool) -> str | None:
    """The name an operand is reached through: ``a.b`` -> b, ``a["k"]`` -> k, ``a[i]`` -> a."""

    def text(k: int) -> str:
        return line[toks[k].start : toks[k].end] if 0 <= k < len(toks) else ""

    if j < 0 or j >= len(toks):
        return None
    kind = toks[j].kind
    if kind == "name" and not backwards:
        while text(j + 1) == "." and j + 2 < len(toks) and toks[j + 2].kind == "name":
            j += 2
        if text(j + 1) == "[" and j + 2 < len(toks) and toks[j + 2].kind == "string" and text(j + 3) == "]":
            literal = text(j + 2)
            a, b = literal_content(literal)
            return literal[a:b]
        return None if text(j + 1) == "(" or text(j) in _KEYWORDS else text(j)
    if kind == "name":
        return None if text(j) in _KEYWORDS else text(j)
    getter = j >= 3 and text(j - 2) == "(" and text(j - 3) in _DEFAULT_GETTERS  # ``.get("NAME")``
    if backwards and kind == "op" and text(j) == ")" and getter and toks[j - 1].kind == "string":
        literal = text(j - 1)
        a, b = literal_content(literal)
        return literal[a:b]
    if backwards and kind == "op" and text(j) == "]":
        depth = 0
        k = j
        while k >= 0:
            if toks[k].kind == "op" and text(k) == "]":
                depth += 1
            elif toks[k].kind == "op" and text(k) == "[":
                depth -= 1
                if depth == 0:
                    break
            k -= 1
        if k >= 0 and j - k == 2 and toks[k + 1].kind == "string":
            literal = text(k + 1)
            a, b = literal_content(literal)
            return literal[a:b]
        return _operand_name(line, toks, k - 1, backwards=True)
    return None


def literal_spans(
    line: str,
    toks: list[Tok],
    tier: Callable[[str], int],
    scan: Callable[[str], list[Span]],
    owner: str | None = None,
) -> list[Span]:
    """Spans to filter in ``line``: literals judged by their owner, value rules on literals and comments.

    ``owner``: the name the whole text is reached through (an expression value's key), if any.
    """
    spans: list[Span] = []
    stack = [_Level(False)]
    stack[0].owner = owner
    for i, tok in enumerate(toks):
        kind, start, end = tok
        text = line[start:end]
        if kind == "op":
            if text in "([{":
                prev = toks[i - 1] if i else None
                prev_text = line[prev.start : prev.end] if prev else ""
                call = (
                    text != "{"
                    and prev is not None
                    and (
                        (prev.kind == "name" and prev_text not in _KEYWORDS)
                        or prev_text in (")", "]")
                        or prev.kind == "string"
                    )
                )
                stack.append(_Level(call, prev_text if call and prev and prev.kind == "name" else None))
            elif text in ")]}":
                if len(stack) > 1:
                    stack.pop()
            elif text in _ASSIGN or text in _COMPARE:
                stack[-1].owner = _target(line, toks, i)
            elif (
                text == ":"
                and i > 0
                and toks[i - 1].kind == "string"
                and (i == 1 or len(stack) > 1 and not stack[-1].call)
            ):  # a dict item (the dict's ``{`` may be on an earlier line)
                key = line[toks[i - 1].start : toks[i - 1].end]
                a, b = literal_content(key)
                stack[-1].owner = key[a:b]
            elif text in (",", ";"):
                stack[-1].owner = None if len(stack) > 1 or text == ";" else stack[-1].owner
                stack[-1].items += 1
        elif kind == "string" or kind == "number":
            level = stack[-1]
            name = _owner(stack) if not _operand(line, toks, i) else None
            if name is not None and _dict_key(line, toks, i) and (i == 0 or len(stack) > 1 and not level.call):
                name = None  # a dict display's key names a value, it is not one
            if name is None and i + 2 < len(toks) and line[toks[i + 1].start : toks[i + 1].end] in _COMPARE:
                name = _operand_name(line, toks, i + 2, backwards=False)
            if i >= 2 and line[toks[i - 1].start : toks[i - 1].end] == "or" and line[toks[i - 2].start] == ")":
                name = _operand_name(line, toks, i - 2, backwards=True) or name  # ``getenv("PW") or "default"``
            short = len(_ESCAPED.sub("_", text)) < 8  # (under 6 characters: a marker, ``b"\x00\x02"``, ``"v1"``)
            if name is None and level.call and not short and secret_argument(line, toks, i, level.items):
                name = "secret"  # ``hmac.compare_digest(x, "...")``, ``jwt.encode(payload, "...")``
            if (
                name is None
                and kind == "string"
                and not short
                and random_argument(line, toks, i, len(stack), level.call, level.items)
            ):
                name = "secret"  # ``connect(host, "<generated token>")``, a line of a multi-line call
            if level.call and level.callee == "setattr" and level.items == 2 and name is None:
                name = _paired_user(line, toks, i, ",")  # ``setattr(settings, "DB_PASSWORD", "...")``
            if level.call and level.callee in _DEFAULT_GETTERS:
                if level.first is None and kind == "string" and line[toks[i - 1].start : toks[i - 1].end] == "(":
                    a, b = literal_content(text)
                    level.first = text[a:b]
                elif level.first is not None and line[toks[i - 1].start : toks[i - 1].end] == ",":
                    name = level.first
            second = len(stack) > 1 and not level.call and level.items == 1 and level.owner is None
            auth = name is not None and "auth" in name.lower() and tier(name) > NONE
            if second and auth and _last_item(line, toks, i):
                name = "password"  # ``auth = ("admin", "...")``: a user name and a password
            if kind == "string" and len(stack) > 1 and not level.call and (name is None or tier(name) == NONE):
                user = _paired_user(line, toks, i)  # ``("admin", "...")``, ``{"admin": "..."}``
                if user is not None and login_pair(user, text[slice(*literal_content(text))], stack[0].owner):
                    name = "password"
            _judge_literal(line, tok, name, tier, scan, spans)
        elif kind == "comment":
            spans += [(start + s, start + e, rule) for s, e, rule in scan(text) + comment_logins(text)]
    return spans


def _paired_user(line: str, toks: list[Tok], i: int, call: str = "") -> str | None:
    """The first literal of a pair whose second is the literal at ``i``: ``("admin", "pw")``, ``"admin": "pw"``
    (``call``: a call's arguments, ``"NAME", "value"``)."""
    if i < 2 or toks[i - 2].kind != "string" or toks[i - 1].kind != "op":
        return None
    sep = line[toks[i - 1].start : toks[i - 1].end]
    if (
        sep == ","
        and not call
        and not (i >= 3 and line[toks[i - 3].start : toks[i - 3].end] in ("(", "[") and _last_item(line, toks, i))
    ):
        return None
    if sep not in (",", ":"):
        return None
    first = line[toks[i - 2].start : toks[i - 2].end]
    return first[slice(*literal_content(first))]


def _dict_key(line: str, toks: list[Tok], i: int) -> bool:
    return i + 1 < len(toks) and toks[i + 1].kind == "op" and line[toks[i + 1].start : toks[i + 1].end] == ":"


def _last_item(line: str, toks: list[Tok], i: int) -> bool:
    """Whether the literal at ``i`` ends its display (``"pw")`` or ``"pw",)``)."""
    after = [line[t.start : t.end] for t in toks[i + 1 : i + 3]]
    return bool(after) and (after[0] in (")", "]") or after[0] == "," and after[1:] in ([")"], ["]"]))


target_name = _target  # for :mod:`framecap.source_block`

_OPERATORS = frozenset({"+", "-", "*", "/", "//", "%", "**", "@", ".", "["})


def _operand(line: str, toks: list[Tok], i: int) -> bool:
    """A literal that is an operand (``pw + b"\\x00"``, ``"{0}:{1}".format(...)``): part of an operation."""
    before = line[toks[i - 1].start : toks[i - 1].end] if i else ""
    after = line[toks[i + 1].start : toks[i + 1].end] if i + 1 < len(toks) else ""
    return (before in _OPERATORS and before not in (".", "[")) or after in _OPERATORS


def _owner(stack: list[_Level]) -> str | None:
    for level in reversed(stack):
        if level.owner is not None:
            return level.owner
        if level.call:
            return None
    return None


def _judge_literal(
    line: str,
    tok: Tok,
    name: str | None,
    tier: Callable[[str], int],
    scan: Callable[[str], list[Span]],
    out: list[Span],
) -> None:
    text = line[tok.start : tok.end]
    if tok.kind == "number":
        if name is not None and tier(name) == STRONG and not (text.isdigit() and len(text) <= 2):
            out.append((tok.start, tok.end, "source-name"))  # (under 100: a count or a GPIO pin)
        elif len(text) >= 12:
            out += [(tok.start + s, tok.start + e, rule) for s, e, rule in scan(text)]
        return
    a, b = literal_content(text)
    content = text[a:b]
    if not content:
        return
    level = tier(name) if name is not None else NONE
    if level == STRONG and not reference(content) or (level > NONE and credential_shaped(content)):
        if not not_a_value(content):
            out.append((tok.start + a, tok.start + b, evidence("source-name", level)))
            return
        if level > NONE:  # a template (f-string, ``"{}:{}"``): its credential-shaped literal parts
            for part in _TEMPLATE_PARTS.finditer(content):
                if credential_shaped(part.group()):
                    at = tok.start + a
                    out.append((at + part.start(), at + part.end(), evidence("source-name", level)))
    out += [(tok.start + a + s, tok.start + a + e, rule) for s, e, rule in scan(content)]
