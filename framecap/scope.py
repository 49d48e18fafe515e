"""The scope: what is known about the current request or task, kept in a context variable.

Integrations isolate a scope per request (threads and asyncio tasks each see their own), and so
does :func:`isolated` (``framecap.new_scope()``) for any block; data set outside them goes to the
root scope. The scope holds raw facts only; the request policy and the scrubber decide at capture
time what of it an event may carry.

Setters never raise: a value they can't take (a fingerprint that is no list of strings, a tag
Sentry would refuse) is left out and reported through :func:`framecap.internal.report_misuse`.
"""

from __future__ import annotations

import builtins
import collections
import contextlib
import contextvars
import datetime
import itertools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from .internal import report_misuse

__all__ = [
    "LEVELS",
    "MAX_KEPT",
    "EventData",
    "Scope",
    "activated",
    "add_breadcrumb",
    "check_contexts",
    "check_fingerprint",
    "check_level",
    "check_tags",
    "current",
    "event_data",
    "isolated",
]

#: The most breadcrumbs any scope holds (the largest ``max_breadcrumbs`` allows). How many an event
#: carries, and how many a scope keeps when a client adds to it, is that client's ``max_breadcrumbs``.
MAX_KEPT = 1000
#: Sentry's levels, and the other names (any case) taken for them.
LEVELS = ("fatal", "error", "warning", "info", "debug")
_LEVEL_ALIASES = {"critical": "fatal", "warn": "warning", "log": "info"}
_LEVEL_NUMBERS = ((50, "fatal"), (40, "error"), (30, "warning"), (20, "info"))
#: What Sentry takes as a tag key (after a space becomes a dash), and the longest key.
_TAG_KEY = re.compile(r"[A-Za-z0-9_.:\- ]{1,200}\Z")
_MAX_ITEMS = 1000  # items read from one mapping given to a setter (tags are further cut to 200 per event)


def _crumbs(kept: Iterable[dict[str, Any]] = ()) -> collections.deque[dict[str, Any]]:
    return collections.deque(kept, maxlen=MAX_KEPT)


# -- what the setters accept ------------------------------------------------------------------------


def check_level(level: Any) -> str:
    """A Sentry level from a name (``"warning"``, ``"WARN"``, ``"critical"``) or a logging level number."""
    if isinstance(level, str):
        name = level.strip().lower()
        name = _LEVEL_ALIASES.get(name, name)
        if name in LEVELS:
            return name
    elif isinstance(level, int) and not isinstance(level, bool):
        return next((name for threshold, name in _LEVEL_NUMBERS if level >= threshold), "debug")
    raise ValueError(f"level {level!r} is not one of {', '.join(LEVELS)} (or a logging level number)")


def check_fingerprint(fingerprint: Any) -> list[str] | None:
    """A list of strings (``"{{ default }}"`` stands for framecap's own grouping); empty or None: none."""
    if fingerprint is None:
        return None
    if not isinstance(fingerprint, (list, tuple)) or not all(type(part) is str for part in fingerprint):
        raise TypeError(f"a fingerprint is a list of strings, not {_shown(fingerprint)}")
    return list(fingerprint) or None


def _tag(key: Any, value: Any) -> tuple[str, str]:
    key, value = str(key), str(value)
    if not _TAG_KEY.match(key):
        raise ValueError(f"tag key {key[:50]!r}: 1 to 200 letters, digits, spaces or _.:- (Sentry's rule)")
    if not value.strip() or "\n" in value:
        raise ValueError(f"tag {key!r}: a value must be non-empty and on one line (Sentry's rule)")
    return key, value


def check_tags(tags: Any) -> dict[str, str]:
    """Tags from a mapping: keys and values as strings (``str()``), each checked as :func:`framecap.set_tag` does."""
    return dict(_tag(k, v) for k, v in _items(tags, "tags"))


def check_contexts(contexts: Any) -> dict[str, dict[str, Any]]:
    """Contexts from a mapping of names to mappings (each copied)."""
    out: dict[str, dict[str, Any]] = {}
    for name, value in _items(contexts, "contexts"):
        out[str(name)] = dict(_items(value, f"context {str(name)[:50]!r}"))
    return out


def _items(mapping: Any, what: str) -> list[tuple[Any, Any]]:
    if not isinstance(mapping, Mapping):
        raise TypeError(f"{what} must be a dict, not {_shown(mapping)}")
    return list(itertools.islice(mapping.items(), _MAX_ITEMS))


_USER_OBJECTS = ("data", "geo")  # Sentry's user fields that must be objects; these must be strings:
_USER_STRINGS = ("email", "ip_address", "username", "name", "segment", "sentry_user")


def _user(user: Any) -> dict[Any, Any]:
    """The user as given, but for fields Sentry would refuse the whole event for (reported, left out)."""
    out = dict(_items(user, "user"))
    for key in _USER_OBJECTS + _USER_STRINGS:
        value = out.get(key)
        if value is None:
            continue
        wanted = Mapping if key in _USER_OBJECTS else str
        if not isinstance(value, wanted):
            del out[key]
            report_misuse(
                f"set_user({key}=...)", TypeError(f"user {key} must be a {wanted.__name__}, not {_shown(value)}")
            )
    return out


def _shown(value: Any) -> str:
    return type(value).__name__


@dataclass(frozen=True)
class EventData:
    """Data for one event (``capture_exception``/``capture_message`` keywords), merged over the scope's."""

    level: str | None = None
    tags: dict[str, str] | None = None
    extra: dict[str, Any] | None = None
    contexts: dict[str, dict[str, Any]] | None = None
    fingerprint: list[str] | None = None


def event_data(where: str, **given: Any) -> EventData | None:
    """Check the keywords of one capture; one that is wrong is left out and reported (the event still goes)."""
    checks = {
        "level": check_level,
        "tags": check_tags,
        "extra": lambda v: {str(k): x for k, x in _items(v, "extra")},
        "contexts": check_contexts,
        "fingerprint": check_fingerprint,
    }
    kept: dict[str, Any] = {}
    for name, value in given.items():
        if value is None:
            continue
        try:
            kept[name] = checks[name](value)
        except Exception as error:
            report_misuse(f"{where}({name}=...)", error)
    return EventData(**kept) if kept else None


# -- the scope --------------------------------------------------------------------------------------


@dataclass
class Scope:
    """Raw context for events: request (an integration's RawRequest), users, tags, extra, contexts,
    level, fingerprint, breadcrumbs. Its setters change it in place and never raise."""

    request: Any = None
    user: dict[str, Any] | None = None  # set by the program: sent as set (scrubbed)
    integration_user: dict[str, Any] | None = None  # found by a framework: sent only with send_default_pii
    tags: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    contexts: dict[str, dict[str, Any]] = field(default_factory=dict)
    level: str | None = None  # the level of events that are not given one
    fingerprint: list[str] | None = None  # what the events group by (see framecap.grouping)
    breadcrumbs: collections.deque[dict[str, Any]] = field(default_factory=_crumbs)
    breadcrumbs_dropped: int = 0  # pushed out of the bounded deque: events count them in _meta

    def fork(self, limit: int | None = None) -> Scope:
        """A child that starts with a copy of this scope's data (at most ``limit`` breadcrumbs, the newest)."""
        crumbs = _crumbs(_newest(self.breadcrumbs, limit))
        return replace(
            self,
            user=dict(self.user) if self.user else None,
            integration_user=dict(self.integration_user) if self.integration_user else None,
            tags=dict(self.tags),
            extra=dict(self.extra),
            contexts=dict(self.contexts),  # each context is replaced whole, never changed in place
            fingerprint=list(self.fingerprint) if self.fingerprint else None,
            breadcrumbs=crumbs,
            breadcrumbs_dropped=self.breadcrumbs_dropped + len(self.breadcrumbs) - len(crumbs),
        )

    def merged(self, data: EventData | None) -> Scope:
        """This scope as one event sees it, with ``data`` over it (a view: breadcrumbs are shared)."""
        if data is None:
            return self
        return replace(
            self,
            tags={**self.tags, **data.tags} if data.tags else self.tags,
            extra={**self.extra, **data.extra} if data.extra else self.extra,
            contexts={**self.contexts, **data.contexts} if data.contexts else self.contexts,
            level=data.level or self.level,
            fingerprint=data.fingerprint if data.fingerprint is not None else self.fingerprint,
        )

    def set_user(self, user: Mapping[str, Any] | None) -> None:
        """The user (id, email, username, ...), sent as given but scrubbed; None clears it."""
        self._set("set_user", lambda: setattr(self, "user", _user(user) if user else None))

    def set_tag(self, key: str, value: Any) -> None:
        """A tag (key and value as strings; Sentry's rules: a key of letters, digits and ``_.:-``, a
        one-line value, cut at 200 characters)."""
        self._set("set_tag", lambda: self.tags.__setitem__(*_tag(key, value)))

    def set_tags(self, tags: Mapping[str, Any]) -> None:
        """Several tags at once (all or none)."""
        self._set("set_tags", lambda: self.tags.update(check_tags(tags)))

    def set_extra(self, key: str, value: Any) -> None:
        """Extra data under ``key`` (bounded and scrubbed like everything else)."""
        self._set("set_extra", lambda: self.extra.__setitem__(str(key), value))

    def set_context(self, name: str, context: Mapping[str, Any] | None) -> None:
        """A named context (a dict, sent under ``contexts.<name>``); None removes it."""

        def apply() -> None:
            if context is None:
                self.contexts.pop(str(name), None)
            else:
                self.contexts.update(check_contexts({name: context}))

        self._set("set_context", apply)

    def set_level(self, level: str | int | None) -> None:
        """The level of events captured without one (``"warning"``, ``logging.WARNING``); None clears it."""
        self._set("set_level", lambda: setattr(self, "level", None if level is None else check_level(level)))

    def set_fingerprint(self, fingerprint: list[str] | None) -> None:
        """What events group by: a list of strings, ``"{{ default }}"`` for the default grouping; None clears it."""
        self._set("set_fingerprint", lambda: setattr(self, "fingerprint", check_fingerprint(fingerprint)))

    def add_breadcrumb(self, crumb: dict[str, Any], limit: int | None = None) -> None:
        """Keep ``crumb`` for later events (at most ``limit``, the newest; at most :data:`MAX_KEPT`)."""
        crumbs = self.breadcrumbs
        if len(crumbs) == crumbs.maxlen:
            self.breadcrumbs_dropped += 1
        crumbs.append(crumb)
        with contextlib.suppress(IndexError):  # another thread trimming the same (root) scope
            while limit is not None and len(crumbs) > limit:
                crumbs.popleft()
                self.breadcrumbs_dropped += 1

    @staticmethod
    def _set(where: str, apply: Any) -> None:
        try:
            apply()
        except Exception as error:
            report_misuse(where, error)


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
    The scope is a context variable's value: threads and asyncio tasks started inside the block see it,
    and what the block sets never reaches the scope it was forked from.
    """
    scope = current().fork(limit)
    if request is not None:
        scope.request = request
    token = _current.set(scope)
    try:
        yield scope
    finally:
        with contextlib.suppress(ValueError):  # left in another context (an async generator moved to
            _current.reset(token)  # another task): that context's scope is left to it, never raised over


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
    crumb: dict[str, Any] = {"timestamp": datetime.datetime.now(datetime.timezone.utc).isoformat()}
    given = {"type": type, "level": level, "message": message, "category": category, "data": data or None}
    for key, value in given.items():  # what Sentry would refuse (the whole event) is left out and reported
        if value is not None:
            try:
                crumb[key] = check_level(value) if key == "level" else _crumb_part(key, value)
            except (TypeError, ValueError) as error:
                report_misuse(f"add_breadcrumb({key}=...)", error)
    current().add_breadcrumb(crumb, limit)


def _crumb_part(key: str, value: Any) -> Any:
    if key == "data":
        return dict(_items(value, "breadcrumb data"))
    if builtins.type(value) is not str:
        raise TypeError(f"a breadcrumb's {key} must be a string, not {_shown(value)}")
    return value


@contextlib.contextmanager
def activated(scope: Scope) -> Iterator[Scope]:
    """Make an existing scope current for a block (e.g. while a WSGI response is iterated)."""
    token = _current.set(scope)
    try:
        yield scope
    finally:
        _current.reset(token)
