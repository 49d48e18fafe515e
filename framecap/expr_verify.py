"""Is a parsed fragment the code that ran? Part of the expressions stage.

A fragment is trusted only when compiling it gives back the very code object that ran (or, for
module-level code, the same instructions at the same positions, with the same constants and
names): so a source file changed since import, or lines that confused the indentation scan, never
yield positions or values from other code.
"""

from __future__ import annotations
import __future__

import ast
import dis
import itertools
import sys
from collections.abc import Sequence
from types import CodeType
from typing import Any

from .expr_source import Fragment, code_kind

__all__ = ["same_offset", "verify"]

_HAS_POSITIONS = sys.version_info >= (3, 11)
_FUTURE_FLAGS = sum(getattr(__future__, name).compiler_flag for name in __future__.all_feature_names)


def _rewritten(code: CodeType) -> bool:
    """pytest rewrites assertions (``@py_assert1``): such code never matches its source."""
    return any(name.startswith("@py") for name in (*code.co_names, *code.co_varnames))


def _find(root: CodeType, name: str, firstlineno: int, depth: int = 0) -> CodeType | None:
    for const in root.co_consts:
        if isinstance(const, CodeType):
            if const.co_name == name and const.co_firstlineno == firstlineno:
                return const
            if depth < 50:
                found = _find(const, name, firstlineno, depth + 1)
                if found is not None:
                    return found
    return None


def _same(a: CodeType, b: CodeType) -> bool:
    if a != b:
        return False
    if not _HAS_POSITIONS:  # before 3.11, code equality ignores line numbers
        table = "co_linetable" if sys.version_info >= (3, 10) else "co_lnotab"
        return bool(getattr(a, table) == getattr(b, table))
    return True


_SKIPPED = frozenset({"RESUME", "RETURN_VALUE", "RETURN_CONST", "NOP", "EXTENDED_ARG", "CACHE"})


def _units(code: CodeType, first: int, last: int, positions: Sequence[Any] | None = None) -> list[tuple[str, Any, Any]]:
    """Module-level code's instructions on lines first..last: kind, exact position and argument.

    Read from ``co_code`` and ``co_positions`` directly (``dis`` would decode the whole module);
    the implicit ``return None`` at the end of a module is left out.
    """
    raw = code.co_code
    names = dis.opname
    out = []
    for index, position in enumerate(code.co_positions() if positions is None else positions):
        line = position[0]
        if line is None or line < first or line > last:
            continue
        name = names[raw[2 * index]]
        if name in _SKIPPED:
            continue
        if name == "LOAD_CONST":
            following = index + 1
            while following < len(raw) // 2 and raw[2 * following] == 0:  # CACHE entries
                following += 1
            if following < len(raw) // 2 and names[raw[2 * following]] == "RETURN_VALUE":
                continue  # 3.11: the implicit ``return None``
        out.append((name, position, _argument(code, raw, index, name)))
    return out


_CONSTS = frozenset(dis.hasconst)
_NAMES = frozenset(dis.hasname)
_LOCALS = frozenset(dis.haslocal) | frozenset(getattr(dis, "hasfree", ()))
_JUMPS = frozenset(dis.hasjrel) | frozenset(dis.hasjabs)
#: Name instructions whose argument carries flags in its low bits (3.11+: LOAD_GLOBAL; 3.12+: LOAD_ATTR).
_NAME_SHIFT = {"LOAD_GLOBAL": 1, "LOAD_ATTR": 1 if sys.version_info >= (3, 12) else 0, "LOAD_SUPER_ATTR": 2}


def _argument(code: CodeType, raw: bytes, index: int, name: str) -> Any:
    """What the instruction's argument stands for (a constant, a name), comparable across two
    compilations whose tables are numbered differently; jump offsets are left out."""
    op = raw[2 * index]
    arg, shift, back = raw[2 * index + 1], 8, index - 1
    while back >= 0 and dis.opname[raw[2 * back]] == "EXTENDED_ARG":
        arg |= raw[2 * back + 1] << shift
        shift, back = shift + 8, back - 1
    try:
        if op in _CONSTS:
            value = code.co_consts[arg]
            return ("const", type(value), value.co_name if isinstance(value, CodeType) else repr(value))
        if op in _NAMES:
            return ("name", code.co_names[arg >> _NAME_SHIFT.get(name, 0)])
        if op in _LOCALS:
            return ("local", (code.co_varnames + code.co_cellvars + code.co_freevars)[arg])
    except (IndexError, TypeError, ValueError):
        return ("?",)
    return None if op in _JUMPS else arg


def same_offset(code: CodeType, compiled: CodeType, lasti: int, positions: Sequence[Any]) -> int | None:
    """The offset in ``compiled`` of the instruction at ``lasti`` in ``code`` (same kind and position,
    same occurrence), for module-level code whose fragment gave the same instructions."""
    raw = code.co_code
    target_index = lasti // 2
    if not 0 <= target_index < min(len(raw) // 2, len(positions)):
        return None
    target = (raw[lasti], positions[target_index])
    count = 0
    for index, position in enumerate(itertools.islice(positions, target_index)):
        if position == target[1] and raw[2 * index] == target[0]:
            count += 1
    other = compiled.co_code
    for index, position in enumerate(compiled.co_positions()):
        if (other[2 * index], position) == target:
            if count == 0:
                return 2 * index
            count -= 1
    return None


def verify(fragment: Fragment, code: CodeType, positions: Sequence[Any] | None = None) -> bool:
    """Whether compiling the fragment gives back ``code`` (for module code: its instructions there)."""
    if _rewritten(code):
        return True
    try:
        compiled = compile(
            fragment.tree, code.co_filename, "exec", flags=_FUTURE_FLAGS & code.co_flags, dont_inherit=True
        )
    except Exception:
        return False
    fragment.compiled = compiled
    if code_kind(code) == "module":
        if fragment.whole_file or not _HAS_POSITIONS:
            return _same(compiled, code)
        used = {n.id for n in ast.walk(fragment.tree) if isinstance(n, ast.Name)}
        used |= {n.attr for n in ast.walk(fragment.tree) if isinstance(n, ast.Attribute)}
        known = set(code.co_names) | set(code.co_varnames)
        return used <= known and _units(compiled, fragment.first, fragment.last) == _units(
            code, fragment.first, fragment.last, positions
        )
    found = _find(compiled, code.co_name, code.co_firstlineno)
    return found is not None and _same(found, code)
