"""The request policy: what of an HTTP request goes into an event, per ``send_default_pii`` and body limits.

Integrations hand over a plain :class:`RawRequest`; :func:`request_data` decides. Without
``send_default_pii``: no headers, no cookies, no IP address. Always: URL (without query), method,
query string, and JSON or form bodies within ``max_request_body_size`` (raw bodies and uploaded
files never). Sensitive headers and cookies are ``[Filtered]`` even when PII is allowed.
``X-Forwarded-For``/``-Proto``/``-Host`` are believed only from a peer in ``trusted_proxies``.
"""

from __future__ import annotations

import ipaddress
import json
import re
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Callable

from ._types import FILTERED

__all__ = ["BODY_LIMITS", "RawRequest", "client_ip", "join_path", "parse_body", "public_url", "request_data"]

#: The ``_meta`` rule for a body the application did not read to the end (framecap never reads it).
UNREAD = "framecap:unread"
_DEFAULT_PORTS = {"http": "80", "https": "443"}
_HOST = re.compile(r"(?:[A-Za-z0-9_.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")
#: ``max_request_body_size`` values and the most bytes each sends (None: no limit of its own).
BODY_LIMITS: dict[str, int | None] = {"never": 0, "small": 1_000, "medium": 10_000, "always": None}
SENSITIVE_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
        "x-auth-token",
        "x-csrftoken",
        "x-csrf-token",
        "x-xsrf-token",
        "x-forwarded-for",
        "x-real-ip",
        "forwarded",
        "sec-websocket-protocol",  # browsers' only way to send a token on a WebSocket upgrade
    }
)
SENSITIVE_COOKIES = frozenset(
    {
        "sessionid",
        "csrftoken",
        "session",
        "phpsessid",
        "connect.sid",
        "_xsrf",
        "xsrf-token",
        "jsessionid",
        "asp.net_sessionid",
        "laravel_session",
        "_session_id",
        "remember_token",
    }
)


@dataclass
class RawRequest:
    """What an integration knows of the request being handled; only :func:`request_data` reads it."""

    method: str
    url: str  # without the query string
    query_string: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    remote_addr: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    body: bytes = b""  # the first bytes the application read (up to the limit, plus one)
    body_size: int = 0  # how many bytes the application read in all
    body_complete: bool = False  # whether it read to the end
    form: dict[str, Any] | None = None  # fields a framework already parsed (its own stream), files excluded
    body_tracked: bool = True  # False: the integration could not see what the application read
    #: Called before the policy reads the request: an integration copies in what its framework has read by now.
    update: Callable[[RawRequest], None] | None = field(default=None, repr=False, compare=False)

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)


def _note(reason: str, length: int | None = None) -> dict[str, Any]:
    note: dict[str, Any] = {"rem": [[reason, "x"]]}
    if length is not None:
        note["len"] = length
    return {"": note}


def _multipart(body: bytes, content_type: str) -> tuple[dict[str, Any], dict[str, Any]]:
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not match:
        raise ValueError("multipart body without a boundary")
    fields: dict[str, Any] = {}
    meta: dict[str, Any] = {}
    for part in body.split(b"--" + match.group(1).encode("latin-1"))[1:]:
        if part.startswith(b"--"):
            break
        head, _, content = part.lstrip(b"\r\n").partition(b"\r\n\r\n")
        disposition = next(
            (line for line in head.decode("latin-1").split("\r\n") if line.lower().startswith("content-disposition")),
            "",
        )
        name = re.search(r'\bname="([^"]*)"', disposition)
        if not name:
            continue
        content = content[:-2] if content.endswith(b"\r\n") else content
        if re.search(r"\bfilename\*?=", disposition):
            fields[name.group(1)] = ""  # an uploaded file: never sent
            meta[name.group(1)] = _note("!raw", len(content))
        else:
            fields[name.group(1)] = content.decode("utf-8", "replace")
    return fields, meta


def _declared_length(raw: RawRequest) -> int | None:
    """The body length the client announced (``Content-Length``), if any."""
    declared = (raw.header("content-length") or "").strip()
    return int(declared) if declared.isdigit() else None


def _has_body(raw: RawRequest) -> bool:
    declared = _declared_length(raw)
    if declared is not None:
        return declared > 0
    return "chunked" in (raw.header("transfer-encoding") or "").lower()


def parse_body(raw: RawRequest, limit: int | None) -> tuple[Any, dict[str, Any] | None]:
    """``(data, meta)`` for the body: parsed JSON or form fields, or None with a ``_meta`` note saying why.

    A body the application did not read (to the end) is never read on its behalf: it is noted as
    ``framecap:unread`` with the announced length.
    """
    size = raw.body_size
    if size == 0 and raw.form is not None:  # the framework parsed the form from its own stream
        size = _declared_length(raw) or 0
        if limit is not None and size > limit:
            return None, _note("!config", size)
        return dict(raw.form), None
    if size == 0:
        if raw.body_tracked and not raw.body_complete and _has_body(raw):
            return None, _note(UNREAD, _declared_length(raw))
        return None, None
    if limit is not None and size > limit:
        return None, _note("!config", size)
    content_type = raw.header("content-type") or ""
    mime = content_type.split(";")[0].strip().lower()  # the boundary parameter keeps its case
    try:
        if not raw.body_complete:  # the application stopped reading: we never read on its behalf
            return None, _note(UNREAD, _declared_length(raw) or size)
        if mime == "application/json" or (mime.startswith("application/") and mime.endswith("+json")):
            return json.loads(raw.body.decode("utf-8")), None
        if mime == "application/x-www-form-urlencoded":
            form: dict[str, Any] = {}
            for key, value in urllib.parse.parse_qsl(raw.body.decode("utf-8", "replace"), keep_blank_values=True):
                form.setdefault(key, []).append(value)
            return {k: v[0] if len(v) == 1 else v for k, v in form.items()}, None
        if mime == "multipart/form-data":
            fields, meta = _multipart(raw.body, content_type)
            return fields, meta or None
    except (ValueError, RecursionError):
        return None, _note("!raw", size)
    return None, _note("!raw", size)


def _networks(trusted_proxies: Sequence[str]) -> list[Any]:
    networks = []
    for item in trusted_proxies:
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            continue
    return networks


def _is_trusted(address: str | None, networks: list[Any]) -> bool:
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_ip(
    remote_addr: str | None, forwarded_for: str | None, real_ip: str | None, trusted_proxies: Sequence[str]
) -> str | None:
    """The user's address: the socket peer, unless that peer is a trusted proxy (then the nearest untrusted hop)."""
    networks = _networks(trusted_proxies)
    if not remote_addr or not _is_trusted(remote_addr, networks):
        return remote_addr or None
    hops = [h.strip() for h in (forwarded_for or "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, networks):
            return hop
    return (real_ip or "").strip() or (hops[0] if hops else remote_addr)


def join_path(script_name: str, path_info: str) -> str:
    """WSGI's ``SCRIPT_NAME`` + ``PATH_INFO`` (ASGI's ``root_path`` + ``path``) joined with exactly one ``/``."""
    if not path_info:
        return script_name or "/"
    return script_name.rstrip("/") + "/" + path_info.lstrip("/")


def _nearest(header: str | None) -> str:
    """The value the nearest proxy set: the last of a comma-separated list."""
    return (header or "").rsplit(",", 1)[-1].strip()


def public_url(raw: RawRequest, trusted_proxies: Sequence[str] = ()) -> str:
    """The URL as the client asked for it, without the scheme's default port.

    When the socket peer is a trusted proxy, its ``X-Forwarded-Proto`` (``http``/``https``) and
    ``X-Forwarded-Host`` replace the scheme and host the server saw.
    """
    scheme, sep, rest = raw.url.partition("://")
    if not sep:
        return raw.url
    host, slash, path = rest.partition("/")
    if trusted_proxies and _is_trusted(raw.remote_addr, _networks(trusted_proxies)):
        proto = _nearest(raw.header("x-forwarded-proto")).lower()
        if proto in _DEFAULT_PORTS:
            scheme = proto
        forwarded_host = _nearest(raw.header("x-forwarded-host"))
        if _HOST.fullmatch(forwarded_host):
            host = forwarded_host
    default = _DEFAULT_PORTS.get(scheme.lower())
    if default and host.endswith(":" + default):
        host = host[: -len(default) - 1]
    return f"{scheme}://{host}{slash}{path}"


def request_data(
    raw: RawRequest, send_default_pii: bool, body_limit: int | None, trusted_proxies: Sequence[str] = ()
) -> tuple[dict[str, Any], str | None, dict[str, Any]]:
    """``(event["request"], user IP or None, its _meta)`` under the policy."""
    if raw.update is not None:
        try:
            raw.update(raw)
        except Exception:
            raw.body_tracked = False  # what the framework read is unknown: say nothing of the body
    request: dict[str, Any] = {"url": public_url(raw, trusted_proxies), "method": raw.method}
    meta: dict[str, Any] = {}
    if raw.query_string:
        request["query_string"] = raw.query_string
    if send_default_pii:
        headers: dict[str, str] = {}
        for name, value in raw.headers:
            if name.lower() == "cookie":
                continue
            headers[name] = FILTERED if name.lower() in SENSITIVE_HEADERS else value
            if headers[name] == FILTERED:
                meta.setdefault("headers", {})[name] = {"": {"rem": [["framecap:header", "s", 0, len(FILTERED)]]}}
        request["headers"] = headers
        cookie_header = raw.header("cookie")
        if cookie_header:
            cookies = {}
            for pair in cookie_header.split(";"):
                name, _, value = pair.strip().partition("=")
                if name:
                    cookies[name] = FILTERED if name.lower() in SENSITIVE_COOKIES else value
                    if cookies[name] == FILTERED:
                        meta.setdefault("cookies", {})[name] = {
                            "": {"rem": [["framecap:cookie", "s", 0, len(FILTERED)]]}
                        }
            request["cookies"] = cookies
    data, data_meta = parse_body(raw, body_limit)
    if data is not None:
        request["data"] = data
    if data_meta:
        meta["data"] = data_meta
    env = {k: v for k, v in raw.env.items() if k in ("SERVER_NAME", "SERVER_PORT")}
    ip = None
    if send_default_pii:
        ip = client_ip(raw.remote_addr, raw.header("x-forwarded-for"), raw.header("x-real-ip"), trusted_proxies)
        if raw.remote_addr:
            env["REMOTE_ADDR"] = raw.remote_addr
    if env:
        request["env"] = env
    return request, ip, meta
