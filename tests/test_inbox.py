import concurrent.futures
import os
import subprocess
import sys

from conftest import ROOT, read_store
from framecap.transports.inbox import Inbox, default_store_path


def fake(i):
    return {
        "event_id": f"{i:032x}",
        "timestamp": "2026-01-01T00:00:00+00:00",
        "exception": {
            "values": [
                {
                    "type": "E",
                    "value": f"v{i}",
                    "stacktrace": {
                        "frames": [
                            {"filename": "a.py", "lineno": 1, "function": "lib", "in_app": False},
                            {"filename": "b.py", "lineno": 2, "function": "mine", "in_app": True},
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
    rows = inbox.list(100)
    assert [r["message"] for r in rows] == ["v11", "v10", "v9", "v8", "v7"]
    assert rows[0]["location"] == "b.py:2 in mine" and rows[0]["type"] == "E"
    assert inbox.get("last")["event_id"] == f"{11:032x}" and inbox.get(f"{3:032x}") is None


def test_default_path_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert default_store_path() == str(tmp_path / "framecap" / "events.db")
    monkeypatch.delenv("XDG_STATE_HOME")
    assert default_store_path().endswith(os.path.join(".local", "state", "framecap", "events.db"))


def test_many_threads_and_processes_write_at_once(tmp_path):
    path = str(tmp_path / "shared.db")
    code = (
        f"import sys; sys.path.insert(0, {ROOT!r})\n"
        "from framecap.transports.inbox import Inbox\n"
        f"inbox = Inbox({path!r}, max_events=10000, timeout=30)\n"
        "base = int(sys.argv[1])\n"
        "for i in range(40):\n"
        "    inbox.send({'event_id': '%032x' % (base + i), 'exception': {'values': []}})\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", code, str(p * 1000)]) for p in range(4)]
    inbox = Inbox(path, max_events=10000, timeout=30)
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        list(
            pool.map(lambda i: inbox.send({"event_id": "%032x" % (90000 + i), "exception": {"values": []}}), range(40))
        )
    assert all(p.wait(timeout=120) == 0 for p in procs)
    assert len({e["event_id"] for e in read_store(path)}) == 200
