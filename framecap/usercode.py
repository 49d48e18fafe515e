"""Run the program's own code (a value's ``__repr__``, an exception's ``__str__``) off the capturing
thread, within a deadline.

Such code may take a lock the capturing thread holds (a thread-safe class that logs or captures
inside its own locked section), sleep, wait for I/O, or format a huge array: run on the capturing
thread it would hang the program or stall it. Here it runs on a helper thread, in a copy of the
capturing thread's context (so context variables, such as a web framework's request or numpy's
print options, read the same), while the capture waits at most the time it is given. A call past
its deadline is abandoned: the helper finishes it (or stays blocked) on its own and is reused once
free; the caller gets :class:`TimedOut` and shows a placeholder. While :data:`MAX_ABANDONED`
helpers are busy with abandoned calls, no more user code is run (:class:`TimedOut` at once).

Where no thread can be started (interpreter shutdown), and on a helper itself (a ``__repr__`` that
captures), the call runs inline.
"""

from __future__ import annotations

import _thread
import contextlib
import contextvars
import datetime
import decimal
import os
import sys
import threading
import time
import types
import uuid
from typing import Any, Callable

__all__ = ["IDLE_SECONDS", "INLINE_REPR", "MAX_ABANDONED", "Abandoned", "Clock", "TimedOut", "call", "on_helper"]

#: Types whose repr runs none of the program's code: called inline (``object.__repr__`` too).
INLINE_REPR = frozenset(
    {
        datetime.datetime,
        datetime.date,
        datetime.time,
        datetime.timedelta,
        datetime.timezone,
        decimal.Decimal,
        uuid.UUID,
        types.FunctionType,
        types.BuiltinFunctionType,
    }
)

#: Helpers that may be left busy with abandoned calls before user code stops being run.
MAX_ABANDONED = 4
#: A helper idle this long ends (no thread stays behind a capture: a later ``fork()`` finds none).
IDLE_SECONDS = 0.5


class TimedOut(Exception):
    """The call did not finish within its time (or too many earlier ones never did)."""


class _Job:
    __slots__ = ("abandoned", "arg", "context", "done", "error", "fn", "result")

    def __init__(self, fn: Callable[[Any], Any], arg: Any) -> None:
        self.fn: Any = fn
        self.arg: Any = arg
        self.context: Any = contextvars.copy_context()
        self.done = _thread.allocate_lock()  # held until the job is done
        self.done.acquire()
        self.result: Any = None
        self.error: BaseException | None = None
        self.abandoned = False


class _Worker:
    """One helper thread; it takes one job at a time (``job`` then ``wake``)."""

    def __init__(self) -> None:
        self.job: _Job | None = None
        self.wake = _thread.allocate_lock()
        self.wake.acquire()
        self.thread = threading.Thread(target=self._run, name="framecap-usercode", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        _state.helper = True
        while True:
            if not self.wake.acquire(True, IDLE_SECONDS):
                pool = _pool
                with pool.lock:  # idle too long: gone, unless a capture has just taken it
                    if self in pool.idle:
                        pool.idle.remove(self)
                        return
                continue
            job, self.job = self.job, None
            if job is None:
                continue
            try:
                job.result = job.context.run(_bounded, job.fn, job.arg)
            except BaseException as error:  # noqa: B036 - handed to the caller, whatever it is
                job.error = error
            job.fn = job.arg = job.context = None
            _close_thread_connections()
            pool = _pool
            with pool.lock:
                job.done.release()
                if job.abandoned:
                    job.error = job.result = None
                    pool.abandoned -= 1
                    pool.idle.append(self)


#: numpy's summarization threshold, put back in the helper's copy of the context when a program
#: set it higher (``threshold=sys.maxsize`` made every array's repr print every element).
_NUMPY_THRESHOLD = 1000


def _bounded(fn: Callable[[Any], Any], arg: Any) -> Any:
    """``fn(arg)`` in the helper's copy of the context, with numpy's print options bounded there
    (numpy 2 keeps them in a context variable: the program's own are untouched)."""
    options = getattr(sys.modules.get("numpy._core.printoptions"), "format_options", None)
    if isinstance(options, contextvars.ContextVar):
        with contextlib.suppress(Exception):
            current = options.get()
            if current.get("threshold", 0) > _NUMPY_THRESHOLD:
                options.set({**current, "threshold": _NUMPY_THRESHOLD})
    return fn(arg)


def _close_thread_connections() -> None:
    """Close the database connections a ``__repr__`` opened on this helper (Django keeps one per
    thread: a model's ``__str__`` that reads a relation would leave it open)."""
    db = sys.modules.get("django.db")
    if db is None:
        return
    with contextlib.suppress(Exception):  # nothing to close, or Django not set up
        storage = getattr(getattr(db.connections, "_connections", None), "_storage", None)
        if isinstance(storage, threading.local) and not vars(storage):
            return  # asgiref's per-thread storage is empty: no connection was opened here
        db.connections.close_all()


class _Pool:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.idle: list[_Worker] = []
        self.abandoned = 0


_pool = _Pool()
_state = threading.local()


def _reset_after_fork() -> None:
    global _pool
    _pool = _Pool()  # the helpers did not survive the fork


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


def on_helper() -> bool:
    """True on a helper thread: a capture there was started by a value's code during a capture."""
    return bool(getattr(_state, "helper", False))


def _take() -> _Worker | None:
    """An idle helper, a new one, or None when none can be started."""
    pool = _pool
    with pool.lock:
        if pool.idle:
            return pool.idle.pop()
        if pool.abandoned >= MAX_ABANDONED:
            raise TimedOut("earlier calls are still running")
    try:
        return _Worker()
    except RuntimeError:  # can't start a thread (interpreter shutdown)
        return None


def _start(job: _Job) -> _Worker | None:
    """Hand ``job`` to an idle or new helper; None when none may run it."""
    try:
        worker = _take()
    except TimedOut:
        return None
    if worker is not None:
        worker.job = job
        worker.wake.release()
    return worker


def _settle(worker: _Worker, job: _Job, finished: bool) -> bool:
    """After waiting: the helper back to the pool, or the job abandoned. True if it finished."""
    pool = _pool
    with pool.lock:
        finished = finished or job.done.acquire(False)
        if finished:
            pool.idle.append(worker)
        else:
            job.abandoned = True
            pool.abandoned += 1
    return finished


def _outcome(job: _Job) -> Any:
    error, result = job.error, job.result
    job.error = job.result = None
    if error is not None:
        try:
            raise error
        finally:
            error = None
    return result


def call(fn: Callable[[Any], Any], arg: Any, timeout: float) -> Any:
    """``fn(arg)`` on a helper thread; its result, or what it raised; :class:`TimedOut` past ``timeout`` s."""
    if getattr(_state, "helper", False):
        return fn(arg)
    if timeout <= 0:
        raise TimedOut("no time left")
    job = _Job(fn, arg)
    worker = _start(job)
    if worker is None:
        if _pool.abandoned >= MAX_ABANDONED:
            raise TimedOut("earlier calls are still running")
        return fn(arg)
    finished = False
    try:
        finished = job.done.acquire(True, timeout)
    finally:
        finished = _settle(worker, job, finished)
    if not finished:
        raise TimedOut(f"still running after {timeout:.3g} s")
    return _outcome(job)


class Abandoned(BaseException):
    """Raised in a walk the capture gave up on (once its stuck ``__repr__`` returns): it stops there."""


class Clock:
    """One capture's time for the program's code: ``seconds`` in all, each ``__repr__`` at most a
    quarter of it.

    :meth:`run` runs a whole walk (a serializer's) on one helper, which calls :meth:`repr` for each
    value; the capture polls it. A ``__repr__`` past its time is given up on: ``on_stuck(value)``
    is told (the serializer memoizes a placeholder for it) and the walk starts again on another
    helper, reusing what it already rendered; the first walk stops with :class:`Abandoned` when the
    ``__repr__`` returns, if ever. Past the time in all, no more ``__repr__`` runs (:class:`TimedOut`).
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline: float | None = None
        self.exhausted = seconds <= 0
        self._lock = threading.Lock()
        self._generation = 0
        self._active: tuple[Any, float] | None = None

    def repr(self, value: Any) -> Any:
        """``repr(value)``, watched (called by the walk)."""
        if self.exhausted:
            raise TimedOut("no time left")
        with self._lock:
            mine = self._generation
            self._active = (value, time.monotonic())
        try:
            return repr(value)
        finally:
            with self._lock:
                if self._generation != mine:
                    raise Abandoned  # noqa: B012 - the capture moved on without this walk
                self._active = None

    def run(self, walk: Callable[[Any], Any], arg: Any, on_stuck: Callable[[Any], None]) -> Any:
        """``walk(arg)`` on a helper (inline on a helper, or when no thread can be started)."""
        if self.deadline is None:
            self.deadline = time.monotonic() + self.seconds
        while True:
            if getattr(_state, "helper", False) or self.exhausted:
                return walk(arg)
            job = _Job(walk, arg)
            worker = _start(job)
            if worker is None:
                self.exhausted = _pool.abandoned >= MAX_ABANDONED
                return walk(arg)
            finished, stuck = False, None
            try:
                while not finished:
                    finished = job.done.acquire(True, _POLL)
                    if not finished:
                        stuck = self._give_up()
                        if stuck is not None:
                            break
            finally:
                finished = _settle(worker, job, finished)
            if finished:
                return _outcome(job)
            on_stuck(stuck[0] if stuck else None)

    def _give_up(self) -> tuple[Any] | None:
        """The value whose ``__repr__`` ran past its time (the walk is abandoned), else None."""
        now = time.monotonic()
        assert self.deadline is not None
        if now > self.deadline:
            self.exhausted = True  # the walk finishes without running more of the program's code
        with self._lock:
            active = self._active
            if active is None:
                return None
            if now - active[1] < self.seconds / 4 and now <= self.deadline:
                return None
            self._generation += 1
            self._active = None
            return (active[0],)


_POLL = 0.02  # seconds between looks at a running walk
