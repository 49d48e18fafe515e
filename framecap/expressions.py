"""The failing expression of each frame, and the values that explain it (executing and pure_eval).

The stage's face; its parts are :mod:`framecap.expr_source` (which lines to parse),
:mod:`framecap.expr_verify` (is it the code that ran), :mod:`framecap.expr_node` (the failing node),
:mod:`framecap.expr_order` (what had run when it failed), :mod:`framecap.expr_plan` (what to show
for one failing instruction, cached), :mod:`framecap.expr_eval` (pure_eval behind a cost gate) and
:mod:`framecap.expr_budget` (the time budget), and :mod:`framecap.expr_qualname` (qualified names
before 3.11). :func:`analyze_frames` picks the frames (in-app nearest the error first), spends at
most the time budget on them, and returns plain results; frames and tracebacks are read during the
call and never kept.

Every failure is contained: a frame that can't be analysed gets less (no position, no values) and
a message saying why, never an exception.
"""

from __future__ import annotations

import ast
import contextlib
import logging
import re
import sys
import threading
import types
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import FrameType, TracebackType
from typing import Any, Callable, TypeVar

from .expr_qualname import clear_qualnames, code_qualname, qualnames_size, safe_lines

__all__ = [
    "Analysis",
    "analyze_frames",
    "cache_size",
    "clear_caches",
    "code_qualname",
    "line_names",
    "preload",
    "statement_names",
]

logger = logging.getLogger("framecap")
_HAS_POSITIONS = sys.version_info >= (3, 11)
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NAMES_BUDGET = 0.05  # seconds for the statement of a module frame outside the analysed ones
K = TypeVar("K", bound=Hashable)
LinesReader = Callable[[str, "Mapping[str, Any] | None"], Sequence[str]]


@dataclass
class Analysis:
    """Plain results for one traceback entry."""

    #: ``(lineno, colno, end_lineno, end_colno)`` of the failing node, 1-based columns, in characters.
    position: tuple[int, int, int, int] | None = None
    #: ``(source text, value)`` pairs, nearest the failing node first.
    values: list[tuple[str, Any]] = field(default_factory=list)
    #: Names the failing statement uses (for module frames), or None when unknown.
    names: set[str] | None = None
    #: Why part of the analysis is missing, if it is (goes to the frame's ``data.expressions``).
    error: str | None = None
    #: The source on disk is not what ran: positions from the interpreter must not be shown either.
    source_changed: bool = False


class _Stage:
    """The stage's parts, imported on first use (executing and pure_eval take a while to import),
    and the plan cache. Module-level state on purpose: plans depend only on code objects (shared by
    every client) and the cache is bounded in count and bytes."""

    parts: Any = None
    lock = threading.Lock()


def _parts() -> Any:
    parts = _Stage.parts
    if parts is None:
        with _Stage.lock:
            if _Stage.parts is None:
                import executing.executing  # noqa: F401

                from . import expr_eval, expr_plan, expr_source

                _Stage.parts = types.SimpleNamespace(
                    eval=expr_eval, plan=expr_plan, source=expr_source, cache=expr_plan.PlanCache()
                )
            parts = _Stage.parts
    return parts


def preload(full: bool = True) -> None:
    """Import what the first analysis needs, e.g. when a client starts: with ``full``, executing and
    pure_eval too (for expression values, and positions before 3.11)."""
    if full:
        _parts()
    else:
        from . import expr_budget, expr_order, expr_source  # noqa: F401


def cache_size() -> dict[str, int]:
    """What framecap's expression caches keep: plans and their estimated bytes, qualified names."""
    plans, plan_bytes = _parts().cache.size()
    names, name_bytes = qualnames_size()
    from .expr_source import imports_size

    return {
        "plans": plans,
        "plan_bytes": plan_bytes,
        "qualnames": names,
        "qualname_bytes": name_bytes,
        "import_names_bytes": imports_size(),
    }


def clear_caches() -> None:
    """Forget every plan and qualified name (tests, or to release memory)."""
    _parts().cache.clear()
    clear_qualnames()


def line_names(context_line: str | None) -> set[str]:
    """The identifiers on a source line: the fallback when the statement can't be found."""
    return set(_IDENTIFIER.findall(context_line or ""))


def _plan(
    parts: Any, frame: FrameType, tb: TracebackType, lines: Sequence[str], check: Callable[[], None], fragments: Any
) -> Any:
    code, lasti = frame.f_code, tb.tb_lasti
    plan = parts.cache.get(code, lasti)
    if plan is None or not plan.fresh(lines):
        plan = parts.plan.make_plan(frame, lasti, tb.tb_lineno, lines, check, fragments)
        parts.cache.put(code, lasti, plan)
    return plan


def _evaluate(
    parts: Any, frame: FrameType, plan: Any, max_values: int, budget: Any
) -> tuple[list[tuple[str, Any]], str | None]:
    tools = parts.eval
    values: list[tuple[str, Any]] = []
    evaluator = tools.GatedEvaluator(tools.FrameNames(frame, plan.local_names), budget)
    for text, node in plan.candidates:
        if len(values) >= max_values:
            break
        try:
            value = evaluator[node]
        except tools.CannotEval:
            continue
        except tools.OutOfTime:
            return values, "stopped: time budget"
        except Exception as error:
            return values, f"pure_eval failed: {type(error).__name__}"
        if tools.interesting(node, value):
            values.append((text, value))
    return values, None


def _analyze_one(
    parts: Any,
    tb: TracebackType,
    with_values: bool,
    max_values: int,
    lines_of: LinesReader,
    budget: Any,
    fragments: dict[int, Any] | None = None,
) -> Analysis:
    frame = tb.tb_frame
    code = frame.f_code
    if parts.source.code_kind(code) == "other":
        return Analysis()
    lines = lines_of(code.co_filename, frame.f_globals)
    if not lines:
        return Analysis()
    try:
        budget.check()
        plan = _plan(parts, frame, tb, lines, budget.check, fragments)
    except parts.eval.OutOfTime:
        return Analysis(error="stopped: time budget")
    result = Analysis(
        position=plan.position,
        names=set(plan.names) if plan.names is not None else None,
        error=plan.status,
        source_changed=plan.source_changed,
    )
    if with_values and plan.candidates and max_values > 0:
        result.values, error = _evaluate(parts, frame, plan, max_values, budget)
        result.error = result.error or error
    return result


def analyze_frames(
    entries: Iterable[tuple[K, TracebackType, bool]],
    *,
    with_values: bool,
    max_values: int,
    max_frames: int,
    time_budget: float,
    lines: LinesReader,
    clock: Callable[[], float] | None = None,
) -> dict[K, Analysis]:
    """Analyse up to ``max_frames`` of ``entries`` (``(key, traceback entry, in_app)``, nearest the
    error first): in-app ones first, then library ones, while ``time_budget`` seconds last.

    Without ``with_values``, frames get only the failing node's position (on 3.11+ the interpreter
    gives it, so nothing is parsed, except for module frames, whose statement's names are needed).
    Frames passed over for lack of time say so in their ``error``; the budget is also checked
    inside each frame's work (parsing the fragment, finding the node, evaluating).
    """
    results: dict[K, Analysis] = {}
    if max_frames <= 0:
        return results
    in_app: list[tuple[K, TracebackType, bool]] = []
    library: list[tuple[K, TracebackType, bool]] = []
    for entry in entries:  # read only as far as needed (a RecursionError has hundreds of frames)
        if entry[2]:
            in_app.append(entry)
            if len(in_app) >= max_frames:
                break
        elif len(library) < max_frames:
            library.append(entry)
    chosen = (in_app + library)[:max_frames]
    if not chosen:
        return results
    from .expr_budget import Budget

    light = not with_values and _HAS_POSITIONS  # only module frames' names: no executing, no pure_eval
    parts = None if light else _parts()  # imported once per process, before the budget starts
    budget = Budget(time_budget) if clock is None else Budget(time_budget, clock, clock)
    fragments: dict[int, Any] = {}  # parsed functions, for several frames of one (recursion); this call only
    for key, tb, _ in chosen:
        if budget.spent():
            results[key] = Analysis(error="skipped: time budget")
            continue
        try:
            if parts is None:
                results[key] = _names_only(tb, lines, budget)
            else:
                results[key] = _analyze_one(parts, tb, with_values, max_values, lines, budget, fragments)
        except Exception as error:  # a bug of ours costs this frame's analysis, never the event
            results[key] = Analysis(error=f"analysis failed: {type(error).__name__}")
            with contextlib.suppress(Exception):
                logger.debug("framecap: expression analysis failed", exc_info=error)
    return results


def statement_names(tb: TracebackType, context_line: str | None) -> set[str]:
    """Names used by the statement running at ``tb`` (for a module frame's variables); the
    identifiers on ``context_line`` when unknown."""
    from .expr_budget import Budget

    try:
        found = _names_only(tb, lambda name, _: safe_lines(name), Budget(_NAMES_BUDGET))
        if found.names:
            return found.names
    except Exception:
        pass
    return line_names(context_line)


def _names_only(tb: TracebackType, lines_of: LinesReader, budget: Any) -> Analysis:
    """For a module frame: the names its statement(s) at the failing line use, from that statement
    parsed alone (names only pick which globals to show: nothing is evaluated)."""
    from .expr_budget import OutOfTime
    from .expr_order import statement_of
    from .expr_source import code_kind, instruction_lines, module_statement

    code = tb.tb_frame.f_code
    if code_kind(code) != "module":
        return Analysis()
    lines = lines_of(code.co_filename, tb.tb_frame.f_globals)
    if not lines:
        return Analysis()
    first, last = instruction_lines(code, tb.tb_lasti, tb.tb_lineno)
    try:
        fragment = module_statement(code.co_filename, lines, first, last, budget.check)
    except OutOfTime:
        return Analysis(error="stopped: time budget")
    if fragment is None:
        return Analysis()
    statements = [s for s in {statement_of(node) for node in fragment.by_line.get(tb.tb_lineno, ())} if s is not None]
    return Analysis(names={n.id for s in statements for n in ast.walk(s) if isinstance(n, ast.Name)})
