"""Cuts and the privacy stage: a text is cut only after it is scrubbed, and never so that a secret cut in
half (at the end of the margin the serializer kept) is sent, even when scrubbing made the text shorter."""

import json
import logging

from hypothesis import given
from hypothesis import strategies as st

import framecap

GHP = "ghp_Q7f2LkW9xPz4Rt8Vb1Nc6Hd5Fg0Js3Ae8Ui2"
JWT = "eyJhbGciOiJIUzI1NiJ9." + "eyJzdWIiOiJ1dXV1dXV1dXV1In0" * 20 + ".Zm9vYmFyYmF6cXV4"


def windows(secret):
    return {secret[i : i + 8] for i in range(len(secret) - 7)}


def leaked(event, secret):
    encoded = json.dumps(event)
    return sorted(w for w in windows(secret) if w in encoded)


def raise_with(text, message):
    payload = text  # noqa: F841 - a frame variable
    raise ValueError(text if message else "boom")


def capture(text, message=True, **options):
    transport = framecap.MemoryTransport()
    client = framecap.Client(transport=transport, install_hooks=False, **options)
    try:
        raise_with(text, message)
    except ValueError as error:
        client.capture_exception(error)
    return transport.events[-1]


def test_a_text_that_scrubbing_shrank_is_still_cut_before_the_margins_end():
    head = "upstream said: Authorization: Bearer " + JWT + " ; "
    text = head + "y" * (1535 - len(head) - 20) + GHP + " more text" * 50  # the margin ends inside GHP
    event = capture(text)
    assert leaked(event, GHP) == []
    frame = event["exception"]["values"][0]["stacktrace"]["frames"][-1]
    assert frame["vars"]["payload"].startswith("'upstream said: Authorization: Bearer [Filtered]")
    assert "!kept" not in json.dumps(event)


def test_the_cut_is_recorded_where_it_was_made():
    text = "a" * 30 + JWT + "b" * 9000
    event = capture(text, include_expression_values=False)
    value = event["exception"]["values"][0]
    meta = event["_meta"]["exception"]["values"]["0"]["value"][""]
    cut = meta["rem"][-1]
    assert cut[0] == "!limit" and value["value"].endswith("...") and cut[3] == len(value["value"])


@given(
    st.integers(min_value=0, max_value=1500),
    st.integers(min_value=0, max_value=40),
    st.sampled_from([JWT, "sk_live_" + "Zq8Xw2Lm4Np6Rt0Vb3Kc7Hd9", ""]),
)
def test_no_part_of_a_secret_at_the_margins_end_is_sent(before, straddle, shrinking):
    text = "x " * (before // 2) + shrinking + " "
    text += "y" * max(0, 1536 - len(text) - straddle) + GHP + " tail" * 100
    event = capture(text, message=False, include_expression_values=False)
    assert leaked(event, GHP) == [] or GHP in text[:1021] and "[Filtered]" in json.dumps(event)


def test_a_breadcrumb_is_cut_after_scrubbing(memory):
    framecap.init(transport=memory, install_hooks=False, logging_breadcrumb_level="DEBUG")
    for at in (1000, 1012, 1016):
        logging.getLogger("cuts").warning("%s%s and more", "z" * at, GHP)
    framecap.capture_exception(ValueError("look"))
    crumbs = memory.events[-1]["breadcrumbs"]["values"]
    assert all(len(c["message"]) <= 1024 for c in crumbs)
    assert leaked(memory.events[-1], GHP) == []
