"""Django: add ``"framecap.integrations.django.FramecapMiddleware"`` to ``MIDDLEWARE`` (first is best).

Each request runs in its own scope carrying the request (through the request policy); a view's
unhandled exception is captured (mechanism ``django``, unhandled) before Django turns it into a
500 response. With ``send_default_pii=True`` the authenticated user (id, username, email) is added.
Django reads request bodies from its own stream; framecap uses what Django has already read or
parsed (``request.body`` or ``request.POST``), never reading on the application's behalf.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple

from ..client import get_current
from ..request import RawRequest
from ..scope import current, isolated

__all__ = ["FramecapMiddleware"]


def _raw_request(request: Any) -> RawRequest:
    meta = request.META
    headers: List[Tuple[str, str]] = []
    for key, value in meta.items():
        if key.startswith("HTTP_"):
            headers.append((key[5:].replace("_", "-").title(), str(value)))
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            headers.append((key.replace("_", "-").title(), str(value)))
    try:
        url = request.build_absolute_uri(request.path)
    except Exception:
        url = str(request.path)
    env: Dict[str, str] = {k: str(meta[k]) for k in ("SERVER_NAME", "SERVER_PORT") if k in meta}
    return RawRequest(method=request.method or "GET", url=url, query_string=str(meta.get("QUERY_STRING", "")),
                      headers=headers, remote_addr=meta.get("REMOTE_ADDR"), env=env)


def _fill_body(raw: RawRequest, request: Any) -> None:
    """What Django already read: the raw body, else the parsed form (files left out)."""
    body = request.__dict__.get("_body")
    if isinstance(body, bytes):
        raw.body, raw.body_size, raw.body_complete = body[:1_000_001], len(body), True
        return
    post = request.__dict__.get("_post")
    if post is not None:
        raw.form = {key: values[0] if len(values) == 1 else values for key, values in post.lists()}
        if request.__dict__.get("_files"):
            for name in request._files:
                raw.form[name] = ""


def _user(request: Any) -> Optional[Dict[str, Any]]:
    try:
        user = request.__dict__.get("user") or getattr(request, "user", None)
        if user is None or not getattr(user, "is_authenticated", False):
            return None
        found: Dict[str, Any] = {"id": str(user.pk)}
        username = user.get_username() if hasattr(user, "get_username") else None
        if username:
            found["username"] = str(username)
        email = getattr(user, "email", None)
        if email:
            found["email"] = str(email)
        return found
    except Exception:
        return None


class FramecapMiddleware:
    """New-style Django middleware."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        raw = _raw_request(request)
        request._framecap_raw = raw
        with isolated(raw):
            return self.get_response(request)

    def process_exception(self, request: Any, exception: BaseException) -> None:
        client = get_current()
        if client is None:
            return None
        raw = getattr(request, "_framecap_raw", None)
        if raw is not None:
            _fill_body(raw, request)
        if client.options.send_default_pii:
            user = _user(request)
            if user:
                current().integration_user = user
        client.capture(exception, {"type": "django", "handled": False})
        return None  # let Django (and other middleware) handle the response
