"""What a program prints and how it exits are the same with framecap's hooks as without."""

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
