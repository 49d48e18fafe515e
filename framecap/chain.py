"""Walk an exception's chain and groups into a flat, ordered list of links with ids and parent links.

Order is Sentry's: ``exception.values`` lists the root cause first and the captured exception
(``exception_id`` 0) last. Cycles terminate; the number of exceptions is capped.
"""

from __future__ import annotations

import builtins
import sys
from dataclasses import dataclass

__all__ = ["Link", "walk_chain"]

_COUNT_LIMIT = 10_000  # past the cap we only count reachable exceptions, and only this far


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


def _members(exc: BaseException, groups: tuple[type, ...]) -> tuple | None:
    if not groups or not isinstance(exc, groups):
        return None
    try:
        members = exc.exceptions  # type: ignore[attr-defined]
    except Exception:
        return None
    return members if isinstance(members, tuple) else None


def _children(exc: BaseException, members: tuple | None) -> list[tuple[str, BaseException]]:
    out: list[tuple[str, BaseException]] = []
    cause = exc.__cause__
    if isinstance(cause, BaseException):
        out.append(("__cause__", cause))
    elif not exc.__suppress_context__ and isinstance(exc.__context__, BaseException):
        out.append(("__context__", exc.__context__))
    if members:
        out.extend((f"exceptions[{i}]", m) for i, m in enumerate(members) if isinstance(m, BaseException))
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
