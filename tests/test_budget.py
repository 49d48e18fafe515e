"""The event budget: what matters most is kept, every cut and drop is in ``_meta``, fitting costs a
few encodes; and texts are scrubbed before they are cut, so a cut never leaves part of a secret."""

import json

import pytest
from helpers import capture_call, frames_of, load_module

import framecap
from framecap import budget as budget_module


@pytest.fixture
def encodes(monkeypatch):
    """Counts the times a whole event is encoded to be measured."""
    calls = []
    real = budget_module.encoded_size

    def counting(value):
        if isinstance(value, dict) and "event_id" in value:
            calls.append(1)
        return real(value)

    monkeypatch.setattr(budget_module, "encoded_size", counting)
    return calls


def _dive(depth, index):
    payload = {f"key{j}": "v" * 200 for j in range(20)}  # noqa: F841 - 4 kB of variables per frame
    if depth:
        return _dive(depth - 1, index)
    raise ValueError(f"error {index}")


def _chain(index, count):
    if index == count - 1:
        _dive(97, index)
    try:
        _chain(index + 1, count)
    except ValueError:
        _dive(97, index)


@pytest.mark.slow
def test_fifty_chained_exceptions_of_a_hundred_frames(memory, encodes):
    """Before: every frame lost source and variables, 14 exceptions were dropped, _meta was empty."""
    try:
        _chain(0, 51)
    except ValueError as error:
        assert framecap.capture_exception(error)
    event = memory.events[-1]
    assert budget_module.encoded_size(event) <= 1_000_000 and len(encodes) <= 3
    values = event["exception"]["values"]
    meta = event["_meta"]["exception"]["values"]
    assert len(values) == 50 and meta[""] == {"len": 51}, "past max_exceptions: counted"
    assert values[-1]["value"] == "error 0" and values[0]["value"] == "error 49"
    captured = values[-1]["stacktrace"]["frames"]
    assert len(captured) == 100 and captured[-1]["vars"]["payload"]["key0"] == "'" + "v" * 200 + "'"
    assert captured[-1]["context_line"] == '    raise ValueError(f"error {index}")'
    for vi, value in enumerate(values):
        frames = value["stacktrace"]["frames"]
        assert frames[-1]["function"] == "_dive" and frames[-1]["lineno"] == 32, "each keeps its raise site"
        if len(frames) < 100:
            assert meta[str(vi)]["stacktrace"]["frames"][""] == {"len": 100}, "dropped frames are counted"
        for fi, frame in enumerate(frames):
            if "vars" not in frame:  # left out by the budget: recorded on the frame
                assert meta[str(vi)]["stacktrace"]["frames"][str(fi)] == {"": {"rem": [["!limit", "x"]]}}
    enriched = [sum("vars" in f for f in v["stacktrace"]["frames"]) for v in values]
    assert enriched[-1] > 50, "the captured exception's frames are enriched first, innermost first"
    assert "vars" in captured[-1] and all("vars" in f for f in captured[100 - enriched[-1] :])


def test_fitting_costs_a_few_encodes_not_one_per_frame(memory, encodes):
    framecap.init(transport=memory, install_hooks=False, max_event_bytes=30_000)

    def level(n):
        quotes = '"\\' * 400  # noqa: F841 - every character doubles when encoded: the estimate is low
        if n:
            return level(n - 1)
        raise ValueError("deep")

    event = capture_call(memory, level, 60)
    assert budget_module.encoded_size(event) <= 30_000
    assert len(encodes) <= 4, f"{len(encodes)} encodes"
    frames = frames_of(event)
    assert frames[-1]["vars"]["quotes"], "the innermost frame keeps its variables"
    frames_meta = event["_meta"]["exception"]["values"]["0"]["stacktrace"]["frames"]
    dropped = [i for i, f in enumerate(frames) if f.get("vars") == {}]
    assert dropped and all(frames_meta[str(i)]["vars"] == {"": {"rem": [["!limit", "x"]]}} for i in dropped)


def test_notes_breadcrumbs_and_exceptions_past_their_limits_are_counted(memory):
    framecap.init(transport=memory, install_hooks=False, max_breadcrumbs=5, max_exceptions=2)
    for i in range(12):
        framecap.add_breadcrumb(message=f"step {i}")
    error = ValueError("v")
    error.__notes__ = [f"note {i}" for i in range(30)]
    error.__cause__ = KeyError("cause")
    error.__cause__.__cause__ = OSError("root")
    framecap.capture_exception(error)
    event = memory.events[-1]
    assert [c["message"] for c in event["breadcrumbs"]["values"]] == [f"step {i}" for i in range(7, 12)]
    assert event["_meta"]["breadcrumbs"]["values"][""] == {"len": 12}
    value = event["exception"]["values"][-1]["value"]
    assert value == "v\n" + "\n".join(f"note {i}" for i in range(20))
    full = len("v\n" + "\n".join(f"note {i}" for i in range(30)))
    meta = event["_meta"]["exception"]["values"]
    assert meta["1"]["value"] == {"": {"len": full, "rem": [["!limit", "x"]]}}
    assert meta[""] == {"len": 3} and len(event["exception"]["values"]) == 2


def test_a_cut_never_leaves_part_of_a_secret(memory, tmp_path):
    """The privacy stage sees each text whole (up to a margin past the limit), then the cut is made."""
    framecap.init(transport=memory, install_hooks=False, max_value_length=40, include_expression_values=False)
    module = load_module(
        tmp_path,
        """
        def connect(target):
            url = "postgres://app:hunter2-hunter2@db.internal/shop"
            raise ValueError("x" * 8170 + " password=hunter2-in-the-message, retrying")
        """,
    )
    framecap.set_extra("where", "redis://cache:hunter2-hunter2-redis@cache.internal:6379/0")
    event = capture_call(memory, module.connect, "postgres://app:hunter2-hunter2@db.internal/shop")
    text = json.dumps(event)
    assert "hunter" not in text, text[text.index("hunter") - 200 : text.index("hunter") + 50]
    frame = frames_of(event)[-1]
    assert frame["vars"]["target"] == "'postgres://app:[Filtered]@db.interna..."
    assert frame["pre_context"][1] == '    url = "postgres://app:[Filtered]@...'
    value = event["exception"]["values"][-1]["value"]
    assert value.endswith("x password=[Filtered...") and len(value) == 8192
    assert event["extra"]["where"] == "redis://cache:[Filtered]@cache.intern..."
    frame_meta = event["_meta"]["exception"]["values"]["0"]["stacktrace"]["frames"][str(len(frames_of(event)) - 1)]
    assert frame_meta["vars"]["target"] == {
        "": {"len": 47, "rem": [["framecap:url-credentials", "s", 16, 26], ["!limit", "x", 37, 40]]}
    }
    assert frame_meta["pre_context"]["1"] == {
        "": {"len": 59, "rem": [["framecap:url-credentials", "s", 26, 36], ["!limit", "x", 37, 40]]}
    }
    assert event["_meta"]["exception"]["values"]["0"]["value"] == {
        "": {"len": 8212, "rem": [["framecap:name-value", "s", 8180, 8189], ["!limit", "x", 8189, 8192]]}
    }
    assert event["_meta"]["extra"]["where"] == {
        "": {"len": 57, "rem": [["framecap:url-credentials", "s", 14, 24], ["!limit", "x", 37, 40]]}
    }


def test_before_send_sees_the_cut_event(memory):
    seen = []
    framecap.init(
        transport=memory,
        install_hooks=False,
        max_value_length=20,
        before_send=lambda event, hint: seen.append(json.dumps(event)) or event,
    )
    capture_call(memory, lambda text: 1 / 0, "t" * 5000)
    assert "t" * 30 not in seen[0] and seen[0] == json.dumps(memory.events[-1])
