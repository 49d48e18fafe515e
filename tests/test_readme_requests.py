"""README "Privacy" request table: with ``send_default_pii=True`` every header and cookie it names is
``[Filtered]`` whatever its value looks like; through the WSGI middleware, as an app would run."""

import io
from wsgiref.util import setup_testing_defaults

import framecap
from framecap.integrations.wsgi import FramecapWSGIMiddleware

NAMED_HEADERS = [
    "Authorization",
    "Proxy-Authorization",
    "Cookie",
    "Set-Cookie",
    "X-Api-Key",
    "X-Auth-Token",
    "X-Csrftoken",
    "X-Csrf-Token",
    "X-Xsrf-Token",
    "X-Forwarded-For",
    "X-Real-Ip",
    "Forwarded",
    "Sec-WebSocket-Protocol",
]
NAMED_COOKIES = ["sessionid", "csrftoken", "session", "PHPSESSID", "connect.sid", "_xsrf", "XSRF-TOKEN", "JSESSIONID"]


def _app(environ, start_response):
    framecap.capture_message("inside the request")
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


def _request(headers):
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "wsgi.input": io.BytesIO(b"")}
    setup_testing_defaults(environ)
    for name, value in headers.items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    response = FramecapWSGIMiddleware(_app)(environ, lambda status, headers, exc_info=None: None)
    assert b"".join(response) == b"ok"


def test_every_named_header_and_cookie_is_filtered_whatever_its_value(memory):
    framecap.init(transport=memory, install_hooks=False, send_default_pii=True)
    cookie = "; ".join(f"{name}=plainvalue" for name in NAMED_COOKIES) + "; theme=dark"
    headers = {name: "plainvalue" for name in NAMED_HEADERS if name != "Cookie"}
    _request({**headers, "Cookie": cookie, "Accept-Language": "en"})
    request = memory.events[0]["request"]
    sent = {name.lower(): value for name, value in request["headers"].items()}
    for name in NAMED_HEADERS:
        if name == "Cookie":  # sent only parsed, as `cookies`; never raw among the headers
            assert "cookie" not in sent
        else:
            assert sent[name.lower()] == "[Filtered]", name
    assert sent["accept-language"] == "en"
    assert request["cookies"] == {**{name: "[Filtered]" for name in NAMED_COOKIES}, "theme": "dark"}
