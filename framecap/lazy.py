"""Values whose ``repr`` would run queries or I/O: recognised by class, shown without their repr.

A never-evaluated Django ``QuerySet`` runs its query when repr'd; a werkzeug ``LocalProxy``
resolves what it stands for (Flask-Login's ``current_user`` loads the user from the database).
A capture must not do what the program never did, so these are recognised by the module and
name of a class in their MRO (nothing is imported, no attribute of the value is read through
Python code) and rendered as a placeholder. The list is data, in one place: :data:`LAZY_TYPES`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .safe import type_module, type_mro, type_name, type_qualname

__all__ = ["LAZY_TYPES", "LazyType", "lazy_placeholder"]


@dataclass(frozen=True)
class LazyType:
    """A class (and its subclasses) whose instances are shown as ``placeholder``.

    ``loaded``: an instance attribute that is not None once the value holds its data (then its
    repr runs no query and is used as usual).
    """

    module: str
    name: str
    placeholder: str
    loaded: str | None = None
    why: str = ""


#: Checked against the real libraries in tests/test_lazy.py (queries counted: zero per capture).
LAZY_TYPES: tuple[LazyType, ...] = (
    LazyType(
        "django.db.models.query",
        "QuerySet",
        "<{type} (not evaluated)>",
        loaded="_result_cache",
        why="repr runs the query (up to 21 rows); an evaluated one shows its cached rows",
    ),
    LazyType(
        "django.utils.functional",
        "Promise",
        "<lazy object (not evaluated)>",
        why="gettext_lazy/reverse_lazy results: repr evaluates them (translation catalogs, URLconf imports)",
    ),
    LazyType(
        "werkzeug.local",
        "LocalProxy",
        "<LocalProxy (not resolved)>",
        why="repr resolves the proxied object: flask_login.current_user calls the user loader",
    ),
    LazyType(
        "sqlalchemy.ext.associationproxy",
        "_AssociationCollection",
        "<association proxy collection (not loaded)>",
        why="repr loads the underlying relationship (SELECTs when expired or not loaded)",
    ),
    LazyType(
        "sqlalchemy.orm.query",
        "Query",
        "<{type} (not run)>",
        why="its repr runs nothing today (checked), but a Query stands for a query: never rendered",
    ),
)

_BY_MODULE: dict[str, tuple[LazyType, ...]] = {}
for _entry in LAZY_TYPES:
    _BY_MODULE[_entry.module] = (*_BY_MODULE.get(_entry.module, ()), _entry)
_MISSING = object()


def _match(t: type) -> LazyType | None:
    try:
        mro = type_mro(t)
    except Exception:
        return None
    for klass in mro:
        module = type_module(klass)
        if module is None or module not in _BY_MODULE:
            continue
        name = type_qualname(klass)
        for entry in _BY_MODULE[module]:
            if name == entry.name or name.endswith("." + entry.name):
                return entry
    return None


def lazy_placeholder(value: Any, t: type, memo: dict[int, Any]) -> str | None:
    """The placeholder for ``value`` (of type ``t``) if its repr must not run, else None.

    ``memo`` (one per capture, keyed by the type's id, holding the type) saves the MRO walk.
    """
    found = memo.get(id(t))
    if found is None or found[0] is not t:
        found = memo[id(t)] = (t, _match(t))
    entry = found[1]
    if entry is None:
        return None
    if entry.loaded is not None:
        try:
            namespace = object.__getattribute__(value, "__dict__")
            state = dict.get(namespace, entry.loaded, _MISSING) if type(namespace) is dict else _MISSING
        except BaseException:  # noqa: B036 - a subclass's __dict__ property: taken as not loaded
            state = _MISSING
        if state is not None and state is not _MISSING:
            return None
    return entry.placeholder.format(type=type_name(t))
