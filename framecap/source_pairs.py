"""What makes a literal in source a secret when no name owns it: the call it is passed to, the login it is
paired with, the comment it is written in.

- :data:`SECRET_CALLS`: calls whose positional argument at an index is a secret (``hmac.compare_digest``,
  ``jwt.encode(payload, "...")``, ``pyotp.TOTP("...")``), also when the call spans lines;
- :func:`login_pair`: ``("admin", "...")`` in a list of pairs, ``{"admin": "..."}``: a user name and a
  credential-shaped string, when the user name is an account's (``admin``, ``root``...) or the display is
  assigned to a name about users or logins (``USERS``, ``BASIC_AUTH_USERS``, ``LOGINS``);
- :func:`comment_logins`: ``# admin / <password>``, ``# root: <password>`` in a comment;
- :func:`random_argument`: a generated token passed positionally after a call's first argument, or alone
  on a line of a call spanning lines (no name owns it; its shape says what it is).

``toks`` are the tokens of ``line`` (:class:`framecap.source_scrub.Tok`: ``kind``, ``start``, ``end``).

A credential-shaped value (:func:`framecap.shapes.credential_shaped`) is required in each case: choices
(``("draft", "Draft")``), architectures, roles and email addresses stay.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from .names import name_words
from .shapes import credential_shaped, generated_token

__all__ = [
    "LOGIN_HINT",
    "SECRET_CALLS",
    "comment_logins",
    "literal_content",
    "login_pair",
    "random_argument",
    "secret_argument",
]

#: Calls whose argument at an index (None: any) is a secret: the stdlib's and well-known libraries' APIs.
SECRET_CALLS: dict[str, int | None] = {
    "compare_digest": None,
    "hmac.new": 0,
    "jwt.encode": 1,
    "jwt.decode": 1,
    "pyotp.TOTP": 0,
    "pyotp.HOTP": 0,
    "TOTP": 0,
    "HOTP": 0,
    "Fernet": 0,
    "login": 1,  # smtplib, ftplib, imaplib, paramiko, test clients: login(user, password)
}

#: User names of accounts that come with a password (defaults, service accounts, a team's shared logins).
ACCOUNTS = frozenset(
    str.split(
        "admin administrator root superuser postgres mysql deploy deployer ops operator guest svc sysadmin webmaster "
        "ubuntu pi oracle elastic kibana grafana rabbitmq jenkins"
    )
)
_LOGIN_OWNER = frozenset(str.split("user login logins account credential cred auth admin basic htpasswd"))
_COMMENT = re.compile(
    r"(?i)\b(?:(?:user(?:name)?|login)\s*[:=]?\s*)?(?P<user>" + "|".join(sorted(ACCOUNTS)) + r")"
    r"\s*(?:/|:|\s-\s)\s*(?P<secret>[^\s,;()\"'`]+)"
)


#: Whether a line may hold a login pair or a secret-taking call (a cheap test before lexing it).
LOGIN_HINT = re.compile(
    r"(?i)compare_digest|hmac|jwt|totp|hotp|fernet|setattr|login|[\"']\s*[,:]\s*[rbu]{0,2}[\"']"
    r"|#.*\b(?:" + "|".join(sorted(ACCOUNTS)) + r")\s*[/:-]"
)


def login_pair(user: str, value: str, owner: str | None) -> bool:
    """Whether ``value``, paired with ``user`` in a display assigned to ``owner``, is that user's password."""
    if not credential_shaped(value):
        return False
    if user.lower() in ACCOUNTS:
        return True
    return owner is not None and any(w.rstrip("s") in _LOGIN_OWNER or w in _LOGIN_OWNER for w in name_words(owner))


def comment_logins(comment: str) -> list[tuple[int, int, str]]:
    """Spans of the passwords in a comment's ``<user> / <password>`` pairs."""
    out = []
    for match in _COMMENT.finditer(comment):
        if credential_shaped(match.group("secret")):
            out.append((match.start("secret"), match.end("secret"), "source-name"))
    return out


def literal_content(text: str) -> tuple[int, int]:
    """Offsets of a string literal's content inside its token (prefix and quotes excluded)."""
    start = 0
    while start < len(text) and text[start] not in "'\"":
        start += 1
    quote = text[start : start + 3] if text[start : start + 3] in ("'''", '"""') else text[start : start + 1]
    end = len(text) - len(quote) if len(text) >= start + 2 * len(quote) and text.endswith(quote) else len(text)
    return start + len(quote), max(end, start + len(quote))


def secret_argument(line: str, toks: Sequence[Any], i: int, index: int) -> bool:
    """Whether the literal at ``i`` is a positional argument of a call in :data:`SECRET_CALLS`."""
    depth = 0
    for k in range(i - 1, -1, -1):
        text = line[toks[k].start : toks[k].end]
        if toks[k].kind != "op":
            continue
        if text in ")]}":
            depth += 1
        elif text in "([{":
            if depth:
                depth -= 1
                continue
            if text != "(" or k == 0 or toks[k - 1].kind != "name":
                return False
            name = line[toks[k - 1].start : toks[k - 1].end]
            if k >= 3 and line[toks[k - 2].start : toks[k - 2].end] == "." and toks[k - 3].kind == "name":
                dotted = line[toks[k - 3].start : toks[k - 3].end] + "." + name
                if dotted in SECRET_CALLS:
                    name = dotted
            wanted = SECRET_CALLS.get(name, -1)
            return wanted is None or wanted == index
    return False


def random_argument(line: str, toks: Sequence[Any], i: int, depth: int, call: bool, items: int) -> bool:
    """A generated token (:func:`framecap.shapes.generated_token`) passed positionally after the first argument
    of a call (``client.connect("host", "...")``), or alone on a line of a call or display spanning lines
    (``    "...",``): no name owns it, its shape says what it is."""
    after = line[toks[i + 1].start : toks[i + 1].end] if i + 1 < len(toks) else ""
    if depth > 1:  # inside brackets: a call's argument after its first
        if not (call and items >= 1 and after in (",", ")")):
            return False
    elif not (i == 0 and after in (",", ")", "") and len(toks) <= i + 3):
        return False
    a, b = literal_content(line[toks[i].start : toks[i].end])
    return generated_token(line[toks[i].start + a : toks[i].start + b])
