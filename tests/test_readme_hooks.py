"""README "The hooks": what a program prints and its exit status stay Python's own when the hook
framecap replaced misbehaves (real child interpreters, with and without framecap)."""

import pytest

from conftest import read_store

PROGRAM = """
import os, sys

def broken(kind, value, tb):
    raise RuntimeError("the previous hook has a bug")

def exiting(kind, value, tb):
    raise SystemExit(int(os.environ["EXIT_WITH"]))

sys.excepthook = exiting if os.environ.get("EXIT_WITH") else broken
if os.environ.get("WITH_FRAMECAP"):
    import framecap
    framecap.init()
raise ValueError("the original")
"""


@pytest.mark.parametrize("exit_with", ["", "0", "3"])
def test_a_failing_or_exiting_previous_hook_behaves_as_without_framecap(run_python, store, exit_with):
    plain = run_python(PROGRAM, env={"EXIT_WITH": exit_with})
    framed = run_python(PROGRAM, env={"EXIT_WITH": exit_with, "WITH_FRAMECAP": "1"})
    assert (framed.returncode, framed.stdout, framed.stderr) == (plain.returncode, plain.stdout, plain.stderr)
    if not exit_with:
        assert "Error in sys.excepthook:" in plain.stderr and "Original exception was:" in plain.stderr
    else:
        assert plain.returncode == int(exit_with)
    (event,) = read_store(store)
    assert event["exception"]["values"][-1]["value"] == "the original", "captured all the same"


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # pytest's hook, chained to
def test_the_unraisable_hook_keeps_pythons_message_and_a_bounded_repr_of_the_object():
    import gc
    import weakref

    import framecap

    class Callback:
        def __call__(self, ref):
            raise RuntimeError("in a weakref callback")

        def __repr__(self):
            return "<Callback " + "x" * 100_000 + ">"

    class Target:
        pass

    transport = framecap.MemoryTransport()
    framecap.init(transport=transport, install_hooks=True)
    target = Target()
    ref = weakref.ref(target, Callback())  # noqa: F841 - alive until the callback has run
    del target
    gc.collect()
    (event,) = transport.events
    assert event["exception"]["values"][-1]["mechanism"] == {"type": "unraisablehook", "handled": False}
    unraisable = event["extra"]["unraisable"]
    assert unraisable["message"].startswith("Exception ignored")
    assert unraisable["object"].startswith("<Callback xxx") and len(unraisable["object"]) <= 1100
