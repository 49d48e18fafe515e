"""Django: add ``"framecap.integrations.django.FramecapMiddleware"`` to ``MIDDLEWARE`` (first is best).

Each request runs in its own scope carrying the request (through the request policy); a view's
unhandled exception is captured (mechanism ``django``, unhandled) before Django turns it into a
500 response. With ``send_default_pii=True`` the authenticated user (id, username, email) is added.
Django reads request bodies from its own stream; framecap uses what Django has already read or
parsed (``request.body`` or ``request.POST``), never reading on the application's behalf.
"""

from __future__ import annotations

from typing import Any, Callable

from ..client import get_current
from ..request import RawRequest
from ..scope import current, isolated
from . import body_keep_limit
from .wsgi import raw_request

__all__ = ["FramecapMiddleware"]


def _raw_request(request: Any) -> RawRequest:
    raw = raw_request(request.META)  # Django's META is the WSGI environ
    try:
        raw.url = request.build_absolute_uri(request.path)  # Django's own view of host and script prefix
    except Exception:
        raw.url = str(request.path)
    raw.method = request.method or raw.method
    return raw


def _fill_body(raw: RawRequest, request: Any) -> None:
    """What Django already read: the raw body, else the parsed form (files left out)."""
    body = request.__dict__.get("_body")
    if isinstance(body, bytes):
        raw.body, raw.body_size, raw.body_complete = body[: body_keep_limit()], len(body), True
        return
    post = request.__dict__.get("_post")
    if post is not None:
        raw.form = {key: values[0] if len(values) == 1 else values for key, values in post.lists()}
        if request.__dict__.get("_files"):
            for name in request._files:
                raw.form[name] = ""


def _user(request: Any) -> dict[str, Any] | None:
    try:
        user = request.__dict__.get("user") or getattr(request, "user", None)
        if user is None or not getattr(user, "is_authenticated", False):
            return None
        found: dict[str, Any] = {"id": str(user.pk)}
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
