"""Sentry envelopes: the wire format (header, item headers, payloads) and the event as servers accept it.

:func:`wire_event` is what a server gets: the event with framecap's extras taken out where Sentry's
published event schema has no room for them (the local inbox keeps the event as built). Bugsink,
for one, validates every event against that schema and, set to strict, drops an event that fails.
"""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

__all__ = [
    "client_report_envelope",
    "encode_envelope",
    "event_envelope",
    "event_json",
    "wire_event",
    "without_lone_surrogates",
]

#: Keys Sentry's event schema allows on a user; anything else moves into ``user.data``.
_USER_KEYS = frozenset({"data", "email", "geo", "id", "ip_address", "name", "segment", "sentry_user", "username"})


#: In JSON text: an escaped backslash (kept), a surrogate pair (kept), or a lone surrogate's escape.
_ESCAPES = re.compile(r"\\\\|\\ud[89ab][0-9a-f]{2}\\ud[c-f][0-9a-f]{2}|(\\ud[89a-f][0-9a-f]{2})")


def without_lone_surrogates(text: str) -> str:
    """ASCII JSON ``text`` with each lone surrogate (a file name's undecodable byte, ``\\udce9``) kept as
    the text of its escape: Sentry's servers reject a whole event for one. Costs a ``find`` when none."""
    if "\\ud" not in text:
        return text
    return _ESCAPES.sub(lambda m: "\\" + m.group(1) if m.group(1) else m.group(0), text)


def event_json(event: dict[str, Any]) -> bytes:
    """The event as compact, ASCII-escaped JSON bytes (lone surrogates as text)."""
    return without_lone_surrogates(json.dumps(event, separators=(",", ":"))).encode("ascii")


def _frames_without_data(stacktrace: Any) -> Any:
    frames = stacktrace.get("frames") if isinstance(stacktrace, dict) else None
    if not isinstance(frames, list) or not any(isinstance(f, dict) and "data" in f for f in frames):
        return stacktrace
    kept = [{k: v for k, v in f.items() if k != "data"} if isinstance(f, dict) else f for f in frames]
    return {**stacktrace, "frames": kept}


def _values_without_frame_data(container: Any) -> Any:
    values = container.get("values") if isinstance(container, dict) else None
    if not isinstance(values, list):
        return container
    out = []
    for value in values:
        if isinstance(value, dict) and "stacktrace" in value:
            value = {**value, "stacktrace": _frames_without_data(value["stacktrace"])}
        out.append(value)
    return {**container, "values": out}


def _schema_user(user: Any) -> Any:
    if not isinstance(user, dict):
        return user
    fixed = {k: v for k, v in user.items() if k in _USER_KEYS}
    other = {k: v for k, v in user.items() if k not in _USER_KEYS}
    if other:
        data = fixed.get("data")
        fixed["data"] = {**other, **data} if isinstance(data, dict) else other
    if "id" in fixed and fixed["id"] is not None and not isinstance(fixed["id"], str):
        fixed["id"] = str(fixed["id"])
    return fixed


def wire_event(event: dict[str, Any]) -> dict[str, Any]:
    """A shallow copy of ``event`` that validates against Sentry's event schema.

    Frames lose their ``data`` (framecap's end line and column and its expression notes, which the
    schema's frame doesn't allow; the values themselves are in ``vars``); user keys the schema doesn't
    know move into ``user.data``, and a non-string ``user.id`` becomes a string. ``_meta`` entries
    for what was taken out go too. Nothing else changes, and ``event`` itself is not modified.
    """
    out = dict(event)
    for key in ("exception", "threads"):
        if key in out:
            out[key] = _values_without_frame_data(out[key])
    if "user" in out:
        out["user"] = _schema_user(out["user"])
    meta = out.get("_meta")
    if isinstance(meta, dict) and "exception" in meta:
        out["_meta"] = {**meta, "exception": _strip_meta_frame_data(meta["exception"])}
    return out


def _without(node: Any, key: str) -> Any:
    return {k: v for k, v in node.items() if k != key} if isinstance(node, dict) else node


def _strip_meta_frame_data(node: Any) -> Any:
    """``_meta`` mirrors the event's shape; drop the ``data`` of every frame in it."""
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "frames" and isinstance(value, dict):
            value = {i: _without(f, "data") for i, f in value.items()}
        else:
            value = _strip_meta_frame_data(value)
        out[key] = value
    return out


def _timestamp(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def encode_envelope(header: dict[str, Any], items: list[tuple[dict[str, Any], bytes]]) -> bytes:
    """An envelope: its header line, then per item a header line (with ``length``) and the payload."""
    parts = [json.dumps(header, separators=(",", ":")).encode("ascii")]
    for item_header, payload in items:
        parts.append(json.dumps({**item_header, "length": len(payload)}, separators=(",", ":")).encode("ascii"))
        parts.append(payload)
    return b"\n".join(parts) + b"\n"


def event_envelope(event_id: str, payload: bytes, sent_at: datetime.datetime) -> bytes:
    """An envelope of one ``event`` item: ``{event_id, sent_at}``, ``{type, length, content_type}``, the JSON."""
    return encode_envelope(
        {"event_id": event_id, "sent_at": _timestamp(sent_at)},
        [({"type": "event", "content_type": "application/json"}, payload)],
    )


def client_report_envelope(discarded: list[dict[str, Any]], sent_at: datetime.datetime) -> bytes:
    """An envelope of one ``client_report`` item: ``discarded_events`` as ``{reason, category, quantity}``."""
    report = {"timestamp": sent_at.timestamp(), "discarded_events": discarded}
    return encode_envelope(
        {"sent_at": _timestamp(sent_at)},
        [({"type": "client_report"}, json.dumps(report, separators=(",", ":")).encode("ascii"))],
    )
