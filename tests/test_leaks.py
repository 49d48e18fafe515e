"""The leak corpus: secrets of every kind planted everywhere; none may appear anywhere in the encoded event."""

import json
import random
import secrets
import sqlite3
import string

import pytest

import framecap
from framecap.integrations.dbapi import instrument
from framecap.integrations.wsgi import FramecapWSGIMiddleware

flask = pytest.importorskip("flask")


def _alnum(n):
    return "".join(random.choice(string.ascii_letters + string.digits) for _ in range(n))


def _card():
    digits = [4] + [random.randint(0, 9) for _ in range(14)]
    total = sum(d if i % 2 else (d * 2 - 9 if d > 4 else d * 2) for i, d in enumerate(reversed(digits)))
    return "".join(map(str, digits + [(10 - total % 10) % 10]))


class Secrets:
    """Fresh secrets per test run, built at runtime: no source line holds one."""

    def __init__(self):
        token = lambda prefix: prefix + secrets.token_hex(6)  # noqa: E731
        self.by_kind = {
            "nested_password": token("np"),
            "apikey_camel": token("ak"),
            "session_dash": token("sd"),
            "client_secret": token("cs"),
            "dotted": token("dt"),
            "masked": token("ms"),
            "bytes_kv": token("bk"),
            "tuple_cred": token("tc"),
            "url_password": token("up"),
            "aws": "AKIA" + _alnum(16).upper(),
            "jwt": "eyJ" + _alnum(20) + ".eyJ" + _alnum(24) + "." + _alnum(20),
            "pem": _alnum(40),
            "card": _card(),
            "github": "ghp_" + _alnum(36),
            "slack": "xoxb-" + _alnum(24),
            "stripe": "sk_live_" + _alnum(24),
            "sql_literal": token("sl"),
            "sql_param": token("sp"),
            "log_kv": token("lk"),
            "exc_url": token("eu"),
            "exc_bearer": _alnum(24),
            "authz": _alnum(24),
            "xapikey": token("xk"),
            "cookie_session": token("cks"),
            "cookie_csrf": token("ckc"),
            "query_key": token("qk"),
            "json_password": token("jp"),
            "json_token": token("jt"),
            "form_password": token("fp"),
            "multipart_token": token("mt"),
            "file_content": token("fc"),
            "raw_query_bytes": token("rq"),
            "header_auth_token": token("xat"),
        }
        self.client_ip = "198.51.100.23"

    def __getitem__(self, kind):
        return self.by_kind[kind]

    def __repr__(self):
        return "<Secrets>"


class MaskedStr(str):
    def __repr__(self):
        return "MaskedStr('***')"


def make_app(S):
    app = flask.Flask("leaky")
    app.config["PROPAGATE_EXCEPTIONS"] = True

    @app.route("/work", methods=["POST"])
    def work():
        k = S  # S["kind"] fetches one secret; the view never holds the whole set
        flask.request.get_data()  # the body is read (JSON, form or multipart)
        config = {
            "db": {"password": k["nested_password"], "host": "db1"},
            "apiKey": k["apikey_camel"],
            "Session-Id": k["session_dash"],
            "client_secret": k["client_secret"],
            "user.password": k["dotted"],
        }
        masked = MaskedStr(k["masked"])
        raw_query = b"page=2&api_key=" + k["raw_query_bytes"].encode()
        as_bytes = b"password=" + k["bytes_kv"].encode()
        pair = ("credentials", {"credentials": (k["tuple_cred"], "x")})
        url = "postgres://app:" + k["url_password"] + "@db.internal:5432/app"
        provider_keys = (k["aws"], k["github"], k["slack"], k["stripe"])
        token_like = [k["jwt"], "-----BEGIN PRIVATE KEY-----\n" + k["pem"] + "\n-----END PRIVATE KEY-----"]
        card_number = k["card"]
        log_line = "login failed for ada password=" + k["log_kv"]
        conn = instrument(sqlite3.connect(":memory:"))
        conn.execute("CREATE TABLE app_user (id INTEGER, password TEXT)")
        conn.execute("UPDATE app_user SET password='" + k["sql_literal"] + "' WHERE id=1;")
        conn.execute("INSERT INTO app_user VALUES (?, ?)", (1, k["sql_param"]))
        framecap.set_user({"id": 42, "username": "ada"})
        ratio = len(config) / (len(provider_keys) - 4)
        return str((masked, raw_query, as_bytes, pair, url, token_like, card_number, log_line, ratio))

    @app.errorhandler(ZeroDivisionError)
    def wrap(error):
        raise RuntimeError(
            "cannot reach postgres://app:" + S["exc_url"] + "@db.internal/app with Bearer " + S["exc_bearer"]
        ) from error

    app.wsgi_app = FramecapWSGIMiddleware(app.wsgi_app)
    return app


def send_all(app, S):
    k = S.by_kind
    client = app.test_client()
    client.set_cookie("sessionid", k["cookie_session"])
    client.set_cookie("csrftoken", k["cookie_csrf"])
    client.set_cookie("theme", "dark")
    headers = {
        "Authorization": "Bearer " + k["authz"],
        "X-Api-Key": k["xapikey"],
        "X-Auth-Token": k["header_auth_token"],
        "X-Forwarded-For": S.client_ip,
        "User-Agent": "leak-test/1.0",
    }
    query = "?page=2&api_key=" + k["query_key"]
    bodies = [
        {"json": {"password": k["json_password"], "nested": {"apiToken": k["json_token"]}, "note": "ok"}},
        {"data": {"password": k["form_password"], "note": "ok"}},
        {
            "data": {
                "token": k["multipart_token"],
                "upload": (__import__("io").BytesIO(k["file_content"].encode()), "f.txt"),
            },
            "content_type": "multipart/form-data",
        },
    ]
    for body in bodies:
        with pytest.raises(RuntimeError):
            client.post("/work" + query, headers=headers, environ_base={"REMOTE_ADDR": "10.1.2.3"}, **body)


@pytest.mark.parametrize("pii", [False, True])
def test_no_secret_anywhere_in_any_event(memory, pii):
    framecap.init(transport=memory, install_hooks=False, send_default_pii=pii)
    S = Secrets()
    send_all(make_app(S), S)
    assert len(memory.events) == 3
    for event in memory.events:
        encoded = json.dumps(event)
        leaked = {kind: value for kind, value in S.by_kind.items() if value in encoded}
        assert leaked == {}, f"leaked with send_default_pii={pii}: {sorted(leaked)}"
        assert "MaskedStr('***')" in encoded
        request = event["request"]
        assert request["query_string"] == "page=2&api_key=[Filtered]"
        assert event["user"]["id"] == 42 and event["user"]["username"] == "ada"
        if pii:
            assert request["headers"]["User-Agent"] == "leak-test/1.0"
            assert request["headers"]["Authorization"] == "[Filtered]"
            assert request["cookies"]["theme"] == "dark" and request["cookies"]["sessionid"] == "[Filtered]"
            assert event["user"]["ip_address"] == "10.1.2.3", "X-Forwarded-For is not trusted without trusted_proxies"
        else:
            assert "headers" not in request and "cookies" not in request and "ip_address" not in event["user"]
            assert "10.1.2.3" not in encoded and "leak-test/1.0" not in encoded
    bodies = [e["request"].get("data") for e in memory.events]
    assert bodies[0] == {"password": "[Filtered]", "nested": {"apiToken": "[Filtered]"}, "note": "ok"}
    assert bodies[1] == {"password": "[Filtered]", "note": "ok"}
    assert bodies[2] == {"token": "[Filtered]", "upload": ""}
    crumbs = [c["message"] for c in memory.events[0]["breadcrumbs"]["values"]]
    assert "UPDATE app_user SET password=%s WHERE id=%s;" in crumbs


def test_tokens_that_drew_only_digits_are_still_secrets(memory, monkeypatch):
    """``token_hex(6)`` is all digits about once in 280 draws: ``"mt" + digits`` under ``token`` or in a
    session cookie is as secret as any other draw (CI met it as a one-in-ten flake of the test above)."""
    monkeypatch.setattr(secrets, "token_hex", lambda n: "".join(random.choice(string.digits) for _ in range(2 * n)))
    framecap.init(transport=memory, install_hooks=False, send_default_pii=True)
    S = Secrets()
    monkeypatch.undo()
    send_all(make_app(S), S)
    assert len(memory.events) == 3
    for event in memory.events:
        encoded = json.dumps(event)
        assert sorted(kind for kind, value in S.by_kind.items() if value in encoded) == []


def test_trusted_proxy_gives_the_forwarded_address(memory):
    framecap.init(transport=memory, install_hooks=False, send_default_pii=True, trusted_proxies=["10.0.0.0/8"])
    S = Secrets()
    send_all(make_app(S), S)
    assert {e["user"]["ip_address"] for e in memory.events} == {S.client_ip}


@pytest.mark.parametrize("include", [False, True])
def test_include_local_variables_off_sends_no_locals(memory, include):
    framecap.init(transport=memory, install_hooks=False, include_local_variables=include)
    S = Secrets()
    send_all(make_app(S), S)
    assert len(memory.events) == 3
    for event in memory.events:
        frames = [f for v in event["exception"]["values"] for f in v["stacktrace"]["frames"]]
        ours = [(f["function"], "vars" in f) for f in frames if f["function"].startswith("make_app.")]
        assert ours == [("make_app.<locals>.work", include), ("make_app.<locals>.wrap", include)]
        assert include or not [f for f in frames if "vars" in f or "expressions" in f.get("data", {})]


def test_privacy_options_from_the_environment(monkeypatch, memory):
    monkeypatch.setenv("FRAMECAP_DENYLIST", "pin, customerEmail")
    monkeypatch.setenv("FRAMECAP_ALLOWLIST", "csrftoken")
    monkeypatch.setenv("FRAMECAP_SEND_DEFAULT_PII", "yes")
    monkeypatch.setenv("FRAMECAP_MAX_REQUEST_BODY_SIZE", "Small")
    monkeypatch.setenv("FRAMECAP_TRUSTED_PROXIES", "10.0.0.0/8")
    client = framecap.init(transport=memory, install_hooks=False)
    o = client.options
    assert (o.denylist, o.allowlist, o.send_default_pii, o.max_request_body_size, o.trusted_proxies) == (
        ("pin", "customerEmail"),
        ("csrftoken",),
        True,
        "small",
        ("10.0.0.0/8",),
    )

    def fail():
        card_pin = "1234"  # noqa: F841
        customer_email = "ada@example.com"  # noqa: F841
        csrftoken = "visible"  # noqa: F841
        raise ValueError("x")

    try:
        fail()
    except ValueError:
        framecap.capture_exception()
    local_vars = memory.events[-1]["exception"]["values"][-1]["stacktrace"]["frames"][-1]["vars"]
    assert local_vars == {"card_pin": "'[Filtered]'", "customer_email": "'[Filtered]'", "csrftoken": "'visible'"}
    monkeypatch.setenv("FRAMECAP_MAX_REQUEST_BODY_SIZE", "huge")
    with pytest.raises(framecap.ConfigError, match="FRAMECAP_MAX_REQUEST_BODY_SIZE"):
        framecap.init(transport=memory, install_hooks=False)


def test_scrub_values_off(memory):
    framecap.init(transport=memory, install_hooks=False, scrub_values=False)
    framecap.capture_exception(ValueError("postgres://u:visible-pw@h/db"))
    assert memory.events[-1]["exception"]["values"][-1]["value"] == "postgres://u:visible-pw@h/db"


def test_explicit_user_tags_extra_are_sent_as_set_but_scrubbed(memory):
    framecap.set_user({"id": 7, "email": "ada@example.com", "api_token": "tok-7f3a9c2e41b8d6"})
    framecap.set_tag("tenant", "acme")
    framecap.set_extra("order", {"id": 99, "card": _card(), "password": "pw"})
    framecap.capture_exception(ValueError("x"))
    event = memory.events[-1]
    assert event["user"] == {"id": 7, "email": "ada@example.com", "api_token": "[Filtered]"}
    assert event["tags"] == {"tenant": "acme"}
    assert event["extra"] == {"order": {"id": 99, "card": "[Filtered]", "password": "[Filtered]"}}


def test_scopes_are_per_thread(memory):
    import threading

    from framecap import scope

    barrier = threading.Barrier(4)
    ids = {}

    def work(n):
        with scope.isolated():
            framecap.set_tag("worker", str(n))
            barrier.wait()
            ids[n] = framecap.capture_exception(ValueError(str(n)))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    by_id = {e["event_id"]: e for e in memory.events}
    assert all(by_id[ids[n]]["tags"] == {"worker": str(n)} for n in range(4))
