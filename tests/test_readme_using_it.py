"""README "Using it" and "Messages, scope data, levels and fingerprints": the promises no other test pins."""

import asyncio
import logging
import re

import pytest

import framecap
from framecap import internal


def test_levels_take_sentrys_names_their_aliases_in_any_case_and_loggings_numbers(memory):
    given = ["fatal", "ERROR", "Warning", "info", "debug", "CRITICAL", "Warn", "log", logging.CRITICAL]
    given += [logging.ERROR, logging.WARNING, logging.INFO, logging.DEBUG]
    for level in given:
        framecap.capture_message(f"at {level}", level=level)
    expected = ["fatal", "error", "warning", "info", "debug", "fatal", "warning", "info", "fatal"]
    expected += ["error", "warning", "info", "debug"]
    assert [event["level"] for event in memory.events] == expected


def test_a_scope_level_applies_to_exceptions_and_messages_unless_the_capture_gives_one(memory):
    try:
        raise ValueError("x")
    except ValueError:
        framecap.capture_exception()
    framecap.capture_message("plain")
    with framecap.new_scope() as scope:
        scope.set_level(logging.WARNING)
        try:
            raise ValueError("y")
        except ValueError:
            framecap.capture_exception()
        try:
            raise ValueError("z")  # a new exception: the same one is only ever sent once
        except ValueError:
            framecap.capture_exception(level="fatal")
    assert [event["level"] for event in memory.events] == ["error", "info", "warning", "fatal"]


def test_an_empty_fingerprint_means_none(memory):
    framecap.set_fingerprint(["checkout"])
    framecap.capture_message("grouped")
    framecap.set_fingerprint([])
    framecap.capture_message("default grouping")
    assert memory.events[0]["fingerprint"] == ["checkout"]
    assert "fingerprint" not in memory.events[1]


@pytest.mark.internal_errors
def test_user_fields_sentry_would_refuse_are_left_out_reported_and_warned_once(
    memory, internal_errors, caplog, monkeypatch
):
    monkeypatch.setattr(internal, "_warned", set())
    caplog.set_level(logging.WARNING, logger="framecap")
    framecap.set_user({"id": "u-17", "geo": "Berlin", "data": ["a"], "email": 17, "username": "ada", "segment": b"x"})
    framecap.capture_message("with a user")
    framecap.set_user({"id": "u-18", "geo": "Paris"})
    framecap.capture_message("again")
    first, second = memory.events
    assert first["user"] == {"id": "u-17", "username": "ada"}, "the event still goes, with what was valid"
    assert second["user"] == {"id": "u-18"}
    wheres = [where for where, _ in internal_errors]
    assert sorted(set(wheres)) == [
        "set_user(data=...)",
        "set_user(email=...)",
        "set_user(geo=...)",
        "set_user(segment=...)",
    ]
    assert all(isinstance(error, TypeError) for _, error in internal_errors)
    warnings = [r.getMessage() for r in caplog.records if r.name == "framecap" and r.levelno == logging.WARNING]
    assert len([w for w in warnings if "set_user(geo=...)" in w]) == 1, "one WARNING per kind"


@pytest.mark.internal_errors
def test_breadcrumb_parts_are_checked_and_logging_levels_taken(memory, internal_errors):
    framecap.add_breadcrumb(message="as WARNING", level="WARNING")
    framecap.add_breadcrumb(message="as 30", level=30)
    framecap.add_breadcrumb(message=42, category="db", data={"rows": 3})
    framecap.add_breadcrumb(message="bad data", data=["not", "a", "dict"], type=7)
    framecap.capture_message("with breadcrumbs")
    crumbs = memory.events[0]["breadcrumbs"]["values"]
    assert [c.get("level") for c in crumbs[:2]] == ["warning", "warning"]
    assert "message" not in crumbs[2] and crumbs[2]["category"] == "db" and crumbs[2]["data"] == {"rows": 3}
    assert crumbs[3]["message"] == "bad data" and "data" not in crumbs[3] and "type" not in crumbs[3]
    assert sorted(where for where, _ in internal_errors) == [
        "add_breadcrumb(data=...)",
        "add_breadcrumb(message=...)",
        "add_breadcrumb(type=...)",
    ]


def test_set_context_none_removes_it_and_a_given_context_replaces_the_scopes_of_that_name(memory):
    framecap.set_context("payment", {"provider": "acme", "attempt": 2})
    framecap.set_context("cart", {"items": 3})
    framecap.capture_message("both", contexts={"payment": {"provider": "other"}})
    framecap.set_context("payment", None)
    framecap.capture_message("cart only")
    assert memory.events[0]["contexts"] == {"payment": {"provider": "other"}, "cart": {"items": 3}}
    assert memory.events[1]["contexts"] == {"cart": {"items": 3}}


def test_a_client_made_directly_has_the_documented_methods_and_ids_are_32_lowercase_hex():
    transport = framecap.MemoryTransport()
    client = framecap.Client(transport=transport, install_hooks=False)
    try:
        try:
            raise KeyError("k")
        except KeyError as error:
            ids = [client.capture_exception(error), client.capture_message("m", level="warning")]
        assert client.flush(timeout=5) in (True, None)
    finally:
        client.close()
    assert all(re.fullmatch(r"[0-9a-f]{32}", event_id) for event_id in ids)
    assert [e["event_id"] for e in transport.events] == ids
    assert transport.events[1]["level"] == "warning"


def test_an_asyncio_task_started_inside_a_block_shares_the_blocks_scope(memory):
    async def child():
        framecap.set_tag("from", "task")

    async def main():
        with framecap.new_scope():
            framecap.set_tag("block", "yes")
            await asyncio.ensure_future(child())
            framecap.capture_message("inside")
        framecap.capture_message("outside")

    asyncio.run(main())
    inside, outside = memory.events
    assert inside["tags"] == {"block": "yes", "from": "task"}, "the task changed the block's scope itself"
    assert "tags" not in outside


@pytest.mark.internal_errors
@pytest.mark.parametrize("debug", [False, True])
def test_an_internal_failure_returns_none_and_is_logged_at_warning_only_with_debug(internal_errors, caplog, debug):
    def broken(event, hint):
        raise RuntimeError("before_send bug")

    caplog.set_level(logging.DEBUG, logger="framecap")
    transport = framecap.MemoryTransport()
    framecap.init(transport=transport, install_hooks=False, before_send=broken, debug=debug)
    try:
        raise ValueError("the program's own error")
    except ValueError:
        assert framecap.capture_exception() is None, "never raises: the capture returns None"
    assert transport.events == []
    assert [type(error) for _, error in internal_errors] == [RuntimeError], "and tells the handlers"
    levels = [r.levelno for r in caplog.records if r.name == "framecap" and "internal error" in r.getMessage()]
    assert levels == [logging.WARNING if debug else logging.DEBUG]
