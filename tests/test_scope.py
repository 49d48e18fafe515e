"""The scope's setters, new_scope() across threads and asyncio tasks, and one scope per request in each integration."""

import asyncio
import threading

import pytest

import framecap
from framecap import scope


def test_the_setters_fill_later_events(memory):
    framecap.set_user({"id": "u-1", "email": "ada@example.com"})
    framecap.set_tag("tenant", "acme")
    framecap.set_tags({"tier": "pro", "region": 3})
    framecap.set_extra("cart", {"items": [1, 2], "api_token": "tok_0123456789abcdef"})
    framecap.set_context("payment", {"provider": "acme-pay", "attempt": 2})
    framecap.set_context("gone", {"x": 1})
    framecap.set_context("gone", None)
    framecap.set_level("warning")
    framecap.set_fingerprint(["{{ default }}", "payments"])
    framecap.add_breadcrumb(message="cart loaded", category="shop", data={"n": 2})
    framecap.capture_message("checkout slow")
    (event,) = memory.events
    assert event["level"] == "warning"
    assert event["user"] == {"id": "u-1", "email": "ada@example.com"}
    assert event["tags"] == {"tenant": "acme", "tier": "pro", "region": "3"}
    assert event["extra"] == {"cart": {"items": [1, 2], "api_token": "[Filtered]"}}
    assert event["contexts"] == {"payment": {"provider": "acme-pay", "attempt": 2}}
    assert event["fingerprint"] == ["{{ default }}", "payments"]
    assert [c["message"] for c in event["breadcrumbs"]["values"]] == ["cart loaded"]
    framecap.set_level(None)
    framecap.set_fingerprint(None)
    framecap.set_user(None)
    framecap.capture_message("after clearing")
    assert not {"user", "fingerprint"} & set(memory.events[-1]) and memory.events[-1]["level"] == "info"


def test_new_scope_keeps_a_blocks_changes_to_the_block(memory):
    framecap.set_tag("outer", "yes")
    framecap.add_breadcrumb(message="before")
    with framecap.new_scope() as inner:
        assert inner is scope.current()
        inner.set_tag("inner", "yes")
        framecap.set_context("job", {"id": 7})
        framecap.set_fingerprint(["job"])
        framecap.set_level("debug")
        framecap.add_breadcrumb(message="inside")
        framecap.capture_message("in the block")
    framecap.capture_message("after the block")
    inside, after = memory.events
    assert inside["tags"] == {"outer": "yes", "inner": "yes"} and inside["contexts"] == {"job": {"id": 7}}
    assert (inside["level"], inside["fingerprint"]) == ("debug", ["job"])
    assert [c["message"] for c in inside["breadcrumbs"]["values"]] == ["before", "inside"]
    assert after["tags"] == {"outer": "yes"} and after["level"] == "info"
    assert not {"contexts", "fingerprint"} & set(after)
    assert [c["message"] for c in after["breadcrumbs"]["values"]] == ["before"]


def test_new_scope_starts_with_the_clients_max_breadcrumbs(memory):
    framecap.init(transport=memory, install_hooks=False, max_breadcrumbs=2)
    for n in range(5):
        framecap.add_breadcrumb(message=f"crumb {n}")
    with framecap.new_scope() as inner:
        assert [c["message"] for c in inner.breadcrumbs] == ["crumb 3", "crumb 4"]


def test_threads_each_in_their_own_new_scope(memory):
    framecap.set_tag("main", "yes")  # (this test's own scope: a new thread starts in the root scope)
    start = threading.Barrier(8)
    ids = {}

    def work(n):
        with framecap.new_scope():
            framecap.set_tag("worker", str(n))
            framecap.set_context("job", {"n": n})
            start.wait(30)  # every thread has set its data before any captures
            ids[n] = framecap.capture_message(f"worker {n}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(memory.events) == 8
    for event in memory.events:
        n = int(event["logentry"]["formatted"].split()[1])
        assert event["event_id"] == ids[n]
        assert event["tags"]["worker"] == str(n) and "main" not in event["tags"]
        assert event["contexts"] == {"job": {"n": n}}
    framecap.capture_message("main thread")
    assert memory.events[-1]["tags"] == {"main": "yes"} and "contexts" not in memory.events[-1]


def test_asyncio_tasks_each_in_their_own_new_scope(memory):
    async def handle(n, ready, go):
        with framecap.new_scope():
            framecap.set_tag("task", str(n))
            framecap.set_extra("n", n)
            ready.append(n)
            await go.wait()  # every task has set its data before any captures
            return framecap.capture_message(f"task {n}")

    async def main():
        ready, go = [], asyncio.Event()
        tasks = [asyncio.ensure_future(handle(n, ready, go)) for n in range(6)]
        while len(ready) < 6:
            await asyncio.sleep(0)
        go.set()
        return await asyncio.gather(*tasks)

    ids = asyncio.run(main())
    by_id = {e["event_id"]: e for e in memory.events}
    for n, event_id in enumerate(ids):
        assert by_id[event_id]["tags"] == {"task": str(n)} and by_id[event_id]["extra"] == {"n": n}


@pytest.mark.internal_errors
def test_setters_never_raise(memory, internal_errors):
    class Unprintable:
        def __str__(self):
            raise RuntimeError("no str")

    framecap.set_tag(Unprintable(), "v")
    framecap.set_tags(["not", "a", "dict"])
    framecap.set_context("c", "not a dict")
    framecap.set_level("loud")
    framecap.set_fingerprint(["ok", 1])
    framecap.set_user("not a dict")
    framecap.set_extra(Unprintable(), 1)
    framecap.capture_message("still fine")
    assert not {"tags", "contexts", "fingerprint", "user", "extra"} & set(memory.events[0])
    assert [where for where, _ in internal_errors] == [
        "set_tag",
        "set_tags",
        "set_context",
        "set_level",
        "set_fingerprint",
        "set_user",
        "set_extra",
    ]


# -- one scope per request: what a request sets never reaches the next one ---------------------------


def scoped_view(path):
    """What a view does: data for its request only, then a capture."""
    if path.endswith("/set"):
        framecap.set_tag("view", "set")
        framecap.set_context("order", {"id": 1})
        framecap.set_extra("step", "pay")
        framecap.set_level("warning")
        framecap.set_fingerprint(["orders"])
        framecap.set_user({"id": "u-1"})
        framecap.add_breadcrumb(message="in the request")
    framecap.capture_message(f"view {path}")


def assert_nothing_leaked(memory):
    first, second = memory.events
    assert first["tags"] == {"view": "set"} and first["contexts"] == {"order": {"id": 1}}
    assert (first["level"], first["fingerprint"], first["user"]) == ("warning", ["orders"], {"id": "u-1"})
    assert first["extra"] == {"step": "pay"} and len(first["breadcrumbs"]["values"]) == 1
    assert second["logentry"]["formatted"].endswith("/plain") and second["level"] == "info"
    assert not {"tags", "contexts", "extra", "fingerprint", "user", "breadcrumbs"} & set(second)
    assert second["request"]["url"].endswith("/plain")
    framecap.capture_message("outside any request")
    assert not {"tags", "request", "breadcrumbs"} & set(memory.events[-1])


def test_wsgi_requests_keep_their_scope_data(memory):
    from werkzeug.test import Client

    from framecap.integrations.wsgi import FramecapWSGIMiddleware

    def app(environ, start_response):
        scoped_view(environ["PATH_INFO"])
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    client = Client(FramecapWSGIMiddleware(app))
    client.get("/orders/set")
    client.get("/orders/plain")
    assert_nothing_leaked(memory)


def test_asgi_requests_keep_their_scope_data(memory):
    pytest.importorskip("starlette")
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from framecap.integrations.asgi import FramecapASGIMiddleware

    async def view(request):
        scoped_view(request.url.path)
        return PlainTextResponse("ok")

    app = Starlette(routes=[Route("/orders/set", view), Route("/orders/plain", view)])
    with TestClient(FramecapASGIMiddleware(app)) as client:
        client.get("/orders/set")
        client.get("/orders/plain")
    assert_nothing_leaked(memory)


def test_flask_requests_keep_their_scope_data(memory):
    flask = pytest.importorskip("flask")
    from framecap.integrations.flask import init_app

    app = init_app(flask.Flask("scoped"))

    @app.get("/orders/<name>")
    def view(name):
        scoped_view(flask.request.path)
        return "ok"

    client = app.test_client()
    client.get("/orders/set")
    client.get("/orders/plain")
    assert_nothing_leaked(memory)


def test_a_block_left_in_another_context_never_raises(memory):
    async def events():
        with framecap.new_scope():
            framecap.set_tag("gen", "yes")
            yield 1
            yield 2

    async def main():
        stream = events()
        await asyncio.ensure_future(stream.__anext__())  # entered in a task's context
        await stream.aclose()  # left in this one: the token belongs to the task's context
        framecap.capture_message("after")

    asyncio.run(main())
    assert "gen" not in memory.events[0].get("tags", {})
