"""A log record's message, formatted once, off the capturing thread for the program's own ``__str__``,
and never at the cost of the event; ``capture_message`` of objects whose ``str()`` fails."""

from __future__ import annotations

import logging
import sys
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import framecap
from framecap import internal

MAIN = threading.get_ident()


@pytest.fixture
def events(memory, monkeypatch):
    monkeypatch.setattr(logging, "raiseExceptions", False)  # pytest's own handler would raise the errors
    framecap.init(transport=memory, install_hooks=False, logging_breadcrumb_level="DEBUG")
    return memory.events


def crumbs(events):
    framecap.capture_exception(ValueError("look"))
    return [c["message"] for c in events.pop()["breadcrumbs"]["values"]]


class Failing:
    def __str__(self):
        raise RuntimeError("bad str")

    def __repr__(self):
        raise RuntimeError("bad repr")


class Counted:
    """Counts its ``str()`` calls and the threads they ran on."""

    def __init__(self):
        self.threads = []

    def __str__(self):
        self.threads.append(threading.get_ident())
        return "arg"


def test_an_exception_logged_with_a_message_whose_str_fails_is_still_sent(events):
    log = logging.getLogger("hostile")
    try:
        1 / 0  # noqa: B018
    except ZeroDivisionError:
        log.exception(Failing())
    (event,) = events
    assert event["exception"]["values"][-1]["type"] == "ZeroDivisionError"
    placeholder = "<Failing object; str() failed>"
    assert event["logentry"] == {"message": placeholder, "formatted": placeholder}
    rule = {"": {"rem": [["framecap:str", "s"]]}}
    assert event["_meta"]["logentry"] == {"message": rule, "formatted": rule}
    assert crumbs(events) == [placeholder]


def test_arguments_whose_str_fails_leave_the_template(events):
    logging.getLogger("hostile").error("value %s", Failing())
    (event,) = events
    assert event["logentry"]["formatted"] == "value %s"
    assert event["logentry"]["message"] == "value %s"


def test_a_message_is_formatted_once_and_off_the_capturing_thread(events):
    log = logging.getLogger("counted")
    log.setLevel(logging.INFO)
    handler = logging.StreamHandler(sys.stdout)
    handler.setLevel(logging.WARNING)  # the INFO records below are never formatted by the program
    log.addHandler(handler)
    try:
        event_arg, crumb_arg = Counted(), Counted()
        log.error("value %s", event_arg)  # an event and a breadcrumb
        log.info("value %s", crumb_arg)  # a breadcrumb only
    finally:
        log.removeHandler(handler)
    assert events[0]["logentry"]["formatted"] == "value arg"
    assert crumbs(events) == ["value arg", "value arg"]
    # framecap's one call (for the event and the breadcrumb) on a helper; the handlers' (pytest's too) here
    assert [t == MAIN for t in event_arg.threads[:1]] == [False] and set(event_arg.threads[1:]) == {MAIN}
    assert [t == MAIN for t in crumb_arg.threads[:1]] == [False] and set(crumb_arg.threads[1:]) <= {MAIN}


def test_plain_arguments_are_formatted_on_the_capturing_thread(events, monkeypatch):
    def no_helper(*args):
        raise AssertionError("no helper thread for plain arguments")

    monkeypatch.setattr(framecap.usercode, "call", no_helper)
    logging.getLogger("plain").error("%s %d %.1f %r", "a", 2, 3.0, None)
    logging.getLogger("plain").error("%(who)s paid %(n)d", {"who": "ann", "n": 5})
    assert [e["logentry"]["formatted"] for e in events] == ["a 2 3.0 None", "ann paid 5"]


def test_a_str_that_never_returns_costs_only_the_text(events):
    release = threading.Event()

    class Stuck:
        def __str__(self):
            if threading.get_ident() != MAIN:  # framecap's call; the handlers' (here) must go on
                release.wait()
            return "late"

    try:
        logging.getLogger("stuck").error("value %s", Stuck())
        logging.getLogger("stuck").error(Stuck())
    finally:
        release.set()
    first, second = events
    assert first["logentry"]["formatted"] == "value %s"
    assert first["_meta"]["logentry"] == {"formatted": {"": {"rem": [["framecap:timeout", "s"]]}}}
    assert second["logentry"]["formatted"] == "<Stuck object; str() took too long>"


def test_a_record_class_of_the_programs_own_is_formatted_its_way(events, monkeypatch):
    class BraceRecord(logging.LogRecord):
        def getMessage(self):  # noqa: N802 - logging's name
            return str(self.msg).format(*self.args)

    monkeypatch.setattr(logging, "_logRecordFactory", BraceRecord)
    logging.getLogger("brace").error("{} items", 3)
    assert events[0]["logentry"]["formatted"] == "3 items"


class Hostile:
    def __init__(self, outcome):
        self.outcome = outcome

    def __str__(self):
        if isinstance(self.outcome, type):
            raise self.outcome("hostile")
        return self.outcome

    __repr__ = __str__


outcomes = st.one_of(
    st.text(max_size=20),
    st.sampled_from([RuntimeError, ValueError, KeyError, LookupError, UnicodeError]),
)
templates = st.sampled_from(["%s", "%s %s", "%d", "plain", "%(a)s", "%"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(msg=st.one_of(templates, outcomes.map(Hostile)), args=st.lists(outcomes.map(Hostile), max_size=3))
def test_hostile_messages_never_cost_the_event(events, msg, args):
    events.clear()
    logging.getLogger("fuzz").error(msg, *args)
    (event,) = events
    formatted = event["logentry"]["formatted"]
    assert isinstance(formatted, str)
    if isinstance(msg, Hostile) and isinstance(msg.outcome, type):
        assert formatted == "<Hostile object; str() failed>"


def test_capture_message_of_a_str_subclass_never_runs_its_str(memory):
    framecap.init(transport=memory, install_hooks=False)

    class Text(str):
        def __str__(self):
            raise RuntimeError

    assert framecap.capture_message(Text("hello")) is not None
    assert framecap.capture_message(Failing()) is not None
    first, second = memory.events
    assert first["logentry"] == {"formatted": "hello"}
    assert second["logentry"] == {"formatted": "<Failing object; str() failed>"}
    assert second["_meta"] == {"logentry": {"formatted": {"": {"rem": [["framecap:str", "s"]]}}}}


@pytest.mark.internal_errors
def test_a_misuse_warning_names_an_error_without_a_message(memory, monkeypatch, caplog, internal_errors):
    monkeypatch.setattr(internal, "_warned", set())  # as in a fresh process
    with caplog.at_level(logging.WARNING, logger="framecap"):
        internal.report_misuse("somewhere", RuntimeError())
        internal.report_misuse("elsewhere", ValueError("too big"))
    warnings = [r.getMessage() for r in caplog.records if r.name == "framecap"]
    assert warnings == [
        "framecap: somewhere: RuntimeError (this warning is shown once)",
        "framecap: elsewhere: too big (this warning is shown once)",
    ]
