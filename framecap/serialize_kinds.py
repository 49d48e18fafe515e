"""What the serializer knows of builtin types: which are containers (read through the builtin's own
methods, never a subclass's), which have cheap reprs that run no user code."""

from __future__ import annotations

import collections
import contextlib
import itertools
import operator
from typing import Any

from .safe import type_dict, type_module, type_mro, type_qualname

__all__ = [
    "CONTAINERS",
    "LEAVES",
    "SAFE_REPR",
    "SMALL_INT",
    "container_kind",
    "homogeneous_reprs",
    "inherits",
    "key_collision",
    "plain_repr",
]

_NONE = type(None)


def plain_repr(value: Any, t: type, limit: int) -> str | None:
    """``repr`` of a str, small int, float, bool or None that fits in ``limit``; else None (the general path)."""
    if t is int:
        if not -SMALL_INT < value < SMALL_INT:
            return None
    elif t is str:
        if len(value) > limit:
            return None
    elif not (t is _NONE or t is bool or t is float):
        return None
    text = repr(value)
    return text if len(text) <= limit else None


def homogeneous_reprs(items: list[Any], limit: int) -> list[str] | None:
    """``repr`` of every item when all are small ints or all are strs short enough; else None.

    Types are compared by identity only (``operator.is_``, at C speed): a metaclass's ``__eq__`` or
    ``__hash__`` never runs."""
    if not items:
        return None
    first = type(items[0])
    if first is not int and first is not str or not all(map(operator.is_, map(type, items), itertools.repeat(first))):
        return None
    if first is int:
        if max(items) >= SMALL_INT or min(items) <= -SMALL_INT:
            return None
    elif max(map(len, items)) > limit // 4 - 2:
        return None  # (even fully escaped, each repr stays within the limit)
    return list(map(repr, items))


def key_collision(
    key: Any, name: str, out: dict[str, Any], meta: dict[str, Any], pairs: list[tuple[Any, Any]]
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """Two keys of a dict render alike (``1`` and ``'1'``): the string one becomes its ``repr``, as Python
    shows it. Returns the name for ``key``, and the rendered dict and its ``_meta`` (renamed if needed)."""
    if type(key) is str:
        name = repr(name)
    elif any(type(k) is str and k == name for k, _ in pairs):  # the string came first: rename it
        quoted = repr(name)
        out = {(quoted if k == name else k): v for k, v in out.items()}
        meta = {(quoted if k == name else k): v for k, v in meta.items()}
    while name in out:  # still taken (a key that is itself a quoted string): keep both anyway
        name += "'"
    return name, out, meta


def inherits(t: type, name: str, base: type) -> bool:
    """True when ``t`` uses ``base``'s implementation of ``name`` (looked up on the class, never the instance)."""
    for klass in type_mro(t):
        namespace = type_dict(klass)
        if name in namespace:
            return klass is base or namespace[name] is type_dict(base).get(name)
    return False


def container_kind(t: type) -> tuple[str, Any, Any] | None:
    """Subclasses of builtin containers are read through the builtin's own methods (no user code)."""
    try:
        if issubclass(t, dict):
            return ("dict", dict.__len__, None)
        if issubclass(t, tuple):
            for klass in type_mro(t):
                fields = type_dict(klass).get("_fields")
                if fields is not None:
                    if type(fields) is tuple and all(type(f) is str for f in fields):
                        return ("namedtuple", tuple.__len__, fields)
                    break
            return ("list", tuple.__len__, tuple.__iter__)
        if issubclass(t, list):
            return ("list", list.__len__, list.__iter__)
        if issubclass(t, (set, frozenset)):
            base = set if issubclass(t, set) else frozenset
            return ("list", base.__len__, base.__iter__)
        if issubclass(t, collections.deque):
            return ("list", collections.deque.__len__, collections.deque.__iter__)
    except Exception:
        return None
    return None


CONTAINERS: dict[type, tuple[str, Any, Any]] = {
    dict: ("dict", dict.__len__, None),
    list: ("list", list.__len__, list.__iter__),
    tuple: ("list", tuple.__len__, tuple.__iter__),
    set: ("list", set.__len__, set.__iter__),
    frozenset: ("list", frozenset.__len__, frozenset.__iter__),
    collections.deque: ("list", collections.deque.__len__, collections.deque.__iter__),
}
SAFE_REPR = frozenset({_NONE, bool, int, float, complex, range, type(Ellipsis), type(NotImplemented)})
LEAVES = frozenset({str, bytes, bytearray}) | SAFE_REPR
SMALL_INT = 10**50  # ints below this in size have short, cheap reprs


_SECRET_TYPES = frozenset({"SecretStr", "SecretBytes"})
#: Hidden values read per capture, and the characters kept of each (8-character windows find an echo).
MAX_REVEALED = 8
_REVEALED_LENGTH = 512
#: Bounds of the walk through a model's fields for the secrets it holds (nested models, lists of them).
_MODEL_DEPTH = 4
_MODEL_BREADTH = 32
_MODEL_VISITS = 256
_SLOT = type(type_dict(type("_Slot", (), {}))["__dict__"])  # the interpreter's own ``__dict__`` descriptor


def _pydantic_kind(t: type) -> str | None:
    """``"secret"`` for pydantic's ``SecretStr``/``SecretBytes`` (and subclasses), ``"model"`` for a pydantic
    model (v1 or v2 ``BaseModel``) or a dataclass whose instance dict is the interpreter's own; else None."""
    kind = None
    for base in type_mro(t):
        name = type_qualname(base)
        if name in _SECRET_TYPES or name == "BaseModel":
            if (type_module(base) or "").startswith("pydantic"):
                kind = "secret" if name in _SECRET_TYPES else "model"
                break
        elif "__dataclass_fields__" in type_dict(base):  # (a dataclass, pydantic's or the standard one)
            kind = "model"
            break
    if kind == "model":
        for base in type_mro(t):  # a ``__dict__`` property would run the model's own code: not read
            descriptor = type_dict(base).get("__dict__")
            if descriptor is not None:
                return kind if type(descriptor) is _SLOT else None
        return None
    return kind


def _instance_dict(value: Any) -> dict[str, Any] | None:
    try:
        found = object.__getattribute__(value, "__dict__")
    except Exception:
        return None
    return found if type(found) is dict else None


def pydantic_kind(t: type) -> str:
    """``"secret"``, ``"model"`` or ``""`` for ``t`` (see :func:`reveal_secret`), for a caller's cache per type."""
    try:  # (types are compared by identity only: a metaclass's ``__hash__``/``__eq__`` is never called)
        return _pydantic_kind(t) or ""
    except Exception:
        return ""


def reveal_secret(value: Any, t: type, into: list[str], kind: str | None = None) -> None:
    """Add to ``into`` (up to :data:`MAX_REVEALED`) the text a pydantic ``SecretStr``/``SecretBytes`` hides
    (``_secret_value`` in its instance dict, read without running its code), for the echo pass to filter
    wherever the event repeats it; never sent. A pydantic model or a dataclass is searched for the secrets its
    fields hold (in nested models, lists, tuples, sets and dicts of them), through instance dicts only, within
    :data:`_MODEL_DEPTH` levels, :data:`_MODEL_BREADTH` items per level and :data:`_MODEL_VISITS` values.
    ``kind``: :func:`pydantic_kind` of ``t``, if known."""
    if len(into) >= MAX_REVEALED:
        return
    if kind is None:
        kind = pydantic_kind(t)
    if not kind:
        return
    with contextlib.suppress(Exception):  # an object we can't read hides nothing we can find
        _reveal(value, kind, into, 0, [_MODEL_VISITS])


def _reveal(value: Any, kind: str, into: list[str], depth: int, visits: list[int]) -> None:
    found = _instance_dict(value)
    if found is None:
        return
    if kind == "secret":
        secret = dict.get(found, "_secret_value")
        if type(secret) is bytes:
            try:
                secret = secret[:_REVEALED_LENGTH].decode()
            except UnicodeDecodeError:
                return
        if type(secret) is str and secret and len(into) < MAX_REVEALED:
            into.append(secret[:_REVEALED_LENGTH])
        return
    if depth >= _MODEL_DEPTH:
        return
    _reveal_items(list(dict.values(found))[:_MODEL_BREADTH], into, depth + 1, visits)


def _reveal_items(items: list[Any], into: list[str], depth: int, visits: list[int]) -> None:
    for item in items:
        if visits[0] <= 0 or len(into) >= MAX_REVEALED:
            return
        visits[0] -= 1
        t = type(item)
        if t is str or t is int or t is float or t is bool or item is None or t is bytes:
            continue
        if t is list or t is tuple or t is set or t is frozenset:
            if depth < _MODEL_DEPTH:
                _reveal_items([x for _, x in zip(range(_MODEL_BREADTH), t.__iter__(item))], into, depth + 1, visits)
        elif t is dict:
            if depth < _MODEL_DEPTH:
                _reveal_items([x for _, x in zip(range(_MODEL_BREADTH), dict.values(item))], into, depth + 1, visits)
        else:
            kind = _pydantic_kind(t)
            if kind is not None:
                _reveal(item, kind, into, depth, visits)
