"""One frozen options object: defaults, ``FRAMECAP_*`` parsing and validation with clear errors.

Precedence: an explicit keyword argument, then ``FRAMECAP_<NAME>`` from the environment, then the
default. Every bad value raises :class:`~framecap.errors.ConfigError` naming the option, the
variable (when the value came from one), the value, and what is allowed.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Callable

from .errors import ConfigError

__all__ = ["ENV_PREFIX", "Options", "resolve_options"]

ENV_PREFIX = "FRAMECAP_"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class Options:
    """Every setting framecap reads. Build one with :func:`resolve_options`, not directly."""

    dsn: str | None = None
    transport: Any = None
    store: str | None = None
    max_inbox_events: int = 1000
    include_source_context: bool = True
    include_local_variables: bool = True
    context_lines: int = 5
    max_value_length: int = 1024
    max_depth: int = 5
    max_breadth: int = 50
    max_frames: int = 250
    max_exceptions: int = 50
    max_event_bytes: int = 1_000_000
    in_app_include: tuple[str, ...] = ()
    in_app_exclude: tuple[str, ...] = ()
    project_root: str | None = None
    environment: str | None = None
    release: str | None = None
    server_name: str | None = None
    before_send: Callable[..., Any] | None = None
    install_hooks: bool = True
    capture_keyboard_interrupt: bool = False
    shutdown_timeout: float = 2.0
    debug: bool = False
    send_default_pii: bool = False
    max_request_body_size: str = "medium"
    denylist: tuple[str, ...] = ()
    allowlist: tuple[str, ...] = ()
    scrub_values: bool = True
    trusted_proxies: tuple[str, ...] = ()
    max_breadcrumbs: int = 100
    include_expression_values: bool = True
    max_expression_values: int = 10
    max_expression_frames: int = 10
    expression_time_budget: float = 0.1
    state_dir: str | None = None
    max_queue_size: int = 100
    http_timeout: float = 5.0
    max_spool_events: int = 100
    max_spool_bytes: int = 10_000_000
    logging_integration: bool = True
    logging_event_level: int = 40
    logging_breadcrumb_level: int = 20
    asyncio_integration: bool = True
    # Filled in by resolve_options: where each explicitly set value came from (for messages).
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)


# name -> (kind, constraint). Kinds: bool, int, float, level, choice, str, list, callable, object.
_SPEC: dict[str, tuple[str, Any]] = {
    "dsn": ("str", None),
    "transport": ("object", None),
    "store": ("str", None),
    "max_inbox_events": ("int", (1, 10_000_000)),
    "include_source_context": ("bool", None),
    "include_local_variables": ("bool", None),
    "context_lines": ("int", (0, 100)),
    "max_value_length": ("int", (16, 1_000_000)),
    "max_depth": ("int", (1, 100)),
    "max_breadth": ("int", (1, 100_000)),
    "max_frames": ("int", (2, 100_000)),
    "max_exceptions": ("int", (1, 10_000)),
    "max_event_bytes": ("int", (10_000, 100_000_000)),
    "in_app_include": ("list", None),
    "in_app_exclude": ("list", None),
    "project_root": ("str", None),
    "environment": ("str", None),
    "release": ("str", None),
    "server_name": ("str", None),
    "before_send": ("callable", None),
    "install_hooks": ("bool", None),
    "capture_keyboard_interrupt": ("bool", None),
    "shutdown_timeout": ("float", (0.0, 3600.0)),
    "debug": ("bool", None),
    "send_default_pii": ("bool", None),
    "max_request_body_size": ("choice", ("never", "small", "medium", "always")),
    "denylist": ("list", None),
    "allowlist": ("list", None),
    "scrub_values": ("bool", None),
    "trusted_proxies": ("list", None),
    "max_breadcrumbs": ("int", (0, 1000)),
    "include_expression_values": ("bool", None),
    "max_expression_values": ("int", (0, 100)),
    "max_expression_frames": ("int", (0, 100_000)),
    "expression_time_budget": ("float", (0.0, 60.0)),
    "state_dir": ("str", None),
    "max_queue_size": ("int", (1, 100_000)),
    "http_timeout": ("float", (0.1, 300.0)),
    "max_spool_events": ("int", (0, 1_000_000)),
    "max_spool_bytes": ("int", (0, 10_000_000_000)),
    "logging_integration": ("bool", None),
    "logging_event_level": ("level", None),
    "logging_breadcrumb_level": ("level", None),
    "asyncio_integration": ("bool", None),
}
OPTION_NAMES = tuple(f.name for f in fields(Options) if f.name != "sources")
assert set(OPTION_NAMES) == set(_SPEC), "options and their spec must agree"


def _where(name: str, env_var: str | None) -> str:
    return f"option {name!r}" + (f" (from environment variable {env_var})" if env_var else "")


def _fail(name: str, env_var: str | None, value: Any, allowed: str) -> ConfigError:
    shown = repr(value)
    if len(shown) > 200:
        shown = shown[:197] + "..."
    return ConfigError(f"framecap: {_where(name, env_var)} has the value {shown}; allowed: {allowed}")


def _convert(name: str, value: Any, env_var: str | None) -> Any:
    kind, limits = _SPEC[name]
    from_env = env_var is not None
    if value is None and kind not in ("bool", "int", "float"):
        return None
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if from_env and isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        allowed = "1/0/true/false/yes/no/on/off (any case)" if from_env else "True or False"
        raise _fail(name, env_var, value, allowed)
    if kind in ("int", "float"):
        lo, hi = limits
        allowed = f"{'an integer' if kind == 'int' else 'a number'} from {lo} to {hi}"
        number: Any = value
        if from_env and isinstance(value, str):
            try:
                number = int(value.strip()) if kind == "int" else float(value.strip())
            except ValueError:
                raise _fail(name, env_var, value, allowed) from None
        if isinstance(number, bool) or not isinstance(number, (int, float) if kind == "float" else int):
            raise _fail(name, env_var, value, allowed)
        if not (lo <= number <= hi) or number != number:
            raise _fail(name, env_var, value, allowed)
        return float(number) if kind == "float" else number
    if kind == "level":
        names = {
            "CRITICAL": 50,
            "FATAL": 50,
            "ERROR": 40,
            "WARNING": 30,
            "WARN": 30,
            "INFO": 20,
            "DEBUG": 10,
            "NOTSET": 0,
        }
        allowed = "a logging level: a name (DEBUG, INFO, WARNING, ERROR, CRITICAL) or a number from 0 to 100"
        if isinstance(value, str):
            text = value.strip().upper()
            if text in names:
                return names[text]
            if text.isdigit() and 0 <= int(text) <= 100:
                return int(text)
            raise _fail(name, env_var, value, allowed)
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 100:
            return value
        raise _fail(name, env_var, value, allowed)
    if kind == "choice":
        chosen = value.strip().lower() if isinstance(value, str) else value
        if chosen not in limits:
            raise _fail(name, env_var, value, " / ".join(repr(c) for c in limits))
        return chosen
    if kind == "str":
        if not isinstance(value, (str, os.PathLike)):
            raise _fail(name, env_var, value, "a string")
        return os.fspath(value)
    if kind == "list":
        if isinstance(value, str):
            items = [part.strip() for part in value.split(",")]
        elif isinstance(value, (list, tuple, set, frozenset)):
            items = list(value)
        else:
            raise _fail(name, env_var, value, "a list of strings, or one comma-separated string")
        if not all(isinstance(item, str) for item in items):
            raise _fail(name, env_var, value, "a list of strings, or one comma-separated string")
        return tuple(item for item in items if item)
    if kind == "callable":
        if from_env:
            raise _fail(
                name, env_var, value, "a Python callable, passed as an argument; not settable from the environment"
            )
        if not callable(value):
            raise _fail(name, env_var, value, "a callable or None")
        return value
    # object: transport
    if from_env:
        raise _fail(
            name,
            env_var,
            value,
            "a transport object or callable, passed as an argument; not settable from the environment",
        )
    if not (callable(value) or callable(getattr(value, "send", None))):
        raise _fail(
            name, env_var, value, "an object with send(event), flush(timeout) and close(), or a callable f(event)"
        )
    return value


def _unknown(name: str, env_var: str | None) -> ConfigError:
    close = difflib.get_close_matches(name, OPTION_NAMES, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else "."
    where = f"environment variable {env_var}" if env_var else f"option {name!r}"
    return ConfigError(f"framecap: unknown {where}{hint} Known options: {', '.join(OPTION_NAMES)}")


def resolve_options(kwargs: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> Options:
    """Merge keyword arguments over ``FRAMECAP_*`` variables over defaults, validating each value.

    An empty environment variable counts as unset. Unknown names, from either side, are errors.
    """
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for key, raw in env.items():
        if not key.startswith(ENV_PREFIX) or raw == "":
            continue
        name = key[len(ENV_PREFIX) :].lower()
        if name not in _SPEC:
            raise _unknown(name, key)
        if name in kwargs:
            continue
        values[name] = _convert(name, raw, key)
        sources[name] = key
    for name, value in kwargs.items():
        if name not in _SPEC:
            raise _unknown(name, None)
        values[name] = _convert(name, value, None)
        sources[name] = "argument"
    return Options(**values, sources=sources)
