"""Walk an exception's chain and groups into a flat, ordered list of links with ids and parent links.

Order is Sentry's: ``exception.values`` lists the root cause first and the captured exception
(``exception_id`` 0) last. Cycles terminate; the number of exceptions is capped. An exception's
``__cause__``, ``__context__``, ``__traceback__``, ``args`` and ``__dict__`` are read through
``BaseException``'s own descriptors, so a subclass's properties of those names never run.
"""

from __future__ import annotations

import builtins
import sys
from dataclasses import dataclass
from types import TracebackType
from typing import Any

__all__ = ["Link", "exception_args", "exception_dict", "traceback_of", "walk_chain"]

_COUNT_LIMIT = 10_000  # past the cap we only count reachable exceptions, and only this far
_CAUSE = BaseException.__dict__["__cause__"].__get__
_CONTEXT = BaseException.__dict__["__context__"].__get__
_SUPPRESS = BaseException.__dict__["__suppress_context__"].__get__
_TRACEBACK = BaseException.__dict__["__traceback__"].__get__
_ARGS = BaseException.__dict__["args"].__get__
_DICT = BaseException.__dict__["__dict__"].__get__


def traceback_of(exc: BaseException) -> TracebackType | None:
    """``exc.__traceback__`` as the interpreter set it."""
    tb = _TRACEBACK(exc)
    return tb if type(tb) is TracebackType else None


def exception_args(exc: BaseException) -> tuple[Any, ...]:
    """``exc.args`` as ``BaseException`` stores it."""
    args = _ARGS(exc)
    return args if type(args) is tuple else ()


def exception_dict(exc: BaseException) -> dict[str, Any] | None:
    """The exception's instance ``__dict__`` (``__notes__`` and framecap's mark live there)."""
    try:
        found = _DICT(exc)
    except Exception:
        return None
    return found if type(found) is dict else None


@dataclass
class Link:
    """One exception of the chain. The composing layer reads ``exc`` at once and drops the link."""

    exc: BaseException
    exception_id: int
    parent_id: int | None
    source: str | None  # "__cause__", "__context__" or "exceptions[i]"
    is_group: bool


def _group_types() -> tuple[type, ...]:
    found = [getattr(builtins, "BaseExceptionGroup", None)]
    backport = sys.modules.get("exceptiongroup")  # the PyPI backport, on Python < 3.11
    found.append(getattr(backport, "BaseExceptionGroup", None))
    return tuple(t for t in found if isinstance(t, type))


def _members(exc: BaseException, groups: tuple[type, ...]) -> tuple[Any, ...] | None:
    if not groups or not issubclass(type(exc), groups):
        return None
    try:
        members = exc.exceptions  # type: ignore[attr-defined]
    except BaseException:  # noqa: B036 - a group subclass's property: the group is shown without members
        return None
    return members if type(members) is tuple else None


def _is_exception(value: Any) -> bool:
    return issubclass(type(value), BaseException)


def _children(exc: BaseException, members: tuple[Any, ...] | None) -> list[tuple[str, BaseException]]:
    out: list[tuple[str, BaseException]] = []
    cause = _CAUSE(exc)
    context = _CONTEXT(exc)
    if _is_exception(cause):
        out.append(("__cause__", cause))
    elif not _SUPPRESS(exc) and _is_exception(context):
        out.append(("__context__", context))
    if members:  # (a group of a million members: only as many as the walk may count are looked at)
        out.extend((f"exceptions[{i}]", m) for i, m in enumerate(members[:_COUNT_LIMIT]) if _is_exception(m))
    return out


def walk_chain(exc: BaseException, max_exceptions: int) -> tuple[list[Link], int]:
    """Return ``(links root-cause-first, number of exceptions reachable)``, keeping at most ``max_exceptions``.

    Links are numbered in depth-first order from the captured exception (id 0); each child
    names its parent and how it hangs from it. The walk keeps going past the cap only to count.
    """
    groups = _group_types()
    links: list[Link] = []
    seen = {id(exc)}
    stack: list[tuple[BaseException, int | None, str | None]] = [(exc, None, None)]
    total = 0
    while stack and total < _COUNT_LIMIT:
        current, parent, source = stack.pop()
        total += 1
        members = _members(current, groups)
        own_id: int | None = None
        if len(links) < max_exceptions:
            own_id = len(links)
            links.append(Link(current, own_id, parent, source, members is not None))
        for child_source, child in reversed(_children(current, members)):
            if id(child) not in seen:
                seen.add(id(child))
                stack.append((child, own_id, child_source))
    links.reverse()
    return links, total
