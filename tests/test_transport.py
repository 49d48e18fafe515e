"""The DSN transport against a local server of our own: faults, limits, the spool, exit and fork."""

import json
import os
import socket
import subprocess
import textwrap
import threading
import time

import processes
import pytest
from envelopes import parse_envelope
from fakeserver import FakeSentry

import framecap
from conftest import assert_schema_valid
from framecap.dsn import parse_dsn
from framecap.transports.http import HttpTransport
from framecap.transports.sender import HttpSender
from framecap.transports.spool import Spool


@pytest.fixture
def server():
    fake = FakeSentry()
    yield fake
    fake.stop()
    assert_schema_valid(fake.events)


def transport_for(server, tmp_path, **kw):
    options = dict(timeout=5.0, max_queue=100, shutdown_timeout=2.0, max_retries=5, backoff=(0.05, 0.2))
    spool = Spool(str(tmp_path / "spool"), kw.pop("max_spool_events", 100), kw.pop("max_spool_bytes", 10_000_000))
    options.update(kw)
    return HttpTransport(parse_dsn(server.dsn()), spool, **options)


def capture_many(n, message="boom"):
    ids = []
    for i in range(n):
        try:
            raise ValueError(f"{message} {i}")
        except ValueError:
            ids.append(framecap.capture_exception())
    return ids


def test_dsn_parts_and_errors(monkeypatch):
    dsn = parse_dsn("https://abc123:s3cr3t@sentry.example.com:8443/prefix/42")
    assert (dsn.public_key, dsn.secret_key, dsn.host, dsn.port, dsn.path, dsn.project_id) == (
        "abc123",
        "s3cr3t",
        "sentry.example.com",
        8443,
        "/prefix",
        "42",
    )
    assert dsn.envelope_url == "https://sentry.example.com:8443/prefix/api/42/envelope/"
    assert "s3cr3t" not in str(dsn) and "s3cr3t" not in repr(dsn) and "s3cr3t" not in f"{dsn!r} {dsn.key}"
    assert parse_dsn("http://k@127.0.0.1/1").envelope_url == "http://127.0.0.1/api/1/envelope/"
    cases = {
        "ftp://k@h/1": "scheme",
        "https://h/1": "public key",
        "https://k@/1": "host",
        "https://k@h/": "project id",
        "https://k@h/abc": "project id",
        "https://k:s3cr3t@h:99999/1": "port",
        "https://k@h/1?x=1": "suffix",
        "https://k@sentry.io/1https://k:s3cr3t@sentry.io/2": "path",  # two DSNs run together
        "https://k@sentry.io/1,https://k@sentry.io/2": "path",
        "https://k@sentry.io/1 https://k@sentry.io/2": "path",
        "https://k:s3cr3t@https://sentry.io/1": "host",  # a host written with its scheme
        "https://k@sentry.io": "project id",
        "https://k@sentry.io:/1": "port",
        "https://k@sen try.io/1": "host",
        "https://k@sentry!io/1": "host",
    }
    for value, part in cases.items():
        with pytest.raises(framecap.ConfigError) as info:
            parse_dsn(value)
        assert f"bad {part}" in str(info.value) and "s3cr3t" not in str(info.value)
    monkeypatch.setenv("FRAMECAP_DSN", "https://k:s3cr3t@h/notanumber")
    with pytest.raises(framecap.ConfigError) as info:
        framecap.Client()
    assert "FRAMECAP_DSN" in str(info.value) and "bad project id" in str(info.value) and "s3cr3t" not in str(info.value)


def test_envelope_headers_and_event(server, tmp_path):
    framecap.init(dsn=server.dsn(), state_dir=str(tmp_path), install_hooks=False, environment="test")
    (event_id,) = capture_many(1)
    assert framecap.flush(10) is True
    (request,) = server.requests
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert request["path"] == "/api/7/envelope/"
    assert headers["content-type"] == "application/x-sentry-envelope" and headers["content-encoding"] == "gzip"
    assert (
        headers["x-sentry-auth"]
        == f"Sentry sentry_version=7, sentry_key=publickey, sentry_client=framecap/{framecap.__version__}"
    )
    assert headers["user-agent"] == f"framecap/{framecap.__version__}"
    header, items = parse_envelope(request["body"], "gzip")
    assert header["event_id"] == event_id and len(items) == 1
    assert items[0][0] == {"type": "event", "length": len(items[0][1]), "content_type": "application/json"}
    assert json.loads(items[0][1])["environment"] == "test"


def test_captures_never_wait_on_a_hanging_server(server, tmp_path):
    server.hang.clear()
    framecap.init(transport=transport_for(server, tmp_path, timeout=30.0), install_hooks=False)
    worker = threading.Thread(target=capture_many, args=(5,))
    worker.start()
    worker.join(10)
    assert not worker.is_alive(), "capture_exception waited on the network"
    server.hang.set()
    assert framecap.flush(15) is True
    assert len(server.event_ids()) == 5 and len(set(server.event_ids())) == 5


@pytest.mark.slow
def test_5xx_and_errors_are_retried_then_delivered_once(server, tmp_path):
    server.reply = lambda n: (503, {}) if n < 3 else (200, {})
    framecap.init(transport=transport_for(server, tmp_path), install_hooks=False)
    ids = capture_many(2)
    assert framecap.flush(10) is True
    assert sorted(server.event_ids()) == sorted(ids)


@pytest.mark.slow
def test_429_retry_after_holds_the_category_until_it_ends(server, tmp_path):
    times = []

    def reply(n):
        times.append(time.monotonic())
        return (429, {"Retry-After": "1"}) if n == 0 else (200, {})

    server.reply = reply
    framecap.init(transport=transport_for(server, tmp_path), install_hooks=False)
    ids = capture_many(3)
    assert framecap.flush(10) is True, "flush waits for rate-limited events within its timeout"
    assert sorted(server.event_ids()) == sorted(ids)
    assert times[1] - times[0] >= 0.95, "nothing is sent before Retry-After has passed"


@pytest.mark.slow
def test_connection_refused_spools_then_a_returning_server_gets_everything_once(tmp_path):
    gone = FakeSentry()
    port = gone.port
    gone.stop()
    dsn = parse_dsn(f"http://publickey@127.0.0.1:{port}/7")
    spool = Spool(str(tmp_path / "spool"))
    transport = HttpTransport(dsn, spool, timeout=2.0, max_retries=2, backoff=(0.02, 0.05))
    framecap.init(transport=transport, install_hooks=False)
    first = capture_many(3)
    assert transport.flush(10) is True
    assert spool.count() == 3, "retries exhausted: kept on disk"
    back = FakeSentry(port=port)
    try:
        later = capture_many(1)
        assert transport.flush(10) is True, "a delivery that succeeds drains the spool"
        assert sorted(back.event_ids()) == sorted(first + later) and spool.count() == 0
        assert_schema_valid(back.events)
    finally:
        back.stop()


def wait_for(condition, timeout=20.0):
    """Bounded polling with a generous deadline (for what happens in another thread or process)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.01)


def spooled(path):
    return sorted(n for n in os.listdir(path) if n.endswith(".event")) if os.path.isdir(path) else []


def test_more_events_than_the_queue_wait_on_disk_while_the_server_hangs(server, tmp_path):
    server.hang.clear()
    transport = transport_for(server, tmp_path, max_queue=2, timeout=30.0)
    framecap.init(transport=transport, install_hooks=False)
    ids = []
    for i in range(6):
        ids += capture_many(1)
        wait_for(lambda n=i + 1: len(spooled(tmp_path / "spool")) == n)  # written ahead; the sender is stuck
    assert transport.stats()["dropped"]["queue_overflow"] == 0
    server.hang.set()
    assert transport.flush(15) is True
    assert sorted(server.event_ids()) == sorted(ids) and spooled(tmp_path / "spool") == []


@pytest.mark.slow
def test_closing_waits_once_and_a_closed_transport_never_waits(server, tmp_path):
    server.hang.clear()
    transport = transport_for(server, tmp_path, timeout=30.0, shutdown_timeout=60.0)
    transport.send({"event_id": "c" * 32, "platform": "python", "level": "error", "timestamp": 1700000000.0})
    closing = threading.Thread(target=transport.close)
    closing.start()
    closing.join(10)
    assert not closing.is_alive(), "close() spools and returns; it doesn't flush again"
    assert transport.spool.count() == 1
    client = framecap.Client(dsn=server.dsn(), state_dir=str(tmp_path / "c"), shutdown_timeout=1, http_timeout=60)
    client.capture_exception(ValueError("pending"))
    waits = []  # every wait the close makes, counted rather than timed (a loaded machine stretches time)
    worker_flush = client.transport.worker.flush
    client.transport.worker.flush = lambda timeout: waits.append(timeout) or worker_flush(timeout)
    closing = threading.Thread(target=client.close)
    closing.start()
    closing.join(30)  # (the alternative to one shutdown_timeout is the hung request's http_timeout, 60 s)
    assert not closing.is_alive() and waits == [1], "one shutdown_timeout, not two"
    assert client.transport.stats()["spooled"] == 1
    server.hang.set()


def run_script(code, tmp_path, timeout=60):
    script = tmp_path / f"script_{time.monotonic_ns()}.py"
    script.write_text(textwrap.dedent(code))
    started = time.monotonic()
    result = processes.python(str(script), timeout=timeout)
    return result, time.monotonic() - started


@pytest.mark.slow
@pytest.mark.integration
def test_exit_within_shutdown_timeout_and_the_next_run_resends(server, tmp_path):
    server.hang.clear()
    server.reply = lambda n: (503, {}) if n == 0 else (200, {})  # the hung request fails once released
    code = f"""
        import framecap
        framecap.init(dsn={server.dsn()!r}, state_dir={str(tmp_path)!r}, shutdown_timeout=1, http_timeout=120)
        ids = []
        for i in range(3):
            try:
                raise KeyError(i)
            except KeyError:
                ids.append(framecap.capture_exception())
        print(",".join(ids))
    """
    result, elapsed = run_script(code, tmp_path, timeout=110)
    assert result.returncode == 0, result.stderr
    # A generous bound, far from both: waiting for the hung request would take http_timeout (120 s);
    # the process should take shutdown_timeout (1 s) plus its start, seconds on a loaded machine.
    assert elapsed < 60, "the process exits within shutdown_timeout, not after the hung request"
    ids = result.stdout.strip().split(",")
    server.hang.set()
    result, _ = run_script(
        f"""
        import framecap
        framecap.init(dsn={server.dsn()!r}, state_dir={str(tmp_path)!r})
        print(framecap.flush(15))
    """,
        tmp_path,
    )
    assert result.stdout.strip() == "True", result.stderr
    assert sorted(server.event_ids()) == sorted(ids), "every event arrives exactly once"


@pytest.mark.slow
@pytest.mark.integration
def test_a_forked_child_gets_a_working_worker(server, tmp_path):
    if not hasattr(os, "fork"):
        pytest.skip("no fork() here")
    result, _ = run_script(
        f"""
        import os, framecap
        framecap.init(dsn={server.dsn()!r}, state_dir={str(tmp_path)!r})
        framecap.capture_exception(ValueError("parent before fork"))
        framecap.flush(10)
        pid = os.fork()
        if pid == 0:
            framecap.capture_exception(ValueError("child"))
            os._exit(0 if framecap.flush(10) else 1)
        _, status = os.waitpid(pid, 0)
        framecap.capture_exception(ValueError("parent after fork"))
        print(os.WEXITSTATUS(status), framecap.flush(10))
    """,
        tmp_path,
    )
    assert result.stdout.strip() == "0 True", result.stderr
    values = sorted(e["exception"]["values"][-1]["value"] for e in server.events)
    assert values == ["child", "parent after fork", "parent before fork"]


def test_proxy_environment(server, tmp_path, monkeypatch):
    monkeypatch.setenv("http_proxy", f"http://user:pw@127.0.0.1:{server.port}")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    transport = HttpTransport(
        parse_dsn("http://publickey@sentry.invalid/7"), Spool(str(tmp_path / "s")), backoff=(0.05, 0.1)
    )
    transport.send({"event_id": "a" * 32, "platform": "python", "level": "error", "timestamp": 1700000000.0})
    assert transport.flush(10) is True
    (request,) = server.requests
    assert request["path"] == "http://sentry.invalid/api/7/envelope/"
    assert request["headers"]["Proxy-Authorization"] == "Basic dXNlcjpwdw=="
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    direct = HttpTransport(parse_dsn(server.dsn()), Spool(str(tmp_path / "d")), backoff=(0.05, 0.1))
    direct.send({"event_id": "b" * 32, "platform": "python", "level": "error", "timestamp": 1700000000.0})
    assert direct.flush(10) is True and server.event_ids() == ["a" * 32, "b" * 32]


def test_valid_dsns_still_parse():
    assert parse_dsn("https://k@[::1]:9000/p/7").envelope_url == "https://[::1]:9000/p/api/7/envelope/"
    assert (
        parse_dsn("http://k@sentry_web.internal/x/y/3").envelope_url == "http://sentry_web.internal/x/y/api/3/envelope/"
    )


def test_a_stale_kept_alive_connection_is_replaced_at_once_without_counting_a_failure(server, tmp_path):
    transport = transport_for(server, tmp_path, backoff=(30.0, 60.0))  # a counted failure would wait 30 s
    ids = []
    for _ in range(2):
        transport.send(make_event())
        assert transport.flush(10) is True
    assert server.connections == 1, "one kept-alive connection"
    server.close_idle()  # the server's idle timeout: FIN on the idle connection
    transport.send(make_event())
    assert transport.flush(10) is True, "reconnected at once"
    server.vanish = 1  # the next request on the kept-alive connection: closed with no answer
    transport.send(make_event())
    assert transport.flush(10) is True, "resent at once on a new connection"
    ids = server.event_ids()
    assert len(ids) == 4 and len(set(ids)) == 4 and server.connections == 3


def test_a_server_that_closes_after_each_answer(server, tmp_path):
    server.reply = lambda n: (200, {"Connection": "close"})  # as gunicorn's sync workers do
    transport = transport_for(server, tmp_path)
    for _ in range(3):
        transport.send(make_event())
    assert transport.flush(10) is True
    assert len(server.event_ids()) == 3 and len(server.requests) == 3 and server.connections == 3


def make_event():
    import uuid

    return {"event_id": uuid.uuid4().hex, "platform": "python", "level": "error", "timestamp": 1700000000.0}


@pytest.mark.slow
def test_http_timeout_is_a_deadline_for_the_whole_request(server, tmp_path):
    def reply(n):
        server.drip = 0.2 if n == 0 else 0.0  # the first answer: one byte every 0.2 s (~25 s in all)
        return 200, {}

    server.reply = reply
    transport = transport_for(server, tmp_path, timeout=1.0)
    transport.send(make_event())
    assert transport.flush(10) is True, "the dripping request was cut off after 1 s, and retried"
    assert len(server.requests) == 2 and len(server.event_ids()) == 2, "the server stored both; same id"
    assert server.event_ids()[0] == server.event_ids()[1]
    sender = HttpSender(parse_dsn(server.dsn()).envelope_url, timeout=0.5)
    server.reply = lambda n: server.__setattr__("drip", 0.2) or (200, {})
    outcome = []
    worker = threading.Thread(target=lambda: outcome.append(_raised(sender, b"{}", {})))
    worker.start()
    worker.join(10)
    assert not worker.is_alive() and isinstance(outcome[0], (TimeoutError, socket.timeout))  # the same from 3.10
    server.drip = 0.0


def _raised(function, *args):
    try:
        return function(*args)
    except Exception as error:
        return error


def test_redirects_are_followed_with_the_same_post_and_bounded(server, tmp_path):
    other = FakeSentry()
    try:
        hops = [
            (301, {"Location": "/moved/api/7/envelope/"}),
            (302, {"Location": f"http://127.0.0.1:{other.port}/api/7/envelope/"}),
        ]
        server.reply = lambda n: hops[n] if n < len(hops) else (200, {})
        other.reply = lambda n: [(307, {"Location": "/a/"}), (308, {"Location": "/b/"}), (200, {})][min(n, 2)]
        transport = transport_for(server, tmp_path)
        event = make_event()
        transport.send(event)
        assert transport.flush(10) is True
        assert [r["path"] for r in server.requests] == ["/api/7/envelope/", "/moved/api/7/envelope/"]
        assert [r["path"] for r in other.requests] == ["/api/7/envelope/", "/a/", "/b/"]
        assert other.event_ids() == [event["event_id"]] and server.event_ids() == []
        body = server.requests[0]["body"]
        assert all(r["body"] == body for r in server.requests + other.requests), "the same POST each time"
        server.reply = lambda n: (307, {"Location": "/again/"})  # a loop: 1 + 5 redirects, then it's an answer
        transport.send(make_event())
        assert transport.flush(10) is True
        assert transport.stats()["dropped"]["send_error"] == 1
        assert len(server.requests) == 2 + 6 + 6, "the event, then the client report of its drop: 1 + 5 redirects each"
        assert_schema_valid(other.events)
    finally:
        other.stop()


def down_server():
    """A port where nothing listens now (a FakeSentry started there later plays the returning server)."""
    gone = FakeSentry()
    port = gone.port
    gone.stop()
    return port, f"http://publickey@127.0.0.1:{port}/7"


def deliver_leftovers(dsn, state, count=1):
    """Start ``count`` fresh processes at once with the same DSN and state dir; each flushes."""
    code = f"import framecap; framecap.init(dsn={dsn!r}, state_dir={state!r}); print(framecap.flush(20))"
    started = [processes.start("-c", code, stdout=subprocess.PIPE, text=True) for _ in range(count)]
    return [p.communicate(timeout=60)[0].strip() for p in started]


@pytest.mark.slow
@pytest.mark.integration
@pytest.mark.parametrize("signal_name", ["SIGKILL", "SIGTERM"])
def test_events_written_ahead_survive_a_kill_and_the_next_process_sends_them_once(tmp_path, signal_name):
    import signal

    port, dsn = down_server()
    code = f"""
import sys, framecap
framecap.init(dsn={dsn!r}, state_dir={str(tmp_path)!r})
ids = []
for i in range(10):
    try:
        raise KeyError(i)
    except KeyError:
        ids.append(framecap.capture_exception())
print(",".join(ids), flush=True)
sys.stdin.read()  # until killed
"""
    child = processes.start("-c", code, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        ids = child.stdout.readline().strip().split(",")
        wait_for(lambda: (tmp_path / "spool").exists() and len(spooled(next((tmp_path / "spool").iterdir()))) == 10)
        child.send_signal(getattr(signal, signal_name))  # Python's default SIGTERM handler: no exit handlers
        child.wait(20)
    finally:
        child.kill()
        child.wait(20)
    assert child.returncode == -getattr(signal, signal_name)
    spool = next((tmp_path / "spool").iterdir())
    back = FakeSentry(port=port)
    try:
        assert deliver_leftovers(dsn, str(tmp_path)) == ["True"]
        assert sorted(back.event_ids()) == sorted(ids), "each event exactly once"
        assert spooled(spool) == []
        assert_schema_valid(back.events)
    finally:
        back.stop()


@pytest.mark.slow
@pytest.mark.integration
def test_several_processes_starting_at_once_send_each_leftover_exactly_once(tmp_path):
    port, dsn = down_server()
    spool = Spool(os.path.join(str(tmp_path), "spool", parse_dsn(dsn).key), max_events=1000)
    ids = []
    for _ in range(60):
        event = make_event()
        ids.append(event["event_id"])
        spool.write(event["event_id"], json.dumps(event).encode())
    back = FakeSentry(port=port)
    try:
        assert deliver_leftovers(dsn, str(tmp_path), count=3) == ["True"] * 3
        assert sorted(back.event_ids()) == sorted(ids), "each event exactly once"
        assert os.listdir(spool.directory) == []
    finally:
        back.stop()


@pytest.mark.slow
@pytest.mark.integration
@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_multiprocessing_children_lose_no_events(server, tmp_path, method):
    import multiprocessing

    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} here")
    script = tmp_path / "pool.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import multiprocessing, framecap
            framecap.init(dsn={server.dsn()!r}, state_dir={str(tmp_path)!r}, install_hooks=False)

            def work(n):
                for i in range(3):
                    try:
                        raise ValueError(f"child {{n}} event {{i}}")
                    except ValueError:
                        framecap.capture_exception()
                # no flush: the child ends through os._exit (fork) or sys.exit (spawn)

            if __name__ == "__main__":
                context = multiprocessing.get_context({method!r})
                children = [context.Process(target=work, args=(n,)) for n in range(2)]
                for child in children:
                    child.start()
                for child in children:
                    child.join(60)
                print([child.exitcode for child in children])
            """
        )
    )
    result = processes.python(str(script), timeout=120)
    assert result.stdout.strip() == "[0, 0]", result.stderr
    values = sorted(e["exception"]["values"][-1]["value"] for e in server.events)
    assert values == sorted(f"child {n} event {i}" for n in range(2) for i in range(3))


def test_a_refusal_reaches_the_server_as_a_client_report_and_the_client_stats(server, tmp_path, caplog):
    server.reply = lambda n: (400, {}) if n == 0 else (200, {})
    client = framecap.init(dsn=server.dsn(), state_dir=str(tmp_path), install_hooks=False)
    refused, delivered = capture_many(2)
    assert client.flush(10) is True, "flush waits for the report too"
    assert server.event_ids() == [delivered] and server.discarded() == {"send_error:error": 1}
    stats = client.stats()
    assert (stats["sent"], stats["dropped"]["send_error"], stats["queued"], stats["spooled"]) == (1, 1, 0, 0)
    assert "refused by the server (HTTP 400)" in caplog.text, "a WARNING, debug or not"
    assert framecap.Client(transport=lambda e: None).stats() == {}
