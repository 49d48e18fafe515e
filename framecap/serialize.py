"""The bounded serializer: any Python value to JSON-ready data, never raising, never walking big data.

It knows nothing of the event schema. Costs are bounded by ``max_depth``, ``max_breadth``,
``max_length`` and a character budget, never by the size of the value: containers are read
through their C-level methods up to the breadth limit (copied before any user code runs, so a
``__repr__`` or another thread that changes them can't break the walk), large strings and bytes
are sliced before ``repr``, and a user ``__repr__`` runs at most once per serializer (one per
capture). Whatever one value's repr raises (``BaseException`` included) costs only that value.
Every cut and substitution is described in Sentry's ``_meta`` format and returned beside the data.
"""

from __future__ import annotations

import itertools
from typing import Any, Callable

from . import usercode
from .lazy import lazy_placeholder
from .meta import ELLIPSIS, Meta
from .safe import exact_str, type_mro, type_qualname
from .serialize_kinds import (
    CONTAINERS,
    LEAVES,
    SAFE_REPR,
    SMALL_INT,
    container_kind,
    homogeneous_reprs,
    inherits,
    key_collision,
    plain_repr,
    pydantic_kind,
    reveal_secret,
)
from .serialize_plain import plain, plain_pairs
from .serialize_text import clean_text, copied, cost, cut_text, final_cost, plain_name

__all__ = ["Meta", "Serializer", "clean_text", "cost", "cut_text", "plain_name"]

_CYCLE = "<cyclic reference>"
_MAX_KEY = 256
_BIG_INT_BITS = 8000  # repr of larger ints is slow (quadratic) or refused (3.11+ digit limit)
_NONE = type(None)
_AGAIN_SIZE = 8  # items a dict or list has for its rendering to be reused (smaller ones walk as fast)


def _failed(what: str, error: BaseException) -> tuple[str, Meta]:
    """The placeholder for a value whose repr raised or ran out of time, and its remark (``s``: substituted).
    ``what`` (a type's name: the program's, of any length) is cut to :data:`_MAX_KEY` characters."""
    if len(what) > _MAX_KEY:
        what = what[: _MAX_KEY - 1] + ELLIPSIS
    what = clean_text(what)
    if isinstance(error, usercode.TimedOut):
        text, rule = f"<{what} object; repr() took too long>", "framecap:timeout"
    else:
        text, rule = f"<{what} object; repr() raised {type_qualname(type(error))}>", "framecap:repr"
    return text, {"": {"rem": [[rule, "s", 0, len(text)]]}}


class Serializer:
    """Serialize values for one capture. Not thread-safe; make one per capture.

    ``repr_strings=True`` (frame variables) renders every leaf as its ``repr``, so ``'1'`` and
    ``1`` differ as they do in Python; ``False`` keeps str, int, float, bool and None as JSON.
    ``margin``: characters kept past ``max_length`` until the cuts are applied (see :func:`cut_text`).
    ``repr_time``: wall-clock seconds all user ``__repr__`` calls may take together; each runs on a
    helper thread (:mod:`framecap.usercode`) for at most a quarter of it (or what is left).
    """

    def __init__(
        self,
        *,
        max_depth: int,
        max_breadth: int,
        max_length: int,
        repr_strings: bool = True,
        margin: int = 0,
        repr_time: float = 1.0,
    ) -> None:
        self.max_depth = max_depth
        self.max_breadth = max_breadth
        self.max_length = max_length
        self.repr_strings = repr_strings
        self.margin = margin
        self._span = max_length + margin  # what is read of a big string before it is cut
        self._memo: dict[int, tuple[Any, str, Meta | None]] = {}
        self._types: dict[int, Any] = {}  # per type id: (type, lazy rule); the type is held for the capture
        self._facts: dict[int, list[Any]] = {}  # per type id: see _facts_of
        self._left = 0
        self._clock = usercode.Clock(repr_time)
        #: Builtin dicts and lists walked whole, by id: (value, depth, cost, where the containers inside are
        #: in ``_walked`` (start, end), data, meta).
        self._again: dict[int, tuple[Any, ...]] = {}
        self._walked: list[int] = []  # ids of the containers walked, in order
        self._cycles = 0  # cycle (and changed-container) placeholders made so far
        self.revealed: list[str] = []  # what pydantic secrets hide: for the echo pass, never the event

    def serialize(self, value: Any, budget: int = 1 << 30) -> tuple[Any, Meta | None, int]:
        """Return ``(data, meta or None, characters used)``; stops expanding once ``budget`` runs out."""
        job = (budget, lambda: self._walk(value, 0, set()))
        data, meta = self._from_start(job) if plain([value]) else self._clock.run(self._from_start, job, self._stuck)
        return data, meta, budget - self._left

    def serialize_items(
        self, pairs: list[tuple[Any, Any]], total: int, budget: int = 1 << 30
    ) -> tuple[dict[str, Any], Meta | None, int]:
        """Like :meth:`serialize` for a dict given as ``(key, value)`` pairs (``total`` of them in all),
        so keys are never hashed again (frame locals may have keys of any type)."""
        job = (budget, lambda: self._pairs(pairs, total, 0, set()))
        inline = plain_pairs(pairs, self.max_depth, self.max_breadth)
        data, meta = self._from_start(job) if inline else self._clock.run(self._from_start, job, self._stuck)
        return data, meta, budget - self._left

    def plain_items(self, pairs: list[tuple[Any, Any]]) -> bool:
        """Whether walking ``pairs`` can run none of the program's code (no helper thread needed)."""
        return not pairs or plain_pairs(pairs, self.max_depth, self.max_breadth)

    def walk_items(
        self, pairs: list[tuple[Any, Any]], total: int, budget: int = 1 << 30
    ) -> tuple[dict[str, Any], Meta | None, int]:
        """:meth:`serialize_items` on this thread: for a walk already on a helper (see :meth:`hand_off`),
        or for values :meth:`plain_items` found plain."""
        self._left = budget
        data, meta = self._pairs(pairs, total, 0, set())
        return data, meta, budget - self._left

    def hand_off(self, walk: Callable[[bool], Any]) -> Any:
        """``walk(False)`` on a helper thread within this serializer's time, for walks that call
        :meth:`walk_items`; after a ``__repr__`` past its time, ``walk`` is called again on another
        helper (it resumes where it stands, and the value gets a placeholder)."""
        return self._clock.run(walk, False, self._stuck)

    def _from_start(self, job: tuple[int, Callable[[], tuple[Any, Meta | None]]]) -> tuple[Any, Meta | None]:
        """One walk with the whole ``budget`` (it runs again from the start after a stuck ``__repr__``)."""
        budget, walk = job
        self._left = budget
        return walk()

    def _stuck(self, value: Any) -> None:
        """A ``__repr__`` ran past its time: the value gets a placeholder (the walk is run again)."""
        if value is not None:
            self._memo[id(value)] = (value, *_failed(type_qualname(type(value)), usercode.TimedOut()))

    def close(self) -> None:
        """Drop the per-capture memos (they hold references to the objects they rendered)."""
        self._memo.clear()
        self._types.clear()
        self._facts.clear()
        self._again.clear()
        self._walked.clear()

    # -- containers -----------------------------------------------------------------------------

    def _walk(self, value: Any, depth: int, path: set[int]) -> tuple[Any, Meta | None]:
        t = type(value)
        if self.repr_strings:
            text = plain_repr(value, t, self.max_length)
            if text is not None:
                self._left -= cost(text)
                return text, None
        return self._node(value, t, depth, path)

    def _node(self, value: Any, t: type, depth: int, path: set[int]) -> tuple[Any, Meta | None]:
        """:meth:`_walk` past the plain leaves (which :meth:`_pairs` and :meth:`_list` render inline)."""
        if type(t) is type:  # a plain class: it may be hashed and compared
            kind = CONTAINERS.get(t)
            if kind is None and t not in LEAVES:
                kind = self._facts_of(t)[3]
        else:  # its metaclass may make it unhashable, or run code when compared
            kind = self._facts_of(t)[3]
        if kind is None:
            return self._leaf(value, t)
        size = kind[1](value)
        if depth >= self.max_depth:
            text = f"<{type_qualname(t)} with {size} item{'' if size == 1 else 's'}>"
            self._left -= cost(text)
            return text, {"": {"rem": [["!limit", "s"]], "len": size}}
        if id(value) in path:
            self._left -= len(_CYCLE)
            self._cycles += 1
            return _CYCLE, None
        remember = size >= _AGAIN_SIZE and (t is dict or t is list)
        again = self._again.get(id(value)) if remember else None
        if (
            again is not None
            and again[0] is value
            and again[1] == depth
            and self._left > again[2]
            and path.isdisjoint(self._walked[again[3] : again[4]])  # it can't be a cycle here: the same rendering
        ):
            self._left -= again[2]
            return copied(again[5]), copied(again[6])
        start, cycles, walked = self._left, self._cycles, len(self._walked)
        path.add(id(value))
        self._walked.append(id(value))
        # The first items are copied at C speed before any user code (a repr) can change the container.
        try:
            if kind[0] == "dict":
                result = self._pairs(list(itertools.islice(dict.items(value), self.max_breadth)), size, depth, path)
            elif kind[0] == "namedtuple":
                pairs = list(itertools.islice(zip(kind[2], tuple.__iter__(value)), self.max_breadth))
                result = self._pairs(pairs, size, depth, path)
            else:
                result = self._list(list(itertools.islice(kind[2](value), self.max_breadth)), size, depth, path)
        except RuntimeError:  # changed while copied (another thread, on a free-threaded build)
            text = f"<{type_qualname(t)} changed during capture>"
            self._left -= cost(text)
            self._cycles += 1  # (not remembered either)
            result = text, {"": {"rem": [["framecap:changed", "s", 0, len(text)]], "len": size}}
        path.discard(id(value))
        if remember and self._left > 0 and self._cycles == cycles:
            # Walked whole (the budget never ran out inside) and without meeting a cycle: the same
            # container met again at the same depth renders the same (a WSGI environ in every frame).
            # Its rendering is copied when used again (nothing changes a rendering before close()).
            self._again[id(value)] = (value, depth, start - self._left, walked + 1, len(self._walked), *result)
        return result

    def _pairs(self, items: list[tuple[Any, Any]], size: int, depth: int, path: set[int]) -> tuple[Any, Meta | None]:
        out: dict[str, Any] = {}
        meta: Meta = {}
        quick = self.repr_strings
        limit = self.max_length
        left = self._left
        for key, item in items:
            if left <= 0:
                break
            name = key if type(key) is str and len(key) <= _MAX_KEY and key.isascii() else self._key(key)
            if name in out:  # 1 and '1' both render as "1": the string key is shown as its repr, '1'
                name, out, meta = key_collision(key, name, out, meta, items)
            # _plain_repr, inlined: a call per leaf costs 5% of a whole capture (test_plain_leaf_paths_agree)
            t = type(item)
            if quick and (
                t is str
                and len(item) <= limit
                or t is int
                and -SMALL_INT < item < SMALL_INT
                or t is _NONE
                or t is bool
                or t is float
            ):
                text = repr(item)
                if len(text) <= limit:
                    out[name] = text
                    left -= len(name) + 4 + (len(text) if text.isascii() else 6 * len(text))
                    continue
            self._left = left - len(name) - 4
            out[name], child = self._node(item, t, depth + 1, path)
            left = self._left
            if child:
                meta[name] = child
        self._left = left
        if len(out) < size:
            meta[""] = {"len": size}
        return out, meta or None

    def _list(self, chunk: list[Any], size: int, depth: int, path: set[int]) -> tuple[Any, Meta | None]:
        out: list[Any] = []
        meta: Meta = {}
        quick = self.repr_strings
        limit = self.max_length
        if quick and chunk:
            texts = homogeneous_reprs(chunk, limit)
            if texts is not None:  # all small ints, or all short strings: rendered at C speed
                ascii = type(chunk[0]) is int or all(map(str.isascii, texts))
                self._left -= 2 * len(texts) + sum(map(len, texts)) * (1 if ascii else 6)
                if len(texts) < size:
                    meta[""] = {"len": size}
                return texts, meta or None
        left = self._left
        append = out.append
        for index, item in enumerate(chunk):
            if left <= 0:
                break
            # _plain_repr, inlined (see _pairs)
            t = type(item)
            if quick and (
                t is str
                and len(item) <= limit
                or t is int
                and -SMALL_INT < item < SMALL_INT
                or t is _NONE
                or t is bool
                or t is float
            ):
                text = repr(item)
                if len(text) <= limit:
                    append(text)
                    left -= 2 + (len(text) if text.isascii() else 6 * len(text))
                    continue
            self._left = left - 2
            data, child = self._node(item, t, depth + 1, path)
            left = self._left
            append(data)
            if child:
                meta[str(index)] = child
        self._left = left
        if len(out) < size:
            meta[""] = {"len": size}
        return out, meta or None

    def _key(self, key: Any) -> str:
        if type(key) is str:
            if len(key) <= _MAX_KEY and key.isascii():
                return key
            return clean_text(key if len(key) <= _MAX_KEY else key[: _MAX_KEY - 3] + ELLIPSIS)
        text, _ = self._leaf(key, type(key), as_repr=True)
        text = text if type(text) is str else str(text)
        return text if len(text) <= _MAX_KEY else text[: _MAX_KEY - 3] + ELLIPSIS

    # -- leaves ---------------------------------------------------------------------------------

    def _leaf(self, value: Any, t: type, as_repr: bool = False) -> tuple[Any, Meta | None]:
        if type(t) is not type:  # no builtin leaf type has a metaclass: user code decides its repr
            return self._user_repr(value, t)
        as_repr = as_repr or self.repr_strings
        limit = self.max_length
        if t is str:
            original = len(value)
            if not as_repr:
                text, meta = cut_text(value[: self._span], limit, original if original > limit else None, self.margin)
            else:
                text, meta = cut_text(
                    repr(value[: self._span]), limit, original if original > limit else None, self.margin
                )
            self._left -= final_cost(text, limit)
            return text, meta
        if not as_repr and (value is None or t is bool or t is int):
            if t is int and value.bit_length() > 53:
                return self._leaf(value, t, as_repr=True)
            self._left -= 5
            return value, None
        if not as_repr and t is float and value == value and value not in (float("inf"), float("-inf")):
            self._left -= 10
            return value, None
        if t is bytes or t is bytearray:
            original = len(value)
            head = repr(value[: self._span])
            text, meta = cut_text(head, limit, original if original > limit else None, self.margin)
            self._left -= final_cost(text, limit)
            return text, meta
        if t is int and value.bit_length() > _BIG_INT_BITS:
            text = f"<int with {value.bit_length()} bits>"
            self._left -= cost(text)
            return text, None
        if t in SAFE_REPR:
            text = repr(value)
            self._left -= cost(text)
            return text, None
        return self._user_repr(value, t)

    def _facts_of(self, t: type) -> list[Any]:
        """What this capture learned of type ``t``: ``[t, pydantic kind (see pydantic_kind), repr runs no user code,
        container kind]`` (the middle two None until first needed)."""
        facts = self._facts.get(id(t))
        if facts is None or facts[0] is not t:
            facts = self._facts[id(t)] = [t, None, None, container_kind(t)]
        return facts

    def _user_repr(self, value: Any, t: type) -> tuple[str, Meta | None]:
        """``repr`` of an object we don't know: memoized, guarded, cut; str subclasses sliced first;
        lazy values (queries, proxies) never repr'd."""
        key = id(value)
        hit = self._memo.get(key)
        if hit is not None and hit[0] is value:
            self._left -= final_cost(hit[1], self.max_length)
            return hit[1], hit[2]
        facts = self._facts_of(t)
        if facts[1] is None:
            facts[1] = pydantic_kind(t)
        if facts[1]:
            reveal_secret(value, t, self.revealed, facts[1])
        limit = self.max_length
        try:
            lazy = lazy_placeholder(value, t, self._types)
            meta: Meta | None
            if lazy is not None:
                text, meta = lazy, {"": {"rem": [["framecap:lazy", "s", 0, len(lazy)]]}}
            elif issubclass(t, str) and inherits(t, "__repr__", str):
                original = str.__len__(value)
                text, meta = cut_text(
                    str.__repr__(str.__getitem__(value, slice(0, self._span))),
                    limit,
                    original if original > limit else None,
                    self.margin,
                )
            elif issubclass(t, (bytes, bytearray)) and inherits(t, "__repr__", type_mro(t)[-2]):
                base = bytes if issubclass(t, bytes) else bytearray
                original = base.__len__(value)
                head = base.__repr__(base.__getitem__(value, slice(0, self._span)))
                text, meta = cut_text(head, limit, original if original > limit else None, self.margin)
            else:
                # inline if the type's repr runs no user code, else on a helper in this serializer's time
                if facts[2] is None:
                    facts[2] = (type(t) is type and t in usercode.INLINE_REPR) or inherits(t, "__repr__", object)
                raw = repr(value) if facts[2] else self._clock.repr(value)
                original = str.__len__(raw)
                text, meta = cut_text(
                    exact_str(raw, self._span), limit, original if original > limit else None, self.margin
                )
        except usercode.Abandoned:
            raise  # this walk was given up on: it stops
        except BaseException as error:  # noqa: B036 - whatever a __repr__ raises costs only this value
            text, meta = _failed(type_qualname(t), error)
        self._memo[key] = (value, text, meta)
        self._left -= final_cost(text, limit)
        return text, meta
