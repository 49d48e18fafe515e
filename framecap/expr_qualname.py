"""Qualified names (``Class.method``, ``outer.<locals>.inner``) on Pythons without ``co_qualname``
(before 3.11), found without parsing: from the function object when it can be reached without
running user code, else from the ``def``/``class`` lines above the code. Part of the expressions
stage (:mod:`framecap.expressions` re-exports :func:`code_qualname`).
"""

from __future__ import annotations

import linecache
import os
import sys
import threading
import types
import weakref
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from types import CodeType, FrameType
from typing import Any

from .frames import is_pseudo_file

__all__ = ["clear_qualnames", "code_qualname", "qualnames_size", "safe_lines"]

_MAX_QUALNAMES = 1024

# Qualified names by code object (held weakly). Module-level on purpose: a code object's name is
# the same for every client; bounded in count.
_qualnames: OrderedDict[int, tuple[Any, str | None]] = OrderedDict()
_qualnames_lock = threading.Lock()


def qualnames_size() -> tuple[int, int]:
    """How many qualified names are kept, and their estimated bytes."""
    with _qualnames_lock:
        names = len(_qualnames)
        name_bytes = sys.getsizeof(_qualnames) + sum(
            150 + (sys.getsizeof(entry[1]) if entry[1] else 0) for entry in _qualnames.values()
        )
    return names, name_bytes


def clear_qualnames() -> None:
    """Forget every qualified name."""
    with _qualnames_lock:
        _qualnames.clear()


def safe_lines(filename: str) -> Sequence[str]:
    """A file's lines when they can be had without searching ``sys.path``: an absolute path, or a
    source registered in linecache (IPython cells)."""
    try:
        if os.path.isabs(filename) and os.path.isfile(filename):
            return linecache.getlines(filename)
        entry = linecache.cache.get(filename)
        if entry is not None and len(entry) == 4 and isinstance(entry[2], list):
            return entry[2]
    except Exception:
        pass
    return []


def _is_class(value: Any) -> bool:
    return any(k is type for k in type.__dict__["__mro__"].__get__(type(value)))


def _functions(candidate: Any) -> Iterable[Any]:
    """The plain functions behind a class attribute (static/class methods, properties, wrappers)."""
    pending = [candidate]
    for _ in range(16):
        if not pending:
            return
        item = pending.pop()
        kind = type(item)
        if kind is staticmethod or kind is classmethod:
            pending.append(item.__func__)
        elif kind is property:
            pending += [item.fget, item.fset, item.fdel]
        elif kind is types.FunctionType:
            yield item
            wrapped = item.__dict__.get("__wrapped__")
            if wrapped is not None:
                pending.append(wrapped)


def _qualname_from_objects(frame: FrameType, code: CodeType) -> str | None:
    """The function object behind the frame, found without running user code: through the class of
    ``self``/``cls``, or the module's globals."""
    name = code.co_name
    if code.co_argcount and code.co_varnames[0] in ("self", "cls", "mcs", "metacls", "klass"):
        locals_ = frame.f_locals
        owner = dict.get(locals_, code.co_varnames[0]) if isinstance(locals_, dict) else None
        if owner is not None:
            klass = owner if _is_class(owner) and code.co_varnames[0] != "self" else type(owner)
            for entry in type.__dict__["__mro__"].__get__(klass):
                namespace = type.__dict__["__dict__"].__get__(entry)
                keys = [name]
                if name.startswith("__") and not name.endswith("__"):
                    keys.append("_" + type.__dict__["__name__"].__get__(entry).lstrip("_") + name)
                for key in keys:
                    for function in _functions(namespace.get(key)):
                        if function.__code__ is code:
                            return _compiled_qualname(function.__qualname__, frame)
    found = frame.f_globals.get(name) if type(frame.f_globals) is dict else None
    for function in _functions(found):
        if function.__code__ is code:
            return _compiled_qualname(function.__qualname__, frame)
    return None


_CO_NESTED = 0x10  # inspect.CO_NESTED: code compiled inside a function


def _compiled_qualname(qualname: Any, frame: FrameType) -> str | None:
    """A function object's ``__qualname__`` if it can be the one the compiler gave (``co_qualname``
    on 3.11+), else None. It was reassigned when code nested in a function has no ``<locals>`` in
    it, or when generated code (a pseudo file such as ``<string>``) runs in a real module's
    namespace: dataclasses name the ``__init__`` they compile in ``__create_fn__`` ``Cls.__init__``."""
    code = frame.f_code
    if type(qualname) is not str or (code.co_flags & _CO_NESTED and "<locals>" not in qualname):
        return None
    if is_pseudo_file(code.co_filename):
        module_file = dict.get(frame.f_globals, "__file__") if type(frame.f_globals) is dict else None
        if type(module_file) is str and not is_pseudo_file(module_file):
            return None
    return qualname


def code_qualname(frame: FrameType, lines: Sequence[str] | None = None) -> str | None:
    """``Class.method`` / ``outer.<locals>.inner`` on Pythons without ``co_qualname``, without parsing.

    From the function object when the frame's ``self``/``cls`` or module globals hold it, else from
    the ``def``/``class`` lines above the code (None when they are ambiguous). Cached per code object.
    """
    code = frame.f_code
    key = id(code)
    with _qualnames_lock:
        entry = _qualnames.get(key)
        if entry is not None and entry[0]() is code:
            _qualnames.move_to_end(key)
            return entry[1]
    try:
        name = _qualname_from_objects(frame, code)
    except Exception:
        name = None
    if name is None:
        from .expr_source import qualname_from_lines

        try:
            found = lines if lines is not None else safe_lines(code.co_filename)
            name = qualname_from_lines(code, found, lambda: None) if found else None
        except Exception:
            name = None
    try:
        ref = weakref.ref(code)
    except TypeError:
        return name
    with _qualnames_lock:
        _qualnames[key] = (ref, name)
        while len(_qualnames) > _MAX_QUALNAMES:
            _qualnames.popitem(last=False)
    return name
