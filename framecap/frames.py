"""Traceback to frame records: which frames to keep, and what each one is (file, module, function, position, in_app).

The walk returns the traceback entries themselves (callers read them at once and drop them);
:func:`describe` turns one entry into plain data.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import itertools
import os
import sysconfig
import weakref
from collections.abc import Sequence
from types import CodeType, FrameType, TracebackType
from typing import Any, cast

from .meta import Meta
from .records import FrameRecord, bounded_name

__all__ = ["InAppRules", "code_position", "describe", "function_name", "is_pseudo_file", "walk_traceback"]

_OWN_PACKAGE = __name__.split(".")[0]
_MAX_NAMES = 1024
#: Qualified-name prefixes that code generators leave in ``co_qualname`` (dataclasses compile their
#: methods inside ``__create_fn__``): not a real qualification, so the plain name is shown.
GENERATED_PREFIXES = ("__create_fn__.<locals>.",)


def is_pseudo_file(filename: str) -> bool:
    """``<string>``, ``<frozen os>``, ``<ipython-input-1-...>``: names that are no file on disk."""
    return not filename or (filename.startswith("<") and filename.endswith(">"))


def function_name(code: CodeType, qualified: str | None = None) -> str:
    """The function's name as Python's traceback shows it, qualified where the qualification is real.

    ``qualified`` is ``co_qualname`` (3.11+) or what executing found (3.9/3.10). Code generators
    rename ``co_name`` but not the qualified name (Jinja2 template blocks are compiled as
    ``<module>``); when its last part isn't ``co_name``, ``co_name`` is what the traceback shows.
    """
    name = code.co_name
    if type(qualified) is not str or not (qualified == name or qualified.endswith("." + name)):
        return name
    for prefix in GENERATED_PREFIXES:
        if qualified.startswith(prefix):
            return qualified[len(prefix) :]
    return qualified


def _module_name(frame: FrameType) -> str | None:
    """``__name__`` of the frame's globals (a dict, maybe a subclass: read with dict's own method)."""
    try:
        module = dict.get(frame.f_globals, "__name__")
    except BaseException:  # noqa: B036
        return None
    return module if type(module) is str else None


def _hidden(frame: FrameType) -> bool:
    """Frames of framecap itself, and frames that set ``__tracebackhide__`` (pytest's convention)."""
    module = _module_name(frame)
    if (
        module is not None
        and (module == _OWN_PACKAGE or module.startswith(_OWN_PACKAGE + "."))
        and module != _OWN_PACKAGE + ".__main__"
    ):
        return True
    try:
        if "__tracebackhide__" in frame.f_code.co_varnames:
            return bool(frame.f_locals.get("__tracebackhide__"))
        return bool(dict.get(frame.f_globals, "__tracebackhide__"))
    except BaseException:  # noqa: B036 - a hostile __bool__ or locals mapping: the frame is shown
        return False


def walk_traceback(tb: TracebackType | None, max_frames: int) -> tuple[list[TracebackType], int]:
    """Return ``(entries oldest first, visible frame count)``, keeping the outermost and innermost halves.

    Memory stays bounded however deep the traceback: the inner half is a ring buffer.
    """
    head_size = max_frames // 2
    head: list[TracebackType] = []
    tail: collections.deque[TracebackType] = collections.deque(maxlen=max_frames - head_size)
    total = 0
    # A recursion repeats one function of one module: its answer is reused while neither changes
    # (unless the function has a ``__tracebackhide__`` local, which each frame sets for itself).
    last_code: Any = None
    last_globals: Any = None
    hidden = False
    while tb is not None:
        frame = tb.tb_frame
        code, globals_ = frame.f_code, frame.f_globals
        if code is not last_code or globals_ is not last_globals:
            hidden = _hidden(frame)
            reusable = "__tracebackhide__" not in code.co_varnames
            last_code, last_globals = (code, globals_) if reusable else (None, None)
        if not hidden:
            total += 1
            (head if len(head) < head_size else tail).append(tb)
        tb = tb.tb_next
    return head + list(tail), total


@functools.lru_cache(maxsize=4096)
def code_position(code: CodeType, lasti: int) -> tuple[int, int, int, int] | None:
    """``(lineno, end_lineno, col, end_col)`` of instruction ``lasti`` (0-based columns), on Python 3.11+."""
    positions = getattr(code, "co_positions", None)
    if positions is None or lasti < 0:
        return None
    try:
        found = next(itertools.islice(positions(), lasti // 2, None), None)
    except Exception:
        return None
    if not found or any(not isinstance(v, int) for v in found):
        return None
    return cast("tuple[int, int, int, int]", found)  # four ints, as checked


class InAppRules:
    """Decides ``in_app``: explicit module prefixes first, then what the path says."""

    def __init__(self, project_root: str, include: Sequence[str] = (), exclude: Sequence[str] = ()) -> None:
        self.project_root = os.path.realpath(project_root)
        self.include = tuple(include)
        self.exclude = tuple(exclude)
        paths = sysconfig.get_paths()
        roots = {paths.get("stdlib"), paths.get("platstdlib"), os.path.dirname(os.__file__)}
        self.stdlib = tuple(sorted({os.path.realpath(p) for p in roots if p}))
        self._cache: dict[tuple[str | None, str], bool] = {}
        #: What :func:`describe` found per (code object id, module, qualified name): weak references to
        #: the code objects, up to ``_MAX_NAMES`` entries (then started again).
        self.names: dict[tuple[int, str | None, str | None], tuple[Any, tuple[Any, ...]]] = {}

    @staticmethod
    def _prefix(module: str | None, prefixes: Sequence[str]) -> bool:
        return bool(module) and any(module == p or module.startswith(p + ".") for p in prefixes)  # type: ignore[union-attr]

    @staticmethod
    def _under(path: str, root: str) -> bool:
        return path == root or path.startswith(root.rstrip(os.sep) + os.sep)

    def __call__(self, module: str | None, abs_path: str) -> bool:
        key = (module, abs_path)
        found = self._cache.get(key)
        if found is None:
            if len(self._cache) > 4096:
                self._cache.clear()
            found = self._cache[key] = self._decide(module, abs_path)
        return found

    def _decide(self, module: str | None, abs_path: str) -> bool:
        if self._prefix(module, self.exclude):
            return False
        if self._prefix(module, self.include):
            return True
        if is_pseudo_file(abs_path):
            return False
        parts = abs_path.split(os.sep)
        if "site-packages" in parts or "dist-packages" in parts:
            return False
        if any(self._under(abs_path, root) for root in self.stdlib):
            return False
        return self._under(abs_path, self.project_root)


def _short_filename(abs_path: str, module: str | None, project_root: str) -> str:
    """The path a reader recognises: relative to the project, else from the top-level package, else as is."""
    if is_pseudo_file(abs_path):
        return abs_path
    root = project_root.rstrip(os.sep) + os.sep
    if abs_path.startswith(root):
        return abs_path[len(root) :].replace(os.sep, "/")
    if module and module != "__main__":
        top = module.split(".")[0]
        marker = os.sep + top + os.sep
        index = abs_path.rfind(marker)
        if index >= 0:
            return abs_path[index + 1 :].replace(os.sep, "/")
        if os.path.basename(abs_path) == top + ".py":
            return top + ".py"
    return abs_path


def _names(frame: FrameType, code: CodeType, rules: InAppRules, qualified: str | None) -> tuple[Any, ...]:
    """A frame's file names, module, function and ``in_app``, with the cuts of its names; remembered
    across captures (in ``rules.names``) by code object, module and qualified name when nothing was
    cut and the file name is not relative (a relative one depends on the working directory)."""
    module = _module_name(frame)
    shared = (id(code), module, qualified)
    found = rules.names.get(shared)
    if found is not None and found[0]() is code:
        return found[1]
    filename = code.co_filename if type(code.co_filename) is str else "<unknown>"
    abs_path = filename
    if not (is_pseudo_file(filename) or filename.startswith(os.sep)):
        with contextlib.suppress(OSError):  # the working directory may be gone
            abs_path = os.path.abspath(filename)
    cuts: Meta = {}  # names cut to their bound (shared by the frames of a recursion: never changed)
    known = (
        bounded_name(_short_filename(abs_path, module, rules.project_root), cuts, "filename"),
        bounded_name(abs_path, cuts, "abs_path"),
        None if module is None else bounded_name(module, cuts, "module"),
        bounded_name(function_name(code, getattr(code, "co_qualname", qualified)), cuts, "function"),
        rules(module, abs_path),
        cuts,
    )
    if not cuts and abs_path is filename:
        with contextlib.suppress(TypeError):  # (a code object without weak references: not remembered)
            if len(rules.names) >= _MAX_NAMES:
                rules.names.clear()
            rules.names[shared] = (weakref.ref(code), known)
    return known


def describe(
    tb: TracebackType,
    rules: InAppRules,
    qualified: str | None = None,
    memo: dict[tuple[Any, ...], tuple[str, str, str | None, str, bool, Meta]] | None = None,
) -> FrameRecord:
    """The record of one traceback entry. ``lineno`` comes from the entry (``tb_lineno``), never the frame.

    ``qualified``: the qualified name where the interpreter has none (3.9/3.10: from executing).
    ``memo``: one capture's answers by code object and module globals (a recursion repeats them).
    """
    frame = tb.tb_frame
    code = frame.f_code
    key = (code, id(frame.f_globals), qualified)
    known = memo.get(key) if memo is not None else None
    if known is None:
        known = _names(frame, code, rules, qualified)
        if memo is not None:
            memo[key] = known
    lineno = tb.tb_lineno if type(tb.tb_lineno) is int else None
    record = FrameRecord(
        filename=known[0],
        abs_path=known[1],
        module=known[2],
        function=known[3],
        lineno=lineno,
        in_app=known[4],
        cuts=known[5],
    )
    position = code_position(code, tb.tb_lasti)
    if position is not None and position[0] == lineno:
        record.colno = position[2] + 1
        record.data = {"end_lineno": position[1], "end_colno": position[3] + 1}
    return record
