"""A catalogue of hostile objects, built from plain recipes (tuples of strings and ints) so hypothesis
can generate, shrink and print them without ever calling one of their hooks."""

from __future__ import annotations

import collections
import types
from typing import Any

from hypothesis import strategies as st


class CustomBase(BaseException):
    pass


ERRORS = [
    ValueError,
    RuntimeError,
    SystemExit,
    KeyboardInterrupt,
    GeneratorExit,
    MemoryError,
    RecursionError,
    CustomBase,
]


class NoHash(type):
    """Classes made by it are unhashable (``__eq__`` without ``__hash__``)."""

    def __eq__(cls, other):
        return cls is other


class Loud(type):
    """Every class-level hook raises."""

    def __getattribute__(cls, name):
        raise SystemExit(name)

    def __hash__(cls):
        raise KeyboardInterrupt

    def __eq__(cls, other):
        raise GeneratorExit


class RaisingStr(str):
    """What a lying ``__repr__`` returns: a str whose own methods all raise."""

    def __len__(self):
        raise KeyboardInterrupt

    def isascii(self):
        raise SystemExit

    def __getitem__(self, key):
        raise GeneratorExit

    def encode(self, *args, **kwargs):
        raise RuntimeError


def _raiser(kind: type[BaseException]) -> Any:
    def hook(self, *args, **kwargs):
        raise kind("hostile")

    return hook


def _fake_module_class(module: str, name: str) -> type:
    """A class that looks, by module and name, like a library's lazy type."""
    return type(name, (), {"__module__": module, "__repr__": _raiser(AssertionError)})


def build(recipe: Any, registry: dict[Any, Any]) -> Any:
    """The object a recipe describes; ``registry`` is a dict the capture will also see (mutating reprs grow it)."""
    if not isinstance(recipe, tuple):
        return recipe  # a plain leaf (int, str, None, float)
    kind, *args = recipe
    if kind == "raises":
        return type("Raises", (), {"__repr__": _raiser(ERRORS[args[0]])})()
    if kind == "mutates":

        def __repr__(self, n=args[0]):
            for i in range(n):
                registry[f"added{len(registry)}"] = i
            registry.pop(next(iter(registry)), None)
            return "Mutates()"

        return type("Mutates", (), {"__repr__": __repr__})()
    if kind == "returns":
        value = {
            "int": 42,
            "none": None,
            "bytes": b"raw",
            "huge": "h" * 200_000,
            "surrogate": "\udcff\ud800 lone",
            "str-subclass": RaisingStr("lying"),
            "secret": "postgres://app:hunter2-secret@db/x token=abcdefghijkl",
            "empty": "",
        }[args[0]]
        return type("Returns", (), {"__repr__": lambda self, value=value: value})()
    if kind == "slow":
        return type("Slow", (), {"__repr__": lambda self, n=args[0]: f"Slow({sum(range(n))})"})()
    if kind == "unhashable-type":
        return NoHash("Unhashable", (), {})()
    if kind == "loud-type":
        base = {"plain": object, "tuple": tuple, "dict": dict, "str": str, "list": list}[args[0]]
        return Loud("Loud", (base,), {})()
    if kind == "lies-about-class":
        return type("Liar", (), {"__class__": property(_raiser(SystemExit)), "__repr__": lambda self: "Liar()"})()
    if kind == "getattr-raises":
        return type(
            "NoAttrs", (), {"__getattribute__": _raiser(KeyboardInterrupt), "__getattr__": _raiser(SystemExit)}
        )()
    if kind == "lazy-lookalike":
        fake = _fake_module_class("django.db.models.query", "QuerySet")()
        if args[0] == "evaluated":
            fake.__dict__["_result_cache"] = []
            type(fake).__repr__ = lambda self: "<QuerySet []>"
        elif args[0] == "unevaluated":
            fake.__dict__["_result_cache"] = None
        return fake
    if kind == "exception":
        error = ERRORS[args[0]](build(("raises", args[0]), registry), "second arg")
        error.__notes__ = [1, "note", build(("raises", 1), registry)]
        return error
    if kind == "huge":
        return {
            "list": lambda: list(range(100_000)),
            "dict": lambda: {i: i for i in range(50_000)},
            "str": lambda: "s" * 2_000_000,
            "bytes": lambda: b"b" * 1_000_000,
            "int": lambda: 7**20_000,
            "deep": lambda: _deep(400),
        }[args[0]]()
    if kind == "self-repr":

        class SelfRepr:
            def __repr__(self):
                return repr(self)  # RecursionError, from inside the capture

        return SelfRepr()
    if kind == "list":
        return [build(r, registry) for r in args[0]]
    if kind == "dict":
        return {build_key(k): build(v, registry) for k, v in args[0]}
    if kind == "cyclic":
        out: list[Any] = [build(args[0], registry)]
        out.append(out)
        return out
    if kind == "hostile-container":
        items = [build(r, registry) for r in args[1]]
        shape = args[0]
        hooks = {"__iter__": _raiser(SystemExit), "__len__": lambda self: 10**9, "__repr__": _raiser(KeyboardInterrupt)}
        if shape == "dict":
            return type("HDict", (dict,), {**hooks, "items": _raiser(SystemExit), "keys": _raiser(SystemExit)})(
                {i: v for i, v in enumerate(items)}
            )
        if shape == "namedtuple-bad-fields":
            return type("BadFields", (tuple,), {"_fields": (1, None)})(items)
        base = {"list": list, "tuple": tuple, "set": set, "deque": collections.deque}[shape]
        if base is set:
            items = [id(i) for i in items]
        return type("H" + base.__name__, (base,), hooks)(items)
    if kind == "mapping":
        items = {f"k{i}": build(r, registry) for i, r in enumerate(args[1])}
        maker = {
            "ordered": collections.OrderedDict,
            "default": lambda d: collections.defaultdict(list, d),
            "counter": lambda d: collections.Counter({k: 1 for k in d}),
            "chain": lambda d: collections.ChainMap(d, {"x": 1}),
            "userdict": collections.UserDict,
            "proxy": types.MappingProxyType,
        }[args[0]]
        return maker(items)
    raise AssertionError(recipe)


def build_key(recipe: Any) -> Any:
    if not isinstance(recipe, tuple):
        return recipe
    kind = recipe[0]
    if kind == "raises-key":
        return type("RaisingKey", (), {"__repr__": _raiser(SystemExit)})()
    if kind == "loud-key":
        return Loud("LoudKey", (), {})()
    if kind == "nan":
        return float("nan")
    if kind == "tuple":
        return (1, ("nested", None))
    if kind == "long":
        return "k" * 5000
    if kind == "frozenset":
        return frozenset({1, 2})
    raise AssertionError(recipe)


def _deep(n: int) -> Any:
    value: Any = {}
    for _ in range(n):
        value = {"k": value}
    return value


LEAVES = st.one_of(
    st.integers(-(10**60), 10**60),
    st.text(max_size=40),
    st.none(),
    st.floats(allow_nan=True),
    st.tuples(st.just("raises"), st.integers(0, len(ERRORS) - 1)),
    st.tuples(st.just("mutates"), st.integers(1, 40)),
    st.tuples(
        st.just("returns"),
        st.sampled_from(["int", "none", "bytes", "huge", "surrogate", "str-subclass", "secret", "empty"]),
    ),
    st.tuples(st.just("slow"), st.integers(100, 20_000)),
    st.tuples(st.just("unhashable-type")),
    st.tuples(st.just("loud-type"), st.sampled_from(["plain", "tuple", "dict", "str", "list"])),
    st.tuples(st.just("lies-about-class")),
    st.tuples(st.just("getattr-raises")),
    st.tuples(st.just("lazy-lookalike"), st.sampled_from(["unevaluated", "evaluated", "hostile"])),
    st.tuples(st.just("exception"), st.integers(0, len(ERRORS) - 1)),
    st.tuples(st.just("huge"), st.sampled_from(["list", "dict", "str", "bytes", "int", "deep"])),
    st.tuples(st.just("self-repr")),
)
KEYS = st.one_of(
    st.text(max_size=20),
    st.integers(),
    st.sampled_from([("raises-key",), ("loud-key",), ("nan",), ("tuple",), ("long",), ("frozenset",), None, ""]),
)
RECIPES = st.recursive(
    LEAVES,
    lambda inner: st.one_of(
        st.tuples(st.just("list"), st.lists(inner, max_size=4)),
        st.tuples(st.just("dict"), st.lists(st.tuples(KEYS, inner), max_size=4)),
        st.tuples(st.just("cyclic"), inner),
        st.tuples(
            st.just("hostile-container"),
            st.sampled_from(["dict", "list", "tuple", "set", "deque", "namedtuple-bad-fields"]),
            st.lists(inner, max_size=3),
        ),
        st.tuples(
            st.just("mapping"),
            st.sampled_from(["ordered", "default", "counter", "chain", "userdict", "proxy"]),
            st.lists(inner, max_size=3),
        ),
    ),
    max_leaves=10,
)
# How the captured exception itself is hostile: its message, its notes, its cause.
ERROR_RECIPES = st.tuples(
    st.integers(0, len(ERRORS) - 1),  # the class it derives from
    st.sampled_from(["plain", "str-raises", "huge-message", "hostile-arg", "many-notes", "bad-notes"]),
    st.booleans(),  # a hostile cause
)


def build_error(recipe: Any, registry: dict[Any, Any]) -> BaseException:
    base, message, with_cause = recipe
    attrs: dict[str, Any] = {}
    if message == "str-raises":
        attrs["__str__"] = _raiser(ERRORS[(base + 1) % len(ERRORS)])
    error_type = type("HostileError", (ERRORS[base],), attrs)
    args: tuple[Any, ...] = ("plain message",)
    if message == "huge-message":
        args = ("m" * 100_000,)
    elif message == "hostile-arg":
        args = (build(("raises", base), registry), build(("loud-type", "plain"), registry))
    error = error_type(*args)
    if message == "many-notes":
        error.__notes__ = [f"note {i}" for i in range(50)]
    elif message == "bad-notes":
        error.__notes__ = (1, None, build(("raises", 2), registry))
    if with_cause:
        error.__cause__ = ERRORS[(base + 3) % len(ERRORS)](build(("raises", base), registry))
    return error
