"""``FramecapASGIMiddleware(app)``: capture exceptions escaping an ASGI app (Starlette, FastAPI), with the request.

Works like the WSGI middleware: one scope per HTTP request (its tasks see it too), the body
tee'd from ``receive`` as the app reads it, bounded by the body limit; errors are captured
(mechanism ``asgi``, unhandled) and re-raised.
"""

from __future__ import annotations

from collections.abc import Awaitable, MutableMapping
from typing import Any, Callable
from urllib.parse import quote

from ..client import get_current
from ..request import RawRequest
from ..scope import isolated
from . import body_keep_limit

__all__ = ["FramecapASGIMiddleware"]

Message = MutableMapping[str, Any]


def _raw_request(scope: dict[str, Any]) -> RawRequest:
    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope.get("headers") or []]
    host = next((v for k, v in headers if k.lower() == "host"), None)
    if host is None and scope.get("server"):
        host = f"{scope['server'][0]}:{scope['server'][1]}"
    path = quote(scope.get("root_path", "") + scope.get("path", ""), safe="/%;:@&=+$,!~*'()")
    client = scope.get("client")
    env = (
        {"SERVER_NAME": str(scope["server"][0]), "SERVER_PORT": str(scope["server"][1])} if scope.get("server") else {}
    )
    return RawRequest(
        method=scope.get("method", "GET"),
        url=f"{scope.get('scheme', 'http')}://{host or 'localhost'}{path}",
        query_string=(scope.get("query_string") or b"").decode("latin-1"),
        headers=headers,
        remote_addr=client[0] if client else None,
        env=env,
    )


class FramecapASGIMiddleware:
    """Wrap an ASGI 3 application: ``app = FramecapASGIMiddleware(app)``."""

    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self.app = app

    async def __call__(
        self,
        scope: dict[str, Any],
        receive: Callable[[], Awaitable[Message]],
        send: Callable[[Message], Awaitable[None]],
    ) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        raw = _raw_request(scope)
        keep = body_keep_limit()

        async def tee_receive() -> Message:
            message = await receive()
            if message.get("type") == "http.request":
                body = message.get("body") or b""
                if len(raw.body) < keep:
                    raw.body += body[: keep - len(raw.body)]
                raw.body_size += len(body)
                if not message.get("more_body", False):
                    raw.body_complete = True
            return message

        with isolated(raw):
            try:
                await self.app(scope, tee_receive, send)
            except Exception as error:
                client = get_current()
                if client is not None:
                    client.capture(error, {"type": "asgi", "handled": False})
                raise
