"""The delivery worker with a fake sender and an injected clock: retries, floors, rate limits, drops, reports.

No threads and no sleeps: each test steps the worker (``write_pending``, ``send_step``) and moves
the clock to the time the worker asks for, so minutes of backoff take microseconds.
"""

from __future__ import annotations

import errno
import gzip
import json
import logging
import os

import pytest
from envelopes import parse_envelope

from framecap.dsn import parse_dsn
from framecap.transports.http import HttpTransport
from framecap.transports.limits import parse_rate_limits
from framecap.transports.spool import Spool
from framecap.transports.worker import Worker


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeSender:
    """Answers with ``reply(n)``: ``(status, headers)``, or an exception to raise."""

    def __init__(self, clock, reply=lambda n: (200, {})) -> None:
        self.clock = clock
        self.reply = reply
        self.times: list[float] = []
        self.events: list[dict] = []
        self.reports: list[dict] = []

    def __call__(self, body: bytes, headers: dict) -> tuple[int, dict]:
        n = len(self.times)
        self.times.append(self.clock())
        answer = self.reply(n)
        if isinstance(answer, BaseException):
            raise answer
        status, reply_headers = answer
        if 200 <= status < 300:
            _, items = parse_envelope(gzip.decompress(body))
            for item, payload in items:
                (self.events if item["type"] == "event" else self.reports).append(json.loads(payload))
        return status, {k.lower(): v for k, v in reply_headers.items()}

    def discarded(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for report in self.reports:
            for entry in report["discarded_events"]:
                key = f"{entry['reason']}:{entry['category']}"
                out[key] = out.get(key, 0) + entry["quantity"]
        return out


def make(tmp_path, reply=lambda n: (200, {}), clock=None, spool=None, **kw):
    clock = clock or Clock()
    sender = FakeSender(clock, reply)
    spool = spool or Spool(str(tmp_path / "spool"), kw.pop("max_spool_events", 100), kw.pop("max_spool_bytes", 10**7))
    worker = Worker(spool, sender, {}, clock=clock, threads=False, jitter=lambda: 0.0, **kw)
    return worker, sender, clock


def event(i: int) -> dict:
    return {"event_id": f"{i:032x}", "platform": "python", "level": "error", "timestamp": 1700000000.0 + i}


def run(worker, clock, until: float, steps: int = 100_000) -> None:
    """Step the worker, moving the clock to each time it asks for, until ``until`` (or it is idle)."""
    for _ in range(steps):
        worker.write_pending()
        at = worker.send_step()
        if at is None or at > until:
            clock.now = max(clock.now, min(until, at if at is not None else until))
            return
        clock.now = max(clock.now, at)
    raise AssertionError("the worker did not settle: a hot loop")


def ids(sender) -> list[str]:
    return [e["event_id"] for e in sender.events]


@pytest.mark.parametrize(
    "headers",
    [
        {"Retry-After": "0"},
        {"Retry-After": "-5"},
        {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"},  # long past
        {"Retry-After": "soon"},
        {"X-Sentry-Rate-Limits": "0:error:key"},
        {"X-Sentry-Rate-Limits": "0::organization"},
        {"X-Sentry-Rate-Limits": "-1:error"},
    ],
)
def test_a_429_saying_retry_now_still_waits_a_doubling_floor(tmp_path, headers):
    worker, sender, clock = make(tmp_path, reply=lambda n: (429, headers))
    start = clock.now
    for i in range(10):
        worker.put(event(i))
    run(worker, clock, start + 3.0)
    # floors 1 s, 2 s, 4 s...: at most 3 requests in 3 seconds (or the server's own, longer wait)
    assert 1 <= len(sender.times) <= 3, sender.times
    assert all(b - a >= 1.0 for a, b in zip(sender.times, sender.times[1:]))
    run(worker, clock, start + 600.0)
    assert len(sender.times) <= 15, "the floor doubles up to a minute: ~13 requests in 10 minutes"
    assert worker.stats()["queued"] == 10 and worker.spool.count() == 10, "limited events are kept"


def test_errors_and_5xx_back_off_with_a_floor_then_everything_arrives_once(tmp_path):
    replies = [OSError("refused"), (503, {}), ConnectionResetError(), (500, {})]
    worker, sender, clock = make(tmp_path, reply=lambda n: replies[n] if n < len(replies) else (200, {}))
    for i in range(5):
        worker.put(event(i))
    run(worker, clock, clock.now + 3600)
    gaps = [b - a for a, b in zip(sender.times, sender.times[1:])]
    assert gaps[:4] == [1.0, 2.0, 4.0, 8.0] and sorted(ids(sender)) == [f"{i:032x}" for i in range(5)]
    assert worker.spool.count() == 0 and worker.stats()["sent"] == 5 and worker.stats()["queued"] == 0


def test_a_dead_server_costs_one_request_per_backoff_not_a_loop(tmp_path):
    worker, sender, clock = make(tmp_path, reply=lambda n: OSError("down"))
    for i in range(20):
        worker.put(event(i))
    run(worker, clock, clock.now + 3600)
    assert 100 <= len(sender.times) <= 130, "about one request per 30 s (the cap) for an hour"
    assert worker.spool.count() == 20 and worker.stats()["dropped"]["network_error"] == 0, "all kept on disk"


def test_rate_limits_are_per_category_and_hold_errors_until_they_end(tmp_path):
    def reply(n):
        if n == 0:
            return 200, {"X-Sentry-Rate-Limits": "86400:transaction:organization, 5:error:key"}
        return 200, {"X-Sentry-Rate-Limits": "86400:transaction;span:organization"}  # what Bugsink always says

    worker, sender, clock = make(tmp_path, reply=reply)
    for i in range(4):
        worker.put(event(i))
    run(worker, clock, clock.now + 60)
    assert sender.times[1] - sender.times[0] == 5.0 and sender.times[-1] == sender.times[1], "then all at once"
    assert len(ids(sender)) == 4
    assert parse_rate_limits(
        "60:transaction:key, 2700:default;error;security:organization, 5::key", None, 200, 100.0
    ) == {"transaction": 160.0, "default": 2800.0, "error": 2800.0, "security": 2800.0, "": 105.0}
    assert parse_rate_limits(None, "30", 429, 10.0) == {"": 40.0}
    assert parse_rate_limits(None, None, 429, 10.0) == {"": 70.0}
    assert parse_rate_limits(None, "-3", 429, 10.0) == {"": 10.0}, "the server's word, never negative"


def test_a_refused_event_is_dropped_counted_logged_once_a_minute_and_reported(tmp_path, caplog):
    worker, sender, clock = make(tmp_path, reply=lambda n: (400, {}) if n < 3 else (200, {}))
    caplog.set_level(logging.WARNING, "framecap")
    for i in range(3):
        worker.put(event(i))
    run(worker, clock, clock.now + 10)
    assert worker.stats()["dropped"]["send_error"] == 3 and worker.spool.count() == 0
    assert sender.discarded() == {"send_error:error": 3}, "one client report, sent at once"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == ["framecap: 1 event(s) dropped: refused by the server (HTTP 400)"]
    clock.now += 61
    sender.reply = lambda n: (413, {})
    worker.put(event(9))
    run(worker, clock, clock.now + 60)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings[1] == "framecap: 3 event(s) dropped: refused by the server (HTTP 413)", "the silent ones summed in"


def test_queue_overflow_is_counted_and_never_touches_the_disk(tmp_path, monkeypatch, caplog):
    worker, sender, clock = make(tmp_path, max_queue=3)
    touched = []
    for name in ("scandir", "listdir", "open", "stat", "replace"):
        original = getattr(os, name)
        monkeypatch.setattr(os, name, lambda *a, _o=original, _n=name, **k: touched.append(_n) or _o(*a, **k))
    for i in range(5):
        worker.put(event(i))
    assert touched == [], "the capture path does not touch the disk"
    monkeypatch.undo()
    assert worker.stats()["dropped"]["queue_overflow"] == 2
    assert "queue in memory was full" in caplog.text
    run(worker, clock, clock.now + 10)
    assert len(ids(sender)) == 3 and sender.discarded() == {"queue_overflow:error": 2}


def test_spool_eviction_past_its_bounds_is_counted_and_reported(tmp_path):
    earlier = Spool(str(tmp_path / "spool"))  # what a previous process left
    for i in range(3):
        earlier.write(f"{i:032x}", json.dumps(event(i)).encode())
    worker, sender, clock = make(tmp_path, reply=lambda n: OSError("down"), max_spool_events=3)
    worker.send_step()  # the first look at the spool: three leftovers
    for i in range(10, 12):
        worker.put(event(i))
    worker.write_pending()
    assert worker.spool.count() == 3 and worker.stats()["dropped"]["cache_overflow"] == 2
    sender.reply = lambda n: (200, {})
    run(worker, clock, clock.now + 100)
    assert sender.discarded() == {"cache_overflow:error": 2}
    assert sorted(ids(sender)) == [f"{i:032x}" for i in (2, 10, 11)], "the oldest were evicted"


def test_a_burst_beyond_the_spool_bound_is_sent_from_memory(tmp_path):
    worker, sender, clock = make(tmp_path, max_spool_events=3, max_queue=20)
    for i in range(12):
        worker.put(event(i))
    worker.write_pending()
    assert worker.spool.count() == 3, "the spool keeps its bound"
    run(worker, clock, clock.now + 10)
    assert sorted(ids(sender)) == [f"{i:032x}" for i in range(12)] and worker.stats()["dropped"]["cache_overflow"] == 0


def test_a_full_disk_leaves_no_temporary_file_and_the_event_still_goes_out(tmp_path, caplog):
    def full(fd, payload):
        os.write(fd, payload[:10])
        raise OSError(errno.ENOSPC, "No space left on device")

    spool = Spool(str(tmp_path / "spool"), write_all=full)
    worker, sender, clock = make(tmp_path, spool=spool)
    worker.put(event(1))
    worker.write_pending()
    assert os.listdir(tmp_path / "spool") == [], "no hidden temporary file left behind"
    assert worker.stats()["spool_write_errors"] == {"disk_full": 1, "unwritable": 0}
    assert "disk full" in caplog.text
    run(worker, clock, clock.now + 10)
    assert ids(sender) == [f"{1:032x}"], "kept in memory and delivered"


def test_an_unwritable_spool_keeps_events_in_memory_and_says_what_was_lost(tmp_path, caplog):
    (tmp_path / "file").write_text("not a directory")
    worker, sender, clock = make(tmp_path, reply=lambda n: OSError("down"), spool=Spool(str(tmp_path / "file" / "s")))
    worker.max_retries = 2
    for i in range(2):
        worker.put(event(i))
    run(worker, clock, clock.now + 3600)
    stats = worker.stats()
    assert stats["spool_write_errors"]["unwritable"] == 2 and stats["dropped"]["network_error"] == 2
    assert "could not write" in caplog.text and "not delivered and not spooled" in caplog.text
    worker.put(event(3))
    worker.close()
    assert worker.stats()["dropped"]["internal_sdk_error"] == 1, "lost at exit, and said so"


def test_close_writes_what_is_left_and_the_next_worker_sends_it_with_the_report(tmp_path):
    worker, sender, clock = make(tmp_path, reply=lambda n: OSError("down"), max_queue=2)
    for i in range(3):
        worker.put(event(i))  # the third overflows the queue
    worker.close()
    names = sorted(os.listdir(tmp_path / "spool"))
    assert [n.rpartition(".")[2] for n in names] == ["event", "event", "report"]
    again, sender2, clock2 = make(tmp_path)
    run(again, clock2, clock2.now + 10)
    assert sorted(ids(sender2)) == [f"{i:032x}" for i in range(2)]
    assert sender2.discarded() == {"queue_overflow:error": 1}
    assert os.listdir(tmp_path / "spool") == []


def test_an_event_is_written_ahead_before_any_send_and_deleted_after_a_2xx(tmp_path):
    worker, sender, clock = make(tmp_path, reply=lambda n: (500, {}))
    worker.put(event(1))
    assert worker.spool.count() == 0 and sender.times == []
    worker.write_pending()
    assert len(os.listdir(tmp_path / "spool")) == 1 and sender.times == [], "on disk before the first attempt"
    run(worker, clock, clock.now + 1)
    sender.reply = lambda n: (200, {})
    run(worker, clock, clock.now + 100)
    assert os.listdir(tmp_path / "spool") == [] and ids(sender) == [f"{1:032x}"]


def test_the_transport_facade_with_a_fake_sender_and_stats(tmp_path):
    clock = Clock()
    sender = FakeSender(clock)
    transport = HttpTransport(
        parse_dsn("http://k@127.0.0.1:9/1"), Spool(str(tmp_path)), sender=sender, clock=clock, threads=False
    )
    transport.send(event(1))
    run(transport.worker, clock, clock.now + 1)
    assert transport.stats() == {
        "queued": 0,
        "spooled": 0,
        "sent": 1,
        "dropped": {
            "queue_overflow": 0,
            "cache_overflow": 0,
            "send_error": 0,
            "network_error": 0,
            "internal_sdk_error": 0,
        },
        "spool_write_errors": {"disk_full": 0, "unwritable": 0},
    }


@pytest.mark.internal_errors
def test_an_event_that_is_not_json_costs_that_event_only(tmp_path, internal_errors):
    worker, sender, clock = make(tmp_path)
    worker.put({**event(1), "extra": {"odd": object()}})  # a before_send that returned something odd
    worker.put(event(2))
    run(worker, clock, clock.now + 10)
    assert ids(sender) == [f"{2:032x}"] and worker.stats()["dropped"]["internal_sdk_error"] == 1
    assert [where for where, _ in internal_errors] == ["transport: encoding an event"]
