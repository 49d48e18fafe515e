"""``framecap serve`` through a real HTTP client against the running server: pages, API, ingestion, safety.

The browser tests (``test_serve_browser.py``) drive the same server from headless Chromium.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import queue
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
import zlib

import processes
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from serve_helpers import (
    PAYLOAD_IMG,
    PAYLOAD_SCRIPT,
    call,
    capture,
    envelope,
    hostile_crash,
    parse,
    post_envelope,
    running,
    scenario,
    text_of,
    token_of,
)

import framecap
from conftest import assert_schema_valid
from framecap.cli import main
from framecap.serve import export_html, ingest
from framecap.serve.document import SERVER_POLICY, static_file
from framecap.serve.event_page import event_page
from framecap.transports.inbox import Inbox


@pytest.fixture
def inbox_path(tmp_path):
    return str(tmp_path / "events.db")


def stored(path, *events):
    inbox = Inbox(path, background=False)
    for event in events:
        inbox.send(event)
    inbox.close()
    return [e["event_id"] for e in events]


# -- pages ------------------------------------------------------------------------------------------------


def test_issue_list_and_event_page_show_a_captured_crash(inbox_path):
    event = scenario("values")
    assert_schema_valid([event])
    (event_id,) = stored(inbox_path, event)
    with running(inbox_path) as server:
        page = call(server, "GET", "/")
        assert page.status == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
        text = text_of(page.text)
        assert "IndexError list index out of range show_app.py:49 in values" in text
        assert "1 issue, 1 event" in text
        issue = Inbox(inbox_path).issue_of(event_id)
        assert f'href="/issue/{issue}"' in page.text

        moved = call(server, "GET", f"/issue/{issue}")
        assert moved.status == 303 and moved.headers["location"] == f"/event/{event_id}"
        page = call(server, "GET", f"/event/{event_id}")
        assert page.status == 200
        text = text_of(page.text)
        # the header, the failing line with its range marked, variables with every cut from _meta in place
        assert text.startswith(
            f"framecap {inbox_path} DSN {server.dsn} IndexError: list index out of range event {event_id}"
        )
        assert "49 return items[len(text)] + both[password]" in text
        assert '<mark class="failing"><span class="t-bi">' not in page.text  # `items[len(text)]` starts with a name
        assert '<mark class="failing">items[<span class="t-bi">len</span>(text)]</mark>' in page.text
        assert "password '[Filtered]' [Filtered: name]" in text
        assert "[value cut at 1,024 of 20,000,000 characters]" in text
        assert "… 9,950 more items" in text
        assert "both {1: 'int', '1': 'str', None: 'none', (1, 2): 'tuple'}" in text
        assert '46 password = "[Filtered]" [Filtered: source-name]' in text
        assert "IndexError: list index out of range generic (handled)" in text
        assert "Other cuts" not in text, "every cut of this event has its place"
        # other formats of the same event
        download = call(server, "GET", f"/event/{event_id}.html")
        policy = download.headers["content-security-policy"]
        assert policy.startswith("default-src 'none'; style-src 'sha256-")
        assert [a["content"] for t, a in parse(download.text).tags if a.get("http-equiv")] == [policy]
        assert call(server, "HEAD", "/api/stream").body == b"", "HEAD never waits for a stream"
        raw = call(server, "GET", f"/event/{event_id}.json")
        assert raw.json() == event and raw.headers["content-disposition"].startswith("attachment;")
        assert call(server, "GET", f"/event/{event_id[:10]}").headers["location"] == f"/event/{event_id}"
        assert call(server, "GET", "/event/last").headers["location"] == f"/event/{event_id}"
        assert call(server, "GET", f"/event/{'0' * 32}").status == 404
        assert call(server, "GET", "/nowhere").status == 404


def test_library_frames_are_collapsed_and_recursion_folded(inbox_path):
    library, recursion = scenario("library"), scenario("recursion", max_frames=40)
    stored(inbox_path, library, recursion)
    with running(inbox_path) as server:
        page = call(server, "GET", f"/event/{library['event_id']}").text
        frames = [
            (attrs.get("class"), "open" in attrs)
            for tag, attrs in parse(page).tags
            if tag == "details" and "frame" in (attrs.get("class") or "")
        ]
        assert frames == [
            ("frame app", True),
            ("frame app", True),
            ("frame app", True),
            ("frame lib", False),
            ("frame lib", False),
            ("frame lib", False),
        ]
        text = text_of(page)
        assert "… 2 library frames (json) …" in text and "decoder.py, line" in text
        page = call(server, "GET", f"/event/{recursion['event_id']}").text
        text = text_of(page)
        assert "[Previous 2 frames repeated" in text and "[40 of 803 frames kept]" in text


def test_a_message_event_shows_the_stack_it_was_captured_from(inbox_path):
    memory = framecap.MemoryTransport()
    client = framecap.Client(transport=memory, install_hooks=False, attach_stacktrace=True)

    def reconcile(batch_size):
        client.capture_message("ledger out of balance", level="warning")

    reconcile(250)
    stored(inbox_path, memory.events[0])
    with running(inbox_path) as server:
        text = text_of(call(server, "GET", f"/event/{memory.events[0]['event_id']}").text)
    assert "Stack (most recent call last):" in text and "in reconcile" in text and "batch_size" in text


def test_chains_and_groups_read_as_python_words_them(inbox_path):
    chain, group = scenario("chain"), scenario("group")
    stored(inbox_path, chain, group)
    with running(inbox_path) as server:
        text = text_of(call(server, "GET", f"/event/{chain['event_id']}").text)
        first = text.index("KeyError: 'missing'")
        second = text.index("ValueError: invalid literal for int() with base 10: 'seven'")
        third = text.index("LookupError: settings are broken see the second line")
        assert first < text.index("During handling of the above exception, another exception occurred:") < second
        assert second < text.index("The above exception was the direct cause of the following exception:") < third
        page = call(server, "GET", f"/event/{group['event_id']}").text
        groups = [tag for tag, attrs in parse(page).tags if tag == "ol" and attrs.get("class") == "group"]
        assert len(groups) == 2, "the outer group and the inner one"
        text = text_of(page)
        assert (
            text.index("ExceptionGroup: batch failed")
            < text.index("ValueError: item 0")
            < text.index("ExceptionGroup: inner batch")
        )
        assert text.index("OSError: disk gone") < text.index("RuntimeError: cannot save")


def test_sections_and_cuts_away_from_values(inbox_path):
    event = {
        "event_id": "a" * 32,
        "timestamp": 1_795_996_800.0,
        "level": "error",
        "logger": "shop",
        "logentry": {"formatted": "checkout failed for ada"},
        "request": {
            "method": "POST",
            "url": "http://shop.test/pay",
            "query_string": "a=1",
            "headers": {"User-Agent": "x/1"},
            "data": "",
        },
        "user": {"id": "42", "email": "ada@example.com"},
        "tags": [["shop", "berlin"], ["build", "7"]],
        "contexts": {"os": {"name": "Linux", "type": "os"}, "trace": {"nested": {"deep": [1, 2]}}},
        "extra": {"cart": {"items": 3, "coupon": None}, "long": "y" * 10},
        "breadcrumbs": {
            "values": [
                {"timestamp": 1_795_996_790.0, "category": "ui", "message": "opened the cart", "data": {"step": 2}}
            ]
        },
        "modules": {"flask": "3.0.0"},
        "_meta": {
            "request": {"data": {"": {"rem": [["!raw", "x"]], "len": 5000}}},
            "extra": {"long": {"": {"rem": [["!limit", "s", 4, 7]], "len": 10}}},
            "breadcrumbs": {"values": {"": {"len": 130}}},
            "modules": {"django": {"": {"rem": [["!limit", "x"]]}}},
            "threads": {"": {"rem": [["!limit", "x"]]}},
        },
    }
    stored(inbox_path, event)
    with running(inbox_path) as server:
        text = text_of(call(server, "GET", f"/event/{'a' * 32}").text)
    for expected in (
        "Log message [shop] checkout failed for ada",
        "Request POST http://shop.test/pay?a=1 Headers User-Agent x/1 Data: [left out: !raw, 5,000 bytes]",
        "User id 42 email ada@example.com",
        "Tags shop berlin build 7",
        "Contexts os name=Linux trace {'nested': {'deep': [1, 2]}}",
        "Extra cart {'items': 3, 'coupon': None} long 'yyyyyyyyyy' [value cut at 7 of 10 characters]",
        "… 129 older breadcrumbs not kept",
        "ui info opened the cart {'step': 2}",
        "Other fields modules {'flask': '3.0.0'} 1 key 'flask': '3.0.0' 'django': [value left out: event size limit]",
        "Other cuts threads [value left out: event size limit]",
    ):
        assert expected in text


def test_api_issues_filters_and_pages(inbox_path):
    events = [capture(hostile_crash()), scenario("values"), scenario("library"), scenario("library")]
    stored(inbox_path, *events)
    with running(inbox_path) as server:
        data = call(server, "GET", "/api/issues").json()
        assert data["summary"] == "3 issues, 4 events" and data["revision"] == 4
        assert [(r["type"], r["count"]) for r in data["rows"]] == [
            ("JSONDecodeError", "2"),
            ("IndexError", "1"),
            ("ValueError", "1"),
        ]
        assert data["types"] == [
            {"type": "JSONDecodeError", "count": 2},
            {"type": "IndexError", "count": 1},
            {"type": "ValueError", "count": 1},
        ]
        assert [r["type"] for r in call(server, "GET", "/api/issues?type=IndexError").json()["rows"]] == ["IndexError"]
        assert [r["type"] for r in call(server, "GET", "/api/issues?q=PARSE_settings").json()["rows"]] == [
            "JSONDecodeError"
        ]
        assert call(server, "GET", "/api/issues?since=1h").json()["total"] == 3
        bad = call(server, "GET", "/api/issues?since=yesterday")
        assert bad.status == 400 and bad.json()["summary"].startswith("time filter 'yesterday': give a duration")
        assert call(server, "GET", "/?since=yesterday").status == 400
        assert call(server, "GET", "/api/issues?q=nothing-like-it").json()["summary"] == "no issues match"
        page = call(server, "GET", "/?q=parse&page=2")
        assert "no issues match" not in page.text and page.status == 200
        assert "(page 2 of 1)" not in text_of(page.text)


# -- ingestion ----------------------------------------------------------------------------------------------


def test_envelopes_gzip_and_plain_and_store_requests_are_stored(inbox_path):
    first, second, third = scenario("values"), scenario("chain"), scenario("library")
    with running(inbox_path) as server:
        reply = post_envelope(server, envelope(first, others=True))
        assert reply.status == 200 and reply.json() == {"id": first["event_id"]}
        reply = post_envelope(server, envelope(second, lengths=False), compress=False)
        assert reply.status == 200 and reply.json() == {"id": second["event_id"]}
        body = zlib.compress(json.dumps(third).encode())
        reply = call(
            server, "POST", "/api/7/store/", body, {"Content-Encoding": "deflate", "Content-Type": "application/json"}
        )
        assert reply.status == 200 and reply.json() == {"id": third["event_id"]}
        only_others = envelope(others=True)
        assert post_envelope(server, only_others).json() == {}
        assert server.log_lines[0].endswith(f"stored {first['event_id'][:12]}  IndexError: list index out of range")
    inbox = Inbox(inbox_path)
    assert [e["event_id"] for e in inbox.bodies()] == [first["event_id"], second["event_id"], third["event_id"]]
    assert next(inbox.bodies([first["event_id"]])) == first


def test_an_inbox_that_cannot_be_written_is_a_503_not_a_stored_event(tmp_path):
    broken = tmp_path / "a-directory.db"
    broken.mkdir()
    with running(str(broken)) as server:
        reply = post_envelope(server, envelope({"event_id": "1" * 32, "message": "lost?"}))
        assert reply.status == 503 and reply.json()["detail"].startswith("the inbox could not store the event: ")
        assert not [line for line in server.log_lines if " stored " in line]
        page = call(server, "GET", "/")
        assert page.status == 503 and page.text.startswith(f"framecap serve: the inbox {broken} can't be read: ")


def test_ingestion_fills_in_ids_and_timestamps(inbox_path):
    dashed = "12345678-1234-5678-1234-567812345678"
    with running(inbox_path) as server:
        reply = post_envelope(server, envelope({"event_id": dashed, "message": "hello"}))
        assert reply.json() == {"id": dashed.replace("-", "")}
        reply = call(server, "POST", "/api/1/store/", b'{"message": "no id", "event_id": "not hex"}')
        new_id = reply.json()["id"]
        assert len(new_id) == 32 and new_id != "not hex"
    events = list(Inbox(inbox_path).bodies())
    assert [e["event_id"] for e in events] == [dashed.replace("-", ""), new_id]
    assert all(e["timestamp"].endswith("Z") for e in events)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("body", "headers", "status", "message"),
    [
        (b"not json\n", {}, 400, "the envelope header is not JSON"),
        (b"", {}, 400, "the envelope is empty"),
        (b"[]\n", {}, 400, "the envelope header is JSON but not an object (it is a list)"),
        (
            b'{}\n{"type": "event", "length": 50}\n{"a": 1}\n',
            {},
            400,
            "item 1 (event) is shorter (9 bytes) than its length",
        ),
        (b'{}\n{"length": 2}\n{}\n', {}, 400, "item 1's header has no type"),
        (b'{}\n{"type": "event", "length": -1}\n{}\n', {}, 400, "item 1 (event) has a bad length: -1"),
        (b'{}\n{"type": "event"}\n[1, 2]\n', {}, 400, "item 1 (event) is JSON but not an object (it is a list)"),
        (b'{}\n{"type": "event"}\n' + b"[" * 100_000 + b"\n", {}, 400, "item 1 (event) is nested too deeply to read"),
        (
            b'{}\n{"type": "event"}\n{"a": "' + b"x" * (1 << 20) + b'"}\n',
            {},
            413,
            "item 1 (event) is larger than 1,048,576 bytes",
        ),
        (b"{}\n", {"Content-Encoding": "zstd"}, 415, "Content-Encoding 'zstd' is not supported"),
        (b"{}\n", {"Content-Encoding": "gzip"}, 400, "the body is not valid gzip data"),
        (
            gzip.compress(b"{}\n")[:-12],
            {"Content-Encoding": "gzip"},
            400,
            "the gzip body ends before its compressed stream does",
        ),
        (
            "bomb",
            {"Content-Encoding": "gzip"},
            413,
            "the body is larger than 52,428,800 bytes once decompressed",
        ),
    ],
)
def test_envelopes_that_cannot_be_read_are_refused_with_a_reason(inbox_path, body, headers, status, message):
    if body == "bomb":  # 51 MiB of newlines in 52 kB, made here rather than at collection
        body = gzip.compress(b"\n" * (51 << 20), compresslevel=1)
    with running(inbox_path) as server:
        reply = post_envelope(server, body, compress=False, **headers)
        assert reply.status == status and reply.json()["detail"].startswith(message)
        assert server.log_lines == [
            f"{server.log_lines[0][:8]} refused a envelope request: {status} {reply.json()['detail']}"
        ]
    assert not os.path.exists(inbox_path), "nothing of a refused envelope is stored"


@pytest.mark.slow
def test_a_compressed_bomb_is_stopped_at_the_limit_without_inflating_it():
    import tracemalloc

    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1 << 20)
    bomb = b"".join(packer.compress(zeros) for _ in range(200)) + packer.flush()  # 200 MiB in ~200 kB
    tracemalloc.start()
    try:
        with pytest.raises(ingest.IngestError) as refused:
            ingest.decode_body(bomb, "gzip", limit=1 << 20)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert refused.value.status == 413 and peak < 8 << 20, f"{peak:,} bytes held to refuse it"


def test_bodies_beyond_the_limits_are_refused_before_they_are_read(inbox_path):
    with running(inbox_path) as server:
        for path, size in (("/api/1/envelope/", 50 * 1024 * 1024 + 1), ("/api/1/store/", 1024 * 1024 + 1)):
            with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
                sock.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {size}\r\n\r\n".encode())
                answer = sock.makefile("rb").read()
            assert answer.startswith(b"HTTP/1.0 413 ") and b"is larger than" in answer
        assert call(server, "POST", "/api/1/store/", b'{"a": "' + b"x" * (1 << 20) + b'"}').status == 413
        reply = call(server, "POST", "/api/1/envelope/", None, {"Content-Type": "application/x-sentry-envelope"})
        assert reply.status == 411
        legacy = base64.b64encode(zlib.compress(b'{"message": "the old form"}'))  # base64 of zlib: old SDKs
        assert call(server, "POST", "/api/1/store/", legacy).status == 200
    assert [e["message"] for e in Inbox(inbox_path).bodies()] == ["the old form"]


def test_chunked_bodies_are_read_within_the_limit(inbox_path):
    event = {"event_id": "c" * 32, "message": "chunked"}
    body = envelope(event)
    with running(inbox_path) as server, socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        chunks = b"".join(b"%x\r\n%s\r\n" % (len(body[i : i + 10]), body[i : i + 10]) for i in range(0, len(body), 10))
        sock.sendall(
            b"POST /api/1/envelope/ HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
            + chunks
            + b"0\r\n\r\n"
        )
        answer = sock.makefile("rb").read()
    assert answer.startswith(b"HTTP/1.0 200 ") and answer.endswith(b'{"id": "' + b"c" * 32 + b'"}')


def test_framecap_sends_to_serve_through_its_dsn(inbox_path, tmp_path, monkeypatch):
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    with running(inbox_path) as server:
        client = framecap.Client(
            dsn=server.dsn, state_dir=str(tmp_path / "state"), project_root=os.path.dirname(__file__)
        )
        try:
            import show_app

            event_id = client.capture_exception(show_app.run(show_app.values))
            assert client.flush(30)
        finally:
            client.close()
        text = text_of(call(server, "GET", f"/event/{event_id}").text)
        assert "49 return items[len(text)] + both[password]" in text and "… 9,950 more items" in text


SENTRY_APP = """
import sys
import sentry_sdk

sentry_sdk.init(dsn=sys.argv[1], release="shop@1.2", auto_enabling_integrations=False)


def checkout(cart):
    total = sum(cart.values())
    return total / len([])


try:
    checkout({"apple": 3})
except ZeroDivisionError:
    print(sentry_sdk.capture_exception())
sentry_sdk.flush(20)
"""


def test_sentry_sdk_sends_to_serve_through_its_own_transport(inbox_path, run_python):
    pytest.importorskip("sentry_sdk")
    with running(inbox_path) as server:
        done = run_python(SENTRY_APP, server.dsn, env={"no_proxy": "*", "NO_PROXY": "*"})
        assert done.returncode == 0, done.stderr
        event_id = done.stdout.strip()
        assert len(event_id) == 32
        (event,) = Inbox(inbox_path).bodies([event_id])
        assert event["sdk"]["name"].startswith("sentry.python") and event["release"] == "shop@1.2"
        text = text_of(call(server, "GET", f"/event/{event_id}").text)
        assert text.startswith(
            f"framecap {inbox_path} DSN {server.dsn} ZeroDivisionError: division by zero event {event_id}"
        )
        assert '10 return total / len([]) 11 12 13 try: 14 checkout({"apple": 3})' in text
        assert "15 except ZeroDivisionError: cart {'apple': 3} total 3 ZeroDivisionError: division by zero" in text
        assert "SDK sentry.python" in text and "2.75.0" in text and "release shop@1.2" in text
        issues = call(server, "GET", "/api/issues").json()["rows"]
        assert [(r["type"], r["message"], r["where"]) for r in issues] == [
            ("ZeroDivisionError", "division by zero", "snippet.py:10 in checkout")
        ]


# -- safety -----------------------------------------------------------------------------------------------


def test_markup_in_events_reaches_pages_as_text(inbox_path):
    event = capture(hostile_crash())
    stored(inbox_path, event)
    with running(inbox_path) as server:
        for path in ("/", f"/event/{event['event_id']}", "/api/issues"):
            reply = call(server, "GET", path)
            assert "<script>window" not in reply.text and "<img src" not in reply.text
        page = call(server, "GET", f"/event/{event['event_id']}").text
        tags = {tag for tag, _ in parse(page).tags}
        assert "img" not in tags and [t for t, a in parse(page).tags if t == "script"] == ["script"]
        text = text_of(page)
        assert f"ValueError: {PAYLOAD_IMG} {PAYLOAD_SCRIPT}" in text
        assert f"note {PAYLOAD_SCRIPT + ' & ' + PAYLOAD_IMG!r}" in text
        assert "&lt;script&gt;" in page


@pytest.mark.slow
def test_the_element_builder_escapes_text_and_attributes():
    from framecap.serve.html import Raw, h, render

    page = render(h("p", {"title": '"><img src=x onerror=1>', "hidden": True, "open": False}, "<b>&", Raw("<br>")))
    assert page == '<p title="&quot;&gt;&lt;img src=x onerror=1&gt;" hidden>&lt;b&gt;&amp;<br></p>'
    with pytest.raises(ValueError):
        h("p", {"onclick x": "1"})
    with pytest.raises(ValueError):
        h("script src=x")
    deep = h("div")
    node = deep
    for _ in range(50_000):  # iterative: no recursion limit
        child = h("div")
        node.add(child)
        node = child
    assert render(deep).count("<div>") == 50_001


def test_filters_given_in_the_address_come_back_as_text(inbox_path):
    stored(inbox_path, scenario("values"))
    hostile = '"><img src=x onerror=alert(1)>'
    with running(inbox_path) as server:
        page = call(server, "GET", "/?" + urllib.parse.urlencode({"q": hostile, "type": hostile, "since": hostile}))
    assert page.status == 400
    tags = parse(page.text).tags
    assert "img" not in {t for t, _ in tags}
    assert [a["value"] for t, a in tags if t == "input" and a.get("name") == "q"] == [hostile]
    assert [a["value"] for t, a in tags if t == "option" and "selected" in a] == [hostile, hostile]


def test_pages_send_a_strict_policy_and_check_the_host(inbox_path):
    stored(inbox_path, scenario("values"))
    with running(inbox_path) as server:
        page = call(server, "GET", "/")
        assert page.headers["content-security-policy"] == SERVER_POLICY
        assert "'unsafe-inline'" not in SERVER_POLICY and "frame-ancestors 'none'" in SERVER_POLICY
        assert page.headers["x-frame-options"] == "DENY" and page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["cross-origin-resource-policy"] == "same-origin"
        assert "access-control-allow-origin" not in page.headers
        for host in ("evil.example", f"evil.example:{server.port}", f"127.0.0.1.nip.example:{server.port}"):
            refused = call(server, "GET", "/api/issues", headers={"Host": host})
            assert refused.status == 403 and "unexpected Host header" in refused.text
        for host in (f"localhost:{server.port}", f"127.0.0.1:{server.port}", f"[::1]:{server.port}", "192.168.1.5"):
            assert call(server, "GET", "/api/issues", headers={"Host": host}).status == 200
        stream = call(server, "POST", "/api/issues", b"")
        assert stream.status == 404
        assert call(server, "PUT", "/", b"").status == 405
        assert call(server, "OPTIONS", "/api/issues", headers={"Origin": "http://evil.example"}).status == 405
        read = call(server, "GET", "/api/issues", headers={"Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in read.headers, "no other origin may read the inbox"


def test_delete_needs_the_token_and_a_page_of_this_server(inbox_path):
    events = [scenario("library"), scenario("library"), scenario("values")]
    stored(inbox_path, *events)
    inbox = Inbox(inbox_path)
    first, second, third = (e["event_id"] for e in events)
    with running(inbox_path) as server:
        page = call(server, "GET", f"/event/{first}").text
        token = token_of(page)
        assert "Delete issue (2 events)" in text_of(page)
        mine = {"Origin": f"http://127.0.0.1:{server.port}", "Content-Type": "application/x-www-form-urlencoded"}
        form = f"token={token}".encode()
        for headers, body in (
            ({**mine, "Origin": "http://evil.example"}, form),  # another site's page, even with the token
            ({**mine, "Origin": "null"}, form),
            ({"Content-Type": "application/x-www-form-urlencoded"}, form),  # neither Origin nor Referer
            ({**mine, "Origin": None, "Referer": "http://evil.example/"}, form),
            (mine, b"token=wrong"),
            (mine, b""),
        ):
            assert call(server, "POST", f"/delete/event/{first}", body, headers).status == 403
        assert call(server, "GET", f"/delete/event/{first}").status == 404, "GET never deletes"
        assert inbox.event_count() == 3
        done = call(server, "POST", f"/delete/event/{first}", form, mine)
        issue = inbox.issue_of(second)
        assert done.status == 303 and done.headers["location"] == f"/issue/{issue}"
        referer = {**mine, "Origin": None, "Referer": f"http://127.0.0.1:{server.port}/event/{second}"}
        done = call(server, "POST", f"/delete/issue/{issue}", form, referer)
        assert done.status == 303 and done.headers["location"] == "/"
        assert [e.event_id for e in inbox.events()] == [third]
        assert any("refused a delete from another origin ('http://evil.example')" in line for line in server.log_lines)


def test_ingestion_answers_local_pages_and_refuses_other_sites(inbox_path):
    body = envelope({"event_id": "d" * 32, "message": "from a page"})
    with running(inbox_path) as server:
        refused = post_envelope(server, body, Origin="https://evil.example")
        assert refused.status == 403 and "access-control-allow-origin" not in refused.headers
        local = post_envelope(server, body, Origin="http://localhost:5173")
        assert local.status == 200 and local.headers["access-control-allow-origin"] == "http://localhost:5173"
        preflight = call(
            server,
            "OPTIONS",
            "/api/1/envelope/",
            headers={"Origin": "http://127.0.0.1:3000", "Access-Control-Request-Method": "POST"},
        )
        assert preflight.status == 204 and "x-sentry-auth" in preflight.headers["access-control-allow-headers"]
        assert call(server, "OPTIONS", "/api/1/envelope/", headers={"Origin": "http://evil.example"}).status == 403
        assert call(server, "GET", "/api/1/envelope/").status == 405
    assert Inbox(inbox_path).event_count() == 1


def test_static_script_builds_the_page_from_text_only():
    script = static_file("app.js").decode()
    for markup_api in (
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "Function(",
        'setAttribute("on',
    ):
        assert markup_api not in script
    css = static_file("app.css").decode()
    assert "url(" not in css and "@import" not in css, "no network assets"


# -- live updates -------------------------------------------------------------------------------------------


def test_the_stream_reports_each_new_revision(inbox_path):
    import http.client

    with running(inbox_path) as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        connection.request("GET", "/api/stream")
        response = connection.getresponse()
        assert response.status == 200 and response.getheader("Content-Type") == "text/event-stream"

        def next_data() -> str:
            ends = time.monotonic() + 30  # keep-alive comments come every 15 s: the deadline is the loop's own
            while time.monotonic() < ends:
                line = response.fp.readline()
                assert line, "the stream ended"
                if line.startswith(b"data: "):
                    return line[6:].strip().decode()
            raise AssertionError("no new revision within 30 s")

        assert next_data() == "0"
        post_envelope(server, envelope({"event_id": "e" * 32, "message": "one"}))
        assert next_data() == "1"
        post_envelope(server, envelope({"event_id": "f" * 32, "message": "two"}))
        assert next_data() == "2"
        connection.close()


# -- export ---------------------------------------------------------------------------------------------------


def test_export_writes_one_self_contained_page(store, tmp_path, capsys):
    event = scenario("values")
    stored(store, event)
    out = tmp_path / "crash.html"
    assert main(["export", event["event_id"][:8], "--format", "html", "-o", str(out)]) == 0
    assert capsys.readouterr().err == f"exported event {event['event_id']} to {out}\n"
    page = out.read_text()
    tags = parse(page).tags
    assert not [a for _, a in tags if "src" in a or "href" in a], "nothing to load, nothing to follow"
    assert {t for t, _ in tags} & {"script", "link", "form", "iframe", "img"} == set()
    policy = next(a["content"] for t, a in tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert policy.startswith("default-src 'none'; style-src 'sha256-") and "script" not in policy
    text = text_of(page)
    assert "49 return items[len(text)] + both[password]" in text and "issue " in text
    assert "Delete" not in text
    assert main(["export", "last", "--format", "html"]) == 0
    assert "49 return items[len(text)] + both[password]" in text_of(capsys.readouterr().out)
    assert main(["export", "last", event["event_id"], "--format", "html"]) == 2
    assert "--format html writes one event" in capsys.readouterr().err
    assert main(["export", "--all", "--format", "html"]) == 2
    assert "--format html writes one event" in capsys.readouterr().err


# -- rendering any event -----------------------------------------------------------------------------------------

_PIECES = list("<>&\"'=/ ax\n\t\x00é\u202e") + ["<script>", "</style>", "\ud800", "javascript:"]
_TEXT = st.lists(st.sampled_from(_PIECES), max_size=6).map("".join)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=12,
)
_FRAME = st.fixed_dictionaries(
    {},
    optional={
        "filename": _JSON,
        "abs_path": _TEXT,
        "function": _JSON,
        "lineno": st.integers(-2, 60),
        "colno": st.integers(-2, 9),
        "in_app": _JSON,
        "context_line": _JSON,
        "pre_context": st.lists(_JSON, max_size=3),
        "post_context": _JSON,
        "vars": _JSON,
        "data": st.fixed_dictionaries(
            {}, optional={"end_lineno": st.integers(-2, 62), "end_colno": _JSON, "expressions": _JSON}
        ),
        "module": _JSON,
    },
)
_EXCEPTION = st.fixed_dictionaries(
    {},
    optional={
        "type": _JSON,
        "value": _JSON,
        "module": _JSON,
        "stacktrace": st.fixed_dictionaries({"frames": st.lists(_FRAME, max_size=4)}) | _JSON,
        "mechanism": st.fixed_dictionaries(
            {},
            optional={
                "exception_id": st.integers(-1, 4),
                "parent_id": st.integers(-1, 4),
                "source": _TEXT,
                "handled": _JSON,
                "type": _JSON,
            },
        ),
    },
)
_EVENT = st.fixed_dictionaries(
    {"event_id": st.just("b" * 32)},
    optional={
        "exception": st.fixed_dictionaries({"values": st.lists(_EXCEPTION, max_size=4)}) | _JSON,
        "_meta": _JSON,
        "logentry": _JSON,
        "message": _JSON,
        "request": _JSON,
        "user": _JSON,
        "tags": _JSON,
        "contexts": _JSON,
        "extra": _JSON,
        "breadcrumbs": _JSON,
        "sdk": _JSON,
        "timestamp": _JSON,
        "level": _JSON,
        "modules": _JSON,
        "release": _JSON,
    },
)
_OUR_TAGS = {
    "html",
    "head",
    "meta",
    "title",
    "style",
    "link",
    "script",
    "body",
    "header",
    "main",
    "section",
    "nav",
    "footer",
    "div",
    "p",
    "span",
    "a",
    "code",
    "pre",
    "b",
    "h1",
    "h2",
    "h3",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "details",
    "summary",
    "ul",
    "ol",
    "li",
    "mark",
    "form",
    "input",
    "button",
}


@pytest.mark.slow
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_EVENT)
def test_any_event_renders_as_text_inside_our_own_markup(event):
    for page, scripts in (
        (event_page(event, None, "tok", "/x.db", "http://local@127.0.0.1:1/1"), 1),
        (export_html(event), 0),
    ):
        page.encode("utf-8", "backslashreplace")
        assert "could not be shown" not in page
        tags = parse(page).tags
        assert {t for t, _ in tags} <= _OUR_TAGS
        assert not [name for _, attrs in tags for name in attrs if name.startswith("on") or name == "style"]
        assert len([t for t, _ in tags if t == "script"]) == scripts
        assert all(a["href"].startswith("/") for t, a in tags if "href" in a)


# -- the command ---------------------------------------------------------------------------------------------------


def _start(args, env_store):
    env = {"FRAMECAP_STORE": env_store}
    return processes.start("-m", "framecap", *args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)


def _lines(proc, count, deadline=30.0):
    """The next ``count`` lines the server prints (a reader thread: a pipe's readline can't time out)."""
    if not hasattr(proc, "lines"):
        proc.lines = queue.Queue()
        threading.Thread(target=lambda: [proc.lines.put(line) for line in proc.stdout], daemon=True).start()
    lines = []
    while len(lines) < count:
        try:
            lines.append(proc.lines.get(timeout=deadline).rstrip("\n"))
        except queue.Empty:
            raise AssertionError(f"no output from framecap serve; so far {lines}") from None
    return lines


@pytest.mark.slow
@pytest.mark.integration
def test_serve_prints_its_dsn_receives_and_stops_on_ctrl_c(inbox_path):
    proc = _start(["serve", "--port", "0"], inbox_path)
    try:
        first, second, third = _lines(proc, 3)
        url = first.split()[2]
        port = int(url.rsplit(":", 1)[1].strip("/"))
        assert first == f"framecap serve: http://127.0.0.1:{port}/  (inbox: {inbox_path})"
        dsn = f"http://local@127.0.0.1:{port}/1"
        assert second == f'  send events here:  framecap.init(dsn="{dsn}")  or  sentry_sdk.init(dsn="{dsn}")'
        assert third == "  Ctrl-C stops it"
        server = type("S", (), {"port": port})()
        assert post_envelope(server, envelope({"event_id": "9" * 32, "message": "hi"})).status == 200
        assert _lines(proc, 1)[0].endswith(f"stored {'9' * 12}  hi")
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
    assert proc.returncode == 0 and _lines(proc, 1) == ["framecap serve: stopped"] and proc.stderr.read() == ""


@pytest.mark.slow
@pytest.mark.integration
def test_serve_warns_off_loopback_and_says_when_it_cannot_listen(inbox_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = _start(["serve", "--port", str(port)], inbox_path)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 2 and out == ""
    assert err.startswith(f"framecap serve: can't listen on 127.0.0.1:{port}: Address already in use")
    proc = _start(["serve", "--host", "192.0.2.1", "--port", "0"], inbox_path)  # TEST-NET: never this machine's
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert err.startswith("framecap serve: warning: listening on 192.0.2.1, not only on this machine")
    with pytest.raises(SystemExit):
        main(["serve", "--port", "70000"])
