"""What a program prints and how it exits are the same with framecap's hooks as without."""

import os
import signal
import time

import pytest

BROKEN_HOOK = """
import sys
def broken(t, v, tb):
    raise RuntimeError("hook broken")
sys.excepthook = broken
if "--framecap" in sys.argv:
    import framecap
    framecap.init(transport=framecap.MemoryTransport())
raise ValueError("orig")
"""

EXITING_HOOK = """
import sys
def leave(t, v, tb):
    raise SystemExit(7)
sys.excepthook = leave
if "--framecap" in sys.argv:
    import framecap
    framecap.init(transport=framecap.MemoryTransport())
raise ValueError("orig")
"""


@pytest.mark.parametrize("program", [BROKEN_HOOK, EXITING_HOOK], ids=["raising", "exiting"])
def test_a_replaced_excepthook_that_fails_prints_and_exits_as_without_framecap(run_python, program):
    plain = run_python(program)
    hooked = run_python(program, "--framecap")
    assert hooked.returncode == plain.returncode
    assert hooked.stderr.replace("--framecap", "") == plain.stderr
    assert hooked.stdout == plain.stdout


class _Alarm(Exception):
    pass


@pytest.mark.skipif(not hasattr(signal, "SIGUSR1"), reason="POSIX signals")
def test_a_signal_during_a_capture_is_handled_when_it_ends_not_swallowed():
    import framecap

    transport = framecap.MemoryTransport()
    client = framecap.Client(transport=transport, install_hooks=False)
    handled = []

    def handler(signum, frame):
        handled.append(signum)
        raise _Alarm("time is up")

    class Signalling:
        def __repr__(self):
            os.kill(os.getpid(), signal.SIGUSR1)  # as a timer or Ctrl-C would, during the capture
            time.sleep(0.05)
            return "signalling"

    def work():
        value = Signalling()
        raise KeyError(id(value))

    previous = signal.signal(signal.SIGUSR1, handler)
    try:
        try:
            work()
        except KeyError as error:
            with pytest.raises(_Alarm):
                client.capture_exception(error)
        assert signal.getsignal(signal.SIGUSR1) is handler
    finally:
        signal.signal(signal.SIGUSR1, previous)
    assert handled == [signal.SIGUSR1]
    frame = transport.events[-1]["exception"]["values"][-1]["stacktrace"]["frames"][-1]
    assert frame["vars"]["value"] == "signalling"


def test_ctrl_c_during_a_slow_capture_interrupts_the_program(run_python):
    completed = run_python(
        """
import os, signal, threading, time
import framecap
client = framecap.Client(transport=framecap.MemoryTransport(), install_hooks=False)
class Slow:
    def __repr__(self):
        time.sleep(0.2)
        return "slow"
def work():
    values = [Slow() for _ in range(5)]
    raise KeyError(len(values))
threading.Timer(0.1, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
try:
    work()
except KeyError as error:
    client.capture_exception(error)
time.sleep(1)
print("went on after Ctrl-C", flush=True)
"""
    )
    assert completed.returncode == -signal.SIGINT, completed.stderr[-2000:]
    assert "went on" not in completed.stdout
    assert completed.stderr.rstrip().endswith("KeyboardInterrupt")
