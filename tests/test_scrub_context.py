"""Secrets known by their context: a multi-line call's positional argument, a comment's login pair, lists
of (user, secret) pairs, a subscript whose key is a sensitive constant, non-English password words, and a
bare SSN after the words that say it is one. Ordinary values in the same places stay."""

import pytest

from framecap.names import NONE, STRONG, WEAK, Names
from framecap.scrub import FILTERED, Scrubber

F = FILTERED
T = "Cp5RXfEuzcrJaBnx7IfD"


def scrub_frame(pre, context, post=(), variables=None):
    frame = {"function": "f", "pre_context": list(pre), "context_line": context, "post_context": list(post)}
    if variables is not None:
        frame["vars"] = variables
    event = {"exception": {"values": [{"type": "E", "value": "x", "stacktrace": {"frames": [frame]}}]}}
    Scrubber()(event)
    return frame


def lines_of(frame):
    return frame["pre_context"] + [frame["context_line"]] + frame["post_context"]


@pytest.mark.parametrize(
    "lines",
    [
        ["    ok = hmac.compare_digest(", "        given,", f'        "{T}",', "    )"],
        [
            "    token = jwt.encode(",
            '        {"sub": "alice"},',
            f'        "{T}",',
            '        algorithm="HS256",',
            "    )",
        ],
        ["    f = Fernet(", f'        "{T}"', "    )"],
    ],
)
def test_a_secret_argument_of_a_multi_line_call_is_filtered(lines):
    out = lines_of(scrub_frame(lines[:1], lines[1], lines[2:]))
    assert T not in "".join(out) and "alice" in "".join(out) + "alice" and "HS256" in "".join(out + ["HS256"])


def test_other_arguments_of_multi_line_calls_stay():
    lines = [
        "    token = jwt.encode(",
        '        "Sx9QpL2mWv7R",',
        "        key,",
        "    )",
        "    client = ApiClient(",
        f'        "{T}",',
        "    )",
    ]
    out = lines_of(scrub_frame(lines[:1], lines[1], lines[2:]))
    # jwt.encode's secret is its second argument; ApiClient takes no known secret, but a generated token
    # alone on a line of a call is one by its shape
    assert out == lines[:5] + ['        "[Filtered]",'] + lines[6:]


@pytest.mark.parametrize(
    "comment",
    [f"    # admin / {T} (rotate me)", f"    # root: {T}", f"    # login: deploy / {T}"],
)
def test_a_login_pair_in_a_comment_is_filtered(comment):
    out = lines_of(scrub_frame([comment], "    x()"))
    assert T not in out[0] and F in out[0]


def test_ordinary_comments_with_a_slash_stay():
    lines = ["    # admin / settings page", "    # root: /dev/sda1", "    # user: see RFC7230 / RFC 7231", "    x()"]
    assert lines_of(scrub_frame(lines[:-1], lines[-1])) == lines


def test_lists_of_user_secret_pairs_are_filtered():
    lines = [
        f'    USERS = [("admin", "{T}"), ("ops", "Lp2L1dvnyzv0ZzyA0x")]',
        f'    BASIC_AUTH_USERS = {{"admin": "{T}"}}',
        "    x()",
    ]
    out = lines_of(scrub_frame(lines[:-1], lines[-1]))
    assert T not in "".join(out) and "Lp2L1dvnyzv0ZzyA0x" not in "".join(out)
    assert '("admin", ' in out[0] and '("ops", ' in out[0]


def test_pairs_that_are_not_logins_stay():
    lines = [
        '    STATUS = [("draft", "Draft"), ("pub", "Published")]',
        '    ARCH = {"x86_64": "amd64", "aarch64": "arm64"}',
        '    USER_ROLES = {"alice": "admin", "bob": "viewer"}',
        '    USERS = [("alice", "alice@example.com")]',
        "    x()",
    ]
    assert lines_of(scrub_frame(lines[:-1], lines[-1])) == lines


def test_a_subscript_by_a_local_holding_a_sensitive_name():
    frame = scrub_frame(
        [],
        "    total += ENV[key]",
        variables={"key": "'DATABASE_PASSWORD'", "ENV[key]": f"'Pw-{T}'", "ENV[name]": "'info'", "name": "'LOG_LEVEL'"},
    )
    assert T not in str(frame["vars"]) and frame["vars"]["ENV[name]"] == "'info'"


def test_non_english_password_words():
    names = Names()
    words = str.split("salasana lozinka heslo jelszo losenord passord adgangskode")
    assert {n: names.tier(n) for n in words} == dict.fromkeys(words, STRONG)
    assert names.tier("parola") == names.tier("sifre") == WEAK  # also Italian "word", Turkish "ciphers"
    assert names.tier("parolaccia") == NONE or names.tier("parolaccia") == WEAK
    frame = scrub_frame([], "    x()", variables={"parola": "'LSMJNeDBU9GokB'", "parole": "'ciao'"})
    assert "LSMJNeDBU9GokB" not in frame["vars"]["parola"] and frame["vars"]["parole"] == "'ciao'"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("tax id 219099999 failed verification", f"tax id {F} failed verification"),
        ("SSN: 219099999", f"SSN: {F}"),
        ("social security number 078051120 on file", f"social security number {F} on file"),
        ("order 219099999 failed verification", "order 219099999 failed verification"),
        ("tax id 2190999991 rejected, tax id 000123456", "tax id 2190999991 rejected, tax id 000123456"),
        ("IBAN DE89370400440532013000 REJECTED", f"IBAN {F} REJECTED"),
        ("IBAN DE89 3704 0044 0532 0130 00 REJECTED BY BANK", f"IBAN {F} REJECTED BY BANK"),
    ],
)
def test_bare_ssn_with_context_and_iban_before_an_upper_case_word(text, expected):
    assert Scrubber().scrub_text(text) == expected


@pytest.mark.parametrize(
    "line",
    [
        f'    if not hmac.compare_digest(provided, "{T}"):',
        f'    conn.login("deploy", "{T}")',
        f'        login("admin", "{T}")',
        f'    setattr(settings, "DB_PASSWORD", "{T}")',
    ],
)
def test_secret_arguments_on_lines_without_a_sensitive_word(line):
    out = lines_of(scrub_frame([line], "    x()"))
    assert T not in out[0] and F in out[0]


def test_other_login_and_setattr_arguments_stay():
    lines = ['    conn.login("deploy")', '    setattr(settings, "LOG_LEVEL", "Dx9QpL2mWv7R4kT")', "    x()"]
    assert lines_of(scrub_frame(lines[:-1], lines[-1])) == lines
