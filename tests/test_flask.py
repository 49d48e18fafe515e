"""Flask, through its test client: unhandled view errors, the request, Flask-Login's user, one event per error."""

import pytest

import framecap
from conftest import assert_schema_valid

flask = pytest.importorskip("flask")
flask_login = pytest.importorskip("flask_login")

from framecap.integrations.flask import init_app  # noqa: E402


class User(flask_login.UserMixin):
    def __init__(self, uid):
        self.id = uid
        self.username = "ada"
        self.email = "ada@example.com"


def make_app():
    app = flask.Flask("shop")
    app.secret_key = "test-only"
    login = flask_login.LoginManager(app)
    login.user_loader(lambda uid: User(uid))

    @app.post("/login")
    def do_login():
        flask_login.login_user(User("7"))
        return "ok"

    @app.post("/order")
    def order():
        payload = flask.request.get_json()
        return str(payload["quantity"] / payload["per_box"])

    return init_app(app)


@pytest.mark.parametrize("pii", [False, True])
def test_unhandled_view_error_is_one_event_with_its_request(memory, pii):
    framecap.init(transport=memory, install_hooks=False, send_default_pii=pii)
    client = make_app().test_client()
    client.post("/login")
    response = client.post(
        "/order?ref=mail", json={"quantity": 3, "per_box": 0, "password": "pw-1"}, headers={"User-Agent": "tests"}
    )
    assert response.status_code == 500
    (event,) = memory.events  # Flask's own error log went through the logging integration: same exception, one event
    value = event["exception"]["values"][-1]
    assert value["type"] == "ZeroDivisionError" and value["mechanism"] == {"type": "flask", "handled": False}
    assert event["request"]["url"] == "http://localhost/order" and event["request"]["query_string"] == "ref=mail"
    assert event["request"]["data"] == {"quantity": 3, "per_box": 0, "password": "[Filtered]"}
    if pii:
        assert event["user"] == {"id": "7", "username": "ada", "email": "ada@example.com", "ip_address": "127.0.0.1"}
        assert event["request"]["headers"]["User-Agent"] == "tests"
        assert event["request"]["cookies"]["session"] == "[Filtered]"
    else:
        assert "user" not in event and "headers" not in event["request"] and "cookies" not in event["request"]
    frame = value["stacktrace"]["frames"][-1]
    assert frame["function"] == "make_app.<locals>.order" and frame["vars"]['payload["per_box"]'] == "0"


def test_init_app_with_its_own_client(memory):
    own = framecap.MemoryTransport()
    app = init_app(make_app(), client=framecap.Client(transport=own, install_hooks=False))
    assert init_app(app, client=app.extensions["framecap"].client) is app  # twice: still one layer
    response = app.test_client().post("/order", json={"quantity": 1, "per_box": 0})
    assert response.status_code == 500
    (event,) = own.events
    assert event["exception"]["values"][-1]["mechanism"] == {"type": "flask", "handled": False}
    assert event["request"]["url"] == "http://localhost/order"
    assert all(e["exception"]["values"][-1]["mechanism"]["type"] != "flask" for e in memory.events)
    assert_schema_valid(own.events)
