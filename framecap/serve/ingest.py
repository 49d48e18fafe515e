"""Sentry's ingestion protocol, as far as a local receiver needs it: bodies in, events out.

``POST /api/<project>/envelope/`` carries an envelope (a JSON header line, then items: a JSON
item header and a payload of ``length`` bytes, or up to the next newline); its ``event`` items
are events, every other item type (transactions, sessions, attachments, client reports...) is
accepted and ignored. ``POST /api/<project>/store/`` carries one event as JSON (older SDKs:
base64 of zlib). Bodies may be gzip, deflate or (when the ``brotli`` module is importable) br.

Limits are Sentry's (Relay's defaults): a request body of at most 50 MiB, as sent and as
decompressed (``limits.max_envelope_size``), and at most 1 MiB per event
(``limits.max_event_size``); anything larger is a 413. Whatever can't be parsed is a 400 whose
message says what and where; nothing of a rejected envelope is stored.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import importlib
import json
import re
import uuid
import zlib
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "MAX_BODY",
    "MAX_EVENT",
    "Envelope",
    "IngestError",
    "decode_body",
    "normalize_event",
    "parse_envelope",
    "parse_store",
]

MAX_BODY = 50 * 1024 * 1024  # bytes of a request, as sent and decompressed (Relay: limits.max_envelope_size)
MAX_EVENT = 1024 * 1024  # bytes of one event (Relay: limits.max_event_size)
_HEX32 = re.compile(r"^[0-9a-f]{32}$")
_STEP = 64 * 1024  # decompressed bytes produced per step, so a bomb is stopped at the limit


class IngestError(Exception):
    """A request we refuse: ``status`` (400, 413, 415) and a message for the sender."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Envelope:
    header: dict[str, Any]
    events: list[dict[str, Any]] = field(default_factory=list)
    ignored: dict[str, int] = field(default_factory=dict)  #: item type -> how many were skipped


def _inflate(data: bytes, wbits: int, limit: int, what: str) -> bytes:
    out = bytearray()
    decompressor = zlib.decompressobj(wbits)
    pending = data
    while True:
        chunk = decompressor.decompress(pending, _STEP)
        out += chunk
        if len(out) > limit:
            raise IngestError(413, f"the body is larger than {limit:,} bytes once decompressed")
        pending = decompressor.unconsumed_tail
        if not pending and not chunk:
            break
        if decompressor.eof:
            rest = decompressor.unused_data
            if not rest.strip(b"\x00"):
                break
            decompressor, pending = zlib.decompressobj(wbits), rest  # another gzip member follows
    if not decompressor.eof:
        raise IngestError(400, f"the {what} body ends before its compressed stream does")
    return bytes(out)


def _brotli(data: bytes, limit: int) -> bytes:
    brotli: Any = None  # either module, whichever is installed (neither ships type information)
    for name in ("brotli", "brotlicffi"):
        try:
            brotli = importlib.import_module(name)
            break
        except ImportError:
            continue
    if brotli is None:
        raise IngestError(
            415,
            "Content-Encoding br needs the brotli module beside framecap serve (pip install brotli);"
            " or make the SDK send gzip",
        )
    decompressor = brotli.Decompressor()
    out = bytearray()
    for start in range(0, len(data), 256):  # small steps: a bomb is stopped soon after the limit
        out += decompressor.process(data[start : start + 256])
        if len(out) > limit:
            raise IngestError(413, f"the body is larger than {limit:,} bytes once decompressed")
    return bytes(out)


def decode_body(body: bytes, encoding: str, limit: int = MAX_BODY) -> bytes:
    """The body with its ``Content-Encoding`` undone, at most ``limit`` bytes (else a 413)."""
    name = encoding.strip().lower()
    try:
        if name in ("", "identity"):
            out = body
        elif name in ("gzip", "x-gzip"):
            out = _inflate(body, 16 + zlib.MAX_WBITS, limit, "gzip")
        elif name == "deflate":  # HTTP's deflate is zlib-wrapped; some senders send it raw
            try:
                out = _inflate(body, zlib.MAX_WBITS, limit, "deflate")
            except zlib.error:
                out = _inflate(body, -zlib.MAX_WBITS, limit, "deflate")
        elif name == "br":
            out = _brotli(body, limit)
        else:
            raise IngestError(415, f"Content-Encoding {encoding!r} is not supported: send gzip, deflate, br or none")
    except zlib.error as error:
        raise IngestError(400, f"the body is not valid {name} data: {error}") from None
    except IngestError:
        raise
    except Exception as error:  # brotli's own error type
        raise IngestError(400, f"the body is not valid {name} data: {error}") from None
    if len(out) > limit:
        raise IngestError(413, f"the body is larger than {limit:,} bytes")
    return out


def _json_object(data: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except RecursionError:
        raise IngestError(400, f"{what} is nested too deeply to read") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise IngestError(400, f"{what} is not JSON: {error}") from None
    if not isinstance(value, dict):
        raise IngestError(400, f"{what} is JSON but not an object (it is a {type(value).__name__})")
    return value


def parse_envelope(data: bytes) -> Envelope:
    """The envelope's header, its events (checked, not yet normalized) and counts of the items ignored."""
    first, _, rest = data.partition(b"\n")
    if not first.strip():
        raise IngestError(400, "the envelope is empty (its first line must be a JSON header)")
    envelope = Envelope(_json_object(first, "the envelope header"))
    pos, number, size = 0, 0, len(rest)
    while pos < size:
        end = rest.find(b"\n", pos)
        end = size if end < 0 else end
        line = rest[pos:end]
        pos = end + 1
        if not line.strip():  # a trailing newline, or a blank line between items
            continue
        number += 1
        item = _json_object(line, f"item {number}'s header")
        kind = item.get("type")
        if not isinstance(kind, str) or not kind:
            raise IngestError(400, f"item {number}'s header has no type")
        length = item.get("length")
        if length is None:
            end = rest.find(b"\n", pos)
            end = size if end < 0 else end
            payload, pos = rest[pos:end], end + 1
        else:
            if not isinstance(length, int) or isinstance(length, bool) or length < 0:
                raise IngestError(400, f"item {number} ({kind}) has a bad length: {length!r}")
            payload = rest[pos : pos + length]
            if len(payload) < length:
                raise IngestError(400, f"item {number} ({kind}) is shorter ({len(payload):,} bytes) than its length")
            pos += length
            if rest[pos : pos + 1] == b"\n":
                pos += 1
        if kind != "event":
            envelope.ignored[kind] = envelope.ignored.get(kind, 0) + 1
            continue
        if len(payload) > MAX_EVENT:
            raise IngestError(413, f"item {number} (event) is larger than {MAX_EVENT:,} bytes")
        envelope.events.append(_json_object(payload, f"item {number} (event)"))
    return envelope


def parse_store(data: bytes) -> dict[str, Any]:
    """The event of a store request: JSON, or (older SDKs) base64 of zlib-compressed JSON."""
    if len(data) > MAX_EVENT:
        raise IngestError(413, f"the event is larger than {MAX_EVENT:,} bytes")
    text = data.lstrip()
    if text[:1] not in (b"{", b"[", b'"') and text:
        try:
            packed = base64.b64decode(text, validate=False)
            data = _inflate(packed, zlib.MAX_WBITS, MAX_EVENT, "base64 zlib")
        except (binascii.Error, zlib.error, ValueError):
            pass  # not the legacy form after all: the JSON error below says what is wrong
    return _json_object(data, "the event")


def normalize_event(event: dict[str, Any], fallback_id: Any = None, now: datetime.datetime | None = None) -> str:
    """Give the event a 32-hex ``event_id`` (its own, the envelope's, or a new one) and a timestamp; return the id."""
    ident = ""
    for candidate in (event.get("event_id"), fallback_id):
        if isinstance(candidate, str):
            text = candidate.replace("-", "").strip().lower()
            if _HEX32.match(text):
                ident = text
                break
    ident = event["event_id"] = ident or uuid.uuid4().hex
    if event.get("timestamp") in (None, ""):
        moment = now or datetime.datetime.now(datetime.timezone.utc)
        event["timestamp"] = moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return ident
