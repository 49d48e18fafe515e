"""README "Delivery to Sentry-compatible servers": wire, redirect and spool promises no other test pins."""

import contextlib
import gzip
import os
import ssl
import subprocess
import time

import pytest
from envelopes import parse_envelope
from fakeserver import FakeSentry

import framecap
from conftest import assert_schema_valid
from framecap.dsn import parse_dsn
from framecap.transports.http import HttpTransport
from framecap.transports.spool import Spool


@pytest.fixture
def server():
    fake = FakeSentry()
    yield fake
    fake.stop()
    assert_schema_valid(fake.events)


def _fail(order_id):
    ratio = 10 / (len(order_id) - 3)  # noqa: F841 - a frame with a failing range (colno, data.end_colno)
    return ratio


def test_on_the_wire_frames_lose_data_and_the_user_fits_the_schema_while_before_send_saw_them(server, tmp_path):
    built = []

    def keep(event, hint):
        built.append(event)
        return event

    framecap.init(dsn=server.dsn(), state_dir=str(tmp_path), install_hooks=False, before_send=keep)
    framecap.set_user({"id": 42, "plan": "pro", "username": "ada"})
    try:
        _fail("o-7")
    except ZeroDivisionError:
        event_id = framecap.capture_exception()
    assert framecap.flush(10) is True
    (sent,) = server.events
    assert sent["event_id"] == event_id
    assert sent["user"] == {"id": "42", "username": "ada", "data": {"plan": "pro"}}
    frames = [f for value in sent["exception"]["values"] for f in value["stacktrace"]["frames"]]
    assert frames and not [f for f in frames if "data" in f], "no frame keeps framecap's data"
    (kept,) = built
    kept_frames = [f for value in kept["exception"]["values"] for f in value["stacktrace"]["frames"]]
    assert any("data" in f for f in kept_frames), "the event as built has it (what the inbox stores)"
    assert kept["user"]["id"] == 42


def test_a_303_or_a_300_is_the_answer_and_drops_the_event_after_one_request(server, tmp_path):
    server.reply = lambda n: [(303, {"Location": "/elsewhere/"}), (300, {"Location": "/elsewhere/"})][n % 2]
    spool = Spool(str(tmp_path / "spool"), 100, 10_000_000)
    transport = HttpTransport(parse_dsn(server.dsn()), spool, timeout=5.0, max_retries=5, backoff=(0.05, 0.2))
    try:
        for n in range(2):
            transport.send({"event_id": f"{n:032x}", "platform": "python", "level": "error", "timestamp": 1.7e9})
            assert transport.flush(10) is True
        assert transport.stats()["dropped"]["send_error"] == 2
    finally:
        transport.close()
    kinds = [[item["type"] for item, _ in parse_envelope(r["body"], "gzip")[1]] for r in server.requests]
    assert [k for k in kinds if "event" in k] == [["event"], ["event"]], "one request per event: never retried"
    assert not [r for r in server.requests if r["path"] == "/elsewhere/"]
    assert os.listdir(tmp_path / "spool") == [], "a dropped event leaves the spool"


def test_no_spool_with_max_spool_events_0_and_events_still_go(server, tmp_path):
    server.hang.clear()  # nothing is delivered until the test says so: the events wait somewhere
    framecap.init(dsn=server.dsn(), state_dir=str(tmp_path), install_hooks=False, max_spool_events=0)
    ids = [framecap.capture_message(f"message {n}") for n in range(3)]
    time.sleep(0.3)  # the write-ahead would be on disk by now (README: within 100 ms)
    files = [name for _, _, names in os.walk(tmp_path) for name in names]
    server.hang.set()
    assert files == [], "nothing written to disk"
    assert framecap.flush(10) is True
    assert sorted(server.event_ids()) == sorted(ids), "delivered from memory"


@pytest.fixture
def certificate(tmp_path):
    """A self-signed certificate for 127.0.0.1 (key, cert)."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    try:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
            + ["-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1"]
            + ["-addext", "subjectAltName=IP:127.0.0.1"],
            check=True,
            capture_output=True,
            timeout=60,
        )
    except (OSError, subprocess.CalledProcessError) as error:
        pytest.skip(f"openssl can't make a certificate here: {error}")
    return str(key), str(cert)


def test_https_trusts_ssl_cert_file_and_a_redirect_to_http_is_never_followed(tmp_path, certificate, monkeypatch):
    key, cert = certificate
    secure, plain = FakeSentry(), FakeSentry()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    secure.server.socket = context.wrap_socket(secure.server.socket, server_side=True)
    monkeypatch.setenv("SSL_CERT_FILE", cert)
    dsn = f"https://publickey@127.0.0.1:{secure.port}/7"
    try:
        client = framecap.init(dsn=dsn, state_dir=str(tmp_path), install_hooks=False)
        first = framecap.capture_message("over TLS")
        assert framecap.flush(10) is True
        assert secure.event_ids() == [first], "SSL_CERT_FILE made the self-signed server trusted"
        secure.reply = lambda n: (302, {"Location": f"http://127.0.0.1:{plain.port}/api/7/envelope/"})
        framecap.capture_message("must not leave TLS")
        assert framecap.flush(10) is True
        assert plain.requests == [], "never from https to http"
        assert client.stats()["dropped"]["send_error"] == 1, "the redirect was the answer: refused"
    finally:
        framecap.flush(5)
        secure.stop()
        plain.stop()


def test_the_spool_is_under_the_default_state_dir_private_to_the_user(server, tmp_path, monkeypatch):
    import stat

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    server.hang.clear()
    framecap.init(dsn=server.dsn(), install_hooks=False)
    framecap.capture_message("waits in the spool")
    spool_root = tmp_path / "state" / "framecap" / "spool"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not list(spool_root.rglob("*.event")):
        time.sleep(0.02)
    try:
        files = [p for p in spool_root.rglob("*") if p.is_file()]  # (no temporary file left beside it)
        assert len(files) == 1, "state_dir/spool/<DSN id>/, one file per event"
        (directory,) = [p for p in spool_root.iterdir() if p.is_dir()]
        assert files[0].parent == directory
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700 and stat.S_IMODE(files[0].stat().st_mode) == 0o600
    finally:
        server.hang.set()  # (only now may the event be delivered and its file deleted)
    assert framecap.flush(10) is True


def test_a_5xx_is_retried_five_times_then_the_event_waits_in_the_spool(server, tmp_path):
    server.reply = lambda n: (503, {})
    spool = Spool(str(tmp_path / "spool"), 100, 10_000_000)
    transport = HttpTransport(parse_dsn(server.dsn()), spool, timeout=5.0, backoff=(0.01, 0.05))
    try:
        transport.send({"event_id": "e" * 32, "platform": "python", "level": "error", "timestamp": 1.7e9})
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(server.requests) < 6:
            time.sleep(0.02)
        time.sleep(0.2)  # (a seventh attempt would come within this: the backoff is at most 0.075 s)
        attempts = [r for r in server.requests if b"client_report" not in gzip.decompress(r["body"])]
        assert len(attempts) == 1 + 5, "the first attempt, then five retries in this process"
        assert transport.stats()["dropped"]["send_error"] == 0
        assert [name for name in os.listdir(tmp_path / "spool") if name.endswith(".event")], "kept for later"
    finally:
        transport.close()


class ConnectProxy:
    """A forward proxy that only tunnels (CONNECT), recording each request line and its headers."""

    def __init__(self):
        import socket
        import threading

        self.seen = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        import socket
        import threading

        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = client.recv(4096)
                if not chunk:
                    break
                head += chunk
            lines = head.decode("latin-1").split("\r\n")
            self.seen.append(lines[0:1] + [line for line in lines[1:] if line])
            host, _, port = lines[0].split()[1].rpartition(":")
            upstream = socket.create_connection((host, int(port)))
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        with contextlib.suppress(OSError):
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.close()

    def stop(self):
        self.listener.close()


def test_https_goes_through_the_proxy_as_a_connect_tunnel_with_the_proxys_credentials(
    tmp_path, certificate, monkeypatch
):
    key, cert = certificate
    secure = FakeSentry()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    secure.server.socket = context.wrap_socket(secure.server.socket, server_side=True)
    proxy = ConnectProxy()
    for name in ("no_proxy", "NO_PROXY", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("https_proxy", f"http://ada:s3cret@127.0.0.1:{proxy.port}")
    monkeypatch.setenv("SSL_CERT_FILE", cert)
    try:
        framecap.init(dsn=f"https://publickey@127.0.0.1:{secure.port}/7", state_dir=str(tmp_path), install_hooks=False)
        event_id = framecap.capture_message("through the tunnel")
        assert framecap.flush(10) is True
        assert secure.event_ids() == [event_id]
        assert proxy.seen, "the request went through the proxy"
        for request in proxy.seen:
            assert request[0].startswith(f"CONNECT 127.0.0.1:{secure.port} HTTP/1.")
            assert "Proxy-Authorization: Basic YWRhOnMzY3JldA==" in request, "credentials from the proxy URL"
    finally:
        framecap.flush(5)
        secure.stop()
        proxy.stop()
