"""Sentry DSNs: ``http[s]://PUBLIC_KEY[:SECRET]@HOST[:PORT]/[PATH/]PROJECT_ID``.

A malformed DSN is a ConfigError that says which part is wrong and never echoes a secret key.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import urllib.parse
from dataclasses import dataclass, field

from .errors import ConfigError

__all__ = ["Dsn", "parse_dsn"]

_HOST = re.compile(r"[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?")
_SEGMENT = re.compile(r"[A-Za-z0-9._~-]+")


def _ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Dsn:
    """A parsed DSN; neither ``str()`` nor ``repr()`` shows the secret key."""

    scheme: str
    public_key: str
    secret_key: str | None = field(repr=False)
    host: str
    port: int
    path: str  # "" or "/prefix" (no trailing slash)
    project_id: str

    @property
    def envelope_url(self) -> str:
        return f"{self.scheme}://{self.netloc}{self.path}/api/{self.project_id}/envelope/"

    @property
    def netloc(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"

    @property
    def key(self) -> str:
        """A short stable id for this DSN (the spool directory's name); no key material in clear."""
        return hashlib.sha256(
            f"{self.scheme}://{self.public_key}@{self.netloc}{self.path}/{self.project_id}".encode()
        ).hexdigest()[:16]

    def __str__(self) -> str:
        return f"{self.scheme}://{self.public_key}@{self.netloc}{self.path}/{self.project_id}"


def _bad(part: str, shown: str, allowed: str, source: str | None) -> ConfigError:
    where = "option 'dsn'" + (f" (from environment variable {source})" if source else "")
    return ConfigError(
        f"framecap: {where} has a bad {part}: {shown}; allowed: {allowed}. "
        "A DSN looks like https://PUBLIC_KEY@HOST[:PORT]/[PATH/]PROJECT_ID"
    )


def parse_dsn(value: str, source: str | None = None) -> Dsn:
    """Parse and check every part; the error names the part and shows the DSN without its secret."""
    try:
        parts = urllib.parse.urlsplit(value.strip())
    except ValueError:
        raise _bad("format", "(unparsable)", "a URL", source) from None
    secret = parts.password
    shown = value.strip()
    if secret:
        shown = shown.replace(f":{secret}@", ":***@", 1)
    shown = re.sub(r"(//[^:/@\s]+:)[^@\s]*@", r"\1***@", shown)  # any other key:secret@ (a second DSN run in)
    if parts.scheme not in ("http", "https"):
        raise _bad("scheme", repr(parts.scheme or shown), "'http' or 'https'", source)
    if "://" in value.strip().split("://", 1)[1]:  # a scheme inside: two DSNs run together, a host written as a URL
        part = "host" if parts.path.startswith("//") else "path"
        raise _bad(part, shown, "one URL, with no second 'scheme://' in it", source)
    if not parts.username:
        raise _bad("public key", shown, "a key before '@' (the project's client key)", source)
    if not parts.username.replace("-", "").isalnum():
        raise _bad("public key", "(not shown)", "letters and digits", source)
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        raise _bad("port", shown, "a number from 1 to 65535", source) from None
    if not host:
        raise _bad("host", shown, "a host name or address after '@'", source)
    if not (_HOST.fullmatch(host) or _ip(host)):
        raise _bad("host", shown, "a host name (letters, digits, '-', '_', '.') or an IP address", source)
    if parts.netloc.endswith(":"):
        raise _bad("port", shown, "a number from 1 to 65535 after ':'", source)
    if any(c.isspace() for c in value.strip()):
        raise _bad("format", shown, "no spaces (is it two values run together?)", source)
    path, _, project = parts.path.rstrip("/").rpartition("/")
    if not project:
        raise _bad("project id", shown, "the last path segment, e.g. /42", source)
    if not project.isdigit():
        raise _bad("project id", repr(project), "digits, as the last path segment", source)
    if path and not all(_SEGMENT.fullmatch(segment) for segment in path[1:].split("/")):
        raise _bad("path", shown, "path segments of letters, digits, '-', '_', '.', '~' (one DSN, not two)", source)
    if parts.query or parts.fragment:
        raise _bad("suffix", shown, "no query string or fragment", source)
    return Dsn(
        parts.scheme,
        parts.username,
        secret or None,
        host,
        port or (443 if parts.scheme == "https" else 80),
        path,
        project,
    )
