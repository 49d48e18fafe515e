"""What makes a literal in source a secret when no name owns it: the call it is passed to, the login it is
paired with, the comment it is written in.

- :data:`SECRET_CALLS`: calls whose positional argument at an index is a secret (``hmac.compare_digest``,
  ``jwt.encode(payload, "...")``, ``pyotp.TOTP("...")``), also when the call spans lines;
- :func:`login_pair`: ``("admin", "...")`` in a list of pairs, ``{"admin": "..."}``: a user name and a
  credential-shaped string, when the user name is an account's (``admin``, ``root``...) or the display is
  assigned to a name about users or logins (``USERS``, ``BASIC_AUTH_USERS``, ``LOGINS``);
- :func:`comment_logins`: ``# admin / <password>``, ``# root: <password>`` in a comment.

A credential-shaped value (:func:`framecap.shapes.credential_shaped`) is required in each case: choices
(``("draft", "Draft")``), architectures, roles and email addresses stay.
"""

from __future__ import annotations

import re

from .names import name_words
from .shapes import credential_shaped

__all__ = ["LOGIN_HINT", "SECRET_CALLS", "comment_logins", "login_pair"]

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
