"""Near the recursion limit and out of memory, a capture still sends an event (a reduced one:
fewer frames, no source or variables) instead of nothing. Each case runs in its own interpreter."""

import json
import sys

import pytest

PRELUDE = """
import json, sys
import framecap

transport = framecap.MemoryTransport()
framecap.init(transport=transport, install_hooks=False)
errors = []
framecap.client.internal_error_handlers.append(lambda where, error: errors.append(error))


def depth():
    frame, count = sys._getframe(), 0
    while frame is not None:
        frame, count = frame.f_back, count + 1
    return count


def report(event_id):
    event = transport.events[-1] if transport.events else None
    limit = sys.getrecursionlimit()
    print(json.dumps({"id": event_id, "event": event, "limit": limit, "errors": [repr(e) for e in errors]}))
"""


def _result(completed):
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _assert_reduced(result, exception_type, reason):
    assert result["id"] is not None and result["event"]["event_id"] == result["id"], result["errors"]
    event = result["event"]
    from conftest import assert_schema_valid

    assert_schema_valid([event])
    value = event["exception"]["values"][-1]
    assert value["type"] == exception_type
    frames = value["stacktrace"]["frames"]
    assert 0 < len(frames) <= 50 and all("vars" not in f and "context_line" not in f for f in frames)
    assert event["extra"]["framecap"].startswith(f"reduced event ({reason})")
    return event


def test_a_capture_started_twenty_frames_below_the_recursion_limit(run_python):
    result = _result(
        run_python(
            PRELUDE
            + """
def fail(n):
    return fail(n + 1)

try:
    fail(0)
except RecursionError as error:
    caught = error  # a deep traceback, captured later near the limit

def dive(n):
    if n <= 0:
        return framecap.capture_exception(caught)
    return dive(n - 1)

limit = sys.getrecursionlimit()
report(dive(limit - depth() - 20))
"""
        )
    )
    event = _assert_reduced(result, "RecursionError", "near the recursion limit")
    assert result["limit"] == 1000, "the recursion limit is put back"
    frames = event["exception"]["values"][-1]["stacktrace"]["frames"]
    assert len(frames) == 50 and frames[0]["function"] == "<module>" and frames[-1]["function"] == "fail"
    assert event["_meta"]["exception"]["values"]["0"]["stacktrace"]["frames"][""]["len"] > 900


def test_a_recursion_error_captured_where_it_is_caught(run_python):
    """Every frame that catches the RecursionError captures it, from the deepest up: no capture
    raises, and a few frames above the deepest (which has hardly a frame left) the reduced event goes."""
    result = _result(
        run_python(
            PRELUDE
            + """
results = []

def boom(n):
    try:
        return boom(n + 1)
    except RecursionError as error:
        if len(results) < 12:
            try:
                results.append(framecap.capture_exception(error))
            except BaseException as failure:  # in framecap's frames, or this one's call (no frame left)
                results.append("raised" if failure.__traceback__.tb_next else None)
        raise

try:
    boom(0)
except RecursionError:
    pass
ids = [r for r in results if r and r != "raised"]
assert "raised" not in results, results
report(ids[0] if ids else None)
"""
        )
    )
    _assert_reduced(result, "RecursionError", "near the recursion limit")
    assert result["limit"] == 1000


_SWEEP = """
import inspect

def at(margin, use_argument):
    out = []

    def dive(n):
        if n == 0:
            try:
                1 / 0
            except ZeroDivisionError as error:
                try:
                    out.append(framecap.capture_exception(error if use_argument else None))
                except BaseException as failure:  # (in framecap's frames or this one: told apart below)
                    tb, names = failure.__traceback__, []
                    while tb is not None:
                        names.append(tb.tb_frame.f_code.co_name)
                        tb = tb.tb_next
                    out.append(names)
            return
        dive(n - 1)

    try:
        dive(sys.getrecursionlimit() - depth() - margin)
    except RecursionError:
        return "no room"
    return out[0]

found = {}
for use_argument in (True, False):
    for margin in range(0, 60):
        found[f"{use_argument} {margin}"] = at(margin, use_argument)
        sys.setrecursionlimit(1000)  # (a limit owed by a capture too deep to put it back)
print(json.dumps(found))
"""


def test_a_capture_at_any_depth_near_the_limit_never_raises_and_sends_from_a_few_frames_up(run_python):
    completed = run_python(PRELUDE + _SWEEP)
    assert completed.returncode == 0, completed.stderr[-3000:]
    found = json.loads(completed.stdout.strip().splitlines()[-1])
    raised = {k: v for k, v in found.items() if isinstance(v, list) and len(v) > 1}
    assert raised == {}, "a RecursionError left framecap's frames"
    sent = {k for k, v in found.items() if isinstance(v, str) and len(v) == 32}
    for use_argument in (True, False):
        assert {f"{use_argument} {m}" for m in range(8, 60)} <= sent, found


def test_captures_near_the_limit_never_ratchet_it_up(run_python):
    """A service whose requests recurse as deep as its current limit allows: the limit stays within
    the program's own plus the frames framecap holds, and is put back by a capture with room."""
    result = _result(
        run_python(
            PRELUDE
            + """
import inspect
from framecap.limit_hold import RESERVED_FRAMES

def dive(n):
    if n == 0:
        try:
            1 / 0
        except ZeroDivisionError:
            framecap.capture_exception()
        return
    dive(n - 1)

highest = 0
for _ in range(40):
    dive(sys.getrecursionlimit() - depth() - 6)
    highest = max(highest, sys.getrecursionlimit())
assert highest <= 1000 + RESERVED_FRAMES, highest
try:
    1 / 0
except ZeroDivisionError:
    report(framecap.capture_exception())
"""
        )
    )
    assert result["id"] is not None and result["limit"] == 1000


# After the address space was exhausted, 3.13's own shutdown crashed once in CI (the report was out):
# the child leaves without it there. Not on older versions: the test frees only a few hundred
# bytes, and any other code in the snippet moves what 3.9 can allocate then.
_SKIP_SHUTDOWN = "sys.stdout.flush()\nimport os\nos._exit(0)\n" if sys.version_info >= (3, 12) else ""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS and /proc are Linux's")
def test_a_memory_error_while_memory_is_still_short(run_python):
    # How much a process can still allocate once its address space is full depends on where the
    # system put things (ASLR): on 3.9 about one run in three finds too little even for the reduced
    # event. Three fresh processes; one reduced event is what is promised ("when it can be").
    failures = []
    for _attempt in range(3):
        try:
            result = _memory_short(run_python)  # (a child that found no memory to run at all fails here)
        except AssertionError as failure:
            failures.append(failure)
            continue
        if result["id"] is not None:
            break
        failures.append(AssertionError(result["errors"]))
    else:
        raise failures[-1]
    event = _assert_reduced(result, "MemoryError", "out of memory")
    value = event["exception"]["values"][-1]
    assert value["value"] == "while memory is still short"
    assert [f["function"] for f in value["stacktrace"]["frames"]] == ["<module>", "exhaust"]


def _memory_short(run_python):
    return _result(
        run_python(
            PRELUDE
            + """
import resource

def address_space():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024

hog = None


def exhaust(error):
    # Hold all the address space there is, down to the smallest objects (zero pages from calloc
    # for the big ones: nothing is written), then free a few hundred bytes.
    global hog
    for size in (1 << 24, 1 << 20, 1 << 16, 1 << 12, 1 << 8, 1 << 4, 0):
        try:
            while True:
                hog = (hog, bytes(size))
        except MemoryError:
            pass
    for _ in range(8):
        hog = hog[0]
    raise error


resource.setrlimit(resource.RLIMIT_AS, (address_space() + (256 << 20), resource.RLIM_INFINITY))
try:
    exhaust(MemoryError("while memory is still short"))
except MemoryError as error:
    event_id = framecap.capture_exception(error)
hog = None
resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
report(event_id)
"""
            + _SKIP_SHUTDOWN
        )
    )


def test_the_raised_recursion_limit_is_held_once_and_put_back_by_the_last_holder():
    from framecap.limit_hold import RESERVED_FRAMES, hold_frames, release_frames

    limit = sys.getrecursionlimit()
    try:
        hold_frames()
        hold_frames()  # a second capture, in another thread, near the limit at the same time
        assert sys.getrecursionlimit() == limit + RESERVED_FRAMES
        release_frames()
        assert sys.getrecursionlimit() == limit + RESERVED_FRAMES, "still held by the other capture"
        release_frames()
        assert sys.getrecursionlimit() == limit
        hold_frames()
        sys.setrecursionlimit(limit + 7)  # the program changed it meanwhile: left as the program set it
        release_frames()
        assert sys.getrecursionlimit() == limit + 7
    finally:
        sys.setrecursionlimit(limit)
