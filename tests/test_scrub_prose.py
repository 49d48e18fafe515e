"""Secrets where no ``name=value`` says what they are: prose after a sensitive word, XML elements,
``.pgpass`` lines, session cookies by their names."""

import pytest

from framecap.names import WEAK, Names
from framecap.scrub import FILTERED, Scrubber

F = FILTERED
T = "NeBIrDE8BisUur7y0xlh5z"


@pytest.mark.parametrize(
    "text, expected",
    [
        (f"login ok for ada with password {T}", f"login ok for ada with password {F}"),
        (f"Using API key {T} for region eu", f"Using API key {F} for region eu"),
        (f"client secret is {T}", f"client secret is {F}"),
        (f"refund failed (password {T})", f"refund failed (password {F})"),
        (
            f"<server><id>nexus</id><password>{T}</password></server>",
            f"<server><id>nexus</id><password>{F}</password></server>",
        ),
        (
            f'<wsse:Password Type="PasswordText">{T}</wsse:Password>',
            f'<wsse:Password Type="PasswordText">{F}</wsse:Password>',
        ),
        (f"bad .pgpass line: db.internal:5432:shop:app:{T}", f"bad .pgpass line: db.internal:5432:shop:app:{F}"),
    ],
)
def test_secrets_without_a_pair(text, expected):
    assert Scrubber().scrub_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "The password is too similar to the username.",
        "token expired for user 42",
        "password reset requested for alice@example.com",
        "session: 2024-05-17T10:15:00Z resumed",
        "<token_type>bearer</token_type><key>cache:user:42</key>",
        "addr fe80:0:0:0:1:2:3:4 up",
    ],
)
def test_prose_about_secrets_stays(text):
    assert Scrubber().scrub_text(text) == text


def test_session_cookies_are_known_by_their_names():
    names = Names()
    for cookie in ("_gh_sess", "SSESS5f2e1c", "wordpress_logged_in_5c2f", "remember_web_59ba36addc2b2f94"):
        assert names.tier(cookie) == WEAK, cookie


def test_database_messages_that_echo_a_row():
    row = "DETAIL:  Failing row contains (42, alice, null, Lb7xQ2mKz9Wp4Rt8Vn, 2024-05-17 10:00:00+00)."
    assert (
        Scrubber().scrub_text(row) == f"DETAIL:  Failing row contains (42, alice, null, {F}, 2024-05-17 10:00:00+00)."
    )
    duplicate = "Duplicate entry 'Lb7xQ2mKz9Wp4Rt8Vn' for key 'users.api_token'"
    assert Scrubber().scrub_text(duplicate) == f"Duplicate entry '{F}' for key 'users.api_token'"
    email = "Duplicate entry 'alice@example.com' for key 'users.email'"
    assert Scrubber().scrub_text(email) == email


def test_pydantic_elision_cuts_the_name_off_a_random_tail():
    url = "input_value='hxxps://hooks.example.co...=IYccEWYZcCuYEARvkUIB2A', input_type=str]"
    text = f"1 validation error for Hook\ntarget\n  URL scheme should be 'http' or 'https' [type=url_scheme, {url}"
    assert Scrubber().scrub_text(text).endswith(f"co...={F}', input_type=str]")
    plain = (
        "1 validation error for Q\nq\n  Too long [type=x, input_value='select a from u...ere id = 42', input_type=str]"
    )
    assert Scrubber().scrub_text(plain) == plain
