"""Leak classes of an outside measurement (issue 10, round 7), each by its rule, with the ordinary values
beside it that must stay: a password that holds a template's placeholder or starts with ``/``, a private
key written with ``\\n`` escapes, a weak name's ``token_urlsafe`` draw copied under an ordinary name."""

import base64
import json
import random
import secrets
import string

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from framecap.scrub import FILTERED as F
from framecap.scrub import Scrubber
from tests.helpers import capture_call, frames_of

PUNCTUATION = "!#$%&()*+,-./:;<=>?@[]^_{|}~"
_GROUPS = (string.ascii_lowercase, string.ascii_uppercase, string.digits, PUNCTUATION)  # a chosen password's mix


def _scrubbed(variables: dict) -> dict:
    frame = {"function": "f", "filename": "a.py", "context_line": "    x()", "vars": variables}
    event = {"exception": {"values": [{"type": "E", "value": "boom", "stacktrace": {"frames": [frame]}}]}}
    return Scrubber()(event)["exception"]["values"][0]["stacktrace"]["frames"][0]["vars"]


def _draw(rng: random.Random, size: int) -> str:
    return "".join(rng.choice(string.ascii_letters + string.digits + PUNCTUATION) for _ in range(size))


# -- a password holding a placeholder, or starting with a slash -----------------------------------------------

passwords = (
    st.tuples(st.integers(0, 2**32), st.integers(12, 40))
    .map(lambda seed_size: _draw(random.Random(seed_size[0]), seed_size[1]))
    .filter(lambda p: len(set(p)) >= 8 and sum(any(c in group for c in p) for group in _GROUPS) >= 3)
)


@settings(max_examples=200, deadline=None)
@given(
    password=passwords,
    inside=st.sampled_from(["%s", "%d", "%r", "{}", "{0}", "{name}", "${HOME}", "/"]),
    at=st.integers(0, 40),
    name=st.sampled_from(["password", "SECRET_KEY", "db_password", "client_secret", "smtp_password"]),
)
def test_a_password_that_holds_a_placeholder_or_starts_with_a_slash_is_filtered(password, inside, at, name):
    if inside.startswith("{"):  # (an f-string's field is code: a literal part beside it is judged alone)
        assume(any(c in "!#$^*[]{}|;<>~`'\"" for c in password))
    value = password[:at] + inside + password[at:] if inside != "/" else "/" + password
    assert _scrubbed({name: repr(value)})[name] == f"'{F}'"


@given(
    template=st.sampled_from(
        [
            "%s",
            "%s:%s",
            "{0}:{1}",
            "{user}:{password}@{host}",
            "postgresql://%(user)s:%(password)s@%(host)s/%(db)s",
            "Password for %s: ",
            "${DB_PASSWORD}",
            "/run/secrets/db_password",
            "~/.config/app/secret.key",
            "/var/lib/app/keys/signing-2024.pem",
        ]
    ),
    name=st.sampled_from(["password", "SECRET_KEY", "db_password", "client_secret"]),
)
def test_templates_and_paths_under_strong_names_stay(template, name):
    assert _scrubbed({name: repr(template)})[name] == repr(template)


# -- a private key with literal \n escapes (a .env file's, a config variable's) ------------------------------


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32), size=st.integers(64, 600), kind=st.sampled_from(["PRIVATE KEY", "RSA PRIVATE KEY"]))
def test_a_private_key_written_with_escaped_newlines_is_filtered_whole(memory, seed, size, kind):
    body = base64.b64encode(random.Random(seed).randbytes(size)).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    escaped = "\\n".join([f"-----BEGIN {kind}-----", *lines, f"-----END {kind}-----", ""])

    def load(raw):  # (an ordinary name: only the key's armor says what it is)
        raise ValueError("Could not deserialize key data: " + raw[:300])

    encoded = json.dumps(capture_call(memory, load, escaped))
    assert not [body[i : i + 8] for i in range(len(body) - 7) if body[i : i + 8] in encoded]
    assert f"-----BEGIN {kind}-----" in encoded  # what kind of key it was stays readable


# -- a weak name's token_urlsafe draw, copied under an ordinary name --------------------------------------------


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(nbytes=st.sampled_from([12, 16, 20, 24]), seed=st.integers(0, 2**32))
def test_a_weak_names_token_urlsafe_draw_filtered_there_is_filtered_in_its_copies(memory, nbytes, seed):
    draw = base64.urlsafe_b64encode(random.Random(seed).randbytes(nbytes)).rstrip(b"=").decode()
    if "-" not in draw and "_" not in draw:
        draw = draw[:5] + "-" + draw[6:]  # (what the class is about: ``-`` and ``_`` join its parts)

    def store(value):
        token = value  # noqa: F841 - the frame holds it
        raise RuntimeError("store failed")

    event = capture_call(memory, store, draw)
    if frames_of(event)[-1]["vars"]["token"] == f"'{F}'":  # (a rare draw reads as words: then neither is)
        assert draw not in json.dumps(event)


def test_ordinary_values_beside_them_stay(memory):
    request_id = secrets.token_hex(8)

    def handle(order_id, path, fmt):
        raise KeyError(f"order {order_id} missing at {path}")

    event = capture_call(memory, handle, 4211, "/srv/app/orders/4211.json", "%s-%s")
    variables = frames_of(event)[-1]["vars"]
    assert variables == {"order_id": "4211", "path": "'/srv/app/orders/4211.json'", "fmt": "'%s-%s'"}
    assert request_id not in json.dumps(event)  # (never in the event: only a sanity check of the helper)


def test_braces_around_a_random_run_are_a_passwords_characters():
    """Seen by the property above: ``{jPhSsfD}`` inside a password read as a format field, the rest as a template's
    literal text. A field is named as people name things (``user_id``, ``HOST``, ``userId``)."""
    assert _scrubbed({"password": repr("{}GqM{jPhSsfD}")})["password"] == f"'{F}'"
    for template in ("{user}:{password}", "{0}:{1}", "https://{host}/{userId}", "{Name} <{EMAIL}>"):
        assert _scrubbed({"password_template": repr(template)})["password_template"] == repr(template)
