"""End to end against a real Sentry-compatible server: Bugsink (PyPI), on 127.0.0.1."""

import os

import pytest
from bugsink_server import BugsinkServer, Unavailable
from helpers import load_module

import framecap
from conftest import assert_schema_valid

pytestmark = [pytest.mark.integration, pytest.mark.slow]  # a real Bugsink server, in its own processes


@pytest.fixture(scope="module")
def bugsink(tmp_path_factory):
    server = BugsinkServer(str(tmp_path_factory.mktemp("bugsink")))
    try:
        server.start()
    except Unavailable as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Bugsink is required in CI: {error}")
        pytest.skip(f"Bugsink is not available on this machine: {error}")
    yield server
    server.stop()


def warm_up_expressions():
    """The first capture in a process loads executing and pure_eval, which can eat the expression time
    budget on a busy machine: do it once before the capture whose expression values are checked."""
    from framecap.testing import capture_events

    with capture_events():
        try:
            [1][2]
        except IndexError:
            framecap.capture_exception()


def test_events_are_stored_as_sent(bugsink, tmp_path):
    sent = []

    def keep(event, hint):
        sent.append(event)
        return event

    framecap.init(
        dsn=bugsink.dsn,
        state_dir=str(tmp_path),
        install_hooks=False,
        release="1.2.3",
        environment="ci",
        before_send=keep,
        expression_time_budget=30,  # about storage, not the analysis budget: a loaded machine must not skip frames
    )
    module = load_module(
        tmp_path,
        """
        class Account:
            def __init__(self):
                self.scores = [3, 1]

            def ratio(self, idx):
                return self.scores[idx] / (self.scores[1] - 1)

        def report():
            try:
                return Account().ratio(0)
            except ZeroDivisionError as error:
                raise ValueError("report failed") from error
    """,
        "bugsink_sample",
    )
    framecap.set_tag("tenant", "acme")
    warm_up_expressions()
    try:
        module.report()
    except ValueError:
        event_id = framecap.capture_exception()
    assert framecap.flush(30) is True
    assert_schema_valid(sent)
    stored = bugsink.event(event_id)
    assert stored is not None, "Bugsink stored the event"
    data = stored["data"]
    assert data["event_id"] == event_id and data["release"] == "1.2.3" and data["environment"] == "ci"
    values = data["exception"]["values"]
    assert [v["type"] for v in values] == ["ZeroDivisionError", "ValueError"]
    assert values[0]["mechanism"]["source"] == "__cause__" and values[1]["mechanism"]["exception_id"] == 0
    frame = values[0]["stacktrace"]["frames"][-1]
    assert (frame["function"], frame["lineno"], frame["context_line"].strip()) == (
        "Account.ratio",
        6,
        "return self.scores[idx] / (self.scores[1] - 1)",
    )
    (sent_event,) = [e for e in sent if e["event_id"] == event_id]
    sent_frame = sent_event["exception"]["values"][0]["stacktrace"]["frames"][-1]
    assert frame["vars"] == sent_frame["vars"] and frame["vars"]["idx"] == "0"
    if "skipped" not in str(sent_frame.get("data", {}).get("expressions", "")):  # a busy machine: time budget
        assert frame["vars"]["self.scores[1] - 1"] == "0"
    assert data["tags"] == {"tenant": "acme"} or ["tenant", "acme"] in data["tags"]


def test_many_events_arrive_once_each(bugsink, tmp_path):
    framecap.init(dsn=bugsink.dsn, state_dir=str(tmp_path), install_hooks=False)
    ids = []
    for i in range(20):
        try:
            raise KeyError(f"key {i}")
        except KeyError:
            ids.append(framecap.capture_exception())
    assert framecap.flush(60) is True
    stored = [bugsink.event(event_id) for event_id in ids]
    assert all(s is not None and s["event_id"].replace("-", "") == i for s, i in zip(stored, ids))


def test_message_events_are_stored_with_their_stack_fingerprint_and_errno(bugsink, tmp_path):
    import logging

    framecap.init(dsn=bugsink.dsn, state_dir=str(tmp_path), install_hooks=False, attach_stacktrace=True)
    framecap.set_context("shop", {"cart": 3})
    message_id = framecap.capture_message("payment retried", level="warning", fingerprint=["{{ default }}", "pay"])
    logging.getLogger("bugsink.test").error("order %s refused", "o-7", extra={"order_id": 7})
    try:
        open(tmp_path / "missing")  # noqa: SIM115 - it fails
    except OSError:
        error_id = framecap.capture_exception()
    assert framecap.flush(30) is True
    message = bugsink.event(message_id)
    assert message is not None, "Bugsink stored the message event"
    data = message["data"]
    assert data["logentry"] == {"formatted": "payment retried"} and data["level"] == "warning"
    assert data["fingerprint"] == ["{{ default }}", "pay"] and data["contexts"]["shop"] == {"cart": 3}
    frames = data["threads"]["values"][0]["stacktrace"]["frames"]
    assert frames[-1]["function"] == "test_message_events_are_stored_with_their_stack_fingerprint_and_errno"
    stored_error = bugsink.event(error_id)["data"]
    assert stored_error["exception"]["values"][-1]["mechanism"]["meta"]["errno"]["name"] == "ENOENT"


def rich_events(tmp_path):
    """Events with every part framecap makes: chains, a group, expressions, a user, request, breadcrumbs."""
    from framecap.testing import capture_events

    framecap.init(transport=lambda e: None, install_hooks=False, send_default_pii=True)
    framecap.set_user({"id": 42, "email": "ada@example.com", "plan": "pro"})
    framecap.set_tag("tenant", "acme")
    framecap.add_breadcrumb(message="loaded", category="app", data={"n": 1})
    module = load_module(
        tmp_path,
        """
        def ratio(scores, idx):
            return scores[idx] / (scores[1] - 1)

        def chained():
            try:
                ratio([3, 1], 0)
            except ZeroDivisionError as error:
                raise ValueError("report failed") from error

        def grouped():
            try:
                group = ExceptionGroup
            except NameError:  # Python < 3.11: the backport
                from exceptiongroup import ExceptionGroup as group
            raise group("many", [KeyError("k"), TypeError("t")])
    """,
        "schema_sample",
    )
    with capture_events() as events:
        for name in ("chained", "grouped"):
            try:
                getattr(module, name)()
            except Exception:
                framecap.capture_exception()
    return events


def test_events_on_the_wire_validate_against_the_schema_bugsink_applies(tmp_path):
    from bugsink_server import schema_errors

    from framecap.envelope import wire_event

    events = rich_events(tmp_path)
    assert any("data" in f for e in events for v in e["exception"]["values"] for f in v["stacktrace"]["frames"])
    try:
        as_built = schema_errors(events)
        on_the_wire = schema_errors([wire_event(e) for e in events])
    except Unavailable as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Bugsink is required in CI: {error}")
        pytest.skip(str(error))
    assert all(as_built), "the events as built (and kept in the inbox) have framecap's extras"
    assert on_the_wire == [[], []]
    wired = wire_event(events[0])
    assert wired["user"] == {"id": "42", "email": "ada@example.com", "data": {"plan": "pro"}}
    assert "data" in events[0]["exception"]["values"][0]["stacktrace"]["frames"][-1], "the event itself is untouched"


def test_strict_validation_refused_nothing(bugsink):
    """Runs last: no event of this module failed Bugsink's strict schema validation (it would be dropped
    behind a 200, with a warning in Bugsink's log). Resent duplicates are logged as 'already exists'."""
    refusals = [
        line
        for line in bugsink.log().splitlines()
        if line.startswith("django.core.exceptions.ValidationError") and "already exists" not in line
    ]
    assert refusals == []
