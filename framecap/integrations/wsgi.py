"""``FramecapWSGIMiddleware(app)``: capture exceptions escaping a WSGI app, with the request attached.

Every event captured while a request is handled (``capture_exception()`` inside the app too)
carries that request, through the request policy. The app reads its body unchanged; framecap keeps
a copy of at most the body limit (plus one byte) of what the app read, and never reads on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Callable
from urllib.parse import quote

from ..client import get_current
from ..request import RawRequest
from ..scope import activated, isolated
from . import body_keep_limit

__all__ = ["FramecapWSGIMiddleware"]


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
        lines = self._stream.readlines(*args)
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
    scheme = environ.get("wsgi.url_scheme", "http")
    host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME', 'localhost')}:{environ.get('SERVER_PORT', '80')}"
    path = quote(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""), safe="/%;:@&=+$,!~*'()")
    headers: list[tuple[str, str]] = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers.append((key[5:].replace("_", "-").title(), str(value)))
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            headers.append((key.replace("_", "-").title(), str(value)))
    env: dict[str, str] = {k: str(environ[k]) for k in ("SERVER_NAME", "SERVER_PORT") if k in environ}
    return RawRequest(
        method=str(environ.get("REQUEST_METHOD", "GET")),
        url=f"{scheme}://{host}{path}",
        query_string=str(environ.get("QUERY_STRING", "")),
        headers=headers,
        remote_addr=environ.get("REMOTE_ADDR"),
        env=env,
    )


class FramecapWSGIMiddleware:
    """Wrap a WSGI application: ``app = FramecapWSGIMiddleware(app)``."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        raw = raw_request(environ)
        try:
            length: int | None = int(environ.get("CONTENT_LENGTH") or "")
        except ValueError:
            length = None
        if environ.get("wsgi.input") is not None:
            environ["wsgi.input"] = _TeeInput(environ["wsgi.input"], raw, body_keep_limit(), length)
        if length == 0:
            raw.body_complete = True
        with isolated(raw) as scope:
            try:
                result = self.app(environ, start_response)
            except Exception as error:
                _capture(error)
                raise
        return _Response(result, scope)


class _Response:
    """The app's response iterable, iterated inside the request's scope, errors captured."""

    def __init__(self, result: Iterable[bytes], scope: Any) -> None:
        self._result = result
        self._scope = scope

    def __iter__(self) -> Iterator[bytes]:
        iterator = iter(self._result)
        while True:
            with activated(self._scope):
                try:
                    chunk = next(iterator)
                except StopIteration:
                    return
                except Exception as error:
                    _capture(error)
                    raise
            yield chunk

    def close(self) -> None:
        close = getattr(self._result, "close", None)
        if close is not None:
            with activated(self._scope):
                close()


def _capture(error: BaseException) -> None:
    client = get_current()
    if client is not None:
        client.capture(error, {"type": "wsgi", "handled": False})
