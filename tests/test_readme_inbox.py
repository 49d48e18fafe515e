"""README "The local inbox": grouping and API promises no other test pins, from real captures."""

import copy
import dataclasses
import logging

import framecap
from framecap.grouping import fingerprint
from framecap.transports.inbox import EventRow, Inbox, IssueRow


def _capture(function, *args):
    transport = framecap.MemoryTransport()
    client = framecap.Client(transport=transport, install_hooks=False)
    try:
        function(*args)
    except Exception as error:
        client.capture_exception(error)
    finally:
        client.close()
    return transport.events[-1]


def countdown(n):
    if n == 0:
        raise LookupError("bottom")
    return countdown(n - 1)


def visit(node):
    if not node:
        raise LookupError("leaf")
    return visit_children(node)


def visit_children(node):
    return visit(node[0])


def nested(depth):
    node = []
    for _ in range(depth):
        node = [node]
    return node


def test_a_recursion_counts_once_however_deep_it_went():
    assert fingerprint(_capture(countdown, 3)) == fingerprint(_capture(countdown, 40))
    assert fingerprint(_capture(countdown, 3)) != fingerprint(_capture(countdown, 0)), "no recursion: other frames"


def test_a_recursion_through_two_functions_counts_once_too():
    assert fingerprint(_capture(visit, nested(2))) == fingerprint(_capture(visit, nested(9)))


def test_line_numbers_whitespace_and_library_frames_never_split_an_issue():
    event = _capture(countdown, 2)
    moved = copy.deepcopy(event)
    for frame in moved["exception"]["values"][-1]["stacktrace"]["frames"]:
        frame["lineno"] += 40  # an edit above the function
        if frame.get("context_line"):
            frame["context_line"] = "  " + frame["context_line"].replace(" ", "   ") + "\t"
    assert fingerprint(moved) == fingerprint(event)
    library = copy.deepcopy(event)
    frames = library["exception"]["values"][-1]["stacktrace"]["frames"]
    frames.insert(0, {"filename": "runpy.py", "function": "_run_code", "lineno": 86, "in_app": False})
    assert fingerprint(library) == fingerprint(event)


def test_every_exception_of_a_chain_counts():
    def chained(kind):
        try:
            countdown(1)
        except LookupError as error:
            raise RuntimeError("wrapped") from kind(str(error))

    first, same, other = _capture(chained, KeyError), _capture(chained, KeyError), _capture(chained, ValueError)
    assert fingerprint(first) == fingerprint(same)
    assert fingerprint(first) != fingerprint(other), "the cause's type is part of the issue"


def test_a_message_event_groups_by_its_masked_message():
    transport = framecap.MemoryTransport()
    client = framecap.Client(transport=transport, install_hooks=False)
    try:
        client.capture_message("user 42 has no cart 'c-17'")
        client.capture_message("user 7 has no cart 'x'")
        client.capture_message("the cart service is down")
    finally:
        client.close()
    first, second, third = (fingerprint(e) for e in transport.events)
    assert first == second != third


def test_rows_have_the_documented_fields_and_stats_its_counters(tmp_path):
    inbox = Inbox(str(tmp_path / "events.db"), background=False)
    try:
        countdown(0)
    except LookupError as error:
        transport = framecap.MemoryTransport()
        client = framecap.Client(transport=transport, install_hooks=False)
        client.capture_exception(error)
        client.close()
    inbox.send(transport.events[0])
    (issue,) = inbox.issues()
    (event,) = inbox.events()
    documented_issue = {"issue", "count", "first_seen", "last_seen", "newest_event_id", "type", "message", "location"}
    documented_event = {"event_id", "received", "timestamp", "type", "message", "location", "issue"}
    assert documented_issue <= {f.name for f in dataclasses.fields(IssueRow)}
    assert documented_event <= {f.name for f in dataclasses.fields(EventRow)}
    assert (issue.count, issue.type, issue.message, event.issue) == (1, "LookupError", "bottom", issue.issue)
    assert isinstance(issue.first_seen, float) and issue.first_seen == issue.last_seen == event.received
    assert set(inbox.stats()) >= {"stored", "dropped_queue_full", "dropped_write_failed", "pending", "last_error"}


def test_a_failed_write_is_logged_on_the_framecap_logger_at_debug(tmp_path, caplog):
    (tmp_path / "file").write_text("not a folder")
    caplog.set_level(logging.DEBUG, logger="framecap")
    inbox = Inbox(str(tmp_path / "file" / "x.db"))
    inbox.send({"event_id": "a" * 32, "message": "lost"})
    assert inbox.flush(30)
    inbox.close()
    assert inbox.stats()["dropped_write_failed"] == 1
    logged = [r for r in caplog.records if r.name.startswith("framecap") and r.levelno == logging.DEBUG]
    assert logged, "the drop is logged at DEBUG"


def test_the_busy_timeout_follows_shutdown_timeout_within_its_bounds(tmp_path):
    waits = {}
    for given in (None, 0.0, 0.5, 60.0):
        options = {} if given is None else {"shutdown_timeout": given}
        client = framecap.Client(store=str(tmp_path / "events.db"), install_hooks=False, **options)
        try:
            assert isinstance(client.transport, Inbox)
            waits[given] = client.transport.timeout
        finally:
            client.close()
    assert waits == {None: 2.0, 0.0: 0.1, 0.5: 0.5, 60.0: 5.0}


def ping(n):
    return pong(n + 1)


def pong(n):
    return ping(n + 1)


def deeper(extra):
    if extra:
        return deeper(extra - 1)
    return ping(0)


def test_a_recursion_error_through_two_functions_is_one_issue_whichever_hit_the_limit():
    events = [_capture(deeper, extra) for extra in (1, 2, 3)]  # the limit falls in ping, then pong, ...
    innermost = {e["exception"]["values"][-1]["stacktrace"]["frames"][-1]["function"] for e in events}
    assert innermost == {"ping", "pong"}, "(the test needs both endings)"
    assert len({fingerprint(e) for e in events}) == 1


def _burst_while_the_inbox_is_locked(path, **options):
    """20 captures while another connection holds the inbox's write lock; the inbox's stats after."""
    import sqlite3

    client = framecap.Client(store=path, install_hooks=False, shutdown_timeout=5.0, **options)  # (busy: 5 s)
    try:
        client.capture_message("creates the file")
        assert client.flush(10)
        blocker = sqlite3.connect(path, isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")
        try:
            for n in range(20):
                client.capture_message(f"burst {n}")
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        client.flush(10)
        return client.transport.stats()
    finally:
        client.close()


def test_max_queue_size_bounds_the_inbox_queue_too(tmp_path):
    small = _burst_while_the_inbox_is_locked(str(tmp_path / "small.db"), max_queue_size=5)
    assert small["dropped_queue_full"] >= 10, small
    default = _burst_while_the_inbox_is_locked(str(tmp_path / "default.db"))
    assert default["dropped_queue_full"] == 0, "100 by default"
