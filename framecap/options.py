"""One frozen options object, each option declared once: default, type, kind, documentation.

Precedence: an explicit keyword argument, then ``FRAMECAP_<NAME>`` from the environment, then the
default. A bad value raises :class:`~framecap.errors.ConfigError` naming the option, the variable
(when the value came from one), the value and what is allowed. An unknown keyword argument is a
``ConfigError`` too; an unknown ``FRAMECAP_*`` variable only warns (once per process), so that a typo
in a deployment's environment never stops the program from starting.

Each field's metadata holds its *kind* (one small parser per kind, below) and its documentation;
:func:`options_table` renders the README's table from them.
"""

from __future__ import annotations

import difflib
import logging
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Callable, Literal, Optional

from ._types import Event, Hint
from .errors import ConfigError
from .option_kinds import Bool, Choice, Function, Invalid, Kind, Level, Names, Networks, Number, Rules, Text, Transport

__all__ = ["ENV_PREFIX", "OPTION_NAMES", "BeforeSend", "Options", "options_table", "resolve_options"]

ENV_PREFIX = "FRAMECAP_"
logger = logging.getLogger("framecap")

#: ``before_send(event, hint)``: return the event (changed or not) to send it, ``None`` to drop it.
BeforeSend = Callable[[Event, Hint], Optional[Event]]
BodySize = Literal["never", "small", "medium", "always"]


def _option(default: Any, kind: Kind, doc: str, shown: str = "") -> Any:
    """Declare an option: its default, its kind (parser) and one line of documentation.

    ``shown`` replaces the default in the README when the default is computed at run time.
    """
    return field(default=default, metadata={"kind": kind, "doc": doc, "shown": shown})


_BOOL = Bool()
_TEXT = Text()
_NAMES = Names()
_LEVEL = Level()
_XDG = "$XDG_STATE_HOME/framecap"


@dataclass(frozen=True)
class Options:
    """Every setting framecap reads. Build one with :func:`resolve_options`, not directly."""

    # -- what an event holds
    include_source_context: bool = _option(True, _BOOL, "source lines around each frame's line")
    include_local_variables: bool = _option(True, _BOOL, "each frame's local variables")
    context_lines: int = _option(5, Number(int, 0, 100, "lines"), "source lines before and after")
    max_value_length: int = _option(1024, Number(int, 16, 1_000_000, "characters"), "per string, source line or repr")
    max_depth: int = _option(5, Number(int, 1, 100), "levels of nested containers")
    max_breadth: int = _option(50, Number(int, 1, 100_000), "items per container, and locals per frame")
    max_frames: int = _option(
        250, Number(int, 2, 100_000), "frames per exception, outermost and innermost kept (Sentry keeps 250)"
    )
    max_exceptions: int = _option(50, Number(int, 1, 10_000), "exceptions per event (chain and group members)")
    max_event_bytes: int = _option(
        1_000_000, Number(int, 10_000, 100_000_000, "bytes"), "of encoded event (Sentry's limit is 1 MB)"
    )
    in_app_include: tuple[str, ...] = _option((), _NAMES, "module prefixes that are in-app (dotted boundaries)")
    in_app_exclude: tuple[str, ...] = _option((), _NAMES, "module prefixes that are not in-app")
    project_root: str | None = _option(None, _TEXT, "files under it are in-app", "the working directory at init()")
    environment: str | None = _option(None, _TEXT, "sent as the event's `environment`")
    release: str | None = _option(None, _TEXT, "sent as the event's `release`")
    server_name: str | None = _option(None, _TEXT, "sent as the event's `server_name` (not filled in by default)")
    attach_stacktrace: bool = _option(
        False,
        _BOOL,
        "message events (`capture_message`, log records) carry the caller's stack, with source and variables",
    )
    # -- expression values
    include_expression_values: bool = _option(
        True, _BOOL, "values of the failing statement's pure sub-expressions (needs `include_local_variables`)"
    )
    max_expression_values: int = _option(10, Number(int, 0, 100), "expression values per frame")
    max_expression_frames: int = _option(
        3,
        Number(int, 0, 100_000),
        "frames analysed for the failing expression and its values: in-app frames nearest the error first, "
        "then library frames",
    )
    expression_time_budget: float = _option(
        0.1,
        Number(float, 0.0, 60.0, "seconds"),
        "per event for that analysis, in the capturing thread's CPU time (wall time at most 5 times it)",
    )
    # -- privacy
    send_default_pii: bool = _option(False, _BOOL, "send headers, cookies, the user's IP and framework users")
    max_request_body_size: BodySize = _option(
        "medium",
        Choice("never", "small", "medium", "always"),
        "request bodies sent: `never`, `small` (1,000 bytes), `medium` (10,000), `always` (up to `max_event_bytes`)",
    )
    denylist: tuple[str, ...] = _option(
        (), _NAMES, "more sensitive names (any value under them filtered), matched like the defaults"
    )
    allowlist: tuple[str, ...] = _option((), _NAMES, "names exempt from the name rules (exact, after normalizing)")
    scrub_values: bool = _option(True, _BOOL, "the value rules (off: only sensitive names are filtered)")
    secret_rules: tuple[Any, ...] = _option(
        (), Rules(), "more value rules: secrets recognised by their shape (see Privacy)", "none"
    )
    trusted_proxies: tuple[str, ...] = _option(
        (), Networks(), "proxies whose `X-Forwarded-For`/`-Proto`/`-Host` are believed (`10.0.0.0/8`)"
    )
    max_breadcrumbs: int = _option(100, Number(int, 0, 1000), "newest breadcrumbs sent with each event")
    # -- where events go
    dsn: str | None = _option(
        None, _TEXT, "`http[s]://PUBLIC_KEY@HOST[:PORT]/[PATH/]PROJECT_ID`: send to that server", "unset"
    )
    transport: Any = _option(None, Transport(), "where events go instead", "the inbox")
    before_send: BeforeSend | None = _option(None, Function(), "`before_send(event, hint)` sees every event last")
    store: str | None = _option(None, _TEXT, "the local inbox (SQLite)", f"`{_XDG}/events.db`")
    max_inbox_events: int = _option(1000, Number(int, 1, 10_000_000), "events kept in the inbox (oldest dropped)")
    state_dir: str | None = _option(None, _TEXT, "where the spool of undelivered events lives", f"`{_XDG}`")
    max_queue_size: int = _option(100, Number(int, 1, 100_000), "events in memory, not yet on disk (past it: dropped)")
    http_timeout: float = _option(5.0, Number(float, 0.1, 300.0, "seconds"), "deadline for one whole request")
    max_spool_events: int = _option(100, Number(int, 0, 1_000_000), "events on disk per DSN (0: no spool)")
    max_spool_bytes: int = _option(10_000_000, Number(int, 0, 10_000_000_000), "bytes on disk per DSN")
    # -- the process
    install_hooks: bool = _option(True, _BOOL, "install `sys.excepthook`, `threading.excepthook`, `sys.unraisablehook`")
    capture_keyboard_interrupt: bool = _option(False, _BOOL, "report `KeyboardInterrupt` from the excepthook")
    shutdown_timeout: float = _option(2.0, Number(float, 0.0, 3600.0, "seconds"), "at exit, to flush pending events")
    debug: bool = _option(False, _BOOL, "log internal errors at WARNING on the `framecap` logger")
    logging_integration: bool = _option(True, _BOOL, "log records become events and breadcrumbs")
    logging_event_level: int | None = _option(40, _LEVEL, "records at or above it become events", "`ERROR`")
    logging_breadcrumb_level: int | None = _option(20, _LEVEL, "records at or above it become breadcrumbs", "`INFO`")
    asyncio_integration: bool = _option(
        True, _BOOL, "what asyncio reports to a loop's exception handler becomes an event"
    )
    otel_record_exception: bool = _option(
        False, _BOOL, "also record captured exceptions on the active OpenTelemetry span, with the event id"
    )
    # Filled in by resolve_options: where each explicitly set value came from (for messages). Not an option.
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)


_DECLARED = {f.name: f for f in fields(Options) if "kind" in f.metadata}
OPTION_NAMES: tuple[str, ...] = tuple(_DECLARED)
_warned: set[str] = set()  # unknown variables already warned about: the environment is the process's
_warned_lock = threading.Lock()


def _convert(name: str, value: Any, env_var: str | None) -> Any:
    kind: Kind = _DECLARED[name].metadata["kind"]
    if env_var is not None and not kind.from_env:
        allowed = f"{kind.allowed.split(' (')[0]}, passed as an argument; not settable from the environment"
        raise _fail(name, env_var, value, allowed)
    try:
        return kind.parse(value, env_var is not None)
    except Invalid as invalid:
        raise _fail(name, env_var, value, invalid.allowed) from None


def _fail(name: str, env_var: str | None, value: Any, allowed: str) -> ConfigError:
    shown = repr(value)
    if len(shown) > 200:
        shown = shown[:197] + "..."
    where = f"option {name!r}" + (f" (from environment variable {env_var})" if env_var else "")
    return ConfigError(f"framecap: {where} has the value {shown}; allowed: {allowed}")


def _closest(name: str) -> str | None:
    close = difflib.get_close_matches(name, OPTION_NAMES, n=1)
    return close[0] if close else None


def _warn_unknown_variable(variable: str) -> None:
    with _warned_lock:
        if variable in _warned:
            return
        _warned.add(variable)
    close = _closest(variable[len(ENV_PREFIX) :].lower())
    hint = f"; did you mean {ENV_PREFIX}{close.upper()}?" if close else ""
    logger.warning("framecap: ignoring unknown environment variable %s%s", variable, hint)


def resolve_options(kwargs: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> Options:
    """Merge keyword arguments over ``FRAMECAP_*`` variables over defaults, validating each value.

    An empty environment variable counts as unset. An unknown argument is a ``ConfigError``; an
    unknown variable is a warning on the ``framecap`` logger, once per process.
    """
    env = os.environ if environ is None else environ
    for name in kwargs:
        if name not in _DECLARED:
            close = _closest(name)
            hint = f"; did you mean {close!r}?" if close else "."
            raise ConfigError(f"framecap: unknown option {name!r}{hint} Known options: {', '.join(OPTION_NAMES)}")
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for key, raw in env.items():
        if not key.startswith(ENV_PREFIX) or raw == "":
            continue
        name = key[len(ENV_PREFIX) :].lower()
        if name not in _DECLARED:
            _warn_unknown_variable(key)
        elif name not in kwargs:
            values[name] = _convert(name, raw, key)
            sources[name] = key
    for name, value in kwargs.items():
        values[name] = _convert(name, value, None)
        sources[name] = "argument"
    return Options(**values, sources=sources)


def options_table() -> str:
    """The README's options table, rendered from the declarations (a test keeps the README in step)."""
    rows = ["| option | default | what it sets; allowed |", "|---|---|---|"]
    for name, declared in _DECLARED.items():
        kind: Kind = declared.metadata["kind"]
        default = declared.metadata["shown"]
        if not default:
            value = declared.default
            default = "empty" if value == () else "unset" if value is None else f"`{value!r}`".replace("'", '"')
        rows.append(f"| `{name}` | {default} | {declared.metadata['doc']}; {kind.allowed} |")
    return "\n".join(rows)
