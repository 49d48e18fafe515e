"""SQL with every literal replaced by a placeholder, from a real tokenizer (not ad-hoc regexes).

``UPDATE app_user SET password='supersecret' WHERE id=1;`` becomes
``UPDATE app_user SET password=%s WHERE id=%s;``. String literals (with doubled or backslash-escaped
quotes, ``E''``/``X''``/``B''``/``N''`` prefixes, dollar quoting), numbers (decimal, exponent, hex),
and ``TRUE``/``FALSE``/``NULL`` stay out; comments are dropped (they can hold anything);
double-quoted text is treated as a literal (MySQL strings), backtick and bracket identifiers and
existing placeholders are kept; ``IN (...)`` lists of literals collapse to ``IN (%s)``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["parameterize", "tokenize"]

PLACEHOLDER = "%s"
_IDENT_START = re.compile(r"[A-Za-z_\u0080-\uffff]")
_IDENT = re.compile(r"[A-Za-z0-9_$\u0080-\uffff]*")
_NUMBER = re.compile(r"0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_DOLLAR_TAG = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")
_PARAM = re.compile(r"%\([^)]*\)s|%s|\?\d*|\$\d+|:[A-Za-z_][A-Za-z0-9_]*|@[A-Za-z_][A-Za-z0-9_]*")
_KEYWORD_LITERALS = frozenset({"true", "false", "null"})

# Token kinds: "literal", "ident", "quoted_ident", "param", "comment", "space", "punct".
Token = tuple[str, str]


def _string_end(sql: str, start: int, quote: str, backslashes: bool) -> int:
    """Index just past the closing quote of the literal opening at ``start`` (or the end of text)."""
    i = start + 1
    n = len(sql)
    while i < n:
        char = sql[i]
        if backslashes and char == "\\":
            i += 2
            continue
        if char == quote:
            if i + 1 < n and sql[i + 1] == quote:  # doubled quote: an escaped quote
                i += 2
                continue
            return i + 1
        i += 1
    return n


def tokenize(sql: str) -> Iterator[Token]:
    """Split SQL into ``(kind, text)`` tokens; never raises, whatever the input."""
    i, n = 0, len(sql)
    while i < n:
        char = sql[i]
        nxt = sql[i + 1] if i + 1 < n else ""
        if char.isspace():
            j = i + 1
            while j < n and sql[j].isspace():
                j += 1
            yield "space", sql[i:j]
            i = j
        elif char == "-" and nxt == "-" or char == "#":
            j = sql.find("\n", i)
            j = n if j < 0 else j
            yield "comment", sql[i:j]
            i = j
        elif char == "/" and nxt == "*":
            j = sql.find("*/", i + 2)
            j = n if j < 0 else j + 2
            yield "comment", sql[i:j]
            i = j
        elif char == "'":
            j = _string_end(sql, i, "'", backslashes=True)
            yield "literal", sql[i:j]
            i = j
        elif char in "eEbBxXnNuU" and nxt == "'":  # E'...', X'ff', B'01', N'...', U&'...'-ish prefixes
            j = _string_end(sql, i + 1, "'", backslashes=char in "eE")
            yield "literal", sql[i:j]
            i = j
        elif char == '"':  # an identifier in standard SQL, a string in MySQL (and SQLite's fallback): filtered
            j = _string_end(sql, i, '"', backslashes=True)
            yield "literal", sql[i:j]
            i = j
        elif char in "`[":
            close = "`" if char == "`" else "]"
            j = sql.find(close, i + 1)
            j = n if j < 0 else j + 1
            yield "quoted_ident", sql[i:j]
            i = j
        elif char == "$" and _DOLLAR_TAG.match(sql, i):
            tag = _DOLLAR_TAG.match(sql, i).group(0)  # type: ignore[union-attr]
            j = sql.find(tag, i + len(tag))
            j = n if j < 0 else j + len(tag)
            yield "literal", sql[i:j]
            i = j
        elif char.isdigit() or (char == "." and nxt.isdigit()):
            match = _NUMBER.match(sql, i)
            j = match.end() if match and match.end() > i else i + 1
            yield "literal", sql[i:j]
            i = j
        elif char in "%?$:@" and _PARAM.match(sql, i):
            j = _PARAM.match(sql, i).end()  # type: ignore[union-attr]
            yield "param", sql[i:j]
            i = j
        elif _IDENT_START.match(char):
            j = _IDENT.match(sql, i + 1).end()  # type: ignore[union-attr]
            word = sql[i:j]
            yield ("literal" if word.lower() in _KEYWORD_LITERALS else "ident"), word
            i = j
        else:
            yield "punct", char
            i += 1


def parameterize(sql: str) -> str:
    """The statement with every literal as ``%s`` and comments removed; placeholders and names kept."""
    out: list[str] = []
    for kind, text in tokenize(sql):
        if kind == "comment":
            if out and not out[-1].isspace():
                out.append(" ")
            continue
        if kind == "space" and out and out[-1] == " ":
            continue
        out.append(PLACEHOLDER if kind == "literal" else text)
    result = "".join(out).strip()
    # IN (%s, %s, ...) -> IN (%s): the number of items says nothing worth keeping.
    return re.sub(r"(?i)\bIN\s*\(\s*%s(?:\s*,\s*%s)+\s*\)", "IN (%s)", result)
