"""``FramecapASGIMiddleware(app)``: capture exceptions escaping an ASGI app (Starlette, FastAPI), with the request.

Works like the WSGI middleware: one scope per HTTP request (its tasks see it too), the body
tee'd from ``receive`` as the app reads it, bounded by the body limit; errors are captured
(mechanism ``asgi``, unhandled) and re-raised. A body the app never asked for is noted as unread.
"""

from __future__ import annotations

from collections.abc import Awaitable, MutableMapping
from typing import Any, Callable
from urllib.parse import quote

from ..client import Client
from ..request import RawRequest, join_path
from ..scope import isolated
from . import body_keep_limit, breadcrumb_limit, client_for

__all__ = ["FramecapASGIMiddleware"]

Message = MutableMapping[str, Any]


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _path(scope: dict[str, Any]) -> str:
    """The full path. Servers following the current ASGI spec put the root path inside ``path`` already."""
    root, path = str(scope.get("root_path") or ""), str(scope.get("path") or "")
    if root and (path == root or path.startswith(root.rstrip("/") + "/")):
        return path or "/"
    return join_path(root, path)


def _raw_request(scope: dict[str, Any]) -> RawRequest:
    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope.get("headers") or []]
    scheme = str(scope.get("scheme") or "http")
    host = next((v for k, v in headers if k.lower() == "host"), None)
    server = scope.get("server")
    if host is None and server:
        host = str(server[0]) if server[1] in (None, _DEFAULT_PORTS.get(scheme)) else f"{server[0]}:{server[1]}"
    path = quote(_path(scope), safe="/%;:@&=+$,!~*'()")
    client = scope.get("client")
    env = {"SERVER_NAME": str(server[0]), "SERVER_PORT": str(server[1])} if server else {}
    return RawRequest(
        method=scope.get("method", "GET"),
        url=f"{scheme}://{host or 'localhost'}{path}",
        query_string=(scope.get("query_string") or b"").decode("latin-1"),
        headers=headers,
        remote_addr=client[0] if client else None,
        env=env,
    )


class FramecapASGIMiddleware:
    """Wrap an ASGI 3 application: ``app = FramecapASGIMiddleware(app)``.

    ``client``: report to this client instead of the global one (looked up at each request).
    """

    def __init__(self, app: Callable[..., Awaitable[None]], client: Client | None = None) -> None:
        self.app = app
        self.client = client

    async def __call__(
        self,
        scope: dict[str, Any],
        receive: Callable[[], Awaitable[Message]],
        send: Callable[[Message], Awaitable[None]],
    ) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        client = client_for(self.client)
        raw = _raw_request(scope)
        keep = body_keep_limit(client)

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

        with isolated(raw, breadcrumb_limit(client)):
            try:
                await self.app(scope, tee_receive, send)
            except Exception as error:
                if client is not None:
                    client.capture(error, {"type": "asgi", "handled": False})
                raise
