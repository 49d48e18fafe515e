"""An exception's message (``str`` plus ``__notes__``) and errno, read without trusting the exception:
its own ``__str__`` runs on a helper thread, within a time (:mod:`framecap.usercode`)."""

from __future__ import annotations

import builtins
import errno
from typing import Any

from . import usercode
from .chain import exception_args, exception_dict
from .meta import CUT_MARGIN, Meta, remark
from .serialize import cut_text
from .serialize_kinds import SMALL_INT, inherits

__all__ = ["errno_of", "exception_value"]

_STR_TIME = 0.25  # seconds an exception's own __str__ may take
_MAX_NOTES = 20  # __notes__ kept in an exception's value (the rest are counted in _meta)
_COUNTED_NOTES = 10_000  # notes past the kept ones whose length is added up for _meta (beyond: no length)
_NOT_A_STRING = "<note that is not a string>"
_PLAIN_TYPES = (float, bool, type(None))
_ERRNO_SLOT = OSError.__dict__["errno"]  # the C member behind OSError.errno
#: Builtin exception types whose str is made of their args alone (KeyError: the repr of its key).
_PLAIN_STR = frozenset(
    t
    for t in vars(builtins).values()
    if isinstance(t, type) and issubclass(t, BaseException) and t.__str__ in (BaseException.__str__, KeyError.__str__)
)


def errno_of(exc: BaseException) -> dict[str, Any] | None:
    """``{"number": 2, "name": "ENOENT"}`` for an OSError with an errno, read from OSError's own slot
    (a subclass's ``errno`` property is never run)."""
    try:
        number = _ERRNO_SLOT.__get__(exc, OSError)
    except BaseException:  # noqa: B036 - not readable: no errno then
        return None
    if type(number) is not int:
        return None
    name = errno.errorcode.get(number)
    return {"number": number, "name": name} if name else {"number": number}


def _plain_arg(arg: Any) -> bool:
    """An exception argument whose repr runs none of the program's code and is short and cheap."""
    t = type(arg)
    return (t is str and len(arg) <= 10_000) or (t is int and -SMALL_INT < arg < SMALL_INT) or t in _PLAIN_TYPES


def exception_value(exc: BaseException, limit: int) -> tuple[str, Meta | None]:
    """``str(exc)`` plus ``__notes__``; never raises, never builds a huge message whole when avoidable."""
    try:
        args = exception_args(exc)
        if inherits(type(exc), "__str__", BaseException) and len(args) == 1 and type(args[0]) is str:
            head = args[0]
            original: int | None = len(head)
            text = head[: limit + CUT_MARGIN + 1]
        elif type(exc) in _PLAIN_STR and all(map(_plain_arg, args)):
            raw = str(exc)  # a builtin type's str of plain args: runs none of the program's code
            original = len(raw)
            text = raw[: limit + CUT_MARGIN + 1]
        else:
            raw = usercode.call(str, exc, _STR_TIME)  # the exception's own __str__: off this thread, bounded
            original = str.__len__(raw)
            text = str.__getitem__(raw, slice(0, limit + CUT_MARGIN + 1))
    except usercode.TimedOut:
        text, original = "<exception str() took too long>", None
    except BaseException:  # noqa: B036 - a hostile __str__ costs only the message
        text, original = "<exception str() failed>", None
    dropped = 0
    notes = (exception_dict(exc) or {}).get("__notes__")
    if type(notes) is list or type(notes) is tuple:
        kept = [n if type(n) is str else _NOT_A_STRING for n in notes[:_MAX_NOTES]]
        dropped = len(notes) - len(kept)
        span = limit + CUT_MARGIN + 1  # each note is cut before they are joined (one may be 100 MB)
        length = sum(map(len, kept)) + len(kept) - 1
        extra = "\n".join([note[:span] for note in kept])
        if extra:
            text = f"{text}\n{extra}" if text else extra
            original = None if original is None else original + 1 + length
    cut, value_meta = cut_text(text, limit, original if original and original > limit else None, CUT_MARGIN)
    if dropped:  # the notes past _MAX_NOTES: recorded as removed, with the length they would have made
        rest = notes[_MAX_NOTES : _MAX_NOTES + _COUNTED_NOTES]  # type: ignore[index]
        full = (original if original is not None else len(text)) + sum(
            1 + (len(n) if type(n) is str else len(_NOT_A_STRING)) for n in rest
        )
        value_meta = value_meta or {}
        remark(value_meta, (), "!limit", "x", length=full if len(rest) == dropped else None)
    return cut, value_meta
