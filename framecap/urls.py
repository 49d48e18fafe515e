"""URL rules: credentials in the authority, secrets in query parameters and in well-known paths.

- ``scheme://user:password@host`` with any user name, an empty one too (``redis://:pw@host``);
  ``user:password@host`` without a scheme (a ``netloc``), and urllib's ``nonnumeric port: 'pw@host'``.
- every query parameter, the first one too (``?access_token=...``), judged by its name: the name rules,
  plus names that only mean a secret in a URL (OAuth ``code``, Azure SAS ``sig``, AWS/GCS signatures).
  ``request.query_string`` has no ``?``: its first parameter starts the text.
- secrets in paths: one-time links (``/reset/<uid>/<token>``, ``/verify/<token>``, ``/invite/<token>``...),
  when the segment is credential-shaped and at least 16 characters. Webhook URLs (Slack, Discord) and
  Telegram's ``/bot<id>:<token>/`` are in the token table (:mod:`framecap.secrets`).
"""

from __future__ import annotations

import re
from typing import Callable

from .names import NONE, STRONG, WEAK
from .shapes import credential_shaped

__all__ = ["QUERY_NAMES", "url_spans"]

Span = tuple[int, int, str]

_AUTHORITY = re.compile(r"://(?P<user>[^\s:/@?#'\"]*):(?P<secret>[^\s/'\"]+)@(?=[A-Za-z0-9\[])")
_NETLOC = re.compile(
    r"(?<![\w.:/@%+\-])(?P<user>[A-Za-z0-9._%+\-]{1,64}):(?P<secret>[^\s:/@?#'\"]{1,200})"
    r"@(?=[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9\-]+)*(?:[:/?#'\"\s,)\]}]|\Z))"
)
_NOT_USERS = frozenset({"mailto", "sip", "sips", "tel", "xmpp", "news", "urn"})
_PORT = re.compile(r"nonnumeric port: '(?P<secret>[^'@\s]+)@")
_PARAM = re.compile(r"(?:(?<=[?&;])|\A)(?P<key>[^=&#\s'\"?;]{1,64})=(?P<secret>[^&#\s'\"]*)")
_ONE_TIME = re.compile(
    r"/[\w\-]*(?:reset|verify|verification|confirm|activat|magic|invit|unsubscribe|token|signin|login|auth|"
    r"recover|onboard|share)[\w\-]*(?:/[^/?#\s'\"]{1,40}){0,2}?/(?P<secret>[A-Za-z0-9_\-.~%:=]{16,})(?=[/?#'\"\s]|\Z)"
)
_ONE_TIME_HINT = re.compile(
    "reset|verif|confirm|activat|magic|invit|unsubscribe|token|signin|login|auth|recover|onboard|share"
)
#: Query parameter names that hold a secret in a URL only (lowercased).
QUERY_NAMES: dict[str, int] = {
    "code": WEAK,
    "sig": STRONG,
    "x-amz-signature": STRONG,
    "x-amz-credential": WEAK,
    "x-amz-security-token": STRONG,
    "x-goog-signature": STRONG,
    "x-goog-credential": WEAK,
    "signature": WEAK,
    "key": WEAK,
    "apikey": STRONG,
    "k": WEAK,
    "t": WEAK,
    "st": WEAK,
    "ticket": WEAK,
    "otp": STRONG,
}


def url_spans(text: str, tier: Callable[[str], int], query: bool = False) -> list[Span]:
    """Spans of ``text`` the URL rules find (``query``: the text is a bare query string)."""
    spans: list[Span] = []
    if "@" in text:
        if "://" in text:
            for match in _AUTHORITY.finditer(text):
                spans.append((match.start("secret"), match.end("secret"), "url-credentials"))
        for match in _NETLOC.finditer(text):
            if match.group("user").lower() not in _NOT_USERS and not match.group("secret").isdigit():
                spans.append((match.start("secret"), match.end("secret"), "url-credentials"))
        if "nonnumeric port" in text:
            for match in _PORT.finditer(text):
                spans.append((match.start("secret"), match.end("secret"), "url-credentials"))
    if "=" in text and (query or "?" in text):
        candidates = _PARAM.finditer(text) if query else _params_after_question_marks(text)
        for match in candidates:
            value = match.group("secret")
            if not value:
                continue
            key = match.group("key")
            found = QUERY_NAMES.get(key.lower(), NONE)
            level = max(found, tier(key))
            if level == STRONG or (level == WEAK and credential_shaped(value)):
                rule = "url-parameter" + ("~" if level == WEAK else "")
                spans.append((match.start("secret"), match.end("secret"), rule))
    if "/" in text and len(text) > 20 and _ONE_TIME_HINT.search(text.lower()):
        for match in _ONE_TIME.finditer(text):
            secret = match.group("secret")
            if credential_shaped(secret) and any(c.isdigit() for c in secret):
                spans.append((match.start("secret"), match.end("secret"), "url-path-token~"))
    return spans


def _params_after_question_marks(text: str):  # type: ignore[no-untyped-def]
    """Parameters of every query in free text: from each ``?`` to the next whitespace or quote."""
    start = text.find("?")
    while start != -1:
        end = start + 1
        while end < len(text) and text[end] not in " \t\r\n'\"<>)]}`":
            end += 1
        yield from _PARAM.finditer(text, start + 1, end)
        start = text.find("?", end)
