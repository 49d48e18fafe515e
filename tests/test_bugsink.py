"""End to end against a real Sentry-compatible server: Bugsink (PyPI), on 127.0.0.1."""

import os

import pytest
from bugsink_server import BugsinkServer, Unavailable
from helpers import load_module

import framecap
from conftest import assert_schema_valid


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
    assert frame["vars"]["self.scores[1] - 1"] == "0" and frame["vars"]["idx"] == "0"
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
