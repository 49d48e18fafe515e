"""The bounded serializer: any Python value to JSON-ready data, never raising, never walking big data.

It knows nothing of the event schema. Costs are bounded by ``max_depth``, ``max_breadth``,
``max_length`` and a character budget, never by the size of the value: containers are read
through their C-level iterators up to the breadth limit, large strings and bytes are sliced
before ``repr``, and a user ``__repr__`` runs at most once per serializer (one per capture).
Every cut is described in Sentry's ``_meta`` format and returned beside the data.
"""

from __future__ import annotations

import collections
import itertools
from typing import Any

__all__ = ["Meta", "Serializer", "clean_text", "cost", "cut_text"]

#: Sentry ``_meta`` subtree: ``{"": {"len": ..., "rem": [...]}, "<child>": {...}}``.
Meta = dict[str, Any]

_ELLIPSIS = "..."
_CYCLE = "<cyclic reference>"
_MAX_KEY = 256
_BIG_INT_BITS = 8000  # repr of larger ints is slow (quadratic) or refused (3.11+ digit limit)


def clean_text(text: str) -> str:
    """Replace lone surrogates (undecodable bytes) so the text encodes as UTF-8 JSON."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def cut_text(text: str, limit: int, original_length: int | None = None) -> tuple[str, Meta | None]:
    """Cut ``text`` to ``limit`` characters (ending in ``...``) and say so in Sentry's format."""
    text = clean_text(text)
    if len(text) <= limit and original_length is None:
        return text, None
    if len(text) > limit:
        text = text[: limit - len(_ELLIPSIS)] + _ELLIPSIS
    meta = {
        "len": original_length if original_length is not None else len(text),
        "rem": [["!limit", "x", limit - len(_ELLIPSIS), limit]],
    }
    return text, {"": meta}


def cost(text: str) -> int:
    """Upper bound of the characters ``text`` adds to ASCII-escaped JSON, before quote/backslash escaping."""
    return len(text) if text.isascii() else 6 * len(text)


def _type_name(t: type) -> str:
    try:
        name = type.__getattribute__(t, "__qualname__")
        return name if isinstance(name, str) else "object"
    except Exception:
        return "object"


class Serializer:
    """Serialize values for one capture. Not thread-safe; make one per capture.

    ``repr_strings=True`` (frame variables) renders every leaf as its ``repr``, so ``'1'`` and
    ``1`` differ as they do in Python; ``False`` keeps str, int, float, bool and None as JSON.
    """

    def __init__(self, *, max_depth: int, max_breadth: int, max_length: int, repr_strings: bool = True) -> None:
        self.max_depth = max_depth
        self.max_breadth = max_breadth
        self.max_length = max_length
        self.repr_strings = repr_strings
        self._memo: dict[int, tuple[Any, str, Meta | None]] = {}
        self._left = 0

    def serialize(self, value: Any, budget: int = 1 << 30) -> tuple[Any, Meta | None, int]:
        """Return ``(data, meta or None, characters used)``; stops expanding once ``budget`` runs out."""
        self._left = budget
        data, meta = self._walk(value, 0, set())
        return data, meta, budget - self._left

    def close(self) -> None:
        """Drop the per-capture memo (it holds references to the objects it rendered)."""
        self._memo.clear()

    # -- containers -----------------------------------------------------------------------------

    def _walk(self, value: Any, depth: int, path: set[int]) -> tuple[Any, Meta | None]:
        if self.repr_strings:
            text = _plain_repr(value, self.max_length)
            if text is not None:
                self._left -= cost(text)
                return text, None
        t = type(value)
        kind = _CONTAINERS.get(t)
        if kind is None and t not in _LEAVES:
            kind = _container_kind(t)
        if kind is None:
            return self._leaf(value, t)
        size = kind[1](value)
        if depth >= self.max_depth:
            text = f"<{_type_name(t)} with {size} item{'' if size == 1 else 's'}>"
            self._left -= cost(text)
            return text, {"": {"rem": [["!limit", "s"]], "len": size}}
        if id(value) in path:
            self._left -= len(_CYCLE)
            return _CYCLE, None
        path.add(id(value))
        # Nothing below raises: user code never runs for containers (their own C methods are used).
        if kind[0] == "dict":
            result = self._dict(value, size, depth, path)
        elif kind[0] == "namedtuple":
            result = self._dict(value, size, depth, path, t)
        else:
            result = self._list(kind[2](value), size, depth, path)
        path.discard(id(value))
        return result

    def _dict(
        self, value: Any, size: int, depth: int, path: set[int], ntuple: type | None = None
    ) -> tuple[Any, Meta | None]:
        out: dict[str, Any] = {}
        meta: Meta = {}
        if ntuple is None:
            items = (
                dict.items(value) if size <= self.max_breadth else itertools.islice(dict.items(value), self.max_breadth)
            )
        else:
            names = type.__getattribute__(ntuple, "_fields")
            items = itertools.islice(zip(names, tuple.__iter__(value)), self.max_breadth)
        quick = self.repr_strings
        limit = self.max_length
        left = self._left
        for key, item in items:
            if left <= 0:
                break
            name = key if type(key) is str and len(key) <= _MAX_KEY and key.isascii() else self._key(key)
            if name in out:  # 1 and '1' both render as "1": the string key is shown as its repr, '1'
                name, out, meta = self._collision(key, name, out, meta, value)
            # _plain_repr, inlined: a call per leaf costs 5% of a whole capture (test_plain_leaf_paths_agree)
            t = type(item)
            if quick and (
                t is str and len(item) <= limit or t is int and -_SMALL_INT < item < _SMALL_INT or t in _PLAIN
            ):
                text = repr(item)
                if len(text) <= limit:
                    out[name] = text
                    left -= len(name) + 4 + (len(text) if text.isascii() else 6 * len(text))
                    continue
            self._left = left - len(name) - 4
            out[name], child = self._walk(item, depth + 1, path)
            left = self._left
            if child:
                meta[name] = child
        self._left = left
        if len(out) < size:
            meta[""] = {"len": size}
        return out, meta or None

    @staticmethod
    def _collision(
        key: Any, name: str, out: dict[str, Any], meta: Meta, source: Any
    ) -> tuple[str, dict[str, Any], Meta]:
        """Two keys render alike (``1`` and ``'1'``): the string one becomes its ``repr``, as Python shows it."""
        if type(key) is str:
            name = repr(name)
        elif isinstance(source, dict) and dict.__contains__(source, name):  # the string came first: rename it
            quoted = repr(name)
            out = {(quoted if k == name else k): v for k, v in out.items()}
            meta = {(quoted if k == name else k): v for k, v in meta.items()}
        while name in out:  # still taken (a key that is itself a quoted string): keep both anyway
            name += "'"
        return name, out, meta

    def _list(self, iterator: Any, size: int, depth: int, path: set[int]) -> tuple[Any, Meta | None]:
        out: list[Any] = []
        meta: Meta = {}
        quick = self.repr_strings
        limit = self.max_length
        chunk = list(itertools.islice(iterator, self.max_breadth))
        if quick and chunk:
            texts = _homogeneous_reprs(chunk, limit)
            if texts is not None:  # all small ints, or all short strings: rendered at C speed
                self._left -= 2 * len(texts) + sum(map(len, texts)) * (1 if all(map(str.isascii, texts)) else 6)
                if len(texts) < size:
                    meta[""] = {"len": size}
                return texts, meta or None
        left = self._left
        append = out.append
        for index, item in enumerate(chunk):
            if left <= 0:
                break
            # _plain_repr, inlined (see _dict)
            t = type(item)
            if quick and (
                t is str and len(item) <= limit or t is int and -_SMALL_INT < item < _SMALL_INT or t in _PLAIN
            ):
                text = repr(item)
                if len(text) <= limit:
                    append(text)
                    left -= 2 + (len(text) if text.isascii() else 6 * len(text))
                    continue
            self._left = left - 2
            data, child = self._walk(item, depth + 1, path)
            left = self._left
            append(data)
            if child:
                meta[str(index)] = child
        self._left = left
        if len(out) < size:
            meta[""] = {"len": size}
        return out, meta or None

    def _key(self, key: Any) -> str:
        if type(key) is str:
            if len(key) <= _MAX_KEY and key.isascii():
                return key
            return clean_text(key if len(key) <= _MAX_KEY else key[: _MAX_KEY - 3] + _ELLIPSIS)
        text, _ = self._leaf(key, type(key), as_repr=True)
        return text if isinstance(text, str) else str(text)

    # -- leaves ---------------------------------------------------------------------------------

    def _leaf(self, value: Any, t: type, as_repr: bool = False) -> tuple[Any, Meta | None]:
        as_repr = as_repr or self.repr_strings
        limit = self.max_length
        if t is str:
            if not as_repr:
                text, meta = cut_text(value, limit, len(value) if len(value) > limit else None)
            else:
                original = len(value)
                text, meta = cut_text(repr(value[:limit]), limit, original if original > limit else None)
            self._left -= cost(text)
            return text, meta
        if not as_repr and (value is None or t in (bool, int)):
            if t is int and value.bit_length() > 53:
                return self._leaf(value, t, as_repr=True)
            self._left -= 5
            return value, None
        if not as_repr and t is float and value == value and value not in (float("inf"), float("-inf")):
            self._left -= 10
            return value, None
        if t in (bytes, bytearray):
            original = len(value)
            head = repr(value[:limit])
            text, meta = cut_text(head, limit, original if original > limit else None)
            self._left -= cost(text)
            return text, meta
        if t is int and value.bit_length() > _BIG_INT_BITS:
            text = f"<int with {value.bit_length()} bits>"
            self._left -= cost(text)
            return text, None
        if t in _SAFE_REPR:
            text = repr(value)
            self._left -= cost(text)
            return text, None
        return self._user_repr(value, t)

    def _user_repr(self, value: Any, t: type) -> tuple[str, Meta | None]:
        """``repr`` of an object we don't know: memoized, guarded, cut; str subclasses sliced first."""
        key = id(value)
        hit = self._memo.get(key)
        if hit is not None and hit[0] is value:
            self._left -= cost(hit[1])
            return hit[1], hit[2]
        try:
            if issubclass(t, str) and _inherits(t, "__repr__", str):
                original = str.__len__(value)
                text, meta = cut_text(
                    str.__repr__(str.__getitem__(value, slice(0, self.max_length))),
                    self.max_length,
                    original if original > self.max_length else None,
                )
            elif issubclass(t, (bytes, bytearray)) and _inherits(t, "__repr__", t.__mro__[-2]):
                base = bytes if issubclass(t, bytes) else bytearray
                original = base.__len__(value)
                head = base.__repr__(base.__getitem__(value, slice(0, self.max_length)))
                text, meta = cut_text(head, self.max_length, original if original > self.max_length else None)
            else:
                raw = repr(value)
                if not isinstance(raw, str):
                    raise TypeError("__repr__ returned a non-string")
                text, meta = cut_text(raw, self.max_length, len(raw) if len(raw) > self.max_length else None)
        except Exception as error:  # a hostile __repr__ must not cost the other variables
            text, meta = f"<{_type_name(t)} object; repr() raised {_type_name(type(error))}>", None
        self._memo[key] = (value, text, meta)
        self._left -= cost(text)
        return text, meta


def _plain_repr(value: Any, limit: int) -> str | None:
    """``repr`` of a str, small int, float, bool or None that fits in ``limit``; else None (the general path)."""
    t = type(value)
    if t is int:
        if not -_SMALL_INT < value < _SMALL_INT:
            return None
    elif t is str:
        if len(value) > limit:
            return None
    elif t not in _PLAIN:
        return None
    text = repr(value)
    return text if len(text) <= limit else None


def _homogeneous_reprs(items: list, limit: int) -> list | None:
    """``repr`` of every item when all are small ints or all are strs short enough; else None."""
    kinds = set(map(type, items))
    if kinds == {int}:
        if max(items) >= _SMALL_INT or min(items) <= -_SMALL_INT:
            return None
    elif kinds == {str}:
        if max(map(len, items)) > limit // 4 - 2:  # even fully escaped, each repr stays within the limit
            return None
    else:
        return None
    return list(map(repr, items))


def _inherits(t: type, name: str, base: type) -> bool:
    """True when ``t`` uses ``base``'s implementation of ``name`` (looked up on the class, never the instance)."""
    for klass in t.__mro__:
        if name in klass.__dict__:
            return klass is base or klass.__dict__[name] is base.__dict__.get(name)
    return False


def _container_kind(t: type) -> tuple[str, Any, Any] | None:
    """Subclasses of builtin containers are read through the builtin's own methods (no user code)."""
    try:
        if issubclass(t, dict):
            return ("dict", dict.__len__, None)
        if issubclass(t, tuple):
            fields = t.__dict__.get("_fields") or getattr(t, "_fields", None)
            if isinstance(fields, tuple) and all(isinstance(f, str) for f in fields):
                return ("namedtuple", tuple.__len__, None)
            return ("list", tuple.__len__, tuple.__iter__)
        if issubclass(t, list):
            return ("list", list.__len__, list.__iter__)
        if issubclass(t, (set, frozenset)):
            base = set if issubclass(t, set) else frozenset
            return ("list", base.__len__, base.__iter__)
    except Exception:
        return None
    return None


_CONTAINERS: dict[type, tuple[str, Any, Any]] = {
    dict: ("dict", dict.__len__, None),
    list: ("list", list.__len__, list.__iter__),
    tuple: ("list", tuple.__len__, tuple.__iter__),
    set: ("list", set.__len__, set.__iter__),
    frozenset: ("list", frozenset.__len__, frozenset.__iter__),
    collections.deque: ("list", collections.deque.__len__, collections.deque.__iter__),
}
_SAFE_REPR = frozenset({type(None), bool, int, float, complex, range, type(Ellipsis), type(NotImplemented)})
_LEAVES = frozenset({str, bytes, bytearray}) | _SAFE_REPR
_PLAIN = frozenset({type(None), bool, float})  # and str and small int, checked in _plain_repr
_SMALL_INT = 10**50  # ints below this in size have short, cheap reprs
