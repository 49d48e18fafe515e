"""Named values in data: what a variable, a dict item or a list item holds, judged by its name's tier.

A mixin of :class:`framecap.scrub.Scrubber` (which provides ``names``, ``scanner``, ``scrub_values``,
``_replace``, ``_collect`` and ``_text``): containers are walked in place; a strong name filters its
whole value (a string repr keeps its quotes), a weak name credential-shaped strings; dict keys that are
themselves secrets are replaced (``_meta`` follows); lists whose items name other items (``[name,
value]`` header pairs, command lines with ``--password x``) lend those names to them.
"""

from __future__ import annotations

import re
from typing import Any

from ._types import FILTERED
from .echo import meta_node, move_meta, remember, remember_all, unique
from .item_names import KEY_LINE, auth_pair, list_tiers, named_value
from .members import digest_under_key, drawn_member, ids_container
from .names import NONE, STRONG, WEAK, Names
from .scrub_repeat import MIN_KEYS
from .secrets import card_valid
from .shapes import credential_shaped, is_uuid, random_member, reference
from .textscan import NOTHING, Span, TextScanner, apply_spans, judged, not_a_value, resolve
from .urls import query_spans

__all__ = ["DataScrubbing"]

# Reprs that hold no data: None, booleans, empty strings, default reprs (a type's name and an address),
# functions, methods, classes and modules (qualified names may hold ``<locals>``), the serializer's notes.
_EXEMPT = re.compile(
    r"(?:None|True|False|''|\"\"|b''|b\"\"|\[Filtered\]|-?\d{1,2}|"  # under 100: a count or a GPIO pin, no secret
    r"<(?:[\w.<>]+ object at 0x[0-9a-fA-F]+|class '[^']*'|module '[^']*'[^>]*"
    r"|(?:bound |built-in )?(?:method|function) [\w.<>]+(?: of <[\w.<>]+ object at 0x[0-9a-fA-F]+>| at 0x[0-9a-fA-F]+)?"
    r"|cyfunction [\w.<>]+ at 0x[0-9a-fA-F]+|cyclic reference|[\w.]+ with \d+ items?)>)\Z"
)
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?\Z|-?(?:inf|nan)\Z")
_NUMBER_START = frozenset("-0123456789")
_QUOTES = ("'", '"', "b")
_QUERY_KEYS = frozenset({"query_string", "querystring", "raw_query", "query"})
_QUERY_LENGTHS = frozenset(map(len, _QUERY_KEYS))  # (a cheap test before lowering the key)
_STRING_REPR = re.compile(r"[bu]?(?:'.*'|\".*\")\Z", re.S)
_JWK_PRIVATE = frozenset({"d", "p", "q", "dp", "dq", "qi", "k", "oth"})  # RFC 7518 sections 6.2.2, 6.3.2, 6.4


_KEEP: Any = ("keep",)  # a named repr that stays as it is
_SCAN: Any = ("scan",)  # a named repr not filtered by its name: the value rules judge it


def _named_repr(tier: int, text: str) -> Any:
    """What a repr under a name of ``tier`` (above NONE) gets: :data:`_KEEP`, :data:`_SCAN`, or
    ``(quoted, start, content)`` when its name filters it."""
    if _EXEMPT.match(text):
        return _SCAN
    quoted = _STRING_REPR.match(text) is not None
    start = (2 if text[0] in "bu" else 1) if quoted else 0
    content = text[start : len(text) - 1] if quoted else text
    if tier == STRONG or (quoted and judged(tier, content)) or (not quoted and _uuid_under(text)):
        if tier == STRONG and quoted and (not_a_value(content) or reference(content)):
            return _KEEP
        return (quoted, start, content)
    return _SCAN


class DataScrubbing:
    """Named values in data (a mixin of the Scrubber)."""

    names: Names
    scanner: TextScanner
    scrub_values: bool

    # provided by the Scrubber
    def _text(self, text: str, path: tuple[Any, ...], state: Any, ips: bool = True) -> str:
        raise NotImplementedError

    def _replace(self, text: str, spans: list[Span], path: tuple[Any, ...], state: Any) -> str:
        raise NotImplementedError

    def _collect(self, text: str, spans: list[Span], state: Any) -> None:
        raise NotImplementedError

    def _items(self, value: list[Any], path: tuple[Any, ...], tiers: dict[int, int], state: Any) -> list[Any]:
        """A list whose items have names of their own (a tuple display's items, an argv's flag values)."""
        for index, tier in tiers.items():
            if tier > NONE and index < len(value):
                value[index] = self._data(value[index], path + (index,), tier, True, state)
        return value

    def _data(self, value: Any, path: tuple[Any, ...], tier: int, reprs: bool, state: Any) -> Any:
        """A data value under a name of ``tier``; ``reprs``: its leaves are Python reprs (frame variables)."""
        kind = type(value)
        if kind is str:
            return self._leaf(value, path, tier, reprs, state)
        if tier == STRONG and value is not None and kind is not bool:
            if kind is dict or kind is list:
                if not value:
                    return value
                remember_all(value, state.echoes)
                return self._filtered(path, state, "name")
            if kind in (int, float) and not (kind is int and -100 < value < 100):
                return self._filtered(path, state, "name", len(str(value)))
            return value
        if kind is dict:
            return self._dict(value, path, tier, reprs, state)
        if kind is list:
            if tier == WEAK and len(value) == 2 and auth_pair(path, value):
                value[1] = self._data(value[1], path + (1,), STRONG, reprs, state)  # (user, password)
            return self._list(value, path, tier, reprs, state)
        if kind is int and self.scrub_values and value > 10**11 and card_valid(str(value)):
            return self._filtered(path, state, "card", len(str(value)))
        return value

    def _list(self, value: list[Any], path: tuple[Any, ...], tier: int, reprs: bool, state: Any) -> Any:
        first = value[0] if value else None
        tiers = (
            list_tiers(value, self.names)
            if type(first) is str and len(value) >= 2 and (not reprs or first[:1] in _QUOTES)
            else None
        )
        memo = state.memo
        if tiers is None and tier == NONE:  # the common case, inline
            if _short_strings(value):
                return value  # short strings only (small numbers' reprs): nothing to find, at C speed
            for index, item in enumerate(value):
                item_kind = type(item)
                if item_kind is str:
                    if len(item) < 6:
                        continue
                    if len(item) >= 16 and self._member(value, index, path, reprs, state):
                        continue
                    if memo.get(item) is NOTHING:
                        continue
                    new = self._leaf(item, path + (index,), NONE, reprs, state)
                    if new is not item:
                        value[index] = new
                elif item_kind is dict:
                    self._dict(item, path + (index,), NONE, reprs, state)
                elif item_kind is list:
                    if item:
                        self._list(item, path + (index,), NONE, reprs, state)
                elif item_kind is int:
                    value[index] = self._data(item, path + (index,), NONE, reprs, state)
            return value
        for index, item in enumerate(value):
            item_tier = tiers.get(index, tier) if tiers else tier
            if item_tier == KEY_LINE:
                if type(item) is str and item and item != FILTERED:
                    quoted = reprs and _STRING_REPR.match(item) is not None
                    start = (2 if item[0] in "bu" else 1) if quoted else 0
                    remember(item[start : len(item) - 1] if quoted else item, state.echoes)
                    if quoted:
                        value[index] = self._replace(
                            item, [(start, len(item) - 1, "private-key")], path + (index,), state
                        )
                    else:
                        value[index] = self._filtered(path + (index,), state, "private-key", len(item))
                continue
            if type(item) is str and item_tier <= NONE and (len(item) < 6 or memo.get(item) is NOTHING):
                continue
            if (
                item_tier == NONE
                and type(item) is str
                and len(item) >= 16
                and self._member(value, index, path, reprs, state)
            ):
                continue  # (a pair of tokens: the first read as the name of the second)
            value[index] = self._data(item, path + (index,), item_tier, reprs, state)
        return value

    def _member(self, value: list[Any], index: int, path: tuple[Any, ...], reprs: bool, state: Any) -> bool:
        """A generated token as a list or set member under any name (``revoked = {<token>, <token>}``) is
        replaced; whether it was."""
        text = value[index]
        if len(text) > 203 or ids_container(path):
            return False
        start = (2 if text[0] in "bu" else 1) if reprs and _STRING_REPR.match(text) else 0
        if reprs and not start:
            return False
        end = len(text) - 1 if start else len(text)
        if not drawn_member(text[start:end], path, value, reprs):
            return False
        remember(text[start:end], state.echoes, strong=False)
        if start:
            value[index] = self._replace(text, [(start, end, "random-key")], path + (index,), state)
        else:
            value[index] = self._filtered(path + (index,), state, "random-key", len(text))
        return True

    def _dict(self, value: dict[Any, Any], path: tuple[Any, ...], tier: int, reprs: bool, state: Any) -> Any:
        token = None
        if len(value) >= MIN_KEYS and path and state.repeats is not None:
            token = state.repeats.before(value, path, tier, reprs, state.meta)
            if token is True:
                return value  # an equal dict under an equal name was judged already: its result, copied
        names = self.names
        cache = names.cache
        memo = state.memo
        jwk = "kty" in value
        pair = named_value(value, names) if 2 <= len(value) <= 4 else None
        renamed: dict[Any, str] | None = None
        for key, item in value.items():  # assigning existing keys while iterating is safe
            path_key = key
            child = tier
            if type(key) is str:
                own = cache.get(key)
                if own is None:
                    own = names.tier(key)
                if own == NONE and key[:5] == "HTTP_" and key.isupper():
                    own = names.header(key)  # a WSGI environ's request header (send_default_pii on)
                if own != NONE:
                    child = own
                elif jwk and key in _JWK_PRIVATE:
                    child = STRONG
                if pair is not None and key == pair[0]:
                    child = max(child, pair[1])
                if len(key) >= 12 or tier > NONE and len(key) >= 6:  # a key can be a secret too
                    new_key = self._key(key, tier, path, state, value)
                    if new_key is not key:
                        renamed = renamed or {}
                        path_key = renamed[key] = unique(new_key, value, renamed.values())
                        move_meta(state.meta, path, key, path_key)
            if item is None:
                continue
            kind = type(item)
            if child == STRONG:
                value[key] = self._data(item, path + (path_key,), STRONG, reprs, state)
            elif kind is str:
                if child <= NONE and (len(item) < 6 or memo.get(item) is NOTHING):
                    continue
                new = self._leaf(item, path + (path_key,), child, reprs, state)
                if new is not item:
                    value[key] = new
            elif kind is dict:
                self._dict(item, path + (path_key,), child, reprs, state)
            elif kind is list:
                if item:
                    self._list(item, path + (path_key,), child, reprs, state)
            elif kind is int:
                value[key] = self._data(item, path + (path_key,), child, reprs, state)
        if renamed:
            items = [(renamed.get(key, key), item) for key, item in value.items()]
            value.clear()
            value.update(items)
        if token is not None:
            state.repeats.after(token, value, path, state.meta)
        return value

    def _key(self, key: str, tier: int, path: tuple[Any, ...], state: Any, owner: Any = ()) -> str:
        """A dict key that is itself a secret (a token used as a key) is replaced."""
        drawn = tier == NONE and drawn_member(key, path, owner, False) and not ids_container(path)
        if drawn or tier > NONE and (credential_shaped(key) or random_member(key)):
            remember(key, state.echoes, strong=False)  # (under any name: ``active = {<session token>: user}``)
            return FILTERED
        if not self.scrub_values:
            return key
        spans = state.keys.get(key)
        if spans is None:
            spans = state.keys[key] = self.scanner.spans(key, ips=False, pairs=False)
        return apply_spans(key, spans, FILTERED)[0] if spans else key

    def _leaf(self, text: str, path: tuple[Any, ...], tier: int, reprs: bool, state: Any) -> str:
        if tier == WEAK and path and digest_under_key(path[-1], text, self.names.tier):
            tier = NONE  # (``key = sha1(...).hexdigest()``: a digest under a lookup's key, no credential)
        if tier > NONE and text != FILTERED:
            if reprs:
                verdict = state.named.get((tier, text))
                if verdict is None:  # the same named value in several frames is judged once per event
                    verdict = state.named[(tier, text)] = _named_repr(tier, text)
                if verdict is _KEEP:
                    return text
                if verdict is not _SCAN:
                    quoted, start, content = verdict
                    self._remember_named(content, path, state, tier)
                    if quoted:
                        return self._replace(text, [(start, len(text) - 1, "name")], path, state)
                    return self._filtered(path, state, "name", len(text))
            elif judged(tier, text):
                self._remember_named(text, path, state, tier)
                return self._filtered(path, state, "name", len(text))
        if len(text) < 6 or not self.scrub_values:
            return text
        key = path[-1] if path else None
        if type(key) is str and len(key) in _QUERY_LENGTHS and key.lower() in _QUERY_KEYS:
            spans = query_spans(text, self.names.tier, bare=True)  # WSGI QUERY_STRING, ASGI query_string
            if spans:
                spans = resolve(spans + self.scanner.spans(text))
                self._collect(text, spans, state)
                return self._replace(text, spans, path, state)
        memo = state.memo
        spans = memo.get(text)
        if spans is None:
            if reprs and text[0] == "<" and _EXEMPT.match(text):
                spans = memo[text] = NOTHING  # a default repr: a type's name and an address
            elif reprs and text[0] in _NUMBER_START and _NUMBER.match(text):
                if len(text) < 12 or not text.isdigit() or not card_valid(text):
                    spans = memo[text] = NOTHING  # a number; only a card number is a secret
                else:
                    spans = memo[text] = [(0, len(text), "card")]
            else:
                if text.count(".") >= 3 and type(key) is str and key[-7:].lower() == "version":
                    return self._text(text, path, state, ips=False)  # a dotted version number, not an address
                spans = memo[text] = self.scanner.spans(text)
        if not spans:
            return text
        self._collect(text, spans, state)
        return self._replace(text, spans, path, state)

    def _remember_named(self, secret: str, path: tuple[Any, ...], state: Any, tier: int) -> None:
        """A value filtered by its name is found again elsewhere (a weak name's only if it is random), unless
        the name is about personal data only."""
        key = path[-1] if path else None
        if not (type(key) is str and self.names.personal(key)):  # (a UUID's copies too, whatever its digits)
            remember(secret, state.echoes, strong=tier == STRONG or is_uuid(secret))

    def _filtered(self, path: tuple[Any, ...], state: Any, rule: str, length: int | None = None) -> str:
        node = meta_node(state.meta, path)
        node.clear()  # whatever was recorded inside the value is gone with it
        note: dict[str, Any] = {"rem": [[f"framecap:{rule}", "s", 0, len(FILTERED)]]}
        if length is not None:
            note["len"] = length
        node[""] = note
        return FILTERED


def _short_strings(items: list[Any]) -> bool:
    """Whether every item is a string shorter than 6 characters (the loop over them would skip each), tested
    at C speed: joining fails on anything but a string, and a short join needs no lengths."""
    try:
        return len("".join(items)) < 6 or max(map(len, items)) < 6
    except Exception:  # an item not a string: the loop judges each
        return False


def _uuid_under(text: str) -> bool:
    return text.startswith("UUID('")
