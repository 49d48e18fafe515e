"""Room on the stack for a capture near the recursion limit: the limit raised while it runs, then put back.

The limit is process-wide, and so is what holds it raised: captures in several threads near the
limit at once raise it once, and the last one out puts it back (unless the program changed it
meanwhile). A release that finds the stack deeper than the old limit can't lower it there: the limit
is then *owed*, and the next capture (:func:`settle`) or hold puts it back, so holds never ratchet it
up. Loaded by ``import framecap`` (the API's entry points retry under a hold): nothing else imported.
"""

from __future__ import annotations

import sys
import threading

__all__ = ["RESERVED_FRAMES", "hold_frames", "near_limit", "program_limit", "release_frames", "settle"]

#: Frames the recursion limit is raised by while a reduced event is built, scrubbed and sent.
RESERVED_FRAMES = 150

# Process-wide on purpose (the recursion limit is): [captures holding the limit raised, the limit
# before, a limit owed by a release that was too deep to put it back (0: none), the raised limit].
_holding = threading.Lock()
_holders = [0, 0, 0, 0]


def hold_frames() -> bool:
    """Raise the recursion limit by :data:`RESERVED_FRAMES` (once, however many captures hold it).

    At the very limit even its C calls raise ``RecursionError``: then nothing has changed."""
    with _holding:
        if _holders[0] == 0:
            current, owed = sys.getrecursionlimit(), _holders[2]
            # still raised by a release that owes it: raised no further (the program's limit + 150 at most)
            before = owed if owed and current == _holders[3] else current
            sys.setrecursionlimit(before + RESERVED_FRAMES)
            _holders[1], _holders[2], _holders[3] = before, 0, before + RESERVED_FRAMES
        _holders[0] += 1
    return True


def release_frames() -> None:
    """Let go of :func:`hold_frames`; the last holder puts the limit back, or owes it when too deep."""
    with _holding:
        _holders[0] -= 1
        if _holders[0] == 0:
            _holders[2] = _holders[1]  # owed until it is back
            _put_back()


def settle() -> None:
    """Put back a limit a release owes, if the stack is now shallow enough (cheap when none is owed)."""
    if not _holders[2]:
        return
    with _holding:
        if _holders[2] and not _holders[0]:
            _put_back()


def _put_back() -> None:
    try:
        if sys.getrecursionlimit() == _holders[3]:
            sys.setrecursionlimit(_holders[2])
        _holders[2] = 0  # back, or the program set a limit of its own meanwhile (it stays)
    except RecursionError:  # deeper than the old limit right now: the next capture puts it back
        pass


def program_limit() -> int:
    """The recursion limit as the program set it (what a hold or an owed release raised taken off)."""
    current = sys.getrecursionlimit()
    if _holders[0]:
        return _holders[1]
    if _holders[2] and current == _holders[3]:
        return _holders[2]
    return current


def near_limit(frames: int) -> bool:
    """Whether fewer than ``frames`` frames are left before the program's recursion limit."""
    try:
        sys._getframe(max(0, program_limit() - frames))
    except ValueError:  # the stack is not that deep
        return False
    return True
