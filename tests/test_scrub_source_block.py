"""Source lines judged with the lines above them: an owner on an earlier line, data inside a value string."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from framecap.scrub import FILTERED, Scrubber
from framecap.source_block import line_contexts

F = FILTERED
T = "Zr8mQ2vLx7Kp3Wn9"


def scrub_frame(pre, context, post=()):
    frame = {"function": "f", "pre_context": list(pre), "context_line": context, "post_context": list(post)}
    event = {"exception": {"values": [{"type": "E", "value": "x", "stacktrace": {"frames": [frame]}}]}}
    Scrubber()(event)
    return frame["pre_context"] + [frame["context_line"]] + frame["post_context"]


@pytest.mark.parametrize(
    "lines, index",
    [
        (['    settings["DB_PASSWORD"] = (', f'        "{T}"', "    )"], 1),
        (["SECRET_KEY = \\", f'    "{T}"'], 1),
        (['CONFIG = """', "db:", f"  password: {T}", '"""'], 2),
        (['load_yaml("""', f"  api_key: {T}", '""")'], 1),
    ],
)
def test_a_value_below_its_owner_is_filtered(lines, index):
    out = scrub_frame(lines[:-1], lines[-1])
    assert T not in "".join(out) and F in out[index]


def test_docstrings_and_finished_statements_are_not_carried():
    lines = ['    """Log in.', "", f"    password: {T}", '    """', "    password = get()", f'    x = "{T}"']
    out = scrub_frame(lines[:-1], lines[-1])
    assert out == lines  # a docstring is not data, and ``x`` owns its own literal


def test_line_contexts():
    assert line_contexts(["x = (", '  "a"', ")", 'y = "b"']) == [
        (None, False),
        ("x", False),
        ("x", False),
        (None, False),
    ]
    assert line_contexts(['c = """', "k: v", '"""', "z = 1"]) == [
        (None, False),
        (None, True),
        (None, True),
        (None, False),
    ]


@given(st.lists(st.sampled_from(["x = (", ")", '"""', "'''", "a = 1 \\", "f(", "  1,", "# c", ""]), max_size=12))
def test_line_contexts_never_fail_and_match_the_lines(lines):
    assert len(line_contexts(lines)) == len(lines)
    scrub_frame(lines, "pass")


def test_keys_and_call_arguments_below_a_sensitive_name_are_not_its_value():
    lines = [
        "ReadOnlyCredentials = namedtuple(",
        "    'ReadOnlyCredentials',",
        "    ['access_key', 'secret_key', 'token', 'account_id'],",
        ")",
        "credentials = {",
        "    'token': creds['SessionToken'],",
        "    'account_id': creds.get('AccountId'),",
        "}",
    ]
    assert scrub_frame(lines[:-1], lines[-1]) == lines


@pytest.mark.parametrize(
    "lines, index",
    [
        (["    CFG = {", '        "auth": {', '            "password":', f'                "{T}",', "        },"], 3),
        (
            [
                "    engine = create_engine(",
                '        connect_args={"password":',
                f'                      "{T}"}},',
                "    )",
            ],
            2,
        ),
        (['    """', "", "def f():", '    CONFIG_YAML = """', f"      password: {T}", '    """'], 4),
        (['    PRIVATE_TOKEN = ("Zx4Pq8Rt2Wm"', f'                     "{T}")', ""], 1),
    ],
)
def test_keys_ending_a_line_and_docstrings_closing_above_the_context(lines, index):
    out = scrub_frame(lines[:-1], lines[-1])
    assert T not in "".join(out) and F in out[index]


@pytest.mark.parametrize(
    "line",
    [
        f'    if headers.get("X-Api-Key") != "{T}":',
        f'    if not hmac.compare_digest(signature, "{T}"):',
        f'    token = jwt.encode(payload, "{T}", algorithm="HS256")',
        f'    otp = pyotp.TOTP("{T}")',
        f'    urls = [os.getenv("DB_PASSWORD") or "{T}"]',
    ],
)
def test_literals_owned_by_a_getter_or_a_secret_taking_call(line):
    assert scrub_frame([], line)[0] == line.replace(T, F)


@pytest.mark.parametrize(
    "line",
    ['    x = d.get("name") or "default"', '    if request.args.get("page") != "2":', '    print("a", "b")'],
)
def test_other_calls_and_getters_stay(line):
    assert scrub_frame([], line)[0] == line


def test_an_or_between_names_owns_nothing():
    line = '    if "\\r" in auth_token or "\\n" in auth_token:'
    assert scrub_frame([], line)[0] == line
