"""A small parser for Sentry envelopes, for the tests."""

from __future__ import annotations

import gzip
import json
from typing import Any


def parse_envelope(body: bytes, encoding: str = "") -> tuple[dict[str, Any], list[tuple[dict[str, Any], bytes]]]:
    """``(envelope header, [(item header, payload), ...])``; raises ValueError on anything malformed."""
    if encoding == "gzip":
        body = gzip.decompress(body)
    first, _, rest = body.partition(b"\n")
    header = json.loads(first)
    items = []
    while rest.strip():
        line, _, rest = rest.partition(b"\n")
        item = json.loads(line)
        length = item.get("length")
        if length is None:
            payload, _, rest = rest.partition(b"\n")
        else:
            payload, rest = rest[:length], rest[length:]
            if len(payload) != length:
                raise ValueError("item shorter than its length")
            if rest[:1] == b"\n":
                rest = rest[1:]
        items.append((item, payload))
    return header, items


def event_of(body: bytes, encoding: str = "gzip") -> dict[str, Any]:
    """The one event an envelope carries, checked for shape."""
    header, items = parse_envelope(body, encoding)
    assert len(items) == 1 and items[0][0]["type"] == "event"
    event = json.loads(items[0][1])
    assert header["event_id"] == event["event_id"] and header["sent_at"].endswith("Z")
    return event
