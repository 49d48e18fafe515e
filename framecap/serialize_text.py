"""Text and data helpers of the serializer: cutting, cleaning and pricing strings, copying renderings."""

from __future__ import annotations

from typing import Any

from .meta import ELLIPSIS, Meta, cut_remark

__all__ = ["clean_text", "copied", "cost", "cut_text", "final_cost", "plain_name"]


def copied(data: Any) -> Any:
    """A copy of serialized data (or ``_meta``): its dicts and lists new, its strings shared."""
    if type(data) is dict:
        return {key: copied(item) if type(item) is dict or type(item) is list else item for key, item in data.items()}
    if type(data) is list:
        return [copied(item) if type(item) is dict or type(item) is list else item for item in data]
    return data


def clean_text(text: str) -> str:
    """Replace lone surrogates (undecodable bytes) so the text encodes as UTF-8 JSON."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def plain_name(value: Any, limit: int = 256) -> str:
    """A name for the event (a thread's, a logger's): a ``str`` only (no subclass's code runs), cut to
    ``limit`` characters, lone surrogates escaped (a server rejects the whole event otherwise)."""
    return clean_text(value[:limit]) if type(value) is str else ""


def cut_text(text: str, limit: int, original_length: int | None = None, margin: int = 0) -> tuple[str, Meta | None]:
    """Cut ``text`` to ``limit`` characters (ending in ``...``) and say so in Sentry's format.

    With a ``margin``, up to ``limit + margin`` characters are kept and only the cut is recorded:
    :func:`framecap.meta.apply_cuts` makes it once the privacy stage has seen the whole secret.
    """
    text = clean_text(text)
    if len(text) <= limit and original_length is None:
        return text, None
    meta = {"len": original_length if original_length is not None else len(text), "rem": [cut_remark(limit)]}
    if len(text) > limit:
        text = text[: limit + margin] if margin > 0 else text[: limit - len(ELLIPSIS)] + ELLIPSIS
    return text, {"": meta}


def cost(text: str) -> int:
    """Upper bound of the characters ``text`` adds to ASCII-escaped JSON, before quote/backslash escaping."""
    return len(text) if text.isascii() else 6 * len(text)


def final_cost(text: str, limit: int) -> int:
    """:func:`cost` of ``text`` once cut to ``limit`` (it may still carry its margin)."""
    return cost(text if len(text) <= limit else text[:limit])
