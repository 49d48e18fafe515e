"""The request layer: policy unit tests, and real frameworks through their test clients."""

import threading
import urllib.request
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest

import framecap
from conftest import assert_schema_valid
from framecap.integrations.asgi import FramecapASGIMiddleware
from framecap.integrations.wsgi import FramecapWSGIMiddleware
from framecap.request import RawRequest, client_ip, parse_body, request_data

HEADERS = [
    ("Host", "app.test"),
    ("User-Agent", "pytest"),
    ("Authorization", "Bearer tok-abcdefghij"),
    ("Cookie", "sessionid=sess-123; theme=dark; csrftoken=csrf-456"),
    ("X-Forwarded-For", "198.51.100.7, 10.0.0.2"),
    ("X-Api-Key", "key-789"),
    ("Content-Type", "application/json"),
]


def raw(body=b'{"a": 1}', complete=True, **kw):
    return RawRequest(
        method="POST",
        url="http://app.test/items",
        query_string="page=2",
        headers=list(HEADERS),
        remote_addr="10.0.0.2",
        env={"SERVER_NAME": "app.test", "SERVER_PORT": "80"},
        body=body,
        body_size=len(body),
        body_complete=complete,
        **kw,
    )


def test_default_policy_sends_no_headers_cookies_or_ip():
    request, ip, meta = request_data(raw(), send_default_pii=False, body_limit=10_000)
    assert request == {
        "url": "http://app.test/items",
        "method": "POST",
        "query_string": "page=2",
        "data": {"a": 1},
        "env": {"SERVER_NAME": "app.test", "SERVER_PORT": "80"},
    }
    assert ip is None and meta == {}


def test_pii_policy_sends_headers_with_sensitive_ones_filtered():
    request, ip, meta = request_data(raw(), send_default_pii=True, body_limit=10_000)
    assert request["headers"] == {
        "Host": "app.test",
        "User-Agent": "pytest",
        "Authorization": "[Filtered]",
        "X-Forwarded-For": "[Filtered]",
        "X-Api-Key": "[Filtered]",
        "Content-Type": "application/json",
    }
    assert request["cookies"] == {"sessionid": "[Filtered]", "theme": "dark", "csrftoken": "[Filtered]"}
    assert ip == "10.0.0.2" and request["env"]["REMOTE_ADDR"] == "10.0.0.2"
    assert meta["cookies"]["sessionid"] == {"": {"rem": [["framecap:cookie", "s", 0, 10]]}}


def test_forwarded_for_only_through_trusted_proxies():
    assert client_ip("10.0.0.2", "198.51.100.7, 10.0.0.3", None, []) == "10.0.0.2"
    assert client_ip("10.0.0.2", "198.51.100.7, 10.0.0.3", None, ["10.0.0.0/8"]) == "198.51.100.7"
    assert (
        client_ip("10.0.0.2", "6.6.6.6, 198.51.100.7", None, ["10.0.0.2"]) == "198.51.100.7"
    )  # spoofed first hop ignored
    assert client_ip("203.0.113.1", "198.51.100.7", None, ["10.0.0.0/8"]) == "203.0.113.1"
    assert client_ip("10.0.0.2", None, "198.51.100.9", ["10.0.0.0/8"]) == "198.51.100.9"


@pytest.mark.parametrize(
    "limit,size,sent",
    [
        (0, 10, False),
        (1_000, 1_000, True),
        (1_000, 1_001, False),
        (10_000, 10_000, True),
        (10_000, 10_001, False),
        (None, 50_000, True),
    ],
)
def test_body_limits_judge_the_bytes_read(limit, size, sent):
    body = b'{"k": "' + b"v" * (size - 9) + b'"}'
    data, meta = parse_body(raw(body=body), limit)
    assert (data is not None) is sent and len(body) == size
    if not sent:
        assert meta == {"": {"rem": [["!config", "x"]], "len": size}}


def test_body_kinds():
    r = raw(body=b"name=ada&tag=a&tag=b")
    r.headers = [("Content-Type", "application/x-www-form-urlencoded")]
    assert parse_body(r, 10_000) == ({"name": "ada", "tag": ["a", "b"]}, None)
    r.headers = [("Content-Type", "text/plain")]
    assert parse_body(r, 10_000) == (None, {"": {"rem": [["!raw", "x"]], "len": 20}})
    r = raw(body=b"{not json")
    assert parse_body(r, 10_000) == (None, {"": {"rem": [["!raw", "x"]], "len": 9}})
    r = raw(body=b'{"a": 1}', complete=False)
    assert parse_body(r, 10_000)[0] is None
    r = raw(body=b'{"a": 1}')
    r.headers = [("Content-Type", "application/vnd.api+json")]
    assert parse_body(r, 10_000) == ({"a": 1}, None)
    boundary = "XyZ"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nhello\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="upload"; filename="a.txt"\r\n'
        f"Content-Type: text/plain\r\n\r\nFILE-CONTENT\r\n--{boundary}--\r\n"
    ).encode()
    r = raw(body=body)
    r.headers = [("Content-Type", f"multipart/form-data; boundary={boundary}")]
    assert parse_body(r, 10_000) == (
        {"title": "hello", "upload": ""},
        {"upload": {"": {"rem": [["!raw", "x"]], "len": 12}}},
    )


def test_bad_body_size_option():
    with pytest.raises(
        framecap.ConfigError, match="'max_request_body_size'.*'huge'.*'never' / 'small' / 'medium' / 'always'"
    ):
        framecap.Client(transport=framecap.MemoryTransport(), max_request_body_size="huge")
    assert (
        framecap.Client(
            transport=framecap.MemoryTransport(), max_request_body_size="SMALL"
        ).options.max_request_body_size
        == "small"
    )


# -- plain WSGI, over a real socket ------------------------------------------------------------


def wsgi_app(environ, start_response):
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    if environ["PATH_INFO"] == "/handled":
        try:
            raise KeyError("inside")
        except KeyError:
            framecap.capture_exception()
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"read " + str(len(body)).encode()]
    raise RuntimeError("boom in wsgi")


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def wsgi_server(memory):
    server = make_server("127.0.0.1", 0, FramecapWSGIMiddleware(wsgi_app), handler_class=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(10)


def post(url, body, headers):
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_plain_wsgi_unhandled_and_handled(wsgi_server, memory):
    headers = {"Content-Type": "application/json", "Cookie": "sessionid=s-1", "Authorization": "Basic dXNlcjpwdw=="}
    status, body = post(
        wsgi_server + "/handled?page=2&api_key=q-secret", b'{"name": "ada", "password": "pw-1"}', headers
    )
    assert (status, body) == (200, b"read 35")
    status, _ = post(wsgi_server + "/fail", b'{"n": 1}', headers)
    assert status == 500
    handled, unhandled = memory.events
    assert handled["exception"]["values"][-1]["mechanism"] == {"type": "generic", "handled": True}
    assert unhandled["exception"]["values"][-1]["mechanism"] == {"type": "wsgi", "handled": False}
    request = handled["request"]
    assert request["url"] == wsgi_server + "/handled" and request["method"] == "POST"
    assert request["query_string"] == "page=2&api_key=[Filtered]"
    assert request["data"] == {"name": "ada", "password": "[Filtered]"}
    assert "headers" not in request and "cookies" not in request and "user" not in handled
    assert unhandled["request"]["data"] == {"n": 1}


# -- frameworks through their test clients -------------------------------------------------------


def test_flask_request_attached_and_unhandled_captured(memory):
    flask = pytest.importorskip("flask")
    app = flask.Flask("t")
    app.config["PROPAGATE_EXCEPTIONS"] = True

    @app.post("/ok")
    def ok():
        payload = flask.request.get_json()
        try:
            payload["missing"]
        except KeyError:
            framecap.capture_exception()
        return "ok"

    @app.get("/fail")
    def fail():
        raise ValueError("flask view failed")

    app.wsgi_app = FramecapWSGIMiddleware(app.wsgi_app)
    client = app.test_client()
    assert client.post("/ok?x=1", json={"email": "a@b.c", "token": "tok-7f3a9c2e41b8d6"}).status_code == 200
    with pytest.raises(ValueError):
        client.get("/fail")
    handled, unhandled = memory.events
    assert handled["request"]["data"] == {"email": "a@b.c", "token": "[Filtered]"}
    assert handled["request"]["url"] == "http://localhost/ok"
    assert unhandled["exception"]["values"][-1]["mechanism"]["type"] == "wsgi"


def starlette_app():
    starlette = pytest.importorskip("starlette")
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def ok(request):
        data = await request.json()
        try:
            data["missing"]
        except KeyError:
            framecap.capture_exception()
        return PlainTextResponse("ok")

    async def fail(request):
        await request.body()
        raise RuntimeError("starlette failed")

    return Starlette(routes=[Route("/ok", ok, methods=["POST"]), Route("/fail", fail, methods=["POST"])]), starlette


def test_starlette_through_asgi_middleware(memory):
    app, _ = starlette_app()
    from starlette.testclient import TestClient

    client = TestClient(FramecapASGIMiddleware(app))
    client.cookies.set("sessionid", "abc")
    assert client.post("/ok?page=1", json={"card": "4111111111111111", "n": 2}).status_code == 200
    with pytest.raises(RuntimeError):
        client.post("/fail", content=b"x" * 20_000, headers={"content-type": "application/json"})
    handled, unhandled = memory.events
    assert handled["request"]["data"] == {"card": "[Filtered]", "n": 2}
    assert handled["request"]["url"] == "http://testserver/ok" and handled["request"]["query_string"] == "page=1"
    assert "cookies" not in handled["request"]
    assert "data" not in unhandled["request"]
    assert unhandled["_meta"]["request"]["data"] == {"": {"rem": [["!config", "x"]], "len": 20_000}}
    assert unhandled["exception"]["values"][-1]["mechanism"] == {"type": "asgi", "handled": False}


@pytest.mark.slow
def test_fastapi_route_error_captured_once(memory):
    fastapi = pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    api = fastapi.FastAPI()

    @api.get("/items/{item_id}")
    async def item(item_id: int):
        return {"ratio": 10 / item_id}

    client = TestClient(FramecapASGIMiddleware(api), raise_server_exceptions=False)
    assert client.get("/items/0").status_code == 500
    assert len(memory.events) == 1
    frame = memory.events[0]["exception"]["values"][-1]["stacktrace"]["frames"][-1]
    assert frame["function"].endswith("item") and frame["vars"] == {"item_id": "0"}


def test_requests_in_parallel_keep_their_own_scope(memory):
    import asyncio

    seen = {}

    async def app(scope, receive, send):
        await receive()
        framecap.set_tag("path", scope["path"])
        await asyncio.sleep(0.01)
        seen[scope["path"]] = framecap.capture_exception(ValueError(scope["path"]))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    middleware = FramecapASGIMiddleware(app)

    async def one(path):
        messages = [{"type": "http.request", "body": b"", "more_body": False}]

        async def receive():
            return messages.pop(0) if messages else {"type": "http.disconnect"}

        async def send(message):
            pass

        await middleware(
            {"type": "http", "method": "GET", "path": path, "headers": [], "query_string": b""}, receive, send
        )

    async def main():
        await asyncio.gather(*(one(f"/p{i}") for i in range(5)))

    asyncio.run(main())
    assert sorted(e["tags"]["path"] for e in memory.events) == [f"/p{i}" for i in range(5)]
    assert all(e["request"]["url"].endswith(e["tags"]["path"]) for e in memory.events)


# -- URLs, unread bodies and file responses (edge cases sentry-sdk's own tests check) -----------------


def crashing_app(environ, start_response):
    framecap.capture_exception(ValueError("seen"))
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


def url_of(memory, app=crashing_app, **request):
    from werkzeug.test import Client

    request.setdefault("environ_overrides", {})
    Client(FramecapWSGIMiddleware(app)).open(**request)
    return memory.events[-1]["request"]["url"]


@pytest.mark.parametrize("path_info", ["bark/", "/bark/"])
@pytest.mark.parametrize("script_name", ["woof/woof", "woof/woof/"])
def test_script_name_and_path_info_joined_with_one_slash(memory, script_name, path_info):
    url = url_of(memory, path=path_info, base_url=f"https://dogs.are.great/{script_name}")
    assert url == "https://dogs.are.great/woof/woof/bark/"


@pytest.mark.parametrize(
    "script_name,path_info,path",
    [
        ("", "", "/"),
        ("/app", "", "/app"),
        ("/app", "/", "/app/"),
        ("/app/", "/x", "/app/x"),
        ("", "/caf\u00c3\u00a9 menu", "/caf%C3%A9%20menu"),  # WSGI's latin-1 view of the UTF-8 bytes
        ("", "/caf\u00e9\u20ac", "/caf%C3%A9%E2%82%AC"),  # a server passing text, against the WSGI rule
    ],
)
def test_wsgi_paths(script_name, path_info, path):
    from framecap.integrations.wsgi import raw_request

    environ = {"wsgi.url_scheme": "http", "HTTP_HOST": "h", "SCRIPT_NAME": script_name, "PATH_INFO": path_info}
    assert raw_request(environ).url == "http://h" + path


PROXY = "10.0.0.2"


@pytest.mark.parametrize(
    "environ,url",
    [
        # the peer is not a trusted proxy: what the server saw
        (
            {"HTTP_HOST": "example.com:443", "HTTP_X_FORWARDED_PROTO": "https", "REMOTE_ADDR": "203.0.113.9"},
            "http://example.com:443/test",
        ),
        # a trusted proxy's scheme, and the default port of that scheme left out
        ({"HTTP_HOST": "example.com:443", "HTTP_X_FORWARDED_PROTO": "https"}, "https://example.com/test"),
        ({"HTTP_HOST": "example.com", "HTTP_X_FORWARDED_PROTO": "https"}, "https://example.com/test"),
        ({"HTTP_HOST": "example.com:8443", "HTTP_X_FORWARDED_PROTO": "https"}, "https://example.com:8443/test"),
        # no Host: the server's name, its port judged by the server's own scheme
        ({"SERVER_NAME": "internal", "SERVER_PORT": "80", "HTTP_X_FORWARDED_PROTO": "https"}, "https://internal/test"),
        ({"SERVER_NAME": "internal", "SERVER_PORT": "8000"}, "http://internal:8000/test"),
        # X-Forwarded-Host from a trusted proxy
        (
            {"HTTP_X_FORWARDED_HOST": "example.com:443", "HTTP_X_FORWARDED_PROTO": "https", "HTTP_HOST": "internal"},
            "https://example.com/test",
        ),
        (
            {"HTTP_X_FORWARDED_HOST": "example.com:8443", "HTTP_X_FORWARDED_PROTO": "https", "HTTP_HOST": "internal"},
            "https://example.com:8443/test",
        ),
        ({"HTTP_X_FORWARDED_HOST": "evil.test/x?", "HTTP_HOST": "internal"}, "http://internal/test"),
        # several proxies: the value the nearest one set; anything but http/https is ignored
        ({"HTTP_HOST": "example.com", "HTTP_X_FORWARDED_PROTO": "https, http"}, "http://example.com/test"),
        ({"HTTP_HOST": "example.com", "HTTP_X_FORWARDED_PROTO": "javascript"}, "http://example.com/test"),
        # the default port of the request's own scheme
        ({"HTTP_HOST": "example.com:80"}, "http://example.com/test"),
        ({"HTTP_HOST": "[2001:db8::1]:80"}, "http://[2001:db8::1]/test"),
    ],
)
def test_forwarded_scheme_and_host_only_from_trusted_proxies(environ, url):
    from framecap.integrations.wsgi import raw_request

    environ = {"wsgi.url_scheme": "http", "PATH_INFO": "/test", "REMOTE_ADDR": PROXY, **environ}
    request, _, _ = request_data(raw_request(environ), False, 10_000, trusted_proxies=("10.0.0.0/8",))
    assert request["url"] == url
    untrusted, _, _ = request_data(raw_request(environ), False, 10_000, trusted_proxies=())
    assert untrusted["url"].startswith("http://")


def test_forwarded_proto_through_the_middleware_with_trusted_proxies(memory):
    framecap.init(transport=memory, install_hooks=False, trusted_proxies=["10.0.0.0/8"])
    headers = {"X-Forwarded-Proto": "https", "Host": "shop.example:443"}
    assert url_of(memory, path="/cart", headers=headers, environ_overrides={"REMOTE_ADDR": PROXY}) == (
        "https://shop.example/cart"
    )
    assert url_of(memory, path="/cart", headers=headers, environ_overrides={"REMOTE_ADDR": "192.0.2.1"}) == (
        "http://shop.example:443/cart"
    )


def reader(amount):
    def app(environ, start_response):
        if amount:
            environ["wsgi.input"].read(amount)
        framecap.capture_exception(ValueError("seen"))
        start_response("200 OK", [])
        return [b""]

    return app


@pytest.mark.parametrize("amount", [0, 5])
def test_a_body_the_app_did_not_read_is_noted_unread(memory, amount):
    from werkzeug.test import Client

    Client(FramecapWSGIMiddleware(reader(amount))).post("/", json={"password": "pw-1", "n": 12345})
    event = memory.events[-1]
    assert "data" not in event["request"]
    assert event["_meta"]["request"]["data"] == {"": {"rem": [["framecap:unread", "x"]], "len": 32}}


def test_a_chunked_body_never_read_is_noted_without_a_length(memory):
    from werkzeug.test import Client

    Client(FramecapWSGIMiddleware(reader(0))).get("/", headers={"Transfer-Encoding": "chunked"})
    Client(FramecapWSGIMiddleware(reader(0))).get("/")  # no body at all: nothing to note
    chunked, plain = memory.events
    assert chunked["_meta"]["request"]["data"] == {"": {"rem": [["framecap:unread", "x"]]}}
    assert "_meta" not in plain or "request" not in plain["_meta"]


def test_asgi_body_never_received_is_noted_unread(memory):
    import asyncio

    async def app(scope, receive, send):
        framecap.capture_exception(ValueError("before reading"))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def receive():
        return {"type": "http.request", "body": b'{"a": 1}', "more_body": False}

    async def send(message):
        pass

    scope = {
        "type": "http",
        "method": "POST",
        "scheme": "https",
        "server": ("api.internal", 443),
        "root_path": "/api",
        "path": "/api/items",
        "headers": [(b"content-type", b"application/json"), (b"content-length", b"8")],
        "query_string": b"",
    }
    asyncio.run(FramecapASGIMiddleware(app)(scope, receive, send))
    asyncio.run(FramecapASGIMiddleware(app)(dict(scope, path="/items"), receive, send))  # an older server
    first, second = memory.events
    assert first["request"]["url"] == second["request"]["url"] == "https://api.internal/api/items"
    assert first["_meta"]["request"]["data"] == {"": {"rem": [["framecap:unread", "x"]], "len": 8}}


def test_file_wrapper_response_passed_through_for_sendfile(memory, tmp_path, monkeypatch):
    from wsgiref import simple_server
    from wsgiref.util import FileWrapper

    payload = tmp_path / "report.bin"
    payload.write_bytes(bytes(range(256)) * 40)

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return environ["wsgi.file_wrapper"](open(payload, "rb"), 4096)  # noqa: SIM115 - the server closes it

    middleware = FramecapWSGIMiddleware(app)
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "wsgi.url_scheme": "http", "wsgi.file_wrapper": FileWrapper}
    result = middleware(dict(environ), lambda *args: None)
    assert type(result) is FileWrapper
    result.close()

    class UwsgiLike:  # uWSGI's wrapper is a function; it recognises the file by its fileno
        def fileno(self):
            return 0

    response = UwsgiLike()
    assert (
        FramecapWSGIMiddleware(lambda e, s: response)(dict(environ, **{"wsgi.file_wrapper": print}), None) is response
    )
    wrapped = FramecapWSGIMiddleware(lambda e, s: [b"x"])(dict(environ), None)
    assert list(wrapped) == [b"x"] and not isinstance(wrapped, list)

    sent = []
    original = simple_server.ServerHandler.sendfile

    def sendfile(self):
        sent.append(type(self.result).__name__)  # wsgiref takes this path only for its own FileWrapper
        return original(self)

    monkeypatch.setattr(simple_server.ServerHandler, "sendfile", sendfile)
    server = make_server("127.0.0.1", 0, middleware, handler_class=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/", timeout=10) as response:
            assert response.read() == payload.read_bytes()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
    assert sent == ["FileWrapper"]


def test_middlewares_report_to_the_client_they_were_given(memory):
    import asyncio

    own = framecap.MemoryTransport()
    client = framecap.Client(transport=own, install_hooks=False)

    def failing(environ, start_response):
        raise KeyError("wsgi")

    async def afailing(scope, receive, send):
        raise KeyError("asgi")

    from werkzeug.test import Client

    with pytest.raises(KeyError):
        Client(FramecapWSGIMiddleware(failing, client=client)).get("/w")
    with pytest.raises(KeyError):
        asyncio.run(FramecapASGIMiddleware(afailing, client=client)({"type": "http", "path": "/a"}, None, None))
    assert [e["request"]["url"] for e in own.events] == ["http://localhost/w", "http://localhost/a"]
    assert memory.events == []
    assert_schema_valid(own.events)
