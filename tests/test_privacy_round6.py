"""Leak and over-filtering classes of an outside measurement (issue 10, round 6): each class by its rule,
with hostile inputs where the input is the attacker's, and the ordinary values beside it that must stay."""

import base64
import json
import random

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from framecap.scrub import FILTERED as F
from framecap.scrub import Scrubber
from framecap.shapes import random_member
from tests.helpers import capture_call, frames_of

#: The base64 body of a private key: random bytes drawn from a seed (random as a key's are, never shrunk to
#: zeros), 48 to 400 bytes.
bodies = st.tuples(st.integers(0, 2**32), st.integers(48, 400)).map(
    lambda seed_size: base64.b64encode(random.Random(seed_size[0]).randbytes(seed_size[1])).decode()
)


def _windows(secret: str, encoded: str) -> list[str]:
    return [secret[i : i + 8] for i in range(0, len(secret) - 7) if secret[i : i + 8] in encoded]


def frame_event(variables, value="boom"):
    frame = {"function": "f", "filename": "a.py", "context_line": "    x()", "vars": variables}
    return {"exception": {"values": [{"type": "E", "value": value, "stacktrace": {"frames": [frame]}}]}}, frame


# -- 3. a private key's lines as list items ----------------------------------------------------------------


@given(
    body=bodies,
    width=st.integers(16, 80),
    kind=st.sampled_from(["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY"]),
    end=st.booleans(),
    quoted=st.booleans(),
)
def test_a_private_keys_lines_as_list_items_are_filtered_up_to_the_end_line(body, width, kind, end, quoted):
    rows = [body[i : i + width] for i in range(0, len(body), width)]
    items = [f"-----BEGIN {kind}-----", *rows] + ([f"-----END {kind}-----"] if end else [])
    shown = [repr(item) for item in items] if quoted else list(items)
    event, frame = frame_event({"lines": shown} if quoted else {})  # (frame variables are reprs; data is not)
    if not quoted:
        event["extra"] = {"lines": shown}
    Scrubber()(event)
    lines = frame["vars"]["lines"] if quoted else event["extra"]["lines"]
    assert _windows(body, json.dumps(event)) == []
    assert lines[0] == shown[0] and (not end or lines[-1] == shown[-1])
    assert all(item in (F, f"'{F}'") for item in lines[1 : 1 + len(rows)])


def test_a_private_key_split_over_a_callees_argument_is_filtered_everywhere(memory):
    body = base64.b64encode(random.Random(6).randbytes(96)).decode()

    def load_private_key_lines(lines):
        raise ValueError("could not deserialize key data")

    def main(body):
        load_private_key_lines(
            ["-----BEGIN RSA PRIVATE KEY-----", body[:64], body[64:], "-----END RSA PRIVATE KEY-----"]
        )

    event = capture_call(memory, main, body)
    assert _windows(body, json.dumps(event)) == []
    assert frames_of(event)[-2]["vars"]["body"] == f"'{F}'"  # (one marker: its two copies joined, no tail)


def test_a_filtered_key_line_takes_the_rest_of_its_blob_but_never_words_or_a_urls_path():
    body = base64.b64encode(random.Random(7).randbytes(96)).decode()
    head = body[:64]
    event, frame = frame_event(
        {
            "private_key_head": repr(head),  # filtered by its name: remembered
            "blob": repr(body),  # holds it, and a tail no name filtered
            "tail_first": repr(body[20:]),  # a copy whose head is cut: its tail is the secret's, then more
            "link": repr(f"https://files.example/keys/{head}/download"),
            "note": repr(f"key {head} rotated"),
        }
    )
    Scrubber()(event)
    variables = frame["vars"]
    assert variables["blob"] == f"'{F}'" and variables["tail_first"] == f"'{F}'"
    assert variables["link"] == f"'https://files.example/keys/{F}/download'"
    assert variables["note"] == f"'key {F} rotated'"
    assert _windows(body, json.dumps(event)) == []


# -- 2. random draws as set members and dict keys ---------------------------------------------------------

#: Every ``secrets.token_urlsafe(n)`` draw (those without digits or with parts that read as words too), and
#: every ``secrets.token_hex(n)`` draw of 16 bytes or more, from a seed.
urlsafe_draws = (
    st.tuples(st.integers(0, 2**32), st.integers(15, 40))
    .map(lambda seed: base64.urlsafe_b64encode(random.Random(seed[0]).randbytes(seed[1])).decode().rstrip("="))
    .filter(random_member)  # (about 1 in 500 draws of 16 bytes still reads as words, 1 in 1000 of 20: sent)
)
hex_draws = (
    st.tuples(st.integers(0, 2**32), st.integers(16, 40))
    .map(lambda seed_size: random.Random(seed_size[0]).randbytes(seed_size[1]).hex())
    .filter(lambda text: not text.isdigit() and not text.isalpha())
)
neutral = st.sampled_from(["revoked", "active", "live", "pending", "seen", "issued", "allowed", "outstanding"])


@given(draws=st.lists(st.one_of(urlsafe_draws, hex_draws), min_size=1, max_size=4, unique=True), name=neutral)
def test_random_draws_as_members_and_keys_are_filtered_under_neutral_names(draws, name):
    members = [repr(draw) for draw in draws]
    event, frame = frame_event({name: members, f"{name}_by_token": {d: "'alice'" for d in draws}})
    event["extra"] = {name: list(draws), "by_token": {draw: 1 for draw in draws}}
    Scrubber()(event)
    encoded = json.dumps(event)
    assert [draw for draw in draws if draw[:12] in encoded] == []
    assert frame["vars"][name] == [f"'{F}'"] * len(draws)


@given(seed=st.integers(0, 2**32), size=st.integers(16, 40), count=st.integers(1, 6), name=neutral)
def test_a_collection_of_hex_draws_of_one_length_is_filtered_under_neutral_names(seed, size, count, name):
    rng = random.Random(seed)
    draws = [rng.randbytes(size).hex() for _ in range(count)]  # ``{secrets.token_hex(size), ...}``
    assume(size != 16 or not all(d[12] == "4" and d[16] in "89ab" for d in draws))  # (a UUID's hex: 1 in 64)
    for held in ([repr(d) for d in draws], {d: "'2024-05-01'" for d in draws}):  # (each alone: no echo helps)
        event, frame = frame_event({name: held})
        Scrubber()(event)
        assert [draw for draw in draws if draw[:12] in json.dumps(event)] == []


@given(digests=st.lists(hex_draws, min_size=1, max_size=3, unique=True))
def test_hex_under_digest_or_id_names_and_uuids_stay(digests):
    import uuid

    names = ["by_sha", "commits", "cache", "file_hashes", "etags", "object_ids", "chunk_digests", "lookup"]
    uuids = [uuid.UUID(int=random.Random(d).getrandbits(128), version=4).hex for d in digests]
    variables = {name: [repr(d) for d in digests] for name in names}
    variables["pending"] = [repr(u) for u in uuids]  # a UUID (its hex too) is an identifier under any name
    variables["index"] = {d: "'a.txt'" for d in digests}  # (a frame's dict keys are sent as they are)
    event, frame = frame_event({k: list(v) if type(v) is list else dict(v) for k, v in variables.items()})
    Scrubber()(event)
    assert frame["vars"] == variables


def test_identifiers_alphabets_and_words_as_members_stay():
    members = [
        "'getUserNameFromRequest'",
        "'HTTP_X_FORWARDED_FOR'",
        "'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'",
        "'DjangoTemplatesBackend'",
        "'PendingDeprecationWarning'",
        "'django.contrib.sessions'",
    ]
    event, frame = frame_event({"revoked": list(members), "seen": {m: "1" for m in members}})
    Scrubber()(event)
    assert frame["vars"] == {"revoked": members, "seen": {m: "1" for m in members}}


# -- 4. hex digests under a lookup's key, UUIDs under session names ------------------------------------------

digests = st.tuples(st.binary(min_size=1, max_size=64), st.sampled_from(["md5", "sha1", "sha224", "sha256", "sha512"]))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    digest=digests, name=st.sampled_from(["redis_key", "REDIS_KEY", "s3_key", "etag_key", "s3Key"]), upper=st.booleans()
)
def test_a_hex_digest_under_a_lookups_key_stays_with_its_copies(memory, digest, name, upper):
    import hashlib

    value = hashlib.new(digest[1], digest[0]).hexdigest()
    value = value.upper() if upper else value

    namespace: dict = {}
    exec(f"def lookup(table, value):\n    {name} = value\n    raise KeyError({name})\n", namespace)  # noqa: S102
    event = capture_call(memory, namespace["lookup"], {}, value)
    assert event["exception"]["values"][-1]["value"] == repr(value)
    assert frames_of(event)[-1]["vars"] == {"table": {}, "value": repr(value), name: repr(value)}


@given(values=st.lists(hex_draws, min_size=6, max_size=6, unique_by=lambda value: value[:8]))
def test_hex_under_names_weak_by_more_than_their_key_is_still_filtered(values):
    names = ["session_key", "token", "csrf", "signature", "sessionKey", "key"]  # (each its own value; a bare
    # ``key`` holding hex may be ``os.urandom(32).hex()``, an encryption key: it stays filtered)
    event, frame = frame_event({name: repr(value) for name, value in zip(names, values)})
    Scrubber()(event)
    assert frame["vars"] == {name: f"'{F}'" for name in names}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(number=st.integers(0, 2**128 - 1))
def test_a_uuid_under_a_session_name_is_filtered_with_every_copy_and_stays_under_id_names(memory, number):
    import uuid

    value = str(uuid.UUID(int=number, version=4))

    def expire(copy, request_id):
        session_id = copy  # noqa: F841
        raise RuntimeError(f"session {copy} expired")

    event = capture_call(memory, expire, value, value)
    variables = frames_of(event)[-1]["vars"]
    assert variables["session_id"] == f"'{F}'" and variables["copy"] == f"'{F}'"
    assert event["exception"]["values"][-1]["value"] == f"session {F} expired"
    event, frame = frame_event({"request_id": repr(value), "order_uuid": repr(value)}, value=f"order {value}")
    Scrubber()(event)
    assert frame["vars"] == {"request_id": repr(value), "order_uuid": repr(value)}
