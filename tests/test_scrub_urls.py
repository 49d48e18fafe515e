"""URL rules where the URL is not a URL: bare query strings and form bodies, WSGI ``QUERY_STRING`` and ASGI
``query_string`` in frames, fragments, percent-encoded nested URLs, tokens used as URL users."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from framecap.scrub import FILTERED, Scrubber

F = FILTERED
T = "Tk5mQ8vR2wL7pQ4zXc9B"


def frame_vars(variables):
    frame = {"function": "app", "filename": "app.py", "vars": variables}
    event = {"exception": {"values": [{"type": "E", "value": "boom", "stacktrace": {"frames": [frame]}}]}}
    Scrubber()(event)
    return frame["vars"]


def test_wsgi_and_asgi_query_strings_in_frames_are_queries():
    found = frame_vars(
        {
            "environ": {"QUERY_STRING": f"'code={T}&state=af0i'", "PATH_INFO": "'/callback'"},
            "scope": {"query_string": f"b'code={T}'", "path": "'/callback'"},
        }
    )
    assert found["environ"]["QUERY_STRING"] == f"'code={F}&state=af0i'"
    assert found["scope"]["query_string"] == f"b'code={F}'"


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            f"body: grant_type=authorization_code&code={T}&redirect_uri=x",
            f"body: grant_type=authorization_code&code={F}&redirect_uri=x",
        ),
        (
            f"https://app.example/cb#access_token={T}&token_type=bearer",
            f"https://app.example/cb#access_token={F}&token_type=bearer",
        ),
        (f"https://app.example/login?next=%2Fcb%3Faccess_token%3D{T}", f"https://app.example/login?next={F}"),
        (
            f"fatal: unable to access 'https://{T}@github.com/acme/app.git/'",
            f"fatal: unable to access 'https://{F}@github.com/acme/app.git/'",
        ),
        (f"GET /shop;jsessionid={T}?page=2", f"GET /shop;jsessionid={F}?page=2"),
        (f"https://x.example/api?appkey={T}&v=2", f"https://x.example/api?appkey={F}&v=2"),
        (f"https://x.example/account/set-password/{T}/", f"https://x.example/account/set-password/{F}/"),
        (
            f"POST https://maker.ifttt.com/trigger/deploy/with/key/{T}",
            f"POST https://maker.ifttt.com/trigger/deploy/with/key/{F}",
        ),
    ],
)
def test_url_rules_beyond_the_first_question_mark(text, expected):
    assert Scrubber().scrub_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "GET /api?page=2&per_page=50 took 3s",
        "a=1&b=2&c=hello",
        "https://deploy-bot@github.com/acme/app.git",
        "https://app.example/docs#section=install&lang=en",
        "sort=name&order=asc&code=200",
    ],
)
def test_ordinary_queries_stay(text):
    assert Scrubber().scrub_text(text) == text


@given(
    st.lists(st.tuples(st.sampled_from(["page", "q", "sort", "lang", "id"]), st.text("abc123", max_size=8)), max_size=5)
)
def test_a_query_of_ordinary_names_is_never_changed(pairs):
    text = "&".join(f"{k}={v}" for k, v in pairs)
    assert Scrubber().scrub_text("GET /x?" + text) == "GET /x?" + text
    assert Scrubber().scrub_text(text) == text


def test_public_parts_of_urls_stay():
    dsn = "https://d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5@o123.ingest.sentry.io/4505"  # a DSN's key is public
    webhook = "https://discord.com/api/webhooks/123456789012345678/abcDEF-ghiJKL_mnoPQR123456"
    assert Scrubber().scrub_text(dsn) == dsn
    assert Scrubber().scrub_text(webhook) == "https://discord.com/api/webhooks/123456789012345678/[Filtered]"
