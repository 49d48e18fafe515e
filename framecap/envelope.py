"""Sentry envelopes: the wire format for sending an event (header, item header, payload)."""

from __future__ import annotations

import datetime
import json
from typing import Any

__all__ = ["encode_envelope", "event_json"]


def event_json(event: dict[str, Any]) -> bytes:
    """The event as compact, ASCII-escaped JSON bytes."""
    return json.dumps(event, separators=(",", ":")).encode("ascii")


def encode_envelope(event_id: str, payload: bytes, sent_at: datetime.datetime) -> bytes:
    """An envelope of one ``event`` item: ``{event_id, sent_at}``, ``{type, length}``, the event JSON."""
    header = json.dumps(
        {"event_id": event_id, "sent_at": sent_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}, separators=(",", ":")
    ).encode("ascii")
    item = json.dumps(
        {"type": "event", "length": len(payload), "content_type": "application/json"}, separators=(",", ":")
    ).encode("ascii")
    return header + b"\n" + item + b"\n" + payload + b"\n"
