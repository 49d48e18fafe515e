"""Values of an event shown as Python shows them, with every cut ``_meta`` records marked in place.

Frame variables hold ``repr`` strings at their leaves (``'1'`` and ``1`` stay distinct); other
sections hold JSON values (strings are shown quoted). Dict keys are shown as Python would: a
key that is the ``repr`` of a non-string (``1``, ``None``, ``(1, 2)``) as it is, any other key
quoted.
"""

from __future__ import annotations

import ast
import datetime
import re
from typing import Any

__all__ = ["MESSAGE_TYPE", "cut_marks", "format_time", "key_text", "meta_at", "value_segments", "zone_name"]

#: The TYPE column of an event without an exception (a message, a log record without exc_info).
MESSAGE_TYPE = "(message)"

Segments = list[tuple[str, str]]
_FILTERED = "[Filtered]"
_LITERAL_START = re.compile(r"^[-+(\[{0-9]|^(None|True|False|Ellipsis|inf|nan)$|^[a-z]?b?r?['\"]|^<.*>$")


def meta_at(meta: Any, *path: Any) -> dict[str, Any]:
    """The ``_meta`` node at ``path`` (keys or list indexes), or ``{}``."""
    node = meta
    for key in path:
        if not isinstance(node, dict):
            return {}
        node = node.get(str(key))
    return node if isinstance(node, dict) else {}


def _rules(own: dict[str, Any]) -> list[str]:
    rules = []
    for removed in own.get("rem") or []:
        if isinstance(removed, list) and removed and isinstance(removed[0], str) and not removed[0].startswith("!"):
            rules.append(removed[0].split(":", 1)[-1])
    return rules


def cut_marks(node: dict[str, Any], what: str = "value") -> list[str]:
    """Marks for one string's own ``_meta`` (``node[""]``): cuts and the filter rules that fired."""
    own: Any = node.get("") if isinstance(node.get(""), dict) else {}
    marks: list[str] = []
    for removed in own.get("rem") or []:
        if isinstance(removed, list) and removed[:1] == ["!limit"] and len(removed) >= 4 and "len" in own:
            marks.append(f"[{what} cut at {removed[3]:,} of {own['len']:,} characters]")
        elif isinstance(removed, list) and removed[:2] == ["!limit", "x"] and len(removed) == 2:
            marks.append(f"[{what} left out: event size limit]")
    rules = _rules(own)
    if rules:
        marks.append(f"[Filtered: {', '.join(dict.fromkeys(rules))}]")
    return marks


def key_text(key: str) -> str:
    """A dict key as Python shows it: the serializer keeps string keys as they are and renders other
    keys as their ``repr``, so text that parses as a non-string literal is shown bare, the rest quoted."""
    if _LITERAL_START.match(key):
        try:
            value = ast.literal_eval(key)
            if not isinstance(value, str) or key[:1] in "'\"" or key[:2] in ("b'", 'b"'):
                return key
        except Exception:
            if key.startswith("<") and key.endswith(">"):
                return key
    return repr(key)


def value_segments(value: Any, meta: dict[str, Any], reprs: bool = True, depth: int = 0) -> Segments:
    """``value`` (from the event) as segments; ``reprs``: string leaves already are reprs (frame variables)."""
    own: Any = meta.get("") if isinstance(meta.get(""), dict) else {}
    if isinstance(value, dict):
        out: Segments = [("{", "")]
        for index, (key, item) in enumerate(value.items()):
            if index:
                out.append((", ", ""))
            out.append((key_text(str(key)), "key"))
            out.append((": ", ""))
            out.extend(value_segments(item, meta_at(meta, key), reprs, depth + 1))
        _more(out, own, len(value))
        out.append(("}", ""))
        return out
    if isinstance(value, list):
        out = [("[", "")]
        for index, item in enumerate(value):
            if index:
                out.append((", ", ""))
            out.extend(value_segments(item, meta_at(meta, index), reprs, depth + 1))
        _more(out, own, len(value))
        out.append(("]", ""))
        return out
    if value == _FILTERED:
        rules = _rules(own)
        return [(f"[Filtered: {', '.join(dict.fromkeys(rules))}]" if rules else _FILTERED, "mark")]
    if isinstance(value, str):
        text = value if reprs else repr(value)
    elif value is None or isinstance(value, bool):
        text = repr(value)
    else:
        text = str(value)
    out = [(text, "value")]
    for mark in cut_marks(meta):
        out.append((" " + mark, "mark"))
    return out


def _more(out: Segments, own: dict[str, Any], shown: int) -> None:
    total = own.get("len")
    if isinstance(total, int) and total > shown:
        out.append((", " if shown else "", ""))
        out.append((f"… {total - shown:,} more item{'s' if total - shown != 1 else ''}", "mark"))


def _moment(when: Any) -> datetime.datetime | None:
    if isinstance(when, (int, float)) and not isinstance(when, bool):
        try:
            return datetime.datetime.fromtimestamp(when, datetime.timezone.utc)
        except (ValueError, OverflowError, OSError):
            return None
    if isinstance(when, str):
        try:
            moment = datetime.datetime.fromisoformat(when.replace("Z", "+00:00"))
        except ValueError:
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)
    return None


def zone_name(moment: datetime.datetime) -> str:
    """``CET``, ``UTC``; ``UTC+05:30`` when the zone has no abbreviation."""
    name = moment.tzname() or ""
    if name and name.isalpha():
        return name
    offset = moment.utcoffset() or datetime.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def local(when: Any, tz: datetime.tzinfo | None = None) -> datetime.datetime | None:
    """An epoch time or ISO timestamp in ``tz`` (None: this machine's local zone)."""
    moment = _moment(when)
    if moment is None:
        return None
    try:
        return moment.astimezone(tz) if tz is not None else moment.astimezone()
    except (ValueError, OverflowError, OSError):
        return None


def format_time(when: Any, tz: datetime.tzinfo | None = None, zone: bool = True, seconds: bool = True) -> str:
    """``2026-11-30 14:02:11 CET``: local time, the zone shown; unparsable input comes back as it is."""
    moment = local(when, tz)
    if moment is None:
        return str(when) if when is not None else "?"
    text = moment.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    return f"{text} {zone_name(moment)}" if zone else text
