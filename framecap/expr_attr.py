"""``obj.attr`` for expression values without running the program's code: pure_eval's
``getattr_static`` with every class namespace read through ``type``'s own descriptor, so a
metaclass's ``__getattribute__`` (an ORM registry lookup, a counter, a lazy import) never runs.

Like pure_eval's: instance ``__dict__`` entries and plain class attributes are returned; a data
descriptor or a ``__get__`` is resolved only for the descriptor types known to be safe (slots,
C methods, plain functions); anything else is :class:`pure_eval.CannotEval`.
"""

from __future__ import annotations

import types
from typing import Any, Callable

from pure_eval import my_getattr_static
from pure_eval.utils import CannotEval

from .safe import type_dict, type_mro

__all__ = ["getattr_static"]

_MISSING = object()
# pure_eval's resolver of the descriptor types it knows to be safe (untyped: typed once here).
_resolve_descriptor: Callable[[Any, Any, Any], Any] = my_getattr_static._resolve_descriptor
_DICT_ATTR = type.__dict__["__dict__"]


def _mro(klass: Any) -> tuple[type, ...]:
    return type_mro(klass)


def _in_class(klass: type, attr: str) -> Any:
    for entry in _mro(klass):
        if _shadowed_dict(type(entry)) is not _MISSING:
            break
        namespace = type_dict(entry)
        if attr in namespace:
            return namespace[attr]
    return _MISSING


def _shadowed_dict(klass: type) -> Any:
    for entry in _mro(klass):
        try:
            class_dict = _DICT_ATTR.__get__(entry)["__dict__"]
        except KeyError:
            continue
        if not (
            type(class_dict) is types.GetSetDescriptorType
            and class_dict.__name__ == "__dict__"
            and class_dict.__objclass__ is entry
        ):
            return class_dict
    return _MISSING


def _is_type(obj: Any) -> bool:
    try:
        _mro(obj)
    except TypeError:
        return False
    return True


def _instance_value(obj: Any, attr: str) -> Any:
    try:
        namespace = object.__getattribute__(obj, "__dict__")
    except AttributeError:
        return _MISSING
    try:
        return dict.get(namespace, attr, _MISSING)
    except TypeError:  # not a dict
        return _MISSING


def getattr_static(obj: Any, attr: str) -> Any:
    """``obj.attr`` as pure_eval's ``getattr_static`` finds it, reading classes statically."""
    instance_result = _MISSING
    if not _is_type(obj):
        klass = type(obj)
        dict_attr = _shadowed_dict(klass)
        if not (
            dict_attr is _MISSING
            or type(dict_attr) is types.MemberDescriptorType
            or type(dict_attr) is types.GetSetDescriptorType
        ):
            raise CannotEval
        instance_result = _instance_value(obj, attr)
    else:
        klass = obj
    klass_result = _in_class(klass, attr)
    if instance_result is not _MISSING and klass_result is not _MISSING:
        kind = type(klass_result)
        if _in_class(kind, "__get__") is not _MISSING and (
            _in_class(kind, "__set__") is not _MISSING or _in_class(kind, "__delete__") is not _MISSING
        ):
            return _resolve_descriptor(klass_result, obj, klass)
    if instance_result is not _MISSING:
        return instance_result
    if klass_result is not _MISSING:
        if _in_class(type(klass_result), "__get__") is _MISSING:
            return klass_result
        return _resolve_descriptor(klass_result, None if obj is klass else obj, klass)
    if obj is klass:  # for types, the metaclass too
        for entry in _mro(type(klass)):
            if _shadowed_dict(type(entry)) is _MISSING:
                namespace = type_dict(entry)
                if attr in namespace:
                    result = namespace[attr]
                    if _in_class(type(result), "__get__") is not _MISSING:
                        raise CannotEval
                    return result
    raise CannotEval
