"""README "Integrations": Flask promises no other test pins, through Flask's own test client."""

import pytest

import framecap

flask = pytest.importorskip("flask")

from framecap.integrations.flask import init_app  # noqa: E402


def _app():
    app = flask.Flask("shop")

    @app.get("/divide")
    def divide():
        return str(1 / 0)

    @app.get("/stream")
    def stream():
        def rows():
            yield "first row\n"
            raise LookupError("row 2 is gone")

        return flask.Response(rows(), mimetype="text/plain")

    return app


def test_init_app_again_changes_the_client_and_keeps_one_middleware(memory):
    first, second = framecap.MemoryTransport(), framecap.MemoryTransport()
    app = init_app(_app(), client=framecap.Client(transport=first, install_hooks=False))
    middleware = app.wsgi_app
    assert init_app(app, client=framecap.Client(transport=second, install_hooks=False)) is app
    assert app.wsgi_app is middleware, "still one middleware"
    assert app.test_client().get("/divide").status_code == 500
    assert first.events == []
    # the global client hears of it only through Flask's error log (the logging integration), as documented
    assert [e["exception"]["values"][-1]["mechanism"]["type"] for e in memory.events] == ["logging"]
    (event,) = second.events
    assert event["exception"]["values"][-1]["mechanism"] == {"type": "flask", "handled": False}


def test_an_error_while_a_streamed_response_is_sent_is_captured_by_the_wsgi_middleware(memory):
    app = init_app(_app())
    response = app.test_client().get("/stream")
    with pytest.raises(LookupError):
        response.get_data()  # the body is iterated as the server would send it
    (event,) = memory.events
    value = event["exception"]["values"][-1]
    assert value["type"] == "LookupError" and value["mechanism"] == {"type": "wsgi", "handled": False}
    assert event["request"]["url"] == "http://localhost/stream"


def _holds(value, kind):
    if isinstance(value, kind):
        return True
    if isinstance(value, dict):
        return any(_holds(k, kind) or _holds(v, kind) for k, v in value.items())
    if isinstance(value, (list, tuple, set)):
        return any(_holds(v, kind) for v in value)
    return False


def test_a_breadcrumb_keeps_a_copy_taken_when_the_record_is_logged(memory):
    import logging

    import framecap.scope

    class Cart:
        def __init__(self):
            self.items = ["apple"]

        def __repr__(self):
            return f"Cart({self.items})"

    log = logging.getLogger("shop.readme")
    log.setLevel(logging.INFO)
    cart = Cart()
    items = ["apple"]
    log.info("cart loaded", extra={"items": items, "cart": cart})
    items.append("pear")
    cart.items.append("pear")
    kept = framecap.scope.current().breadcrumbs[-1]  # what the scope holds for later events
    assert "Cart(['apple'])" in repr(kept) and not _holds(kept, Cart), "a copy, never the object itself"
    framecap.capture_message("checkout")
    (crumb,) = [c for c in memory.events[0]["breadcrumbs"]["values"] if c["message"] == "cart loaded"]
    assert crumb["data"]["items"] == ["apple"] and crumb["data"]["cart"] == "Cart(['apple'])"
