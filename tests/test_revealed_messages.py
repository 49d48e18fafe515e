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
@given(secret=chosen, as_bytes=st.booleans(), level=st.sampled_from(["info", "warning", "error"]))
def test_a_message_stack_filters_every_copy_of_a_revealed_secret(memory, secret, as_bytes, level):
    framecap.init(transport=memory, install_hooks=False, attach_stacktrace=True)
    hidden = pydantic.SecretBytes(secret.encode()) if as_bytes else pydantic.SecretStr(secret)

    def login(credential, attempt, user="admin"):
        framecap.capture_message(f"login refused for {user} with {attempt}", level=level)

    login(hidden, secret)
    event = memory.events[-1]
    encoded = json.dumps(event)
    assert "threads" in event and secret not in encoded and FILTERED in encoded
    assert "login refused for admin with" in encoded  # the message itself stays readable
