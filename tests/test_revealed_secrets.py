"""A pydantic ``SecretStr``/``SecretBytes`` held by a frame: its repr hides the value, and the value it
hides, echoed elsewhere in the event under ordinary names, is filtered too (issue 10)."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from framecap.scrub import FILTERED
from tests.helpers import capture_call, frames_of

pydantic = pytest.importorskip("pydantic")

# what a person might choose: letters, digits and a symbol, 10 to 40 characters
chosen = st.text(
    st.sampled_from("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789!#%"), min_size=10, max_size=40
)


def _leaks(memory, secret: str, wrap) -> str:
    def connect(hidden, plain_copy):
        note = f"login failed for admin with {plain_copy}"
        raise RuntimeError(note)

    event = capture_call(memory, connect, wrap(secret), secret)
    return json.dumps(event)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(secret=chosen.filter(lambda s: any(c.isdigit() for c in s) and any(c.isalpha() for c in s)))
def test_a_revealed_secret_str_is_filtered_wherever_it_is_echoed(memory, secret):
    encoded = _leaks(memory, secret, pydantic.SecretStr)
    assert secret not in encoded
    assert "SecretStr('**********')" in encoded and FILTERED in encoded


def test_a_revealed_secret_bytes_is_filtered_wherever_it_is_echoed(memory):
    secret = "Winter2025!Promo"
    encoded = _leaks(memory, secret, lambda s: pydantic.SecretBytes(s.encode()))
    assert secret not in encoded and "SecretBytes(b'**********')" in encoded


def test_ordinary_values_beside_a_secret_stay(memory):
    def connect(hidden, host):
        raise RuntimeError(f"cannot reach {host}")

    event = capture_call(memory, connect, pydantic.SecretStr("hunter2hunter2"), "db.internal.example")
    assert frames_of(event)[-1]["vars"]["host"] == "'db.internal.example'"
    assert event["exception"]["values"][-1]["value"] == "cannot reach db.internal.example"


def test_a_look_alike_outside_pydantic_reveals_nothing(memory):
    class SecretStr:  # a type of the same name from another module: its value is not read
        def __init__(self, value):
            self._secret_value = value

    secret = "Winter2025!Promo"
    encoded = _leaks(memory, secret, SecretStr)
    assert secret in encoded


def test_a_message_events_stack_filters_what_its_secrets_hide(memory):
    import framecap

    framecap.init(transport=memory, install_hooks=False, attach_stacktrace=True)
    chosen = "Winter2025!Promo"  # (under an ordinary name in every frame: only the SecretStr says it is one)

    def login(hidden, attempt):
        framecap.capture_message(f"login refused for admin with {attempt}", level="warning")

    login(pydantic.SecretStr(chosen), chosen)
    encoded = json.dumps(memory.events[-1])
    assert "threads" in memory.events[-1] and "SecretStr('**********')" in encoded
    assert chosen not in encoded and FILTERED in encoded
