"""Django: add ``"framecap.integrations.django.FramecapMiddleware"`` to ``MIDDLEWARE`` (first is best).

Each request runs in its own scope carrying the request (through the request policy); a view's
unhandled exception is captured (mechanism ``django``, unhandled) before Django turns it into a
500 response, and so is an exception raised while a ``StreamingHttpResponse`` streams its content
(sync or async), in the request's scope. With ``send_default_pii=True`` the authenticated user
(id, username, email) is added. Django reads request bodies from its own stream; at each capture
framecap uses what Django has read or parsed by then (``request.body`` or ``request.POST``), never
reading on the application's behalf.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, Callable

from ..client import Client
from ..request import RawRequest
from ..scope import Scope, activated, current, isolated
from . import body_keep_limit, breadcrumb_limit, client_for
from .wsgi import raw_request

__all__ = ["FramecapMiddleware"]

_MECHANISM = {"type": "django", "handled": False}


def _raw_request(request: Any, client: Client | None) -> RawRequest:
    raw = raw_request(request.META)  # Django's META is the WSGI environ
    try:
        raw.url = request.build_absolute_uri(request.path)  # Django's own view of host and script prefix
    except Exception:
        raw.url = str(request.path)
    raw.method = request.method or raw.method
    keep = body_keep_limit(client)
    raw.update = lambda into: _fill_body(into, request, keep)
    return raw


def _fill_body(raw: RawRequest, request: Any, keep: int) -> None:
    """What Django has read so far: the raw body, else the parsed form (files left out)."""
    state = request.__dict__
    body = state.get("_body")
    if isinstance(body, bytes):
        raw.body, raw.body_size, raw.body_complete, raw.form = body[:keep], len(body), True, None
        return
    post = state.get("_post")
    if post is not None and hasattr(post, "lists"):
        raw.form = {key: values[0] if len(values) == 1 else values for key, values in post.lists()}
        for name in state.get("_files") or ():
            raw.form[name] = ""
        return
    # Neither: Django never read the body (noted as unread), or the view read the stream itself (unknown).
    raw.body_tracked = not state.get("_read_started", False)


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


def _capture(client: Client | None, request: Any, error: BaseException) -> None:
    if client is None:
        return
    if client.options.send_default_pii:
        user = _user(request)
        if user:
            current().integration_user = user
    client.capture(error, dict(_MECHANISM))


def _watch_streaming(response: Any, scope: Scope, client: Client | None, request: Any) -> None:
    """Re-wrap a streaming response's content so an error while it streams is captured in the request's scope."""
    content = response.streaming_content  # Django's own iterator over the content, bytes already made

    def stream() -> Iterator[bytes]:
        iterator = iter(content)
        while True:
            with activated(scope):
                try:
                    chunk = next(iterator)
                except StopIteration:
                    return
                except Exception as error:
                    _capture(client, request, error)
                    raise
            yield chunk

    async def astream() -> AsyncIterator[bytes]:
        iterator = content.__aiter__()
        while True:
            with activated(scope):
                try:
                    chunk = await iterator.__anext__()
                except StopAsyncIteration:
                    return
                except Exception as error:
                    _capture(client, request, error)
                    raise
            yield chunk

    response.streaming_content = astream() if getattr(response, "is_async", False) else stream()


class FramecapMiddleware:
    """New-style Django middleware.

    It reports to the global client; to use another, subclass it and set ``client`` (Django
    builds middleware from its dotted path, with no other arguments).
    """

    client: Client | None = None

    def __init__(self, get_response: Callable[[Any], Any], client: Client | None = None) -> None:
        self.get_response = get_response
        if client is not None:
            self.client = client

    def __call__(self, request: Any) -> Any:
        client = client_for(self.client)
        with isolated(_raw_request(request, client), breadcrumb_limit(client)) as scope:
            response = self.get_response(request)
        try:
            # A FileResponse is left alone: the server may send its file with wsgi.file_wrapper (sendfile).
            if getattr(response, "streaming", False) and getattr(response, "file_to_stream", None) is None:
                _watch_streaming(response, scope, client, request)
        except Exception:
            pass  # the response goes out as Django made it
        return response

    def process_exception(self, request: Any, exception: BaseException) -> None:
        _capture(client_for(self.client), request, exception)
        return None  # let Django (and other middleware) handle the response
