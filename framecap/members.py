"""What a set member or a dict key is, by itself and by its container's name: a random draw (a token used
as a key, ``revoked = {<token>, ...}``) is a secret under any name that does not say ids or digests.

Used by :mod:`framecap.scrub_data` (the privacy stage's data walk)."""

from __future__ import annotations

import itertools
import re
from typing import Any

from .names import name_words
from .shapes import hex_draw, random_member

__all__ = ["drawn_member", "ids_container"]

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
    when the container holds only such (its first items, all of one length: ``revoked = {<token_hex>, ...}``)
    and its name speaks of no digests (a hex digest and ``token_hex`` look alike: under a neutral name a
    collection of them is taken for tokens; beside other values, a digest is one value among others)."""
    if random_member(text):
        return True
    if not hex_draw(text):
        return False
    name = path[-1] if path else None
    words = name_words(name) if type(name) is str else ()
    if any(word in _DIGEST_WORDS or word.rstrip("s") in _DIGEST_WORDS for word in words):
        return False
    for item in itertools.islice(container, 8):  # (a bounded look: every member of a big set costs the same)
        if type(item) is not str:
            return False
        if reprs and _STRING_REPR.match(item):
            item = item[2 if item[0] in "bu" else 1 : -1]
        if len(item) != len(text) or not hex_draw(item):
            return False
    return True


def ids_container(path: tuple[Any, ...]) -> bool:
    """Whether a container's name says it holds ids (``order_ids``, ``by_id``, ``etags``): no generated token
    in it is a secret by its shape alone."""
    name = path[-1] if path else None
    if type(name) is not str:
        return False
    words = name_words(name)
    return bool(words) and (words[-1] in _ID_WORDS or words[-1].rstrip("s") in _ID_WORDS)
