"""SQL with every literal replaced by a placeholder, from a real tokenizer (not ad-hoc regexes).

``UPDATE app_user SET password='supersecret' WHERE id=1;`` becomes
``UPDATE app_user SET password=%s WHERE id=%s;``. String literals (with doubled or backslash-escaped
quotes, ``E''``/``X''``/``B''``/``N''`` prefixes, dollar quoting), numbers (decimal, exponent, hex),
and ``TRUE``/``FALSE``/``NULL`` stay out; comments are dropped (they can hold anything);
double-quoted text is treated as a literal (MySQL strings), backtick and bracket identifiers and
existing placeholders are kept; ``IN (...)`` lists of literals collapse to ``IN (%s)``.

``#`` starts a MySQL comment, except PostgreSQL's JSON operators ``#>``, ``#>>`` and ``#-`` where
they can only be operators: right after an operand (a name, literal, placeholder or closing
bracket) and before a literal, a placeholder, ``(`` or ``ARRAY``. Anything else from ``#`` to the
end of the line is dropped as a comment, so a comment is never mistaken for query text.
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
_PG_OPERATOR = re.compile(r"#(?:>>?|-)")
_OPERAND_START = re.compile(r"\s*(?:'|[eE]'|\$|%s|%\(|\?|:[A-Za-z_]|\(|(?i:array)\s*[\[(])")
# A bracket identifier ([Order Details], [col1]): words that start with a letter. Anything else in
# brackets (ARRAY['a'], arr[1]) is tokenized as it stands, so its literals are found.
_WORD = r"[A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*"
_BRACKET_IDENT = re.compile(rf"\[{_WORD}(?:[ .-]{_WORD})*\]")

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


def _json_operator(sql: str, i: int, after_operand: bool) -> int:
    """Length of the PostgreSQL JSON operator at ``sql[i]`` (a ``#``), or 0 if the ``#`` starts a comment."""
    match = _PG_OPERATOR.match(sql, i)
    if match and after_operand and _OPERAND_START.match(sql, match.end()):
        return match.end() - i
    return 0


def tokenize(sql: str) -> Iterator[Token]:
    """Split SQL into ``(kind, text)`` tokens; never raises, whatever the input."""
    i, n = 0, len(sql)
    after_operand = False  # whether the last significant token can end an operand (for the ``#`` rule)
    while i < n:
        char = sql[i]
        nxt = sql[i + 1] if i + 1 < n else ""
        kind, j = "punct", i + 1
        if char.isspace():
            kind = "space"
            while j < n and sql[j].isspace():
                j += 1
        elif char == "#" and (length := _json_operator(sql, i, after_operand)):
            j = i + length
        elif char == "-" and nxt == "-" or char == "#":
            kind, j = "comment", sql.find("\n", i)
            j = n if j < 0 else j
        elif char == "/" and nxt == "*":
            kind, j = "comment", sql.find("*/", i + 2)
            j = n if j < 0 else j + 2
        elif char == "'":
            kind, j = "literal", _string_end(sql, i, "'", backslashes=True)
        elif char in "eEbBxXnNuU" and nxt == "'":  # E'...', X'ff', B'01', N'...', U&'...'-ish prefixes
            kind, j = "literal", _string_end(sql, i + 1, "'", backslashes=char in "eE")
        elif char == '"':  # an identifier in standard SQL, a string in MySQL (and SQLite's fallback): filtered
            kind, j = "literal", _string_end(sql, i, '"', backslashes=True)
        elif char == "`":
            kind, j = "quoted_ident", sql.find("`", i + 1)
            j = n if j < 0 else j + 1
        elif char == "[" and (bracket := _BRACKET_IDENT.match(sql, i)):
            kind, j = "quoted_ident", bracket.end()
        elif char == "$" and (tag := _DOLLAR_TAG.match(sql, i)):
            kind, j = "literal", sql.find(tag.group(0), tag.end())
            j = n if j < 0 else j + len(tag.group(0))
        elif char.isdigit() or (char == "." and nxt.isdigit()):
            match = _NUMBER.match(sql, i)
            kind, j = "literal", match.end() if match and match.end() > i else i + 1
        elif char in "%?$:@" and (param := _PARAM.match(sql, i)):
            kind, j = "param", param.end()
        elif _IDENT_START.match(char):
            j = _IDENT.match(sql, i + 1).end()  # type: ignore[union-attr]
            kind = "literal" if sql[i:j].lower() in _KEYWORD_LITERALS else "ident"
        text = sql[i:j]
        if kind not in ("space", "comment"):
            after_operand = kind in ("literal", "ident", "quoted_ident", "param") or text in (")", "]")
        yield kind, text
        i = j


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
