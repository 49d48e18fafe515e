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
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Scope", "activated", "add_breadcrumb", "current", "isolated", "set_breadcrumb_limit"]

_limit = [100]


def _crumbs() -> collections.deque[dict[str, Any]]:
    return collections.deque(maxlen=max(1, _limit[0]))


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

    def fork(self) -> Scope:
        """A child that starts with a copy of this scope's data; its changes stay its own."""
        crumbs = _crumbs()
        crumbs.extend(self.breadcrumbs)
        return Scope(
            self.request,
            dict(self.user) if self.user else None,
            dict(self.integration_user) if self.integration_user else None,
            dict(self.tags),
            dict(self.extra),
            crumbs,
            self.breadcrumbs_dropped + len(self.breadcrumbs) - len(crumbs),
        )


_root = Scope()
_current: contextvars.ContextVar[Scope] = contextvars.ContextVar("framecap_scope")


def current() -> Scope:
    """The scope of the running request or task, else the root scope."""
    return _current.get(_root)


@contextlib.contextmanager
def isolated(request: Any = None) -> Iterator[Scope]:
    """Run a block (a request, a task) in its own scope, forked from the current one."""
    scope = current().fork()
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
) -> None:
    """Record something that happened, for the events that follow in this scope (bounded, oldest dropped)."""
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
    if len(scope.breadcrumbs) == scope.breadcrumbs.maxlen:
        scope.breadcrumbs_dropped += 1
    scope.breadcrumbs.append(crumb)


def set_breadcrumb_limit(limit: int) -> None:
    """Bound the breadcrumbs each scope keeps (``max_breadcrumbs``); applies to the root scope at once."""
    _limit[0] = limit
    kept = list(_root.breadcrumbs)[-limit:] if limit else []
    _root.breadcrumbs_dropped += len(_root.breadcrumbs) - len(kept)
    _root.breadcrumbs = _crumbs()
    _root.breadcrumbs.extend(kept)


@contextlib.contextmanager
def activated(scope: Scope) -> Iterator[Scope]:
    """Make an existing scope current for a block (e.g. while a WSGI response is iterated)."""
    token = _current.set(scope)
    try:
        yield scope
    finally:
        _current.reset(token)
