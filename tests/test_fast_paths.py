"""The fast paths of speed round 5 agree with the slow paths they skip: each one is checked against a
reference (the code it replaced, or the rule run without its gate) on hostile input."""

from __future__ import annotations

import re
import secrets
from types import SimpleNamespace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from framecap.names import Names
from framecap.secrets import PII_RULES, Compiled, Rule, RuleSet
from framecap.serialize_kinds import SMALL_INT, homogeneous_reprs
from framecap.shapes import Literals
from framecap.textscan import TextScanner
from framecap.variables import _SKIP, local_items

# -- the frame's locals ---------------------------------------------------------------------------


def _reference_items(scope: dict[Any, Any], limit: int) -> tuple[list[tuple[Any, Any]], int]:
    """local_items before the fast path (every key looked at in Python)."""
    import itertools

    head = list(itertools.islice(dict.items(scope), limit + len(_SKIP)))
    total = len(scope) - sum(map(scope.__contains__, _SKIP))
    kept = [item for item in head if type(item[0]) is not str or (item[0] not in _SKIP and item[0][:1] != ".")]
    return kept[:limit], max(total, min(len(kept), limit))


_KEYS = st.one_of(
    st.sampled_from([".0", ".1", "__builtins__", "__tracebackhide__", "x.y", "a", "_", "é", "\x00", ""]),
    st.text(max_size=6),
    st.integers(-3, 3),
    st.tuples(st.integers(0, 2)),
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(_KEYS, st.integers(), max_size=14), st.integers(1, 12))
def test_locals_fast_path_matches_the_slow_one(scope: dict[Any, Any], limit: int) -> None:
    items, count, problem = local_items(SimpleNamespace(f_locals=scope), limit)  # type: ignore[arg-type]
    assert problem is None
    assert (items, count) == _reference_items(scope, limit)


class _Armed:
    """A key whose ``__hash__`` and ``__eq__`` fail once armed (after the dict holding it was built)."""

    armed = False

    def __hash__(self) -> int:
        if _Armed.armed:
            raise AssertionError("a key's __hash__ ran")
        return hash(".0")  # (a lookup of the skipped name ".0" would meet this key and call its __eq__)

    def __eq__(self, other: object) -> bool:
        if _Armed.armed:
            raise AssertionError("a key's __eq__ ran")
        return other is self


def test_locals_fast_path_runs_no_key_code_and_reads_no_more_than_it_keeps() -> None:
    scope: dict[Any, Any] = {"a": 1, _Armed(): 2, "b": 3}
    big = {f"v{i}": i for i in range(100_000)}
    _Armed.armed = True
    try:
        items, count, problem = local_items(SimpleNamespace(f_locals=scope), 10)  # type: ignore[arg-type]
    finally:
        _Armed.armed = False
    assert problem is None and count == 3 and [k for k, _ in items if type(k) is str] == ["a", "b"]
    items, count, _ = local_items(SimpleNamespace(f_locals=big), 5)  # type: ignore[arg-type]
    assert items == [(f"v{i}", i) for i in range(5)] and count == 100_000


# -- uniform lists --------------------------------------------------------------------------------


class _Meta(type):
    """Its ``__eq__`` and ``__hash__`` fail while armed (hypothesis itself compares types as it draws)."""

    armed = False

    def __eq__(cls, other: object) -> bool:
        if _Meta.armed:
            raise AssertionError("a metaclass __eq__ ran")
        return cls is other

    def __hash__(cls) -> int:
        if _Meta.armed:
            raise AssertionError("a metaclass __hash__ ran")
        return id(cls)


def _armed_reprs(items: list[Any], limit: int) -> list[str] | None:
    _Meta.armed = True
    try:
        return homogeneous_reprs(items, limit)
    finally:
        _Meta.armed = False


class _Odd(metaclass=_Meta):
    def __repr__(self) -> str:
        raise AssertionError("a __repr__ ran")


class _IntChild(int):
    pass


class _StrChild(str):
    pass


def _reference_reprs(items: list[Any], limit: int) -> list[str] | None:
    kinds = {id(type(item)) for item in items}
    if kinds == {id(int)}:
        return None if max(items) >= SMALL_INT or min(items) <= -SMALL_INT else [repr(i) for i in items]
    if kinds == {id(str)}:
        return None if max(map(len, items)) > limit // 4 - 2 else [repr(i) for i in items]
    return None


_ITEMS = st.one_of(
    st.integers(-(2**60), 2**60),
    st.integers(-5, 5),
    st.booleans(),
    st.text(max_size=12),
    st.builds(_IntChild, st.integers(0, 9)),
    st.builds(_StrChild, st.text(max_size=3)),
    st.builds(_Odd),
    st.none(),
    st.floats(allow_nan=False),
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_ITEMS, max_size=12), st.integers(16, 64))
def test_uniform_lists_match_the_reference(items: list[Any], limit: int) -> None:
    assert _armed_reprs(items, limit) == _reference_reprs(items, limit)


def test_uniform_list_check_runs_no_metaclass_code() -> None:
    assert _armed_reprs([_Odd(), _Odd()], 100) is None
    assert _armed_reprs([1, _Odd()], 100) is None
    assert _armed_reprs(["a", _Odd()], 100) is None


# -- the value rules' gates -----------------------------------------------------------------------


def test_a_long_run_of_few_characters_skips_the_hintless_token_rules() -> None:
    rule = Compiled(Rule("every-s", r"s{300}", "a hintless rule that a run of s matches", token=True))
    text = "s" * 400
    assert RuleSet([rule], least_distinct=8).spans(text) == []
    assert RuleSet([rule], least_distinct=0).spans(text) == [(0, 300, "every-s")]
    assert RuleSet([rule], least_distinct=8).spans("s" * 100 + "abcdefgh" + "s" * 300) != []  # varied enough


def test_a_token_padded_by_a_long_run_is_still_found() -> None:
    scanner = TextScanner(Names())
    for pad in ("=", "0", "x", "-"):
        token = "key-" + secrets.token_hex(16)
        text = pad * 600 + "." + token + "." + pad * 600
        found = [text[s:e] for s, e, _ in scanner.spans(text)]
        assert token in found or any(token in piece for piece in found), (pad, found)


_SSN = next(Compiled(rule) for rule in PII_RULES if rule.id == "us-ssn")
_PII_TEXT = st.text(alphabet=st.sampled_from(list("0123456789-. :=#'\"ssnSSNtaxidTAXID ")), min_size=8, max_size=40)


@settings(max_examples=600, deadline=None)
@given(_PII_TEXT)
def test_no_pii_rule_matches_without_four_digits_in_a_row(text: str) -> None:
    """The scanner runs the PII rules only on a text with four digits in a row (the SSN rule alone ran on
    the others before): none of them can match elsewhere."""
    if re.search(r"\d{4}", text) is None:
        for rule in PII_RULES:
            assert Compiled(rule).spans(text) == [], (rule.id, text)


def test_ssns_are_still_found_alone_and_in_text() -> None:
    scanner = TextScanner(Names())
    for text in ("219-09-9999", "ssn 219099999 on file", "SSN: 219 09 9999", "tax id 219099999"):
        found = [text[s:e] for s, e, _ in scanner.spans(text)]
        assert any(piece.replace("-", "").replace(" ", "").endswith("9999") for piece in found), (text, found)
    assert _SSN.spans("ssn 219099999") != []


def test_literals_skip_needs_every_character() -> None:
    literals = Literals(["password", "token"])
    assert literals.may_occur_in(set("the token")) is True
    assert literals.may_occur_in(set("x" * 300)) is False
    assert literals.may_occur("x" * 300) is False
    assert literals.may_occur("x" * 10) is True  # (a short text goes straight to the regex)
