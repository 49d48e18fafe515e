"""README "Variables and their limits": a user ``__repr__`` runs at most once per object per capture,
across all of the capture's frames, and again in the next capture (memoized for one capture only)."""

import framecap


class Counted:
    calls = 0

    def __repr__(self):
        Counted.calls += 1
        return f"<Counted #{Counted.calls}>"


def outer(thing):
    alias = thing  # noqa: F841
    return middle(thing)


def middle(thing):
    pair = [thing, thing]  # noqa: F841
    return inner(thing)


def inner(thing):
    return 1 / 0


def test_a_repr_runs_once_per_object_per_capture(memory):
    thing = Counted()
    for _ in range(2):
        try:
            outer(thing)
        except ZeroDivisionError:
            framecap.capture_exception()
    assert Counted.calls == 2, "once per capture"
    first, second = ([f["vars"] for f in e["exception"]["values"][-1]["stacktrace"]["frames"]] for e in memory.events)
    assert [v["thing"] for v in first[-3:]] == ["<Counted #1>"] * 3 and first[-2]["pair"] == ["<Counted #1>"] * 2
    assert [v["thing"] for v in second[-3:]] == ["<Counted #2>"] * 3
