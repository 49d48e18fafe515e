"""A message event's stack (``attach_stacktrace``) hides what a pydantic secret hides, as an exception's
frames do: the revealed value is filtered wherever the event repeats it (issue 10)."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import framecap
from framecap.scrub import FILTERED

pydantic = pytest.importorskip("pydantic")

# what a person might choose: letters and digits with a symbol, 10 to 40 characters
chosen = st.text(
    st.sampled_from("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789!#%"), min_size=10, max_size=40
).filter(lambda s: any(c.isdigit() for c in s) and any(c.isalpha() for c in s))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(word=chosen, as_bytes=st.booleans(), level=st.sampled_from(["info", "warning", "error"]))
def test_a_message_stack_filters_every_copy_of_a_revealed_secret(memory, word, as_bytes, level):
    # (every name here is ordinary: only the SecretStr says that ``word`` is a secret)
    framecap.init(transport=memory, install_hooks=False, attach_stacktrace=True)
    hidden = pydantic.SecretBytes(word.encode()) if as_bytes else pydantic.SecretStr(word)

    def login(hidden, attempt, user="admin"):  # ordinary names: only the SecretStr says it is one
        framecap.capture_message(f"login refused for {user} with {attempt}", level=level)

    login(hidden, word)
    event = memory.events[-1]
    encoded = json.dumps(event)
    assert "threads" in event and word not in encoded and FILTERED in encoded
    assert "login refused for admin with" in encoded  # the message itself stays readable


# a serialized message (protobuf, msgpack) holding the secret: in its repr the secret follows an escape
_ESCAPES = st.sampled_from(["\n", "\t", "\r", "\x00", "\x08", "\x12", "\x8a", "\x1a"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(word=chosen.filter(lambda w: w.isascii()), before=_ESCAPES, after=_ESCAPES, as_bytes=st.booleans())
def test_a_short_secret_inside_a_serialized_payload_is_filtered_after_an_escape(memory, word, before, after, as_bytes):
    def send(hidden, frame):
        raise ConnectionError("peer closed the stream")

    payload = before + word + after
    try:
        send(pydantic.SecretStr(word), payload.encode("latin-1") if as_bytes else payload)
    except ConnectionError:
        framecap.capture_exception()
    encoded = json.dumps(memory.events[-1])
    assert word not in encoded and FILTERED in encoded
