import json

from hypothesis import given
from hypothesis import strategies as st

from framecap.scrub import FILTERED, Scrubber, name_words

SENSITIVE = [
    "password",
    "user_password",
    "api_token",
    "access_token",
    "refresh_token",
    "client_secret",
    "secret_key",
    "Session-Id",
    "apiKey",
    "APIKey",
    "PASSWORD",
    "passwd",
    "api_key",
    "apikey",
    "auth",
    "credentials",
    "mysql_pwd",
    "privatekey",
    "private_key",
    "token",
    "session",
    "csrftoken",
    "sessionid",
    "x_csrftoken",
    "x_forwarded_for",
    "set_cookie",
    "cookie",
    "authorization",
    "proxy-authorization",
    "x_api_key",
    "X-Auth-Token",
    "user.password",
    "HTTP_COOKIE",
    "HTTP_AUTHORIZATION",
    "sessionID",
    "oauthToken",
    "DB_DSN",
]
ORDINARY = [
    "count",
    "name",
    "host",
    "hostname",
    "author",
    "tokenizer",
    "tokens_used"[:0] + "total",
    "user_id",
    "path",
    "items",
    "passenger",
    "sessions_count"[:0] + "seconds",
    "authority"[:0] + "owner",
    "keyboard",
    "monkey",
]


def test_sensitive_names_are_caught_as_words():
    s = Scrubber()
    assert [n for n in SENSITIVE if not s.sensitive(n)] == []
    assert [n for n in ORDINARY if s.sensitive(n)] == []


def test_denylist_and_allowlist_extend_and_exempt():
    s = Scrubber(denylist=["pin", "customerEmail"], allowlist=["csrftoken"])
    assert s.sensitive("card_pin") and s.sensitive("customer_email") and s.sensitive("CUSTOMER-EMAIL")
    assert not s.sensitive("csrftoken") and s.sensitive("token")


@given(
    st.lists(st.sampled_from(["user", "Api", "KEY", "password", "x", "id", "Token", "db"]), min_size=1, max_size=4),
    st.sampled_from(["_", "-", ".", " ", ""]),
)
def test_name_normalizer_folds_separators_and_case(words, separator):
    joined = separator.join(words) if separator else "".join(w[:1].upper() + w[1:].lower() for w in words)
    assert name_words(joined) == tuple(w.lower() for w in words) or separator == ""
    assert name_words(joined.upper()) == name_words(joined.upper().replace("-", "_"))
    if any(w.lower() in ("password", "token") for w in words):
        assert Scrubber().sensitive(joined)


@given(st.text(max_size=200))
def test_scrub_text_never_raises_and_only_replaces_with_the_marker(text):
    out = Scrubber().scrub_text(text)
    assert isinstance(out, str)
    if out != text:  # whatever was kept is the text's own, in order, around the markers
        kept = [piece for piece in out.split(FILTERED) if piece]
        position = 0
        for piece in kept:
            position = text.index(piece, position) + len(piece)


def test_values_inside_text():
    s = Scrubber()
    cases = {
        "postgres://app:s3cr3tpw@db.internal:5432/main": "postgres://app:[Filtered]@db.internal:5432/main",
        "Authorization: Bearer abc.def-123456789 done": "Authorization: [Filtered] done",
        "got Bearer AbCdEf0123456789xyz": "got [Filtered]",
        "b'page=2&api_key=SECRET123&sort=asc'": "b'page=2&api_key=[Filtered]&sort=asc'",
        "login failed password=hunter22 user=bob": "login failed password=[Filtered] user=bob",
        "{'token': 'abc123', 'n': 1}": "{'token': '[Filtered]', 'n': 1}",
        '{"apiKey": "k-123", "host": "db1"}': '{"apiKey": "[Filtered]", "host": "db1"}',
        "card 4111 1111 1111 1111 charged": "card [Filtered] charged",
        "key AKIAIOSFODNN7EXAMPLE used": "key [Filtered] used",
        "stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc": "stripe [Filtered]",
        "gh ghp_16C7e42F292c6912E7710c838347Ae178B4a": "gh [Filtered]",
        "pat github_pat_11ABCDEFG0123456789_abcdefghijklmnop": "pat [Filtered]",
        "slack xoxb-263594206564-FGqddMF8t08v8N7Oq4i57vs1": "slack [Filtered]",
        "from 203.0.113.9 via 2001:db8::7": "from [Filtered] via [Filtered]",
        "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBg\\n-----END PRIVATE KEY-----": "[Filtered]",
        "jwt=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl": "jwt=[Filtered]",
    }
    for text, expected in cases.items():
        assert s.scrub_text(text) == expected, text


def test_ordinary_values_stay_readable():
    s = Scrubber()
    for text in [
        "count=5 host=db1.internal port=5432",
        "took 12:30:45 for 1700000000000 ms",
        "version 3.11.7",
        "order 12345678901234567 shipped",
        "user ada has 3 items",
        "<Account object at 0x7f0ae391d710>",
        "http://example.com/path?page=2",
        "ratio: 0.5",
    ]:
        assert s.scrub_text(text) == text, text


def test_scrub_values_off_keeps_text_but_keys_still_filter():
    s = Scrubber(scrub_values=False)
    event = {"extra": {"password": "x", "note": "password=hunter22"}}
    s(event)
    assert event["extra"] == {"password": FILTERED, "note": "password=hunter22"}


def test_whole_event_walk_and_meta():
    event = {
        "event_id": "a" * 32,
        "level": "error",
        "platform": "python",
        "exception": {
            "values": [
                {
                    "type": "ValueError",
                    "value": "cannot connect to postgres://u:pw123@h/db",
                    "stacktrace": {
                        "frames": [
                            {
                                "function": "token_refresh",
                                "filename": "a.py",
                                "context_line": "    api_key = 'AKIAIOSFODNN7EXAMPLE'",
                                "vars": {"password": "'x'", "nested": {"Secret": ["a"]}, "ok": "'fine'"},
                            }
                        ]
                    },
                }
            ]
        },
        "extra": {"headers": [["Authorization", "Basic dXNlcjpwYXNz"], ["Accept", "*/*"]]},
        "tags": {"session_id": "abc"},
        "user": {"id": "7"},
        "_meta": {
            "exception": {
                "values": {"0": {"stacktrace": {"frames": {"0": {"vars": {"nested": {"Secret": {"": {"len": 9}}}}}}}}}
            }
        },
    }
    Scrubber()(event)
    frame = event["exception"]["values"][0]["stacktrace"]["frames"][0]
    assert frame["function"] == "token_refresh"
    assert frame["vars"] == {"password": FILTERED, "nested": {"Secret": FILTERED}, "ok": "'fine'"}
    assert frame["context_line"] == "    api_key = '[Filtered]'"
    assert event["exception"]["values"][0]["value"] == "cannot connect to postgres://u:[Filtered]@h/db"
    assert event["extra"]["headers"] == [["Authorization", FILTERED], ["Accept", "*/*"]]
    assert event["tags"] == {"session_id": FILTERED} and event["user"] == {"id": "7"}
    frame_meta = event["_meta"]["exception"]["values"]["0"]["stacktrace"]["frames"]["0"]
    assert frame_meta["vars"]["nested"]["Secret"] == {"": {"rem": [["framecap:key", "s", 0, 10]]}}
    assert frame_meta["vars"]["password"] == {"": {"rem": [["framecap:key", "s", 0, 10]], "len": 3}}
    assert "pw123" not in json.dumps(event) and "dXNlcjpwYXNz" not in json.dumps(event)


def test_data_values_mentioning_password_words_are_filtered_whole_like_sentrys_server():
    event = {
        "exception": {
            "values": [
                {
                    "type": "E",
                    "value": "auth failed for ada",
                    "stacktrace": {
                        "frames": [
                            {"context_line": "    check_auth(user)", "vars": {"route": "'/api/auth/login'", "n": "1"}}
                        ]
                    },
                }
            ]
        },
        "request": {"url": "http://x/auth", "query_string": "next=/auth", "data": {"note": "reset password please"}},
        "breadcrumbs": {"values": [{"message": "UPDATE users SET password=%s", "data": {"q": "password reset"}}]},
        "extra": {"hint": "see the secrets file"},
    }
    Scrubber()(event)
    value = event["exception"]["values"][0]
    assert (
        value["value"] == "auth failed for ada"
        and value["stacktrace"]["frames"][0]["context_line"] == "    check_auth(user)"
    )
    assert value["stacktrace"]["frames"][0]["vars"] == {"route": FILTERED, "n": "1"}
    assert event["request"]["url"] == "http://x/auth" and event["request"]["query_string"] == "next=/auth"
    assert event["request"]["data"] == {"note": FILTERED} and event["extra"] == {"hint": FILTERED}
    assert event["breadcrumbs"]["values"][0] == {"message": "UPDATE users SET password=%s", "data": {"q": FILTERED}}
    assert event["_meta"]["extra"]["hint"] == {"": {"rem": [["framecap:sensitive-word", "s", 0, 10]], "len": 20}}
