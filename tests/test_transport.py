"""The DSN transport against a local server of our own: faults, limits, the spool, exit and fork."""

import json
import os
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from envelopes import parse_envelope
from fakeserver import FakeSentry

import framecap
from conftest import ROOT, assert_schema_valid
from framecap.dsn import parse_dsn
from framecap.transports.http import HttpTransport, parse_rate_limits
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
    assert "s3cr3t" not in str(dsn) and "s3cr3t" not in repr(dsn.key)
    assert parse_dsn("http://k@127.0.0.1/1").envelope_url == "http://127.0.0.1/api/1/envelope/"
    cases = {
        "ftp://k@h/1": "scheme",
        "https://h/1": "public key",
        "https://k@/1": "host",
        "https://k@h/": "project id",
        "https://k@h/abc": "project id",
        "https://k:s3cr3t@h:99999/1": "port",
        "https://k@h/1?x=1": "suffix",
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


def test_5xx_and_errors_are_retried_then_delivered_once(server, tmp_path):
    server.reply = lambda n: (503, {}) if n < 3 else (200, {})
    framecap.init(transport=transport_for(server, tmp_path), install_hooks=False)
    ids = capture_many(2)
    assert framecap.flush(10) is True
    assert sorted(server.event_ids()) == sorted(ids)


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


def test_sentry_rate_limits_per_category(server, tmp_path):
    times = []

    def reply(n):
        times.append(time.monotonic())
        if n == 0:
            return 200, {"X-Sentry-Rate-Limits": "86400:transaction:organization, 1:error:key"}
        return 200, {"X-Sentry-Rate-Limits": "86400:transaction:organization"}  # day-long, for transactions only

    server.reply = reply
    framecap.init(transport=transport_for(server, tmp_path), install_hooks=False)
    ids = capture_many(4)
    assert framecap.flush(10) is True
    assert sorted(server.event_ids()) == sorted(ids)
    assert times[1] - times[0] >= 0.95 and times[-1] - times[1] < 5
    assert parse_rate_limits(
        "60:transaction:key, 2700:default;error;security:organization, 5::key", None, 200, 100.0
    ) == {"transaction": 160.0, "default": 2800.0, "error": 2800.0, "security": 2800.0, "": 105.0}
    assert parse_rate_limits(None, "30", 429, 10.0) == {"": 40.0}
    assert parse_rate_limits(None, None, 429, 10.0) == {"": 70.0}


def test_413_and_other_4xx_drop_the_event(server, tmp_path, caplog):
    server.reply = lambda n: (413, {}) if n == 0 else (400, {})
    transport = transport_for(server, tmp_path, debug=True)
    framecap.init(transport=transport, install_hooks=False)
    capture_many(2)
    assert framecap.flush(10) is True
    assert server.event_ids() == [] and len(server.requests) == 2 and transport.spool.count() == 0
    assert [r.getMessage().split(" with ")[1] for r in caplog.records if "refused" in r.getMessage()] == [
        "HTTP 413; dropped",
        "HTTP 400; dropped",
    ]


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


def test_full_queue_spools_instead_of_blocking(server, tmp_path):
    server.hang.clear()
    transport = transport_for(server, tmp_path, max_queue=2, timeout=30.0)
    framecap.init(transport=transport, install_hooks=False)
    ids = capture_many(6)
    assert transport.spool.count() >= 3
    server.hang.set()
    assert transport.flush(15) is True
    transport.close()
    again = transport_for(server, tmp_path)  # the next start resends what was spooled
    assert again.flush(15) is True
    assert sorted(server.event_ids()) == sorted(ids)


def test_closing_waits_once_and_a_closed_transport_never_waits(server, tmp_path):
    server.hang.clear()
    transport = transport_for(server, tmp_path, timeout=30.0, shutdown_timeout=60.0)
    transport.send({"event_id": "c" * 32, "platform": "python", "level": "error", "timestamp": 1700000000.0})
    closing = threading.Thread(target=transport.close)
    closing.start()
    closing.join(10)
    assert not closing.is_alive(), "close() spools and returns; it doesn't flush again"
    assert transport.spool.count() == 1
    client = framecap.Client(dsn=server.dsn(), state_dir=str(tmp_path / "c"), shutdown_timeout=3, http_timeout=30)
    client.capture_exception(ValueError("pending"))
    closing = threading.Thread(target=client.close)
    started = time.monotonic()
    closing.start()
    closing.join(10)
    assert not closing.is_alive() and time.monotonic() - started < 3 + 2.5, "one shutdown_timeout, not two"
    server.hang.set()


def run_script(code, tmp_path, timeout=60):
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRAMECAP_")}
    env["PYTHONPATH"] = ROOT
    script = tmp_path / f"script_{time.monotonic_ns()}.py"
    script.write_text(textwrap.dedent(code))
    started = time.monotonic()
    result = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=timeout)
    return result, time.monotonic() - started


def test_exit_within_shutdown_timeout_and_the_next_run_resends(server, tmp_path):
    server.hang.clear()
    server.reply = lambda n: (503, {}) if n == 0 else (200, {})  # the hung request fails once released
    code = f"""
        import framecap
        framecap.init(dsn={server.dsn()!r}, state_dir={str(tmp_path)!r}, shutdown_timeout=1, http_timeout=30)
        ids = []
        for i in range(3):
            try:
                raise KeyError(i)
            except KeyError:
                ids.append(framecap.capture_exception())
        print(",".join(ids))
    """
    result, elapsed = run_script(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert elapsed < 1 + 10, "the process exits within shutdown_timeout plus a little"
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


def test_spool_is_atomic_bounded_and_claims_once(tmp_path):
    spool = Spool(str(tmp_path), max_events=3, max_bytes=1000)
    for i in range(6):
        assert spool.put(f"{i:032x}", b'{"n": %d}' % i)
    assert spool.count() == 3 and not [n for n in os.listdir(tmp_path) if n.startswith(".tmp")]
    assert spool.put("f" * 32, b"x" * 2000) is False
    first = spool.claim(2)
    assert [event_id for _, event_id, _ in first] == [f"{3:032x}", f"{4:032x}"]
    assert spool.claim(5)[0][1] == f"{5:032x}", "claimed files are not handed out twice"
    spool.release(first[0][0])
    spool.done(first[1][0])
    assert spool.count() == 2
    dead = first[0][0].rsplit("-", 1)[0] + "-999999"
    os.rename(spool.claim(1)[0][0], dead.replace(".claimed-999999", "") + ".claimed-999999")
    assert [e for _, e, _ in spool.claim(5)] == [f"{3:032x}"], "a dead process's claim is taken back"
