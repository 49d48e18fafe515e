"""URL rules: credentials in the authority, secrets in query parameters and in well-known paths.

- ``scheme://user:password@host`` with any user name, an empty one too (``redis://:pw@host``);
  ``user:password@host`` without a scheme (a ``netloc``), and urllib's ``nonnumeric port: 'pw@host'``.
- every query parameter, the first one too (``?access_token=...``), judged by its name: the name rules,
  plus names that only mean a secret in a URL (OAuth ``code``, Azure SAS ``sig``, AWS/GCS signatures).
  ``request.query_string`` has no ``?``: its first parameter starts the text.
- an opaque query value of 48+ random characters under any name (a tracking link's encrypted payload);
- secrets in paths: one-time links (``/reset/<uid>/<token>``, ``/verify/<token>``, ``/invite/<token>``,
  ``/download/<token>``...), when the segment is credential-shaped and at least 16 characters; a short
  link's mixed-case token of 20+ after a one-letter segment (``/s/<token>``). UUIDs and hex ids in REST
  paths (``/users/<uuid>``) stay. Webhook URLs (Slack, Discord) and
  Telegram's ``/bot<id>:<token>/`` are in the token table (:mod:`framecap.secrets`).
"""

from __future__ import annotations

import re
from typing import Callable
from urllib.parse import unquote

from .names import NONE, STRONG, WEAK
from .shapes import credential_shaped, generated_token, random_length

__all__ = ["QUERY_NAMES", "query_spans", "url_spans"]

Span = tuple[int, int, str]

_AUTHORITY = re.compile(r"://(?P<user>[^\s:/@?#'\"]*):(?P<secret>[^\s/'\"]+)@(?=[A-Za-z0-9\[])")
_NETLOC = re.compile(
    r"(?<![\w.:/@%+\-])(?P<user>[A-Za-z0-9._%+\-]{1,64}):(?P<secret>[^\s:/@?#'\"]{1,200})"
    r"@(?=[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9\-]+)*(?:[:/?#'\"\s,)\]}]|\Z))"
)
_NOT_USERS = frozenset({"mailto", "sip", "sips", "tel", "xmpp", "news", "urn"})
_PORT = re.compile(r"nonnumeric port: '(?P<secret>[^'@\s]+)@")
_PARAM = re.compile(r"(?:(?<=[?&;#])|\A)(?P<key>[^=&#\s'\"?;]{1,64})=(?P<secret>[^&#\s'\"]*)")
_ONE_TIME = re.compile(
    r"/[\w\-]*(?:reset|verify|verification|confirm|activat|magic|invit|unsub|token|signin|login|auth|"
    r"recover|onboard|share|password|passwd|hooks?|download|claim|redeem|accept|approve|join|secret)[\w\-]*"
    r"(?:/[^/?#\s'\"]{1,40}){0,2}?/(?P<secret>[A-Za-z0-9_\-.~%:=]{16,})(?=[/?#'\"\s]|\Z)"
    # a short link's one-letter segment (``/s/<token>``, ``/d/<token>``: shared files and drops)
    r"|/[sdfilpt]/(?P<short>[A-Za-z0-9_\-]{20,})(?=[/?#'\"\s]|\Z)"
)
_ONE_TIME_HINT = re.compile(
    "reset|verif|confirm|activat|magic|invit|unsub|token|signin|login|auth|recover|onboard|share|passw|hook"
    "|download|claim|redeem|accept|approve|join|secret|/[sdfilpt]/"
)
#: A token used as the user name of a URL, without a password (``https://<token>@github.com/...``).
_USER_TOKEN = re.compile(r"://(?P<secret>[A-Za-z0-9_\-.~]{16,})@(?=[A-Za-z0-9\[])")
_PUBLIC_KEY_HOST = re.compile(r"@[\w.\-]*(?:sentry|ingest)")  # a Sentry DSN's user is its public key
#: A percent-encoded query inside a value (``next=https%3A%2F%2Fapp%2Fcb%3Faccess_token%3D...``).
_ENCODED_QUERY = re.compile(r"%3[Ff](?P<query>[^\s'\"&]*%3[Dd][^\s'\"&]*)")
_PATH_PARAM = re.compile(r";(?:jsessionid|sid|phpsessid)=(?P<secret>[^/?#&;\s'\"]+)", re.IGNORECASE)
#: A bare query string or form body (``a=1&code=...``), possibly a repr (``'a=1&b=2'``, ``b'a=1'``).
_QUERY_RUN = re.compile(r"(?<![^\s'\"(\[{:,=])(?P<body>[\w.\-%\[\]]+=[^&\s'\"]*(?:&[\w.\-%\[\]]+=[^&\s'\"]*)+)")
_QUERY_START = re.compile(r"\?|#(?=[\w.\-]{1,64}=)")
_ENCODED = re.compile(r"%(?:3[FfDd]|26|2[Ff])")
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
    "appkey": STRONG,
    "app_key": STRONG,
    "licensekey": STRONG,
    "license_key": STRONG,
    "invite": WEAK,
    "invite_code": STRONG,
}


def url_spans(text: str, tier: Callable[[str], int], query: bool = False) -> list[Span]:
    """Spans of ``text`` the URL rules find (``query``: the text is a bare query string)."""
    spans: list[Span] = []
    if "@" in text:
        if "://" in text:
            for match in _AUTHORITY.finditer(text):
                spans.append((match.start("secret"), match.end("secret"), "url-credentials"))
            for match in _USER_TOKEN.finditer(text):
                if random_length(match.group("secret")) >= 12 and not _PUBLIC_KEY_HOST.match(text, match.end() - 1):
                    spans.append((match.start("secret"), match.end("secret"), "url-credentials"))
        for match in _NETLOC.finditer(text):
            if match.group("user").lower() not in _NOT_USERS and not match.group("secret").isdigit():
                spans.append((match.start("secret"), match.end("secret"), "url-credentials"))
        if "nonnumeric port" in text:
            for match in _PORT.finditer(text):
                spans.append((match.start("secret"), match.end("secret"), "url-credentials"))
    if "=" in text and (query or "?" in text or "#" in text):
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
            elif len(value) >= 64 and "%" not in value and random_length(value) >= 48 and credential_shaped(value):
                # an opaque blob of 48+ random characters under any name: a tracking link's encrypted
                # payload (SendGrid's ``upn=``), a signed state; ids and cursors are shorter or structured
                spans.append((match.start("secret"), match.end("secret"), "url-parameter~"))
            elif "%" in value and _ENCODED.search(value) and url_spans(unquote(value), tier):
                spans.append((match.start("secret"), match.end("secret"), "url-parameter"))  # a nested URL
    if "%3" in text:
        for match in _ENCODED_QUERY.finditer(text):
            if url_spans(unquote(match.group("query")), tier, query=True):
                spans.append((match.start("query"), match.end("query"), "url-parameter"))
    if ";" in text and "=" in text:
        spans += [(m.start("secret"), m.end("secret"), "url-parameter") for m in _PATH_PARAM.finditer(text)]
    if "/" in text and len(text) > 20 and _ONE_TIME_HINT.search(text.lower()):
        for match in _ONE_TIME.finditer(text):
            group = "secret" if match.group("secret") is not None else "short"
            secret = match.group(group)
            if group == "short":
                if generated_token(secret):  # a short link's token mixes cases (a slug or a hex id is no secret)
                    spans.append((match.start(group), match.end(group), "url-path-token~"))
            elif (
                (credential_shaped(secret) or generated_token(secret))
                and any(c.isdigit() for c in secret)
                and not secret.isdigit()
            ):
                spans.append((match.start(group), match.end(group), "url-path-token~"))
    return spans


def query_spans(text: str, tier: Callable[[str], int], bare: bool = False) -> list[Span]:
    """Spans of bare query strings and form bodies in ``text`` (``grant_type=...&code=...``); ``bare``: the
    text is one by where it sits (``QUERY_STRING``, also as a repr ``b'...'``), even with one parameter."""
    if bare:
        start = (2 if text[:1] in "bu" else 1) if text[:1] in "bu'\"" and text[-1:] in "'\"" else 0
        body = text[start : len(text) - 1] if start else text
        return [(a + start, b + start, rule) for a, b, rule in url_spans(body, tier, query=True)]
    found: list[Span] = []
    for match in _QUERY_RUN.finditer(text):
        start = match.start("body")
        found += [(a + start, b + start, rule) for a, b, rule in url_spans(match.group("body"), tier, query=True)]
    return found


def _params_after_question_marks(text: str):  # type: ignore[no-untyped-def]
    """Parameters of every query in free text: from each ``?`` (or a fragment's ``#name=``) to the next
    whitespace or quote."""
    start = _QUERY_START.search(text)
    while start is not None:
        end = start.end()
        while end < len(text) and text[end] not in " \t\r\n'\"<>)]}`":
            end += 1
        yield from _PARAM.finditer(text, start.end(), end)
        start = _QUERY_START.search(text, end)
