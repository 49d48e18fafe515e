"""``instrument(connection)``: record each query on a DB-API 2.0 connection as a breadcrumb, literals removed.

The breadcrumb (``category: "query"``) holds the statement parameterized by :mod:`framecap.sql`;
parameters are never recorded. Statements are cut to 8,192 characters before tokenizing, so the
cost per query is bounded.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..client import get_current
from ..scope import add_breadcrumb
from ..sql import parameterize
from . import breadcrumb_limit

__all__ = ["instrument"]

_MAX_SQL = 8192


def _record(sql: Any, many: bool) -> None:
    try:
        text = sql if isinstance(sql, str) else bytes(sql).decode("utf-8", "replace")
        data = {"executemany": True} if many else None
        limit = breadcrumb_limit(get_current())
        add_breadcrumb(message=parameterize(text[:_MAX_SQL]), category="query", type="query", data=data, limit=limit)
    except Exception:
        pass  # recording must never break the query


class _Cursor:
    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    def execute(self, operation: Any, *args: Any, **kwargs: Any) -> Any:
        _record(operation, False)
        result = self._cursor.execute(operation, *args, **kwargs)
        return self if result is self._cursor else result

    def executemany(self, operation: Any, *args: Any, **kwargs: Any) -> Any:
        _record(operation, True)
        result = self._cursor.executemany(operation, *args, **kwargs)
        return self if result is self._cursor else result

    def __iter__(self) -> Iterator[Any]:
        return iter(self._cursor)

    def __enter__(self) -> _Cursor:
        self._cursor.__enter__()
        return self

    def __exit__(self, *exc: Any) -> Any:
        return self._cursor.__exit__(*exc)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


class _Connection:
    def __init__(self, connection: Any) -> None:
        self._connection = connection

    def cursor(self, *args: Any, **kwargs: Any) -> _Cursor:
        return _Cursor(self._connection.cursor(*args, **kwargs))

    def execute(self, operation: Any, *args: Any) -> Any:  # sqlite3's shortcut
        return self.cursor().execute(operation, *args)

    def executemany(self, operation: Any, *args: Any) -> Any:
        return self.cursor().executemany(operation, *args)

    def executescript(self, script: str) -> Any:
        _record(script, False)
        return self._connection.executescript(script)

    def __enter__(self) -> _Connection:
        self._connection.__enter__()
        return self

    def __exit__(self, *exc: Any) -> Any:
        return self._connection.__exit__(*exc)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)


def instrument(connection: Any) -> Any:
    """Return ``connection`` wrapped: same methods, each ``execute``/``executemany`` recorded as a breadcrumb."""
    return _Connection(connection)
