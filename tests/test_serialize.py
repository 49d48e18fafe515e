import collections
import json

import pytest

from framecap.serialize import Serializer


def ser(**kw):
    opts = dict(max_depth=5, max_breadth=50, max_length=1024)
    opts.update(kw)
    return Serializer(**opts)


class Counted:
    calls = 0

    def __repr__(self):
        Counted.calls += 1
        return "Counted()"


@pytest.mark.slow
def test_huge_values_are_bounded_and_their_cut_is_recorded():
    deep = cur = {}
    for _ in range(300):
        cur["k"] = {}
        cur = cur["k"]
    cases = {
        "list": (list(range(3_000_000)), {"": {"len": 3_000_000}}),
        "dict": ({i: i for i in range(300_000)}, {"": {"len": 300_000}}),
        "str": ("x" * 20_000_000, {"": {"len": 20_000_000, "rem": [["!limit", "x", 1021, 1024]]}}),
        "bytes": (b"y" * 10_000_000, {"": {"len": 10_000_000, "rem": [["!limit", "x", 1021, 1024]]}}),
    }
    for name, (value, expected_meta) in cases.items():
        data, meta, used = ser().serialize(value)
        assert meta == expected_meta, name
        assert len(json.dumps(data)) < 8_000, name
    data, meta, _ = ser().serialize(deep)
    assert data == {"k": {"k": {"k": {"k": {"k": "<dict with 1 item>"}}}}}
    assert meta["k"]["k"]["k"]["k"]["k"] == {"": {"rem": [["!limit", "s"]], "len": 1}}


@pytest.mark.slow
def test_only_the_kept_items_of_a_huge_container_are_rendered():
    Counted.calls = 0
    items = [Counted() for _ in range(100_000)]
    data, meta, _ = ser().serialize(items)
    assert Counted.calls == 50 and len(data) == 50 and meta == {"": {"len": 100_000}}


def test_each_user_repr_runs_once_per_serializer():
    Counted.calls = 0
    shared = Counted()
    s = ser()
    for _ in range(10):
        s.serialize({"a": shared, "b": [shared, shared]})
    assert Counted.calls == 1


def test_leaves_are_reprs_so_types_stay_distinct():
    data, meta, _ = ser().serialize({"s": "1", "i": 1, "n": None, "b": True, "f": 1.5, "by": b"\x00x", "t": (1, "a")})
    assert data == {"s": "'1'", "i": "1", "n": "None", "b": "True", "f": "1.5", "by": "b'\\x00x'", "t": ["1", "'a'"]}
    assert meta is None


def test_plain_json_mode_keeps_primitives():
    data, _, _ = ser(repr_strings=False).serialize(
        {"s": "1", "i": 1, "n": None, "b": True, "f": float("inf"), "big": 2**80}
    )
    assert data == {"s": "1", "i": 1, "n": None, "b": True, "f": "inf", "big": str(2**80)}


def test_hostile_objects_never_break_the_rest():
    class RaisingRepr:
        def __repr__(self):
            raise RuntimeError("nope")

    class RaisingGetattr:
        def __getattr__(self, name):
            raise RuntimeError(name)

        def __getattribute__(self, name):
            raise RuntimeError(name)

    class LyingLen(list):
        def __len__(self):
            return 10**12

        def __iter__(self):
            raise RuntimeError("never iterate me through Python")

    class SideEffect:
        ran = False

        @property
        def value(self):
            SideEffect.ran = True
            return 1

        def __repr__(self):
            return "SideEffect()"

    class NotAString:
        def __repr__(self):
            return 42

    data, meta, _ = ser().serialize(
        {
            "a": RaisingRepr(),
            "b": RaisingGetattr(),
            "c": LyingLen([1, 2]),
            "d": SideEffect(),
            "e": NotAString(),
            "f": "kept",
        }
    )
    assert (
        data["a"]
        == "<test_hostile_objects_never_break_the_rest.<locals>.RaisingRepr object; repr() raised RuntimeError>"
    )
    assert data["b"].startswith("<") and data["c"] == ["1", "2"] and data["d"] == "SideEffect()"
    assert "repr() raised TypeError" in data["e"] and data["f"] == "'kept'"
    assert SideEffect.ran is False


def test_masked_str_subclass_stays_masked_and_plain_subclass_is_sliced():
    class Secret(str):
        def __repr__(self):
            return "Secret('***')"

    class Tagged(str):
        pass

    data, meta, _ = ser().serialize([Secret("hunter2"), Tagged("z" * 5000)])
    assert data[0] == "Secret('***')" and "hunter2" not in json.dumps(data)
    assert len(data[1]) == 1024 and meta == {"1": {"": {"len": 5000, "rem": [["!limit", "x", 1021, 1024]]}}}


def test_cycles_are_marked():
    a = [1]
    a.append(a)
    d = {"x": 1}
    d["self"] = d
    data, _, _ = ser().serialize({"a": a, "d": d})
    assert data == {"a": ["1", "<cyclic reference>"], "d": {"x": "1", "self": "<cyclic reference>"}}


def test_shared_non_cyclic_references_are_rendered_each_time():
    leaf = [1]
    data, _, _ = ser().serialize([leaf, leaf])
    assert data == [["1"], ["1"]]


def test_containers_and_subclasses():
    Point = collections.namedtuple("Point", "x y")

    class MyDict(dict):
        def items(self):
            raise RuntimeError("not called")

    data, _, _ = ser().serialize(
        {"p": Point(1, 2), "d": MyDict(a=1), "q": collections.deque([1]), "s": {3}, "fs": frozenset()}
    )
    assert data == {"p": {"x": "1", "y": "2"}, "d": {"a": "1"}, "q": ["1"], "s": ["3"], "fs": []}


def test_keys_non_string_and_colliding():
    data, _, _ = ser().serialize({1: "a", "1": "b", (1, 2): "c", "k" * 1000: 1})
    assert data["1"] == "'a'" and data["'1'"] == "'b'" and data["(1, 2)"] == "'c'"
    assert max(len(k) for k in data) == 256
    data, _, _ = ser().serialize({"1": "s", 1: "i", "x": "x"})
    assert list(data) == ["'1'", "1", "x"], "the string key is renamed in place when it came first"


def test_huge_int_and_surrogates():
    data, _, _ = ser().serialize([10**100_000, "\udcff", b"\xff"])
    assert data[0].startswith("<int with ") and data[1] == "'\\udcff'"
    json.dumps(data).encode("utf-8")


def test_budget_stops_expansion_and_records_lengths():
    value = {str(i): "v" * 500 for i in range(50)}
    data, meta, used = ser().serialize(value, budget=2_000)
    assert len(data) < 50 and meta[""] == {"len": 50} and used < 3_000


def test_breadth_and_depth_options():
    data, meta, _ = ser(max_breadth=2, max_depth=1).serialize({"a": [1, 2, 3], "b": 1, "c": 2})
    assert data == {"a": "<list with 3 items>", "b": "1"}
    assert meta == {"": {"len": 3}, "a": {"": {"rem": [["!limit", "s"]], "len": 3}}}


def test_plain_leaf_paths_agree():
    """A leaf alone, in a dict, in a mixed list and in a uniform list renders the same: one rule, four paths."""
    limit = 40
    # ints of every size from 1 to 120 digits, both signs, around each power of ten: the size where a
    # path stops taking an int as a short leaf is among them, whatever it is; and ints too long for
    # str() (Python's 4,300-digit limit): no path may try
    ints = [sign * (10**k + d) for k in range(0, 120, 1) for d in (-1, 0) for sign in (1, -1)]
    ints += [10**5000, -(10**5000)]
    edge = [
        *ints,
        "x" * 19,
        "x" * 38,
        "x" * 39,
        "é" * 30,
        "\x00" * 12,
        1.5,
        True,
        None,
        10**30,
    ]
    for value in edge:
        alone, _, _ = ser(max_length=limit).serialize(value)
        in_dict, _, _ = ser(max_length=limit).serialize({"k": value})
        in_list, _, _ = ser(max_length=limit).serialize([value, object()])
        uniform, _, _ = ser(max_length=limit).serialize([value, value])
        assert alone == in_dict["k"] == in_list[0] == uniform[0], value


class _Forgetful(dict):
    def __setitem__(self, key, value):  # remembers nothing: every container is walked afresh
        pass


def _frames_rendered(frames, remember):
    serializer = Serializer(max_depth=5, max_breadth=50, max_length=1024)
    if not remember:
        serializer._again = _Forgetful()
    out = [serializer.walk_items(list(pairs.items()), len(pairs), budget) for pairs, budget in frames]
    return json.dumps(out, sort_keys=True, default=repr)


def test_a_container_met_again_renders_as_if_walked_again():
    # A dict or list met again (a WSGI environ in every frame) reuses its rendering, never where the
    # rendering would differ: another depth, a cycle through it, a budget that runs out inside it.
    filler = {f"key{i}": i for i in range(8)}  # (small containers are walked again: as fast)
    environ = {"PATH_INFO": "/x", "HTTP_HOST": "localhost", "wsgi.version": [1, 0], "n": {"deep": [1, [2, [3]]]}}
    environ.update(filler)
    back = {"name": "a"}
    back["e"] = {"back": back, **filler}  # a cycle inside what is met again
    far = {"name": "y"}
    near = {"mid": {"y": far}, **filler}
    far["e"] = near  # near -> mid -> far -> (near: cut by depth); then far is near's parent
    frames = [
        ({"environ": environ, "other": environ}, 1 << 30),
        ({"environ": environ}, 40),  # the budget runs out inside it
        ({"wrapped": {"environ": environ}}, 1 << 30),  # another depth
        ({"a": back}, 1 << 30),
        ({"b": {"e": back["e"]}}, 1 << 30),  # outside the cycle it was walked in
        ({"box": {"e": near}}, 1 << 30),
        ({"y": far}, 1 << 30),  # its parent is inside it: a cycle here
    ]
    assert _frames_rendered(frames, remember=True) == _frames_rendered(frames, remember=False)
    serializer = Serializer(max_depth=5, max_breadth=50, max_length=1024)
    first = serializer.walk_items([("environ", environ)], 1)[0]
    second = serializer.walk_items([("environ", environ)], 1)[0]
    assert first == second and first["environ"] is not second["environ"]  # a copy: scrubbed apart
    assert first["environ"]["wsgi.version"] is not second["environ"]["wsgi.version"]
