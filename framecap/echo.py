"""Echoes: a secret filtered with strong evidence, found again wherever else the event repeats it.

A ``KeyError`` message repeats the key, a log line the token it used, an f-string the password; no
name says what they are there. After the first walk, if the event still holds one of the secrets it
filtered, a second walk replaces its copies. One wrong match must not spread across the event, so an
echo is contextual:

- only values filtered with strong evidence are remembered: a strong name (``password``), a provider
  or shape rule, URL credentials, a credential after ``Bearer``; a weak name (``key``, ``token``) only
  when the value is itself random (16 or more random characters, :func:`framecap.shapes.random_length`);
- never numbers (a PIN of ``2024`` would erase years), never values under 8 characters, never plain words;
- a secret with random parts is found by random 8-character windows of it (after a public armor such
  as base64's ``LS0tLS1CRUdJTi``), and a copy counts from 12 characters (a logged ``token[:16]``);
  a strong-named secret without random parts (``Summer2024!Sale``, a passphrase) only whole (one under
  12 characters between non-alphanumerics);
- in source text only literals and comments change, never code;
- a value the failing line reads by a sensitive name (``int(os.environ["API_TOKEN"])``, ``cfg.db_password``)
  is found in the exception's message when quoted there (:func:`read_value_spans`), even when no
  expression value holds it.

Also the helpers that keep ``_meta`` in step with the event (paths, renamed keys).
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable
from urllib.parse import quote

from ._types import FILTERED
from .names import NONE, STRONG
from .shapes import credential_shaped, generated_token, passphrase, random_length, reference
from .source_scrub import lex, literal_spans
from .textscan import Span, apply_spans, resolve

__all__ = [
    "SKIP_FRAME",
    "SKIP_TOP",
    "SOURCE_KEYS",
    "Echo",
    "meta_node",
    "move_meta",
    "read_value_spans",
    "remember",
    "remember_all",
    "unique",
]

SKIP_TOP = frozenset({"event_id", "timestamp", "platform", "level", "sdk", "_meta", "type", "fingerprint"})
SKIP_FRAME = frozenset({"filename", "abs_path", "module", "function", "lineno", "colno", "in_app", "data"})
SOURCE_KEYS = ("pre_context", "context_line", "post_context")
_STRING_REPR = re.compile(r"[bu]?(?:'.*'|\".*\")\Z", re.S)
_LIMIT = 100  # secrets remembered per event
_CONTEXT = "\x00"  # marks a remembered secret found again only as a value
#: The name before a value in prose or a pair: ``PIN 4821``, ``password is x``, ``pin=4821``, ``"pin": "4821"``.
_NAME_BEFORE = re.compile(r"(?P<name>[A-Za-z][A-Za-z0-9_.\-]*)['\"]?(?:\s+is|\s+was)?\s*[:=]?\s*['\"]?\Z")
#: Where a short copy may start: after a non-alphanumeric, or after an escape in a repr (the password
#: in ``b'\x08\nhunter2pass'``, a serialized message, follows ``\n`` or ``\x0a``).
_BEFORE = r"(?:(?<![A-Za-z0-9])|(?<=\\[ntrvfab0])|(?<=\\x[0-9a-fA-F]{2})|(?<=\\u[0-9a-fA-F]{4}))"
_MIN_COPY = 12  # a partial copy (``token[:16]``) counts from this many characters
_WINDOW = 8
_ALNUM = re.compile(r"[A-Za-z0-9]{8}")
#: Public prefixes that many secrets share: base64 of ``-----BEGIN``, a JWT's usual header.
_ARMOR = re.compile(r"LS0tLS1CRUdJTi[A-Za-z0-9+/]{0,60}?(?:LS0tLS|0tLS0t|tLS0tL)[A-Za-z0-9+/]?|eyJ[A-Za-z0-9_-]*\.")


def _no_names(name: str) -> int:
    return NONE


class Echo:
    """Second walk, when the first filtered secrets that the event repeats elsewhere."""

    def __init__(self, meta: dict[str, Any], probes: list[tuple[str, int, str]], whole: re.Pattern[str] | None):
        self.meta = meta
        self.probes = probes  # (secret, offset of the probe in it, probe)
        self.whole = whole
        self.context: re.Pattern[str] | None = None  # word-like secrets: found only as values
        self.tier: Callable[[str], int] = _no_names

    @classmethod
    def needed(
        cls, echoes: set[str], meta: dict[str, Any], event: dict[str, Any], tier: Callable[[str], int] = _no_names
    ) -> Echo | None:
        """An echo pass for ``event``, or None when none of the ``echoes`` appears in it again."""
        encoded = json.dumps({k: v for k, v in event.items() if k != "_meta"}, default=str)
        probes = []
        whole = []
        context = []
        for secret in echoes:
            if secret.startswith(_CONTEXT):
                if json.dumps(secret[1:])[1:-1] in encoded:
                    context.append(secret[1:])
                continue
            found = _probes(secret)
            if found:
                probes += [(secret, at, probe) for at, probe in found if json.dumps(probe)[1:-1] in encoded]
            elif json.dumps(secret)[1:-1] in encoded:
                whole.append(secret)
        pattern = None
        if whole:  # a short one (under 12 characters) between non-alphanumerics only
            long = "|".join(re.escape(s) for s in sorted(whole, key=len, reverse=True) if len(s) >= _MIN_COPY)
            short = "|".join(re.escape(s) for s in sorted(whole, key=len, reverse=True) if len(s) < _MIN_COPY)
            bounded = _BEFORE + r"(?:" + short + r")(?![A-Za-z0-9])" if short else ""
            pattern = re.compile("|".join(p for p in (long, bounded) if p))
        if not (probes or pattern or context):
            return None
        echo = cls(meta, probes, pattern)
        if context:
            words = "|".join(re.escape(s) for s in sorted(context, key=len, reverse=True))
            echo.context = re.compile(_BEFORE + r"(?:" + words + r")(?![A-Za-z0-9])")
            echo.tier = tier
        return echo

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
        for secret, offset, probe in self.probes:
            at = text.find(probe)
            while at != -1:
                start, end, k = at, at + len(probe), offset + len(probe)
                while end < len(text) and k < len(secret) and text[end] == secret[k]:
                    end, k = end + 1, k + 1
                whole_tail = k == len(secret)
                k = offset
                while start > 0 and k > 0 and text[start - 1] == secret[k - 1]:
                    start, k = start - 1, k - 1
                if end - start >= min(_MIN_COPY, len(secret)):
                    found.append(_blob(text, start, end, k == 0, whole_tail))
                at = text.find(probe, at + 1)
        if self.whole is not None:
            found += [(m.start(), m.end(), "echo") for m in self.whole.finditer(text)]
        if self.context is not None:
            found += [(m.start(), m.end(), "echo") for m in self.context.finditer(text) if self._as_value(text, m)]
        return _joined(resolve(found))

    def _as_value(self, text: str, match: re.Match[str]) -> bool:
        """A word-like secret's copy counts only as a value: quoted whole (``'Sunshine'``), or after a
        sensitive name (``PIN 4821``, ``password is Sunshine``, ``pin=4821``)."""
        start, end = match.span()
        quote = text[start - 1 : start]
        if quote in ("'", '"') and text[end : end + 1] == quote:
            return True
        before = _NAME_BEFORE.search(text, max(0, start - 48), start)
        return before is not None and self.tier(before.group("name")) == STRONG

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


#: A run of base64 characters going on past a random secret's copy: the rest of the same blob (a private
#: key's next line joined to it, ``body`` when only ``body[:64]`` was known), filtered with it.
_BLOB = re.compile(r"[A-Za-z0-9+/]+=*")
_BLOB_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


def _blob(text: str, start: int, end: int, head: bool, tail: bool) -> Span:
    """The echo span of a copy at ``start:end``, grown over the random base64 run it is part of: ``head``/
    ``tail``, the copy begins/ends where the secret does (so what adjoins it there is more of a blob)."""
    if head and start and text[start - 1] in _BLOB_CHARS:
        left = start
        while left and text[left - 1] in _BLOB_CHARS:
            left -= 1
        if random_length(text[left:start]) >= 8:
            start = left
    if tail:
        more = _BLOB.match(text, end)
        if more is not None and (random_length(more.group()) >= 8 or more.group().strip("=") == ""):
            end = more.end()
    return (start, end, "echo")


def _joined(spans: list[Span]) -> list[Span]:
    """Adjacent echo spans as one: copies of two lines of a key joined together are one ``[Filtered]``."""
    out: list[Span] = []
    for span in spans:
        if out and out[-1][1] == span[0] and out[-1][2] == span[2] == "echo":
            out[-1] = (out[-1][0], span[1], "echo")
        else:
            out.append(span)
    return out


def _probes(secret: str) -> list[tuple[int, str]]:
    """Random 8-character windows of ``secret`` that find a copy of it: its first and last (past a public
    armor); none for a secret without random parts (it is found only whole)."""
    if random_length(secret) < _WINDOW:
        return []
    armor = _ARMOR.match(secret)
    begin = armor.end() if armor else 0
    found: list[tuple[int, str]] = []
    for positions in (range(begin, len(secret) - _WINDOW + 1), range(len(secret) - _WINDOW, begin - 1, -1)):
        for at in positions[:32]:
            window = secret[at : at + _WINDOW]
            if _ALNUM.match(window) and random_length(window) and (at, window) not in found:
                found.append((at, window))
                break
    return found


def _rewrite(text: str, spans: list[Span], old: list[list[Any]]) -> tuple[str, list[list[Any]]]:
    """Apply ``spans`` to ``text`` that already holds markers described by ``old``; positions recomputed.
    A recorded cut (type ``x``, not made yet) stays as it is: it counts in the text as it was first kept."""
    result, _ = apply_spans(text, spans, FILTERED)
    pending = [r for r in old if r[1] != "s"]
    old = [r for r in old if r[1] == "s"]
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
    return result, removed + pending


def _inside_marker(text: str, span: Span) -> bool:
    start = text.rfind(FILTERED, 0, span[1])
    return start != -1 and start + len(FILTERED) > span[0]


_RESERVED = re.compile(r"[^A-Za-z0-9_.~-]")


def remember(secret: str, echoes: set[str], strong: bool = True) -> None:
    """A secret worth finding again: filtered with strong evidence (or itself random). A strong one that
    is a number, short or a plain word (a PIN, ``Sunshine``) is found again only as a value (see
    :meth:`Echo._as_value`)."""
    secret = secret.strip()
    if len(secret) < 4 or len(secret) > 4096 or FILTERED in secret or len(echoes) >= _LIMIT:
        return
    random = random_length(secret)
    whole = (
        random >= 16
        or generated_token(secret)  # a ``token_urlsafe`` draw: ``-`` and ``_`` join its random parts
        or len(secret) >= 16
        and credential_shaped(secret)  # (a weak name filters only such values: its copies go the same way)
        or strong
        and (random >= 8 or passphrase(secret) or _mixed(secret))
    )
    if whole and len(secret) >= 8 and not secret.isdigit():
        echoes.add(secret)
        if _RESERVED.search(secret):  # its copy in a URL's query or a form body is percent-encoded
            echoes.add(quote(secret, safe=""))
        return
    if strong and not any(c.isspace() for c in secret):
        echoes.add(_CONTEXT + secret)


def _mixed(secret: str) -> bool:
    """Letters with digits or symbols (``Summer2024!Sale``): a password, found again only whole."""
    return not secret.isalpha() and any(c.isalpha() for c in secret) and " " not in secret


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


#: What a line reads by a name: ``environ["NAME"]``, ``getenv("NAME")``, ``.get("NAME")``, an attribute ``.name``.
_READ = re.compile(
    r"""(?:environ\s*\[|getenv\s*\(|\.get\s*\()\s*[rbu]?['"](?P<key>[A-Za-z_][\w.\-]{0,100})['"]"""
    r"""|\.(?!environ\b)(?P<attr>[A-Za-z_]\w{0,100})\b(?!\s*\()"""
)
_QUOTED = re.compile(r"'(?P<a>[^'\s]{6,400})'|\"(?P<b>[^\"\s]{6,400})\"")


def read_value_spans(message: str, line: str, tier: Callable[[str], int]) -> list[Span]:
    """Spans of ``message`` (an exception's) that quote a value ``line`` (the failing line) read by a sensitive
    name: ``int(os.environ["API_TOKEN"])`` raises ``invalid literal for int() with base 10: '<token>'``."""
    if "'" not in message and '"' not in message:
        return []
    level = NONE
    names = set()
    for match in _READ.finditer(line):
        name = match.group("key") or match.group("attr")
        names.add(name)
        level = max(level, tier(name))
    if level <= NONE:
        return []
    spans: list[Span] = []
    for match in _QUOTED.finditer(message):
        group = "a" if match.group("a") is not None else "b"
        value = match.group(group)
        if value in names or FILTERED in value or reference(value):
            continue  # ``KeyError: 'API_TOKEN'``: the name, not the value
        if level == STRONG or credential_shaped(value) or generated_token(value):
            spans.append((match.start(group), match.end(group), "echo"))
    return spans
