"""The inbox: storage, grouping queries, the writer off the capture path, drops, forks, old files."""

import concurrent.futures
import importlib.util
import os
import shutil
import sqlite3
import textwrap
import threading
import time

import processes
import pytest

from conftest import ROOT, read_store
from framecap.transports.inbox import Filters, Inbox, default_store_path
from framecap.transports.inbox_schema import SCHEMA_VERSION, parse_since

DATA = os.path.join(ROOT, "tests", "data")


def fake(i, value=None, function="mine", kind="E", line="    x = compute()"):
    return {
        "event_id": f"{i:032x}",
        "timestamp": "2026-01-01T00:00:00+00:00",
        "exception": {
            "values": [
                {
                    "type": kind,
                    "value": value if value is not None else f"v{i}",
                    "stacktrace": {
                        "frames": [
                            {"filename": "a.py", "lineno": 1, "function": "lib", "in_app": False},
                            {
                                "filename": "b.py",
                                "module": "b",
                                "lineno": 2 + i,
                                "function": function,
                                "in_app": True,
                                "context_line": line,
                            },
                            {"filename": "c.py", "lineno": 3, "function": "lib2", "in_app": False},
                        ]
                    },
                }
            ]
        },
    }


def test_bounded_oldest_dropped(tmp_path):
    inbox = Inbox(str(tmp_path / "deep" / "x.db"), max_events=5)
    for i in range(12):
        inbox.send(fake(i))
    assert inbox.flush(30)
    rows = inbox.events(limit=100)
    assert [r.message for r in rows] == ["v11", "v10", "v9", "v8", "v7"]
    assert rows[0].location == "b.py:13 in mine" and rows[0].type == "E"
    assert inbox.get("last")["event_id"] == f"{11:032x}" and inbox.get(f"{3:032x}") is None
    assert inbox.stats() == {
        "stored": 12,
        "dropped_queue_full": 0,
        "dropped_write_failed": 0,
        "pending": 0,
        "last_error": None,
    }


def test_grouping_queries_filters_paging_and_revision(tmp_path):
    clock = [1000.0]
    inbox = Inbox(str(tmp_path / "x.db"), background=False, clock=lambda: clock[0])
    for i in range(4):  # one crash four times: line numbers and messages differ, the code does not
        clock[0] += 60
        inbox.send(fake(i, value=f"no row {i}"))
    clock[0] += 60
    inbox.send(fake(10, function="other", kind="pkg.KeyError", value="'k'"))
    issues = inbox.issues()
    assert [(i.count, i.type, i.message, i.first_seen, i.last_seen) for i in issues] == [
        (1, "pkg.KeyError", "'k'", 1300.0, 1300.0),
        (4, "E", "no row 3", 1060.0, 1240.0),
    ]
    assert issues[1].newest_event_id == f"{3:032x}" and inbox.issue_count() == 2
    assert [i.type for i in inbox.issues(Filters(type="KeyError"))] == ["pkg.KeyError"]
    assert inbox.issues(Filters(type="Key")) == []
    assert [i.count for i in inbox.issues(Filters(grep="NO ROW"))] == [4]
    assert [i.count for i in inbox.issues(Filters(grep="b.py:12"))] == [1]
    assert inbox.issues(Filters(grep="%")) == [] and inbox.issues(Filters(grep="_")) == []
    assert [i.count for i in inbox.issues(Filters(since=1200.0))] == [1, 1]
    assert [i.type for i in inbox.issues(limit=1, offset=1)] == ["E"]
    group = issues[1].issue
    assert [e.message for e in inbox.events(Filters(issue=group), limit=2, offset=1)] == ["no row 2", "no row 1"]
    assert inbox.event_count(Filters(issue=group)) == 4
    assert inbox.resolve(group[:8]) == ("issue", group)
    assert inbox.get(group[:8])["event_id"] == f"{3:032x}", "an issue id shows its newest event"
    assert inbox.issue_of(f"{1:032x}") == group
    before = inbox.revision()
    assert inbox.delete([f"{0:032x}", "f" * 32]) == 1
    after_delete = inbox.revision()
    assert after_delete > before
    inbox.send(fake(20))
    assert inbox.revision() > after_delete
    assert inbox.delete_issue(group) == 4 and inbox.clear() == 1 and inbox.issues() == []


def test_types_counts_events_per_exception_type(tmp_path):
    clock = [1000.0]
    inbox = Inbox(str(tmp_path / "x.db"), background=False, clock=lambda: clock[0])
    assert inbox.types() == [], "reading never creates the file"
    for i, kind in enumerate(["E", "pkg.KeyError", "E", "A"]):
        clock[0] += 60
        inbox.send(fake(i, kind=kind))
    inbox.send({"event_id": "f" * 32, "message": "no exception"})
    assert inbox.types() == [("E", 2), ("A", 1), ("pkg.KeyError", 1)]
    assert inbox.types(Filters(since=1150.0)) == [("A", 1), ("E", 1)]
    assert inbox.types(Filters(grep="keyerror")) == [("pkg.KeyError", 1)]
    assert inbox.types(limit=1) == [("E", 2)]


def test_fingerprint_is_stored_and_indexed(tmp_path):
    path = str(tmp_path / "x.db")
    inbox = Inbox(path, background=False)
    inbox.send(fake(1))
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        plan = connection.execute("EXPLAIN QUERY PLAN SELECT * FROM events WHERE fingerprint = 'x'").fetchall()
    assert "events_fingerprint" in str(plan)


def test_ambiguous_and_unknown_references(tmp_path):
    inbox = Inbox(str(tmp_path / "x.db"), background=False)
    assert inbox.get("last") is None and inbox.resolve("abc") is None, "reading creates nothing"
    assert not os.path.exists(tmp_path / "x.db")
    inbox.send(fake(1))
    inbox.send(fake(2))
    with pytest.raises(LookupError, match="more than one"):
        inbox.resolve("0000")
    assert inbox.resolve("not hex") is None


def test_an_inbox_written_by_framecap_0_1_is_migrated(tmp_path):
    """tests/data/inbox-0.1.db was written by framecap 0.1's inbox (kept as tests/data/inbox_0_1.py)."""
    path = str(tmp_path / "old.db")
    shutil.copy(os.path.join(DATA, "inbox-0.1.db"), path)
    inbox = Inbox(path, background=False)
    issues = inbox.issues()
    assert [(i.count, i.message) for i in issues] == [(1, "'carol'"), (2, "'bob'")]
    assert inbox.get("last")["event_id"] == f"{3:032x}"
    inbox.send(fake(9))
    assert len(read_store(path)) == 4
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    # framecap 0.1, still running somewhere, keeps writing into the migrated file
    spec = importlib.util.spec_from_file_location("inbox_0_1", os.path.join(DATA, "inbox_0_1.py"))
    old = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(old)
    old.Inbox(path).send(fake(10, value="'dave'"))
    assert [e["event_id"][-2:] for e in read_store(path)][-1] == "0a"
    assert [old_row["message"] for old_row in old.Inbox(path).list(2)] == ["'dave'", "v9"]
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT COUNT(*) FROM events WHERE fingerprint IS NULL").fetchone()[0] == 1
    assert (inbox.issues()[0].count, inbox.issues()[0].type) == (2, "E"), "the old writer's row joins its issue"
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT COUNT(*) FROM events WHERE fingerprint IS NULL").fetchone()[0] == 0


def test_default_path_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert default_store_path() == str(tmp_path / "framecap" / "events.db")
    monkeypatch.delenv("XDG_STATE_HOME")
    assert default_store_path().endswith(os.path.join(".local", "state", "framecap", "events.db"))


def test_since_parsing():
    assert parse_since("2h", now=10_000.0) == 10_000.0 - 7200
    assert parse_since("3d", now=1e6) == 1e6 - 3 * 86400 and parse_since("45m", now=0) == -2700
    assert parse_since("2026-11-30T00:00+00:00") == 1795996800.0
    with pytest.raises(ValueError, match="give a duration"):
        parse_since("yesterday")


@pytest.mark.slow
@pytest.mark.integration
def test_many_threads_and_processes_write_at_once(tmp_path):
    path = str(tmp_path / "shared.db")
    code = (
        "import sys\n"
        "from framecap.transports.inbox import Inbox\n"
        f"inbox = Inbox({path!r}, max_events=10000, timeout=30, max_queue=1000)\n"
        "base = int(sys.argv[1])\n"
        "for i in range(40):\n"
        "    inbox.send({'event_id': '%032x' % (base + i), 'exception': {'values': []}})\n"
    )
    procs = [processes.start("-c", code, str(p * 1000)) for p in range(4)]
    inbox = Inbox(path, max_events=10000, timeout=30, max_queue=1000)
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        list(
            pool.map(lambda i: inbox.send({"event_id": "%032x" % (90000 + i), "exception": {"values": []}}), range(40))
        )
    assert inbox.flush(60)
    assert all(p.wait(timeout=120) == 0 for p in procs), "each process flushed its queue at exit"
    assert len({e["event_id"] for e in read_store(path)}) == 200


def test_send_only_queues_and_flush_waits(tmp_path):
    path = str(tmp_path / "x.db")
    inbox = Inbox(path, max_queue=3, timeout=60)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")  # another process holds the file (or the disk is slow): the writer waits
    try:
        for i in range(1, 10):
            inbox.send(fake(i))
        assert inbox.flush(0.01) is False
        stats = inbox.stats()
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    # Three wait in the queue, plus the ones the writer had taken before the queue filled (0 to 3: it
    # takes what is queued when it runs); the rest were dropped, and said so.
    kept = stats["pending"]
    assert 3 <= kept <= 6 and (stats["dropped_queue_full"], stats["stored"]) == (9 - kept, 0), stats
    assert stats["last_error"] == "queue full (3 events waiting)"
    assert inbox.flush(30)
    assert [e["event_id"][-1] for e in read_store(path)] == [str(i) for i in range(1, kept + 1)]
    assert (inbox.stats()["stored"], inbox.stats()["pending"]) == (kept, 0)


def test_close_after_a_flush_gave_up_does_not_wait_again(tmp_path):
    """Client.close() flushes within shutdown_timeout, then closes the transport: a write still stuck
    then (another process holds the file) is not waited for a second time (nor by the at-exit flush)."""
    path = str(tmp_path / "x.db")
    inbox = Inbox(path, timeout=60)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        inbox.send(fake(1))
        assert inbox.flush(0.05) is False
        closing = threading.Thread(target=inbox.close, daemon=True)
        closing.start()
        closing.join(10)  # (it would wait the busy timeout plus a second: 61 s)
        assert not closing.is_alive(), "close() waited again for the stuck write"
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert inbox.flush(30) and inbox.stats()["stored"] == 1
    inbox.close()  # a write that ended: the next close waits as usual, and finds nothing left
    assert [e["event_id"] for e in read_store(path)] == [fake(1)["event_id"]]


def test_unwritable_inbox_counts_drops(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    inbox = Inbox(str(tmp_path / "file" / "x.db"))
    inbox.send(fake(1))
    inbox.send(fake(2))
    assert inbox.flush(30)
    stats = inbox.stats()
    assert stats["stored"] == 0 and stats["dropped_write_failed"] == 2
    assert "Error" in stats["last_error"]


@pytest.mark.slow
@pytest.mark.integration
def test_import_framecap_does_not_import_sqlite3():
    code = "import sys, framecap; print('sqlite3' in sys.modules)"
    out = processes.python("-c", code)
    assert out.stdout.strip() == "False", out.stderr


def test_events_are_flushed_at_exit_without_hooks(run_python, store):
    result = run_python(
        """
        import framecap
        client = framecap.Client(install_hooks=False)
        for n in range(20):
            try:
                {}[n]
            except KeyError:
                client.capture_exception()
        """
    )
    assert result.returncode == 0, result.stderr
    assert len(read_store(store)) == 20


FORK_UNDER_LOAD = """
import os, sys, threading, time
import framecap

# shutdown_timeout=10: SQLite waits 5 s for the lock (a loaded CI machine took over 2 s)
client = framecap.init(install_hooks=False, max_inbox_events=100000, shutdown_timeout=10)
stop = threading.Event()

def capture(tag):
    try:
        raise ValueError(tag)
    except ValueError:
        return framecap.capture_exception()

def busy():
    while not stop.is_set():
        capture("parent-thread")

threads = [threading.Thread(target=busy) for _ in range(3)]
for t in threads:
    t.start()
children = []
for n in range(12):
    time.sleep(0.005)  # let the writer be mid-transaction at some of the forks
    pid = os.fork()
    if pid == 0:
        ids = [capture(f"child-{n}-{i}") for i in range(5)]
        ok = framecap.flush(30)  # a forked child that leaves with os._exit flushes first (see the README)
        stats = client.transport.stats()
        if not (ok and all(ids) and stats["stored"] == 5):
            print("child", n, stats, flush=True)
            os._exit(3)
        os._exit(0)
    children.append(pid)
statuses = [os.waitpid(pid, 0)[1] for pid in children]
stop.set()
for t in threads:
    t.join()
framecap.flush(30)
print("statuses", statuses)
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_fork_while_other_threads_write_loses_no_child_event(run_python, store):
    result = run_python(FORK_UNDER_LOAD, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "statuses [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]" in result.stdout, result.stdout + result.stderr
    assert "database" not in result.stderr
    events = read_store(store)
    children = [e for e in events if e["exception"]["values"][-1]["value"].startswith("child-")]
    assert len(children) == 60
    assert sum(e["exception"]["values"][-1]["value"] == "parent-thread" for e in events) > 0


MULTIPROCESSING = """
import multiprocessing, sys
import framecap


def work(n):
    framecap.init(install_hooks=False)  # spawn: a fresh interpreter; fork: replaces the inherited client
    try:
        raise KeyError(f"job {n}")
    except KeyError:
        framecap.capture_exception()  # no flush: the child's end flushes the inbox


if __name__ == "__main__":
    framecap.init(install_hooks=False)
    try:
        raise KeyError("parent")
    except KeyError:
        framecap.capture_exception()
    context = multiprocessing.get_context(sys.argv[1])
    processes = [context.Process(target=work, args=(n,)) for n in range(3)]
    for p in processes:
        p.start()
    for p in processes:
        p.join(60)
    print("exit codes", [p.exitcode for p in processes])
"""


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_multiprocessing_children_store_their_events(run_python, store, method):
    if method not in __import__("multiprocessing").get_all_start_methods():
        pytest.skip(f"no {method} start method here")
    result = run_python(MULTIPROCESSING, method, timeout=120)
    assert result.returncode == 0 and "exit codes [0, 0, 0]" in result.stdout, result.stderr
    values = sorted(e["exception"]["values"][-1]["value"] for e in read_store(store))
    assert values == ["'job 0'", "'job 1'", "'job 2'", "'parent'"]


def test_write_cost_is_measured_not_asserted(tmp_path, capsys):
    """Prints what a capture pays for the inbox (queueing) and what the writer pays per event."""
    inbox = Inbox(str(tmp_path / "x.db"), max_events=1000, max_queue=10_000)
    events = [fake(i) for i in range(300)]
    started = time.perf_counter()
    for event in events:
        inbox.send(event)
    queued = (time.perf_counter() - started) / len(events)
    assert inbox.flush(60)
    direct = Inbox(str(tmp_path / "y.db"), background=False)
    direct.send(fake(0))
    started = time.perf_counter()
    for event in events[1:101]:
        direct.send(event)
    written = (time.perf_counter() - started) / 100
    with capsys.disabled():
        print(f"\ninbox: send (capture path) {queued * 1e6:.1f} us/event; one write {written * 1e3:.3f} ms/event")


def test_threads_share_one_inbox(tmp_path):
    inbox = Inbox(str(tmp_path / "x.db"), max_queue=10_000, max_events=10_000)
    barrier = threading.Barrier(4)

    def burst(base):
        barrier.wait()
        for i in range(50):
            inbox.send(fake(base + i))

    threads = [threading.Thread(target=burst, args=(k * 100,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert inbox.flush(60) and inbox.event_count() == 200 and inbox.stats()["stored"] == 200


def test_old_writer_module_is_today_code():
    """The 0.1 writer kept for the migration test is framecap 0.1's inbox, two import lines aside."""
    with open(os.path.join(DATA, "inbox_0_1.py")) as handle:
        text = handle.read()
    assert "CREATE TABLE IF NOT EXISTS events" in text and "fingerprint" not in text
    assert textwrap.dedent(text).count("def send(") == 1


def test_the_writer_waits_a_while_for_the_next_event_then_ends(tmp_path, monkeypatch):
    # A program that captures often must not start a thread per event; none stays once it stops.
    from framecap.transports import inbox as inbox_module

    monkeypatch.setattr(inbox_module, "IDLE_SECONDS", 2.0)
    inbox = Inbox(str(tmp_path / "x.db"))
    inbox.send(fake(0))
    assert inbox.flush(10)
    writer = inbox._writer
    assert writer is not None
    inbox.send(fake(1))
    assert inbox.flush(10) and inbox._writer == writer and inbox.event_count() == 2
    deadline = time.monotonic() + 10
    while inbox._writer is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert inbox._writer is None and inbox.stats()["stored"] == 2
