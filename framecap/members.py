"""What a set member or a dict key is, by itself and by its container's name: a random draw (a token used
as a key, ``revoked = {<token>, ...}``) is a secret under any name that does not say ids or digests.

Used by :mod:`framecap.scrub_data` (the privacy stage's data walk)."""

from __future__ import annotations

import itertools
import re
from typing import Any, Callable

from ._types import FILTERED
from .names import name_words
from .shapes import hex_draw, random_member

__all__ = ["digest_under_key", "drawn_member", "ids_container"]

#: What could be a draw: 16+ base64url characters with both cases, or 32+ hex digits.
_CANDIDATE = re.compile(r"(?=[^A-Z]*[A-Z])(?=[^a-z]*[a-z])[A-Za-z0-9_\-]{16,200}\Z|[0-9a-fA-F]{32,128}\Z")
_UUID4_HEX = re.compile(r"[0-9a-fA-F]{12}4[0-9a-fA-F]{3}[89abAB][0-9a-fA-F]{15}\Z")
_STRING_REPR = re.compile(r"[bu]?(?:'.*'|\".*\")\Z", re.S)
_ID_WORDS = frozenset({"id", "ids", "uid", "uuid", "pk", "slug", "sku", "ref", "etag", "hash", "digest", "checksum"})


#: Names of containers of digests: hex under them is no secret by its shape (``by_sha``, ``commits``, ``cache``).
_DIGEST_WORDS = frozenset(
    {"sha", "sha1", "sha256", "sha512", "md5", "blake2b", "commit", "rev", "revision", "oid", "blob", "object"}
    | {"cache", "memo", "lru", "fingerprint", "file", "chunk", "content", "key", "lookup", "index"}
)


def drawn_member(text: str, path: tuple[Any, ...], container: Any, reprs: bool) -> bool:
    """A member or key of ``container`` drawn at random, under a name not about ids (the caller checks):
    base64url draws (:func:`framecap.shapes.random_member`) under any such name; hex draws of 32+ digits
    when the container holds only such (its first items, all of one length: ``revoked = {<token_hex>, ...}``,
    not all of them a version-4 UUID's hex)
    and its name speaks of no digests (a hex digest and ``token_hex`` look alike: under a neutral name a
    collection of them is taken for tokens; beside other values, a digest is one value among others)."""
    if _CANDIDATE.match(text) is None:
        return False  # (most members: one C-speed test instead of the shape functions)
    if random_member(text):
        return True
    if not hex_draw(text):
        return False
    name = path[-1] if path else None
    words = name_words(name) if type(name) is str else ()
    if any(word in _DIGEST_WORDS or word.rstrip("s") in _DIGEST_WORDS for word in words):
        return False
    uuids = True
    for item in itertools.islice(container, 8):  # (a bounded look: every member of a big set costs the same)
        if type(item) is not str:
            return False
        if reprs and _STRING_REPR.match(item):
            item = item[2 if item[0] in "bu" else 1 : -1]
        if item == FILTERED:
            uuids = False  # (a member filtered already was a draw)
        elif len(item) != len(text) or not hex_draw(item):
            return False
        elif uuids and _UUID4_HEX.match(item) is None:
            uuids = False
    return not uuids  # (UUIDs' hex, every one of them version 4: identifiers; 1 in 64 ``token_hex(16)`` looks so)


def ids_container(path: tuple[Any, ...]) -> bool:
    """Whether a container's name says it holds ids (``order_ids``, ``by_id``, ``etags``): no generated token
    in it is a secret by its shape alone."""
    name = path[-1] if path else None
    if type(name) is not str:
        return False
    words = name_words(name)
    return bool(words) and (words[-1] in _ID_WORDS or words[-1].rstrip("s") in _ID_WORDS)


_DIGEST_LENGTHS = frozenset({32, 40, 56, 64, 96, 128})  # MD5, SHA-1, SHA-224, SHA-256, SHA-384, SHA-512
_HEX_DIGEST = re.compile(r"[0-9a-f]+\Z|[0-9A-F]+\Z")


def digest_under_key(name: Any, text: str, tier: Callable[[str], int]) -> bool:
    """A hex digest (32, 40, 56, 64, 96 or 128 digits of one case: ``hashlib.sha1(...).hexdigest()``) under a
    weak name that is weak only by its ``key`` and says what the key is of (``redis_key``, ``s3_key``; not
    ``session_key``): a lookup's key, a debugging value. A bare ``key`` is not one: ``os.urandom(32).hex()``
    keys look the same. ``text`` may be a string's repr; ``tier`` judges the name's other words."""
    size = len(text)
    if size - 2 in _DIGEST_LENGTHS and text[:1] in "'\"" and text[-1:] == text[:1]:
        text = text[1:-1]
    elif size not in _DIGEST_LENGTHS:
        return False
    if type(name) is not str or _HEX_DIGEST.match(text) is None:
        return False
    words = name_words(name)
    return len(words) > 1 and words[-1] == "key" and tier("_".join(words[:-1])) <= 0
