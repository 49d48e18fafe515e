import dataclasses
import pathlib

import pytest

import framecap
from framecap.options import OPTION_NAMES, Options, options_table, resolve_options


def test_defaults_are_documented_values():
    o = resolve_options({}, {})
    assert (o.include_source_context, o.include_local_variables, o.context_lines, o.max_value_length) == (
        True,
        True,
        5,
        1024,
    )
    assert (o.max_depth, o.max_breadth, o.max_frames, o.max_exceptions, o.max_event_bytes) == (
        5,
        50,
        250,
        50,
        1_000_000,
    )
    assert o.max_breadth > 10
    assert o.shutdown_timeout == 2.0 and o.install_hooks is True and o.debug is False
    assert o.in_app_include == () and o.before_send is None


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("1", True),
        ("TRUE", True),
        ("Yes", True),
        ("on", True),
        ("0", False),
        ("false", False),
        ("NO", False),
        ("Off", False),
    ],
)
def test_env_booleans(raw, expected):
    assert resolve_options({}, {"FRAMECAP_INCLUDE_LOCAL_VARIABLES": raw}).include_local_variables is expected


def test_env_numbers_lists_and_strings():
    o = resolve_options(
        {},
        {
            "FRAMECAP_CONTEXT_LINES": " 3 ",
            "FRAMECAP_MAX_VALUE_LENGTH": "200",
            "FRAMECAP_IN_APP_INCLUDE": "myapp, other.pkg,",
            "FRAMECAP_STORE": "/tmp/x.db",
            "FRAMECAP_SHUTDOWN_TIMEOUT": "0.5",
            "FRAMECAP_RELEASE": "1.2.3",
        },
    )
    assert (o.context_lines, o.max_value_length, o.store, o.shutdown_timeout, o.release) == (
        3,
        200,
        "/tmp/x.db",
        0.5,
        "1.2.3",
    )
    assert o.in_app_include == ("myapp", "other.pkg")


def test_argument_wins_over_environment_which_wins_over_default():
    env = {"FRAMECAP_CONTEXT_LINES": "3", "FRAMECAP_MAX_DEPTH": "2"}
    o = resolve_options({"context_lines": 7}, env)
    assert o.context_lines == 7 and o.max_depth == 2 and o.max_breadth == 50


def test_empty_environment_value_counts_as_unset():
    assert resolve_options({}, {"FRAMECAP_CONTEXT_LINES": ""}).context_lines == 5


@pytest.mark.parametrize(
    "kwargs,fragments",
    [
        ({"context_lines": -1}, ["'context_lines'", "-1", "an integer from 0 to 100"]),
        ({"context_lines": "3"}, ["'context_lines'", "'3'", "integer"]),
        ({"include_local_variables": "yes"}, ["'include_local_variables'", "'yes'", "True or False"]),
        ({"max_breadth": True}, ["'max_breadth'", "True"]),
        ({"before_send": 3}, ["'before_send'", "3", "callable"]),
        ({"transport": 42}, ["'transport'", "42", "send(event)"]),
        ({"in_app_include": [1]}, ["'in_app_include'", "list of strings"]),
        ({"shutdown_timeout": float("nan")}, ["'shutdown_timeout'", "nan"]),
    ],
)
def test_bad_arguments_name_option_value_and_what_is_allowed(kwargs, fragments):
    with pytest.raises(framecap.ConfigError) as info:
        resolve_options(kwargs, {})
    for fragment in fragments:
        assert fragment in str(info.value)


@pytest.mark.parametrize(
    "var,value,fragments",
    [
        (
            "FRAMECAP_INCLUDE_LOCAL_VARIABLES",
            "maybe",
            [
                "'include_local_variables'",
                "FRAMECAP_INCLUDE_LOCAL_VARIABLES",
                "'maybe'",
                "1/0/true/false/yes/no/on/off",
            ],
        ),
        (
            "FRAMECAP_CONTEXT_LINES",
            "five",
            ["'context_lines'", "FRAMECAP_CONTEXT_LINES", "'five'", "an integer from 0 to 100"],
        ),
        ("FRAMECAP_MAX_VALUE_LENGTH", "3", ["FRAMECAP_MAX_VALUE_LENGTH", "'3'", "from 16"]),
        ("FRAMECAP_MAX_DEPTH", "\u0665", ["FRAMECAP_MAX_DEPTH", "an integer"]),  # an Arabic-Indic five
        ("FRAMECAP_MAX_DEPTH", "5_0", ["FRAMECAP_MAX_DEPTH", "'5_0'", "an integer"]),
        ("FRAMECAP_HTTP_TIMEOUT", "\uff15.5", ["FRAMECAP_HTTP_TIMEOUT", "a number"]),  # a full-width five
        ("FRAMECAP_BEFORE_SEND", "mod.fn", ["FRAMECAP_BEFORE_SEND", "not settable from the environment"]),
        ("FRAMECAP_TRANSPORT", "x", ["FRAMECAP_TRANSPORT", "not settable from the environment"]),
    ],
)
def test_bad_environment_values_name_the_variable(var, value, fragments):
    with pytest.raises(framecap.ConfigError) as info:
        resolve_options({}, {var: value})
    for fragment in fragments:
        assert fragment in str(info.value)


def test_unknown_arguments_are_errors_with_a_suggestion():
    with pytest.raises(
        framecap.ConfigError, match="unknown option 'include_local_vars'; did you mean 'include_local_variables'"
    ):
        resolve_options({"include_local_vars": False}, {})


def test_unknown_variables_warn_once_naming_the_closest_variable(caplog):
    env = {"FRAMECAP_CONTEXT_LINEZ": "3", "FRAMECAP_CONTEXT_LINES": "4"}
    with caplog.at_level("WARNING", logger="framecap"):
        first = resolve_options({}, env)
        resolve_options({}, env)
    assert first.context_lines == 4  # the program starts, with the variables it does know
    warnings = [r.getMessage() for r in caplog.records if "FRAMECAP_CONTEXT_LINEZ" in r.getMessage()]
    assert warnings == [
        "framecap: ignoring unknown environment variable FRAMECAP_CONTEXT_LINEZ; did you mean FRAMECAP_CONTEXT_LINES?"
    ]


@pytest.mark.parametrize("value", ["10.0.0.0/8, ::1", ["192.168.1.7", "fd00::/8"]])
def test_trusted_proxies_accept_addresses_and_networks(value):
    assert len(resolve_options({"trusted_proxies": value}, {}).trusted_proxies) == 2


@pytest.mark.parametrize("value", ["10.0.0.0/33", "proxy.internal", "10.0.0.1, nonsense"])
def test_trusted_proxies_reject_what_is_no_address(value):
    with pytest.raises(framecap.ConfigError, match="trusted_proxies.*IP addresses or networks"):
        resolve_options({}, {"FRAMECAP_TRUSTED_PROXIES": value})


@pytest.mark.parametrize("value,expected", [("off", None), ("None", None), ("warning", 30), ("25", 25)])
def test_logging_levels_can_be_turned_off(value, expected):
    assert resolve_options({}, {"FRAMECAP_LOGGING_EVENT_LEVEL": value}).logging_event_level == expected
    assert resolve_options({"logging_breadcrumb_level": None}, {}).logging_breadcrumb_level is None


def test_readme_options_table_is_generated_from_the_declarations(update_goldens):
    readme = pathlib.Path(__file__).resolve().parent.parent / "README.md"
    text = readme.read_text()
    start = text.index("\n", text.index("<!-- options table")) + 1
    end = text.index("<!-- end of options table -->")
    if update_goldens:
        readme.write_text(text[:start] + options_table() + "\n" + text[end:])
        return
    assert text[start:end] == options_table() + "\n", "README options table is stale: run pytest --update-goldens"


def test_config_error_is_a_value_error_and_client_raises_it(monkeypatch):
    assert issubclass(framecap.ConfigError, ValueError)
    monkeypatch.setenv("FRAMECAP_MAX_FRAMES", "lots")
    with pytest.raises(framecap.ConfigError, match="FRAMECAP_MAX_FRAMES"):
        framecap.Client(transport=framecap.MemoryTransport())
    with pytest.raises(framecap.ConfigError, match="FRAMECAP_MAX_FRAMES"):
        framecap.init(transport=framecap.MemoryTransport())


def test_every_option_has_an_environment_variable_or_says_why_not():
    for name in OPTION_NAMES:
        kind_needs_argument = name in ("before_send", "transport")
        try:
            resolve_options({}, {f"FRAMECAP_{name.upper()}": "1"})
        except framecap.ConfigError as error:
            assert f"FRAMECAP_{name.upper()}" in str(error)
            assert kind_needs_argument or "allowed" in str(error)
        else:
            assert not kind_needs_argument


def test_options_are_frozen():
    o = Options()
    with pytest.raises(dataclasses.FrozenInstanceError):
        o.context_lines = 1  # type: ignore[misc]
