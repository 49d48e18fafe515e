"""Hooks, tested in fresh interpreters: the real sys.excepthook / threading / unraisable paths."""

import sys

import pytest
from helpers import frames_of

import framecap
from conftest import read_store
from framecap import hooks


def test_excepthook_captures_then_prints_the_usual_traceback(run_python, store):
    result = run_python("""
        import framecap
        framecap.init()

        def fail(divisor):
            return 10 / divisor

        fail(0)
    """)
    assert result.returncode == 1
    assert "Traceback (most recent call last)" in result.stderr and "return 10 / divisor" in result.stderr
    assert result.stderr.rstrip().endswith("ZeroDivisionError: division by zero")
    (event,) = read_store(store)
    value = event["exception"]["values"][-1]
    assert value["mechanism"] == {"type": "excepthook", "handled": False}
    frame = frames_of(event)[-1]
    assert (frame["function"], frame["lineno"], frame["context_line"], frame["vars"]) == (
        "fail",
        6,
        "    return 10 / divisor",
        {"divisor": "0"},
    )


def test_previous_hook_is_chained_and_traceback_survives_capture_failure(run_python, store):
    result = run_python("""
        import sys, framecap

        def mine(t, v, tb):
            print("previous hook saw", t.__name__, file=sys.stderr)
            sys.__excepthook__(t, v, tb)

        sys.excepthook = mine

        def broken_before_send(event, hint):
            raise RuntimeError("bug in before_send")

        framecap.init(before_send=broken_before_send)
        raise ValueError("original")
    """)
    assert "previous hook saw ValueError" in result.stderr
    assert "ValueError: original" in result.stderr and result.returncode == 1
    assert read_store(store) == []


def test_failing_previous_hook_still_shows_the_original(run_python, store):
    result = run_python("""
        import sys, framecap
        def broken(t, v, tb):
            raise RuntimeError("hook bug")
        sys.excepthook = broken
        framecap.init()
        raise ValueError("original")
    """)
    assert "ValueError: original" in result.stderr and len(read_store(store)) == 1


def test_failing_replaced_thread_and_unraisable_hooks_print_as_python_then_the_original(run_python, store):
    result = run_python("""
        import gc, sys, threading, framecap
        def broken_thread_hook(args):
            raise RuntimeError("thread hook bug")
        def broken_unraisable_hook(unraisable):
            raise RuntimeError("unraisable hook bug")
        threading.excepthook = broken_thread_hook
        sys.unraisablehook = broken_unraisable_hook
        framecap.init()
        def work():
            raise LookupError("in worker")
        t = threading.Thread(target=work, name="worker-3")
        t.start(); t.join()
        class Leaky:
            def __del__(self):
                raise ValueError("in __del__")
        Leaky()
        gc.collect()
    """)
    err = result.stderr
    assert "Exception in threading.excepthook:\nTraceback" in err and "RuntimeError: thread hook bug" in err
    assert "Exception in thread worker-3" in err and "LookupError: in worker" in err
    assert err.index("RuntimeError: thread hook bug") < err.index("LookupError: in worker")
    assert "Exception ignored in sys.unraisablehook: <function broken_unraisable_hook" in err
    assert "RuntimeError: unraisable hook bug" in err and "ValueError: in __del__" in err
    assert "framecap" not in err.replace("import gc, sys, threading, framecap", "")  # our frames left out
    types = sorted(e["exception"]["values"][-1]["type"] for e in read_store(store))
    assert types == ["LookupError", "ValueError"] and result.returncode == 0


def test_keyboard_interrupt_is_not_reported_by_default(run_python, store):
    result = run_python("""
        import framecap
        framecap.init()
        raise KeyboardInterrupt
    """)
    assert "KeyboardInterrupt" in result.stderr and read_store(store) == []
    result = run_python("""
        import framecap
        framecap.init(capture_keyboard_interrupt=True)
        raise KeyboardInterrupt
    """)
    assert [e["exception"]["values"][-1]["type"] for e in read_store(store)] == ["KeyboardInterrupt"]


def test_thread_exceptions_carry_the_thread(run_python, store):
    result = run_python("""
        import threading, framecap
        framecap.init()
        def work():
            raise LookupError("in worker")
        t = threading.Thread(target=work, name="worker-7")
        t.start(); t.join()
        print(t.ident)
    """)
    assert "Exception in thread worker-7" in result.stderr and "LookupError: in worker" in result.stderr
    assert result.returncode == 0
    (event,) = read_store(store)
    ident = int(result.stdout.strip())
    assert event["exception"]["values"][-1]["mechanism"] == {"type": "threading", "handled": False}
    assert event["threads"] == {"values": [{"id": ident, "name": "worker-7", "crashed": True, "current": True}]}
    assert event["contexts"]["thread"] == {"type": "default", "name": "worker-7", "id": ident}


def test_unraisable_exceptions(run_python, store):
    result = run_python("""
        import gc, framecap
        framecap.init()
        class Leaky:
            def __del__(self):
                raise RuntimeError("in __del__")
            def __repr__(self):
                return "Leaky()"
        obj = Leaky()
        del obj
        gc.collect()
        print("still running")
    """)
    assert "still running" in result.stdout and "RuntimeError: in __del__" in result.stderr
    (event,) = read_store(store)
    assert event["exception"]["values"][-1]["mechanism"] == {"type": "unraisablehook", "handled": False}
    assert event["extra"]["unraisable"]["object"].startswith("<function Leaky.__del__ at 0x")
    assert "Exception ignored" in event["extra"]["unraisable"]["message"]


def test_system_exit_in_thread_is_not_reported(run_python, store):
    result = run_python("""
        import sys, threading, framecap
        framecap.init()
        t = threading.Thread(target=sys.exit, args=(3,)); t.start(); t.join()
        t = threading.Thread(target=lambda: 1 / 0); t.start(); t.join()  # a real error, for comparison
        print("main thread goes on")
    """)
    assert (result.returncode, result.stdout) == (0, "main thread goes on\n"), result.stderr
    assert "SystemExit" not in result.stderr, "Python's thread hook says nothing of SystemExit, nor do we"
    assert result.stderr.rstrip().endswith("ZeroDivisionError: division by zero")
    assert [e["exception"]["values"][-1]["type"] for e in read_store(store)] == ["ZeroDivisionError"]


def test_install_is_idempotent_and_uninstall_restores_exactly():
    import threading

    seen = []
    before = sys.excepthook
    sys.excepthook = lambda t, v, tb: seen.append(t)  # the program's own hook, under ours
    try:
        originals = (sys.excepthook, threading.excepthook, sys.unraisablehook)
        transport = framecap.MemoryTransport()
        framecap.init(transport=transport)
        framecap.init(transport=transport)
        framecap.install_hooks()
        assert sys.excepthook is not originals[0] and hooks.installed()
        sys.excepthook(ValueError, ValueError("one"), None)
        assert seen == [ValueError] and len(transport.events) == 1, "captured, then the program's hook, once"
        framecap.uninstall_hooks()
        assert (sys.excepthook, threading.excepthook, sys.unraisablehook) == originals, "no layer left behind"
    finally:
        sys.excepthook = before


def test_uninstall_leaves_a_hook_installed_on_top_and_reinstall_adds_no_layer():
    original = sys.excepthook
    seen = []
    framecap.init(transport=framecap.MemoryTransport())
    ours = sys.excepthook

    def theirs(t, v, tb):
        seen.append(t)
        ours(t, v, tb)

    sys.excepthook = theirs
    try:
        framecap.uninstall_hooks()
        assert sys.excepthook is theirs and not hooks.installed()
        framecap.install_hooks()
        assert sys.excepthook is theirs and hooks.installed()
    finally:
        sys.excepthook = ours  # theirs taken off again: ours is on top, and uninstalling puts back the original
        framecap.uninstall_hooks()
    assert sys.excepthook is original


def test_init_twice_in_a_process_gives_one_layer_and_one_event(run_python, store):
    result = run_python("""
        import sys, framecap
        framecap.init()
        framecap.init()
        framecap.install_hooks()
        raise ValueError("once")
    """)
    assert result.stderr.count("ValueError: once") == 1
    assert len(read_store(store)) == 1


def test_atexit_flushes_and_the_process_exits(run_python, tmp_path):
    result = run_python("""
        import framecap, time

        class Slow:
            def send(self, event):
                pass
            def flush(self, timeout=None):
                time.sleep(min(timeout, 0.2))
                print("flushed with timeout", timeout)
                return True
            def close(self):
                print("closed")

        framecap.init(transport=Slow(), shutdown_timeout=0.25)
    """)
    assert result.stdout.split("\n")[:2] == ["flushed with timeout 0.25", "closed"]


@pytest.mark.internal_errors
def test_a_hook_never_raises(internal_errors, capsys):
    framecap.init(transport=framecap.MemoryTransport())
    client = framecap.client.get_current()

    def explode(*args, **kwargs):
        raise MemoryError("simulated")

    client.capture = explode
    try:
        raise ValueError("shown anyway")
    except ValueError:
        sys.excepthook(*sys.exc_info())
    assert "ValueError: shown anyway" in capsys.readouterr().err
    assert internal_errors and isinstance(internal_errors[0][1], MemoryError)
