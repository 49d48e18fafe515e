"""Grouping: which events are the same crash. A pure function of the event, computed when it is stored.

The default fingerprint of an event is, for each of its exceptions, the exception type plus the
in-app frames' module, function and normalised context line (never line numbers, so an edit
elsewhere in the file does not split an issue). An event with no in-app frame at all falls back
to each exception's type and message, with numbers, hex and quoted strings masked. A
user-supplied event ``fingerprint`` (a list of strings) wins; ``{{ default }}`` in it expands to
the default components.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

__all__ = ["default_components", "fingerprint", "fingerprint_components", "mask_message", "summarize"]

_QUOTED = re.compile(r"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"")
_HEX = re.compile(r"\b0x[0-9a-fA-F]+\b|\b(?=[0-9a-fA-F-]*\d)[0-9a-fA-F]{8,}(?:-[0-9a-fA-F]{4,})*\b")
_NUMBER = re.compile(r"[-+]?\b\d+(?:[.,_]\d+)*(?:[eE][-+]?\d+)?\b")
_SPACE = re.compile(r"\s+")
_DEFAULT = re.compile(r"^\{\{\s*default\s*\}\}$")
_MAX_CYCLE = 32  # the longest cycle of frames that a recursion is recognised by
_MAX_MESSAGE = 500  # characters of a message that take part in its fallback fingerprint


def mask_message(message: str) -> str:
    """``"no user 'bob' (id 42) at 0x7f3a"`` -> ``"no user <str> (id <num>) at <hex>"``: what varies is masked."""
    text = _QUOTED.sub("<str>", message[:_MAX_MESSAGE])
    text = _HEX.sub("<hex>", text)
    return _SPACE.sub(" ", _NUMBER.sub("<num>", text)).strip()


def _values(event: dict[str, Any]) -> list[dict[str, Any]]:
    values: Any = (event.get("exception") or {}).get("values") if isinstance(event.get("exception"), dict) else None
    return [v for v in values if isinstance(v, dict)] if isinstance(values, list) else []


def _frames(value: dict[str, Any]) -> list[dict[str, Any]]:
    stack = value.get("stacktrace")
    frames: Any = stack.get("frames") if isinstance(stack, dict) else None
    return [f for f in frames if isinstance(f, dict)] if isinstance(frames, list) else []


def default_components(event: dict[str, Any]) -> list[str]:
    """The default fingerprint's parts, readable (tests and ``framecap show`` can print them)."""
    values = _values(event)
    parts: list[str] = []
    in_app = False
    for value in values:
        parts.append(f"type:{value.get('type')}")
        frame_parts: list[str] = []
        last = None
        last_raw = None
        for frame in _frames(value):
            if not frame.get("in_app"):
                continue
            in_app = True
            raw = (frame.get("module") or frame.get("filename"), frame.get("function"), frame.get("context_line"))
            if raw == last_raw:  # the same frame again (a recursion): its part is the last one
                continue
            last_raw = raw
            line = frame.get("context_line")
            line = _SPACE.sub(" ", line).strip() if isinstance(line, str) else ""
            part = f"frame:{frame.get('module') or frame.get('filename')}:{frame.get('function')}:{line}"
            if part != last:  # a recursion is one frame, however deep it went
                frame_parts.append(part)
            last = part
        parts.extend(_without_cycles(frame_parts))
    if in_app:
        return parts
    if values:
        return [f"type:{v.get('type')}:{mask_message(str(v.get('value') or ''))}" for v in values]
    logentry = event.get("logentry")
    entry: dict[str, Any] = logentry if isinstance(logentry, dict) else {}
    message = event.get("message") or entry.get("formatted") or entry.get("message") or ""
    return [f"message:{mask_message(str(message))}"]


def _without_cycles(parts: list[str]) -> list[str]:
    """``parts`` with every cycle repeated back to back kept once: a recursion through several
    functions (``visit -> visit_children -> visit ...``) counts once, however deep it went, and
    wherever in its cycle it stopped (a ``RecursionError`` ends in whichever function hit the limit)."""
    out: list[str] = []
    repeated: set[int] = set()  # sizes of the cycles that were repeated
    for part in parts:
        out.append(part)
        for size in range(2, min(_MAX_CYCLE, len(out) // 2) + 1):
            if out[-1] == out[-1 - size] and out[-size:] == out[-2 * size : -size]:
                del out[-size:]
                repeated.add(size)
                break
    for size in sorted(repeated):  # such a cycle begun again at the end, not finished
        partial = next((n for n in range(size - 1, 0, -1) if out[-n:] == out[-n - size : -size]), 0)
        if partial and len(out) >= partial + size:
            del out[-partial:]
            break
    return out


def fingerprint_components(event: dict[str, Any]) -> list[str]:
    """The event's own ``fingerprint`` list when it has one (``{{ default }}`` expanded), else the default."""
    given = event.get("fingerprint")
    if isinstance(given, list) and given:
        parts: list[str] = []
        for item in given:
            if isinstance(item, str) and _DEFAULT.match(item.strip()):
                parts.extend(default_components(event))
            else:
                parts.append(f"user:{item}")
        return parts
    return default_components(event)


def fingerprint(event: dict[str, Any]) -> str:
    """32 hex digits naming the event's issue; equal for events of the same crash."""
    encoded = json.dumps(fingerprint_components(event), ensure_ascii=True, default=str)
    return hashlib.sha256(encoded.encode("ascii")).hexdigest()[:32]


def summarize(event: dict[str, Any]) -> dict[str, str | None]:
    """The one-line facts ``framecap list`` shows: type, first line of the message, and where.

    Where is the innermost in-app frame of the captured exception (else its innermost frame), as
    ``file:line in function``; ``(no traceback)`` when it has no frame.
    """
    values = _values(event)
    last = values[-1] if values else {}
    frames = _frames(last)
    chosen = next((f for f in reversed(frames) if f.get("in_app")), frames[-1] if frames else None)
    if chosen is not None:
        where = f"{chosen.get('filename') or chosen.get('abs_path') or '?'}:{chosen.get('lineno') or '?'}"
        if chosen.get("function"):
            where += f" in {chosen.get('function')}"
    else:
        where = "(no traceback)"
    kind = last.get("type") if last else None
    message = str(last.get("value") or "") if last else ""
    if not last:
        entry: Any = event.get("logentry") if isinstance(event.get("logentry"), dict) else {}
        message = str(event.get("message") or entry.get("formatted") or entry.get("message") or "")
    message = message.split("\n", 1)[0][:200]
    return {"type": None if kind is None else str(kind), "message": message, "location": where}
