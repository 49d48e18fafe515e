"""The name an expression's value is reached through (``cfg.sendgrid_key``, ``env["PGPASSWORD"]``,
``(user, password)``): what the scrubber judges an expression-value key by (:mod:`framecap.names`)."""

from __future__ import annotations

import re

__all__ = ["display_names", "reached_name"]

_QUOTED_INDEX = re.compile(r"\[\s*[rbuRBU]?(['\"])(?P<name>[^'\"\\]{1,200})\1\s*\]\s*\Z")
_TRAILING_NAME = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*(?:\[[^\[\]]*\]\s*)?\Z")


def reached_name(expression: str) -> str | None:
    """The name a value is reached through: ``cfg.sendgrid_key`` -> ``sendgrid_key``, ``env["PGPASSWORD"]``
    -> ``PGPASSWORD``, ``tokens[i]`` -> ``tokens``; None for anything else (``a - 1``, calls)."""
    text = expression.rstrip()
    match = _QUOTED_INDEX.search(text)
    if match:
        return match.group("name")
    if text.endswith(")"):
        return None
    match = _TRAILING_NAME.search(text)
    if match is None:
        return None
    head = text[: match.start()].rstrip()
    if head and head[-1] not in ".(,[" and not head.endswith(("await", "not")):
        return None  # ``a - b``, ``x if y else z``: an operation's value is not reached through a name
    return match.group("name")


def display_names(expression: str) -> list[str | None] | None:
    """``(user, password)`` / ``[cfg.token, n]``: the name each item of a tuple or list display is reached
    through (None for an item that is no name), or None when ``expression`` is no such display."""
    text = expression.strip()
    if len(text) < 3 or (text[0], text[-1]) not in (("(", ")"), ("[", "]")):
        return None
    inner = text[1:-1]
    if any(c in inner for c in "()[]{}") and not _QUOTED_INDEX.search(inner):
        return None
    parts = [part.strip() for part in inner.split(",")]
    if parts and not parts[-1]:
        parts.pop()
    return [reached_name(part) if part else None for part in parts] if len(parts) > 1 else None
