"""The message of an event (``logentry``): a ``capture_message`` text, or a log record's message.

Sentry's ``logentry`` holds ``formatted`` (the text as the program printed it), ``message`` (a log
record's template, with its placeholders) and ``params`` (the record's arguments). Texts keep their
cut margin for the privacy stage (cut afterwards, see :mod:`framecap.meta`); the parameters go
through the bounded serializer. Both are paid for from the event's budget, like an exception message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .budget import Budget
from .meta import CUT_MARGIN, Meta, record, remark
from .options import Options
from .serialize import Serializer, cost, cut_text

__all__ = ["MESSAGE_LIMIT", "Message", "logentry"]

#: Characters of a message kept (at most 1/8 of the event, like an exception's message).
MESSAGE_LIMIT = 8192


@dataclass
class Message:
    """What a message event (or a log record's exception event) says, as plain data."""

    formatted: str
    #: A log record's template (``record.msg``, placeholders and all); None for ``capture_message``.
    template: str | None = None
    #: A log record's arguments (``record.args``): a tuple, or a dict for ``%(name)s`` templates.
    params: Any = None
    #: Texts replaced by a placeholder (``"formatted"``, ``"message"``) and the rule that says why
    #: (``framecap:str``: its ``str()`` failed, ``framecap:timeout``: it took too long), for ``_meta``.
    replaced: dict[str, str] | None = None


def logentry(message: Message, options: Options, budget: Budget, meta: Meta) -> dict[str, Any]:
    """The bounded ``logentry`` dict, its cuts recorded in ``meta`` at ``("logentry", ...)``."""
    limit = budget.value_limit(max(options.max_value_length, MESSAGE_LIMIT))
    out: dict[str, Any] = {}
    texts = [("formatted", message.formatted)]
    if message.template is not None:
        texts.insert(0, ("message", message.template))
    for key, text in texts:
        # The text is cut here to what the event may hold plus the margin: never copied whole.
        original = len(text) if len(text) > limit else None
        cut, text_meta = cut_text(text[: limit + CUT_MARGIN + 1], limit, original, CUT_MARGIN)
        out[key] = cut
        record(meta, ("logentry", key), text_meta)
        if message.replaced and key in message.replaced:
            remark(meta, ("logentry", key), message.replaced[key], "s")
        budget.spend(cost(cut[:limit]))
    if message.params and message.template is not None:
        serializer = Serializer(
            max_depth=options.max_depth,
            max_breadth=options.max_breadth,
            max_length=options.max_value_length,
            repr_strings=False,
            margin=CUT_MARGIN,
        )
        data, params_meta, size = serializer.serialize(message.params, budget.value_limit(limit))
        serializer.close()
        out["params"] = data
        record(meta, ("logentry", "params"), params_meta)
        budget.spend(size)
    return out
