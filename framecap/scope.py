"""The scope: what is known about the current request or task, kept in a context variable.

Integrations isolate a scope per request (threads and asyncio tasks each see their own); data
set outside any request goes to the root scope. The scope holds raw facts only; the request
policy and the scrubber decide at capture time what of it an event may carry.
"""

from __future__ import annotations

import collections
import contextlib
import contextvars
import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = ["MAX_KEPT", "Scope", "activated", "add_breadcrumb", "current", "isolated"]

#: The most breadcrumbs any scope holds (the largest ``max_breadcrumbs`` allows). How many an event
#: carries, and how many a scope keeps when a client adds to it, is that client's ``max_breadcrumbs``.
MAX_KEPT = 1000


def _crumbs(kept: Iterable[dict[str, Any]] = ()) -> collections.deque[dict[str, Any]]:
    return collections.deque(kept, maxlen=MAX_KEPT)


@dataclass
class Scope:
    """Raw context for events: request (an integration's RawRequest), users, tags, extra, breadcrumbs."""

    request: Any = None
    user: dict[str, Any] | None = None  # set by the program: sent as set (scrubbed)
    integration_user: dict[str, Any] | None = None  # found by a framework: sent only with send_default_pii
    tags: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    breadcrumbs: collections.deque[dict[str, Any]] = field(default_factory=_crumbs)
    breadcrumbs_dropped: int = 0  # pushed out of the bounded deque: events count them in _meta

    def fork(self, limit: int | None = None) -> Scope:
        """A child that starts with a copy of this scope's data (at most ``limit`` breadcrumbs, the newest)."""
        crumbs = _crumbs(_newest(self.breadcrumbs, limit))
        return Scope(
            self.request,
            dict(self.user) if self.user else None,
            dict(self.integration_user) if self.integration_user else None,
            dict(self.tags),
            dict(self.extra),
            crumbs,
            self.breadcrumbs_dropped + len(self.breadcrumbs) - len(crumbs),
        )


# The root scope: what is set outside any request or task belongs to the whole process, by design.
_root = Scope()
_current: contextvars.ContextVar[Scope] = contextvars.ContextVar("framecap_scope")


def current() -> Scope:
    """The scope of the running request or task, else the root scope."""
    return _current.get(_root)


def _newest(crumbs: collections.deque[dict[str, Any]], limit: int | None) -> Iterable[dict[str, Any]]:
    if limit is None or len(crumbs) <= limit:
        return crumbs
    return list(crumbs)[len(crumbs) - limit :] if limit > 0 else ()


@contextlib.contextmanager
def isolated(request: Any = None, limit: int | None = None) -> Iterator[Scope]:
    """Run a block (a request, a task) in its own scope, forked from the current one.

    ``limit``: how many of the current scope's breadcrumbs it starts with (a client's ``max_breadcrumbs``).
    """
    scope = current().fork(limit)
    if request is not None:
        scope.request = request
    token = _current.set(scope)
    try:
        yield scope
    finally:
        _current.reset(token)


def add_breadcrumb(
    message: str | None = None,
    category: str | None = None,
    level: str = "info",
    data: dict[str, Any] | None = None,
    type: str = "default",
    *,
    limit: int | None = None,
) -> None:
    """Record something that happened, for the events that follow in this scope (bounded, oldest dropped).

    ``limit``: the adding client's ``max_breadcrumbs``; the scope then keeps at most that many (0: none
    is added). Without it, the scope keeps at most :data:`MAX_KEPT`.
    """
    if limit is not None and limit <= 0:
        return
    crumb: dict[str, Any] = {
        "timestamp": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        "type": type,
        "level": level,
    }
    if message is not None:
        crumb["message"] = message
    if category is not None:
        crumb["category"] = category
    if data:
        crumb["data"] = data
    scope = current()
    crumbs = scope.breadcrumbs
    if len(crumbs) == crumbs.maxlen:
        scope.breadcrumbs_dropped += 1
    crumbs.append(crumb)
    with contextlib.suppress(IndexError):  # another thread trimming the same (root) scope
        while limit is not None and len(crumbs) > limit:
            crumbs.popleft()
            scope.breadcrumbs_dropped += 1


@contextlib.contextmanager
def activated(scope: Scope) -> Iterator[Scope]:
    """Make an existing scope current for a block (e.g. while a WSGI response is iterated)."""
    token = _current.set(scope)
    try:
        yield scope
    finally:
        _current.reset(token)
