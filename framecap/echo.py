"""Echoes: a secret filtered by its name, found again wherever else the event repeats it.

A ``KeyError`` message repeats the key, a log line the token it used, an f-string the password; no
name says what they are there. After the first walk, if the event still holds one of the secrets it
filtered by name, a second walk replaces them: a secret of 8 characters or more by its first or last 8
characters and as much more of it as follows (a logged ``token[:16]`` is a copy too), a shorter one only
as a whole word. In source text only literals and comments change. Also the helpers that keep ``_meta``
in step with the event (paths, renamed keys).
"""

from __future__ import annotations

import json
import re
from typing import Any

from ._types import FILTERED
from .names import NONE
from .source_scrub import lex, literal_spans
from .textscan import Span, apply_spans, resolve

__all__ = [
    "SKIP_FRAME",
    "SKIP_TOP",
    "SOURCE_KEYS",
    "WORDISH",
    "Echo",
    "meta_node",
    "move_meta",
    "remember",
    "remember_all",
    "unique",
]

SKIP_TOP = frozenset({"event_id", "timestamp", "platform", "level", "sdk", "_meta", "type", "fingerprint"})
SKIP_FRAME = frozenset({"filename", "abs_path", "module", "function", "lineno", "colno", "in_app", "data"})
SOURCE_KEYS = ("pre_context", "context_line", "post_context")
#: A plain word (``localhost``, ``password``, ``Bearer``): never a probe for a secret, nor one itself.
WORDISH = re.compile(r"[a-z_\-. ]*\Z|[A-Z_\-. ]*\Z|[A-Z]?[a-z]+[\W_]*\Z")
_STRING_REPR = re.compile(r"[bu]?(?:'.*'|\".*\")\Z", re.S)
_LIMIT = 100  # secrets remembered per event


class Echo:
    """Second walk, when the first found secrets by name and the event repeats one of them elsewhere.

    A secret of 8 characters or more is found by its first or last 8 characters and as much more of it
    as follows (a logged ``token[:16]`` is a copy too); a shorter one only as a whole word.
    """

    def __init__(self, meta: dict[str, Any], secrets: list[str], short: re.Pattern[str] | None) -> None:
        self.meta = meta
        self.probes = [(secret, probe, secret.startswith(probe)) for secret in secrets for probe in _probes(secret)]
        self.short = short

    @classmethod
    def needed(cls, echoes: set[str], meta: dict[str, Any], event: dict[str, Any]) -> Echo | None:
        """An echo pass for ``event``, or None when none of the ``echoes`` appears in it again."""
        encoded = json.dumps({k: v for k, v in event.items() if k != "_meta"}, default=str)
        long = [s for s in echoes if len(s) >= 8 and any(json.dumps(p)[1:-1] in encoded for p in _probes(s))]
        short_secrets = [s for s in echoes if len(s) < 8 and json.dumps(s)[1:-1] in encoded]
        short = None
        if short_secrets:
            alternatives = "|".join(re.escape(s) for s in sorted(short_secrets, key=len, reverse=True))
            short = re.compile(r"(?<![A-Za-z0-9])(?:" + alternatives + r")(?![A-Za-z0-9])")
        return cls(meta, long, short) if long or short else None

    def event(self, event: dict[str, Any]) -> None:
        for key in list(event):
            if key not in SKIP_TOP:
                event[key] = self.walk(event[key], (key,), source=False)

    def walk(self, value: Any, path: tuple[Any, ...], source: bool) -> Any:
        kind = type(value)
        if kind is str:
            return self.text(value, path, source) if len(value) >= 4 else value
        if kind is dict:
            renamed: dict[str, str] = {}
            frame = len(path) >= 2 and path[-2] == "frames"
            for key in list(value):
                if frame and key in SKIP_FRAME:
                    continue
                value[key] = self.walk(value[key], path + (key,), key in SOURCE_KEYS or source)
                if type(key) is str and len(key) >= 4 and self.spans(key):
                    renamed[key] = unique(self.key(key, path[-1:] == ("vars",)), value, renamed.values())
            if renamed:
                for old, new in renamed.items():
                    move_meta(self.meta, path, old, new)
                items = [(renamed.get(k, k), v) for k, v in value.items()]
                value.clear()
                value.update(items)
            return value
        if kind is list:
            for index, item in enumerate(value):
                value[index] = self.walk(item, path + (index,), source)
        return value

    def key(self, key: str, expression: bool) -> str:
        if expression and not key.isidentifier():
            spans = literal_spans(key, lex(key), _no_names, self.spans)
        else:
            spans = self.spans(key)
        return apply_spans(key, spans, FILTERED)[0] if spans else key

    def spans(self, text: str) -> list[Span]:
        found: list[Span] = []
        for secret, probe, forward in self.probes:
            at = text.find(probe)
            while at != -1:
                if forward:
                    end, k = at + len(probe), len(probe)
                    while end < len(text) and k < len(secret) and text[end] == secret[k]:
                        end, k = end + 1, k + 1
                    found.append((at, end, "echo"))
                else:
                    start, k = at, len(secret) - len(probe)
                    while start > 0 and k > 0 and text[start - 1] == secret[k - 1]:
                        start, k = start - 1, k - 1
                    found.append((start, at + len(probe), "echo"))
                at = text.find(probe, at + 1)
        if self.short is not None:
            found += [(m.start(), m.end(), "echo") for m in self.short.finditer(text)]
        return resolve(found)

    def text(self, text: str, path: tuple[Any, ...], source: bool) -> str:
        if text == FILTERED:
            return text
        spans = self.spans(text)
        if spans and source:
            spans = literal_spans(text, lex(text), _no_names, self.spans)
        spans = [s for s in spans if not _inside_marker(text, s)]
        if not spans:
            return text
        node = meta_node(self.meta, path).setdefault("", {})
        old = [r for r in node.get("rem", []) if isinstance(r, list) and len(r) == 4]
        result, removed = _rewrite(text, spans, old)
        node.setdefault("len", len(text))
        node["rem"] = removed
        return result


def _probes(secret: str) -> tuple[str, ...]:
    """What finds a copy of ``secret``: its first and last 8 characters when they look random (a word such
    as ``password`` in ``password1`` would find every mention of passwords), else the whole secret."""
    probes = tuple(p for p in (secret[:8], secret[-8:]) if not WORDISH.match(p))
    return probes or (secret,)


def _no_names(name: str) -> int:
    return NONE


def _rewrite(text: str, spans: list[Span], old: list[list[Any]]) -> tuple[str, list[list[Any]]]:
    """Apply ``spans`` to ``text`` that already holds markers described by ``old``; positions recomputed."""
    result, _ = apply_spans(text, spans, FILTERED)
    events = [(r[2], r[3], r[0], True) for r in old] + [(s, e, f"framecap:{rule}", False) for s, e, rule in spans]
    events.sort()
    removed = []
    delta = 0
    for start, end, rule, kept in events:
        if kept:
            removed.append([rule, "s", start + delta, end + delta])
        else:
            removed.append([rule, "s", start + delta, start + delta + len(FILTERED)])
            delta += len(FILTERED) - (end - start)
    return result, removed


def _inside_marker(text: str, span: Span) -> bool:
    start = text.rfind(FILTERED, 0, span[1])
    return start != -1 and start + len(FILTERED) > span[0]


def remember(secret: str, echoes: set[str]) -> None:
    """A secret worth finding again: not a word, and long enough not to match ordinary numbers."""
    secret = secret.strip()
    if FILTERED in secret or len(secret) > 4096 or len(secret) < 4 or len(echoes) >= _LIMIT:
        return
    if WORDISH.match(secret):
        return  # a plain word (``localhost``, ``Bearer``): finding it again would filter prose
    if len(secret) >= 8 or (len(secret) >= 6 or secret.isdigit()) and not secret.isalpha():
        echoes.add(secret)


def remember_all(value: Any, echoes: set[str], depth: int = 0) -> None:
    if depth > 5:
        return
    items = value.values() if isinstance(value, dict) else value
    for item in list(items)[:50]:
        if isinstance(item, str):
            quoted = _STRING_REPR.match(item)
            start = (2 if item[0] in "bu" else 1) if quoted else 0
            remember(item[start : len(item) - 1] if quoted else item, echoes)
        elif isinstance(item, (dict, list)):
            remember_all(item, echoes, depth + 1)


def unique(name: str, *taken: Any) -> str:
    """``name``, or ``name'``, ``name''``... when another key already has it (as the serializer does)."""
    while any(name in group for group in taken):
        name += "'"
    return name


def move_meta(meta: dict[str, Any], path: tuple[Any, ...], old: str, new: str) -> None:
    node = meta_node(meta, path, create=False)
    if node and old in node:
        node[new] = node.pop(old)


def meta_node(meta: dict[str, Any], path: tuple[Any, ...], create: bool = True) -> dict[str, Any]:
    node = meta
    for part in path:
        key = str(part)
        child = node.get(key)
        if not isinstance(child, dict):
            if not create:
                return {}
            child = node[key] = {}
        node = child
    return node
