"""`framecap list` and `framecap serve` name the kind of an event without an exception."""

import datetime

import framecap
from framecap.cli.listing import event_table, issue_table
from framecap.cli.terminal import render_lines
from framecap.serve.pages import issue_row
from framecap.transports.inbox import Inbox


def test_a_message_event_is_listed_as_a_message(tmp_path):
    store = str(tmp_path / "inbox.sqlite3")
    framecap.init(store=store, install_hooks=False)
    framecap.capture_message("disk almost full", level="warning")
    try:
        raise KeyError("missing")
    except KeyError:
        framecap.capture_exception()
    framecap.flush()
    inbox = Inbox(store)
    issues, events = inbox.issues(), inbox.events()
    utc = datetime.timezone.utc
    listed = render_lines(issue_table(issues, 200, utc), False, 200) + render_lines(
        event_table(events, 200, utc), False, 200
    )
    rows = [line for line in listed.splitlines() if "disk almost full" in line]
    assert len(rows) == 2 and all("(message)" in row and "(no exception)" not in row for row in rows)
    assert sum("KeyError" in line for line in listed.splitlines()) == 2
    assert sorted(issue_row(row)["type"] for row in issues) == ["(message)", "KeyError"]
