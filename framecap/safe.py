"""Reading types and strings without running user code: metaclass properties, ``__getattr__``,
str subclasses and ``__class__`` overrides (``isinstance`` consults those) are never consulted.

A class whose metaclass defines ``__eq__`` without ``__hash__`` is unhashable, so types are
never looked up in sets or dicts keyed by type unless :func:`plain_type` says they may be.
"""

from __future__ import annotations

from typing import Any

__all__ = ["exact_str", "plain_type", "type_dict", "type_module", "type_mro", "type_name", "type_qualname"]

_MRO = type.__dict__["__mro__"].__get__
_DICT = type.__dict__["__dict__"].__get__
_NAME = type.__dict__["__name__"].__get__
_QUALNAME = type.__dict__["__qualname__"].__get__
_MODULE = type.__dict__["__module__"].__get__


def plain_type(t: type) -> bool:
    """True when ``t``'s metaclass is ``type`` itself: hashing or comparing ``t`` runs no user code."""
    return type(t) is type


def type_mro(t: type) -> tuple[type, ...]:
    """``t.__mro__`` as the interpreter sees it (a metaclass attribute can't stand in)."""
    return _MRO(t)  # type: ignore[no-any-return]


def type_dict(t: type) -> Any:
    """``t.__dict__`` (a read-only mapping proxy with string keys)."""
    return _DICT(t)


def _text(value: Any, default: str) -> str:
    return value if type(value) is str else default


def type_name(t: type) -> str:
    """``t.__name__``; ``"object"`` if it isn't a plain string."""
    try:
        return _text(_NAME(t), "object")
    except Exception:
        return "object"


def type_qualname(t: type) -> str:
    """``t.__qualname__``; its ``__name__`` if it isn't a plain string."""
    try:
        return _text(_QUALNAME(t), type_name(t))
    except Exception:
        return type_name(t)


def type_module(t: type) -> str | None:
    """``t.__module__`` if it is a plain string."""
    try:
        module = _MODULE(t)
    except Exception:
        return None
    return module if type(module) is str else None


def exact_str(text: str, limit: int | None = None) -> str:
    """A plain ``str`` copy of ``text`` (a str subclass's methods never run), its first ``limit`` characters."""
    size = str.__len__(text)
    return (
        str.__getitem__(text, slice(0, size if limit is None else limit))
        if type(text) is not str or (limit is not None and size > limit)
        else text
    )
