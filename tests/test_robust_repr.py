"""The program's own ``__repr__`` can't hang or stall a capture: it runs on a helper thread, within
the capture's time; one that deadlocks, sleeps or loops becomes a placeholder recorded in ``_meta``."""

import functools
import sys
import threading
import time

import pytest

import framecap


def _client():
    transport = framecap.MemoryTransport()
    return framecap.Client(transport=transport, install_hooks=False), transport


def _in_thread(fn, timeout=10.0):
    """Run ``fn`` in a daemon thread; its result, or a failure if it doesn't return in time."""
    out = []
    thread = threading.Thread(target=lambda: out.append(fn()), daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), "the capture did not return"
    return out[0]


def _frame(event, function):
    frames = event["exception"]["values"][-1]["stacktrace"]["frames"]
    index = next(i for i, f in enumerate(frames) if f["function"].endswith(function))
    return index, frames[index]


def test_a_repr_that_takes_a_lock_the_capturing_thread_holds_does_not_hang_the_capture():
    client, transport = _client()

    class Account:
        def __init__(self):
            self.lock = threading.Lock()
            self.balance = 0

        def __repr__(self):
            with self.lock:
                return f"<Account balance={self.balance}>"

        def withdraw(self, amount):
            with self.lock:
                try:
                    if amount > self.balance:
                        raise ValueError("insufficient funds")
                except ValueError:
                    return client.capture_exception()

    account = Account()
    started = time.monotonic()
    event_id = _in_thread(lambda: account.withdraw(10))
    assert event_id is not None and time.monotonic() - started < 3
    event = transport.events[-1]
    index, frame = _frame(event, "withdraw")
    assert frame["vars"]["self"].endswith("Account object; repr() took too long>")
    assert frame["vars"]["amount"] == "10"
    path = event["_meta"]["exception"]["values"]["0"]["stacktrace"]["frames"][str(index)]["vars"]["self"]
    assert path[""]["rem"][0][0] == "framecap:timeout"
    assert repr(account) == "<Account balance=0>"  # the abandoned helper got the lock once it was free


def test_slow_reprs_cost_the_capture_its_time_budget_at_most():
    client, transport = _client()

    class Slow:
        def __repr__(self):
            time.sleep(0.6)
            return "slow"

    def work():
        values = [Slow() for _ in range(6)]
        other = Slow()
        fine = {"a": 1}
        raise KeyError(len(values) + len(fine) + bool(other))

    try:
        work()
    except KeyError as error:
        started = time.monotonic()
        assert client.capture_exception(error) is not None
        took = time.monotonic() - started
    assert took < 2.0, took
    _, frame = _frame(transport.events[-1], "work")
    assert frame["vars"]["fine"] == {"a": "1"}
    assert "took too long" in str(frame["vars"]["values"]) and "took too long" in frame["vars"]["other"]


def test_helpers_left_with_abandoned_reprs_are_bounded_and_reused():
    from framecap import usercode

    client, _ = _client()
    gate = threading.Event()

    class Blocked:
        def __repr__(self):
            gate.wait(30)
            return "blocked"

    def work():
        blocked = [Blocked() for _ in range(usercode.MAX_ABANDONED + 3)]
        raise KeyError(len(blocked))

    before = threading.active_count()
    try:
        for _ in range(3):
            try:
                work()
            except KeyError as error:
                assert client.capture_exception(error) is not None
        assert threading.active_count() - before <= usercode.MAX_ABANDONED + 1
    finally:
        gate.set()
    deadline = time.monotonic() + 5
    while usercode._pool.abandoned and time.monotonic() < deadline:
        time.sleep(0.01)
    assert usercode._pool.abandoned == 0


def test_a_capture_from_a_repr_run_by_a_capture_is_dropped_not_deadlocked():
    client, transport = _client()

    class Reporter:
        def __repr__(self):
            try:
                raise RuntimeError("inner")
            except RuntimeError:
                client.capture_exception()
            return "reporter"

    def work():
        reporter = Reporter()
        raise KeyError(id(reporter))

    try:
        work()
    except KeyError as caught:
        assert _in_thread(functools.partial(client.capture_exception, caught)) is not None
    assert len(transport.events) == 1
    _, frame = _frame(transport.events[-1], "work")
    assert frame["vars"]["reporter"] == "reporter"


@pytest.mark.parametrize("error", [SystemExit(3), KeyboardInterrupt(), GeneratorExit(), MemoryError()])
def test_a_repr_raising_a_base_exception_costs_only_its_value(error):
    client, transport = _client()

    class Bad:
        def __repr__(self):
            raise error

    def work():
        bad, good = Bad(), 5
        raise KeyError(good, bad is None)

    try:
        work()
    except KeyError as caught:
        assert client.capture_exception(caught) is not None
    _, frame = _frame(transport.events[-1], "work")
    assert frame["vars"]["bad"].endswith(f"Bad object; repr() raised {type(error).__name__}>")
    assert frame["vars"]["good"] == "5"


def test_logging_exception_inside_a_locked_section_whose_repr_takes_the_lock(run_python):
    completed = run_python(
        """
import logging, threading
import framecap
transport = framecap.MemoryTransport()
framecap.init(transport=transport)
log = logging.getLogger("app")

class Cache:
    def __init__(self):
        self._lock = threading.Lock()
        self._data = {}
    def __repr__(self):
        with self._lock:
            return f"<Cache {len(self._data)} entries>"
    def load(self, key):
        with self._lock:
            try:
                return self._data[key]
            except KeyError:
                log.exception("cache miss for %s", key)

Cache().load("k")
print("done", len(transport.events), flush=True)
""",
        timeout=30,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert completed.stdout.split() == ["done", "1"]
    assert "cache miss for k" in completed.stderr and "KeyError: 'k'" in completed.stderr


def test_an_exception_str_that_takes_a_held_lock_does_not_hang_the_capture():
    client, transport = _client()
    lock = threading.Lock()

    class Locked(Exception):
        def __str__(self):
            with lock:
                return "locked"

    def work():
        with lock:
            try:
                raise Locked()
            except Locked:
                return client.capture_exception()

    assert _in_thread(work) is not None
    assert transport.events[-1]["exception"]["values"][-1]["value"] == "<exception str() took too long>"


def test_an_exception_class_metaclass_getattribute_is_not_run():
    client, _ = _client()
    ran = []

    class Meta(type):
        def __getattribute__(cls, name):
            ran.append(name)
            return super().__getattribute__(name)

    class Odd(Exception, metaclass=Meta):
        pass

    try:
        raise Odd("boom")
    except Odd as error:
        ran.clear()
        assert client.capture_exception(error) is not None
    assert ran == []


def test_a_django_connection_a_repr_opens_on_the_helper_is_closed(run_python, tmp_path):
    pytest.importorskip("django")
    completed = run_python(
        f"""
import threading
import django
from django.conf import settings
settings.configure(
    DATABASES={{"default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": {str(tmp_path / "db.sqlite3")!r}}}}},
    INSTALLED_APPS=["django.contrib.contenttypes"],
)
django.setup()
from django.db import connection, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created

class Author(models.Model):
    name = models.TextField()
    class Meta:
        app_label = "contenttypes"

class Book(models.Model):
    author = models.ForeignKey(Author, on_delete=models.CASCADE)
    class Meta:
        app_label = "contenttypes"
    def __str__(self):
        return f"book by {{self.author.name}}"

with connection.schema_editor() as editor:
    editor.create_model(Author)
    editor.create_model(Book)
book_id = Book.objects.create(author=Author.objects.create(name="ann")).pk
opened, closed = [], []
connection_created.connect(lambda sender, connection, **kw: opened.append(threading.current_thread().name), weak=False)
original = BaseDatabaseWrapper.close
def close(self):
    if self.connection is not None:
        closed.append(threading.current_thread().name)
    return original(self)
BaseDatabaseWrapper.close = close

import framecap
transport = framecap.MemoryTransport()
client = framecap.Client(transport=transport, install_hooks=False)
def work():
    book = Book.objects.get(pk=book_id)
    raise KeyError(book.pk)
try:
    work()
except KeyError as error:
    client.capture_exception(error)
print(transport.events[-1]["exception"]["values"][-1]["stacktrace"]["frames"][-1]["vars"]["book"])
print(opened, closed)
"""
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    shown, threads = completed.stdout.strip().splitlines()
    assert shown == "<Book: book by ann>"
    assert threads == "['framecap-usercode'] ['framecap-usercode']"


def test_numpy_arrays_are_summarized_even_when_the_program_prints_them_whole():
    np = pytest.importorskip("numpy")
    if not hasattr(sys.modules.get("numpy._core.printoptions"), "format_options"):
        pytest.skip("numpy 2 keeps print options in a context variable")
    client, transport = _client()
    previous = np.get_printoptions()
    np.set_printoptions(threshold=sys.maxsize)
    try:

        def work(values):
            raise KeyError(values.size)

        try:
            work(np.arange(1_000_000, dtype=float))
        except KeyError as error:
            assert client.capture_exception(error) is not None
        assert np.get_printoptions()["threshold"] == sys.maxsize  # the program's own options are untouched
    finally:
        np.set_printoptions(**previous)
    _, frame = _frame(transport.events[-1], "work")
    assert frame["vars"]["values"].startswith("array([0.00000e+00,") and "..." in frame["vars"]["values"]


def test_no_helper_thread_stays_behind_a_capture():
    client, _ = _client()

    class Plain:
        def __repr__(self):
            return "plain"

    def work():
        value = Plain()
        raise KeyError(id(value))

    try:
        work()
    except KeyError as error:
        assert client.capture_exception(error) is not None
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(t.name == "framecap-usercode" for t in threading.enumerate()):
        time.sleep(0.05)
    assert not any(t.name == "framecap-usercode" for t in threading.enumerate())


def test_one_hand_off_per_capture_and_a_stuck_repr_resumes_at_its_frame(monkeypatch):
    # Every frame's values go to one helper job (not one per frame); a __repr__ past its time makes the
    # job start again on another helper at the frame it was walking: the frames before keep their values.
    from framecap import usercode

    started = []
    start = usercode._start
    monkeypatch.setattr(usercode, "_start", lambda job: started.append(job) or start(job))
    client, transport = _client()
    gate = threading.Event()

    class Mine:
        def __repr__(self):
            return "<mine>"

    class Stuck:
        def __repr__(self):
            gate.wait(10)
            return "stuck"

    def level(n):
        mine = Mine()
        stuck = Stuck() if n == 2 else None
        if n == 0:
            raise ValueError("bottom")
        return level(n - 1) or (mine, stuck)

    try:
        try:
            level(6)
        except ValueError as error:
            assert client.capture_exception(error) is not None
    finally:
        gate.set()
    assert len(started) == 2
    frames = [
        f
        for f in transport.events[-1]["exception"]["values"][-1]["stacktrace"]["frames"]
        if f["function"].endswith("level")
    ]
    assert [f["vars"]["mine"] for f in frames] == ["<mine>"] * 7
    assert frames[-3]["vars"]["stuck"].endswith("Stuck object; repr() took too long>")
    assert [f["vars"]["stuck"] for f in frames if f is not frames[-3]] == ["None"] * 6
