"""``FramecapWSGIMiddleware(app)``: capture exceptions escaping a WSGI app, with the request attached.

Every event captured while a request is handled (``capture_exception()`` inside the app too)
carries that request, through the request policy. The app reads its body unchanged; framecap keeps
a copy of at most the body limit (plus one byte) of what the app read, and never reads on its own.
Errors raised while the response is iterated (a streaming body) are captured too, in the request's
scope. A ``wsgi.file_wrapper`` response is returned as it is, so the server can still send the file
with ``sendfile``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Callable
from urllib.parse import quote

from ..client import Client
from ..request import RawRequest, join_path
from ..scope import Scope, activated, isolated
from . import body_keep_limit, breadcrumb_limit, client_for

__all__ = ["FramecapWSGIMiddleware", "is_file_response", "raw_request"]

_DEFAULT_PORTS = {"http": "80", "https": "443"}
_SAFE = "/%;:@&=+$,!~*'()"


class _TeeInput:
    """Wraps ``wsgi.input``: everything passes through; the first ``keep`` bytes are remembered."""

    def __init__(self, stream: Any, raw: RawRequest, keep: int, length: int | None) -> None:
        self._stream = stream
        self._raw = raw
        self._keep = keep
        self._length = length

    def _saw(self, data: bytes, at_end: bool = False) -> bytes:
        raw = self._raw
        if data and len(raw.body) < self._keep:
            raw.body += data[: self._keep - len(raw.body)]
        raw.body_size += len(data)
        if at_end or (self._length is not None and raw.body_size >= self._length):
            raw.body_complete = True
        return data

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            return self._saw(self._stream.read(), at_end=True)
        data = self._stream.read(size)
        return self._saw(data, at_end=size > 0 and len(data) < size)

    def read1(self, size: int = -1) -> bytes:
        reader = getattr(self._stream, "read1", self._stream.read)
        data = reader(size)
        return self._saw(data, at_end=not data and size != 0)

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        count = self._stream.readinto(view) if hasattr(self._stream, "readinto") else None
        if count is None:  # a stream without readinto: read and copy
            data = self._stream.read(len(view))
            count = len(data)
            view[:count] = data
        self._saw(bytes(view[:count]), at_end=count == 0 and len(view) > 0)
        return count

    def readline(self, *args: Any) -> bytes:
        line = self._stream.readline(*args)
        return self._saw(line, at_end=not line)

    def readlines(self, *args: Any) -> list[bytes]:
        lines: list[bytes] = self._stream.readlines(*args)
        for line in lines:
            self._saw(line)
        if not args:
            self._saw(b"", at_end=True)
        return lines

    def __iter__(self) -> Iterator[bytes]:
        for line in self._stream:
            yield self._saw(line)
        self._saw(b"", at_end=True)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def raw_request(environ: dict[str, Any]) -> RawRequest:
    """What a WSGI environ says of its request (headers, URL without the query, peer, server)."""
    scheme = str(environ.get("wsgi.url_scheme", "http"))
    host = environ.get("HTTP_HOST")
    if not host:  # the server's own name; its port only when it is not the scheme's default
        host = str(environ.get("SERVER_NAME") or "localhost")
        port = str(environ.get("SERVER_PORT") or "")
        if port and port != _DEFAULT_PORTS.get(scheme):
            host = f"{host}:{port}"
    # WSGI hands over the path's raw bytes as latin-1 characters: quote those bytes (UTF-8 stays
    # UTF-8). A server that breaks the rule and passes other characters gets them quoted as UTF-8.
    path = join_path(str(environ.get("SCRIPT_NAME", "")), str(environ.get("PATH_INFO", "")))
    try:
        quoted = quote(path.encode("latin-1"), safe=_SAFE)
    except UnicodeEncodeError:
        quoted = quote(path, safe=_SAFE)
    headers: list[tuple[str, str]] = []
    for key, value in environ.items():
        if not isinstance(key, str):
            continue
        if key.startswith("HTTP_") and key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
            headers.append((key[5:].replace("_", "-").title(), str(value)))
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            headers.append((key.replace("_", "-").title(), str(value)))
    env: dict[str, str] = {k: str(environ[k]) for k in ("SERVER_NAME", "SERVER_PORT") if k in environ}
    return RawRequest(
        method=str(environ.get("REQUEST_METHOD", "GET")),
        url=f"{scheme}://{host}{quoted}",
        query_string=str(environ.get("QUERY_STRING", "")),
        headers=headers,
        remote_addr=environ.get("REMOTE_ADDR"),
        env=env,
    )


def is_file_response(result: Any, environ: dict[str, Any]) -> bool:
    """Whether ``result`` came from the server's ``wsgi.file_wrapper`` (which the server recognises to use sendfile).

    Servers recognise their wrapper by type (wsgiref, gunicorn) or, like uWSGI, by a ``fileno``.
    """
    wrapper = environ.get("wsgi.file_wrapper")
    if wrapper is None:
        return False
    if isinstance(wrapper, type) and isinstance(result, wrapper):
        return True
    return getattr(result, "fileno", None) is not None


class FramecapWSGIMiddleware:
    """Wrap a WSGI application: ``app = FramecapWSGIMiddleware(app)``.

    ``client``: report to this client instead of the global one (looked up at each request).
    """

    def __init__(self, app: Callable[..., Iterable[bytes]], client: Client | None = None) -> None:
        self.app = app
        self.client = client

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        client = client_for(self.client)
        raw = raw_request(environ)
        try:
            length: int | None = int(environ.get("CONTENT_LENGTH") or "")
        except ValueError:
            length = None
        if environ.get("wsgi.input") is not None:
            environ["wsgi.input"] = _TeeInput(environ["wsgi.input"], raw, body_keep_limit(client), length)
        if length == 0:
            raw.body_complete = True
        with isolated(raw, breadcrumb_limit(client)) as scope:
            try:
                result = self.app(environ, start_response)
            except Exception as error:
                _capture(client, error)
                raise
        if is_file_response(result, environ):
            return result  # the server sends the file itself (sendfile); nothing of ours runs while it does
        return _Response(result, scope, client)


class _Response:
    """The app's response iterable, iterated inside the request's scope, errors captured."""

    def __init__(self, result: Iterable[bytes], scope: Scope, client: Client | None) -> None:
        self._result = result
        self._scope = scope
        self._client = client

    def __iter__(self) -> Iterator[bytes]:
        iterator = iter(self._result)
        while True:
            with activated(self._scope):
                try:
                    chunk = next(iterator)
                except StopIteration:
                    return
                except Exception as error:
                    _capture(self._client, error)
                    raise
            yield chunk

    def close(self) -> None:
        close = getattr(self._result, "close", None)
        if close is not None:
            with activated(self._scope):
                try:
                    close()
                except Exception as error:
                    _capture(self._client, error)
                    raise


def _capture(client: Client | None, error: BaseException) -> None:
    if client is not None:
        client.capture(error, {"type": "wsgi", "handled": False})
