"""The kinds of option values: one small parser each, turning an argument or a ``FRAMECAP_*`` string
into the option's value, or raising :class:`Invalid` with what is allowed.

:mod:`framecap.options` declares each option with its kind and turns ``Invalid`` into a
:class:`~framecap.errors.ConfigError` naming the option, the variable and the value.
"""

from __future__ import annotations

import ipaddress
import os
import re
from typing import Any

__all__ = [
    "Bool",
    "Choice",
    "Function",
    "Invalid",
    "Kind",
    "Level",
    "Names",
    "Networks",
    "Number",
    "Rules",
    "Text",
    "Transport",
]


class Invalid(Exception):
    """Raised by a kind's parser; the caller turns it into a ConfigError naming the option."""

    def __init__(self, allowed: str) -> None:
        super().__init__(allowed)
        self.allowed = allowed


# -- kinds: one parser each ---------------------------------------------------------------------


class Kind:
    """Turns an argument or an environment string into the option's value, or raises ``Invalid``."""

    #: What the README's table says is allowed.
    allowed = ""
    #: Whether a ``FRAMECAP_*`` variable can set it.
    from_env = True

    def parse(self, value: Any, from_env: bool) -> Any:
        raise NotImplementedError


class Bool(Kind):
    _TRUE = frozenset({"1", "true", "yes", "on"})
    _FALSE = frozenset({"0", "false", "no", "off"})
    allowed = "bool"

    def parse(self, value: Any, from_env: bool) -> Any:
        if isinstance(value, bool):
            return value
        text = value.strip().lower() if from_env and isinstance(value, str) else None
        if text in self._TRUE or text in self._FALSE:
            return text in self._TRUE
        raise Invalid("1/0/true/false/yes/no/on/off (any case)" if from_env else "True or False")


class Number(Kind):
    def __init__(self, kind: type, low: float, high: float, unit: str = "") -> None:
        self.kind, self.low, self.high = kind, low, high
        shown = "{:,}" if kind is int else "{:,g}"
        self.allowed = f"{shown.format(low)} to {shown.format(high)}{' ' + unit if unit else ''}"

    def parse(self, value: Any, from_env: bool) -> Any:
        noun = "an integer" if self.kind is int else "a number"
        allowed = f"{noun} from {self.low} to {self.high}"
        number = value
        if from_env and isinstance(value, str):
            text = value.strip()
            if not text.isascii() or "_" in text:  # int() reads ``٥`` and ``5_0``: a typo, not a number
                raise Invalid(allowed)
            try:
                number = self.kind(text)
            except ValueError:
                raise Invalid(allowed) from None
        accepted = (int,) if self.kind is int else (int, float)
        if isinstance(number, bool) or not isinstance(number, accepted):
            raise Invalid(allowed)
        if number != number or not self.low <= number <= self.high:
            raise Invalid(allowed)
        return self.kind(number)


class Level(Kind):
    _NAMES = {"CRITICAL": 50, "FATAL": 50, "ERROR": 40, "WARNING": 30, "WARN": 30, "INFO": 20, "DEBUG": 10, "NOTSET": 0}
    allowed = "a level name or number (0 to 100); `None`/`off` disables"

    def parse(self, value: Any, from_env: bool) -> Any:
        allowed = "a logging level: a name (DEBUG, INFO, WARNING, ERROR, CRITICAL), a number from 0 to 100, or off"
        if value is None:
            return None
        if isinstance(value, str):
            text = value.strip().upper()
            if text in ("OFF", "NONE"):
                return None
            if text in self._NAMES:
                return self._NAMES[text]
            if text.isdigit() and 0 <= int(text) <= 100:
                return int(text)
            raise Invalid(allowed)
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 100:
            return value
        raise Invalid(allowed)


class Choice(Kind):
    def __init__(self, *choices: str) -> None:
        self.choices = choices
        self.allowed = "one of " + ", ".join(f"`{c}`" for c in choices)

    def parse(self, value: Any, from_env: bool) -> Any:
        chosen = value.strip().lower() if isinstance(value, str) else value
        if chosen not in self.choices:
            raise Invalid(" / ".join(repr(c) for c in self.choices))
        return chosen


class Text(Kind):
    allowed = "a string"

    def parse(self, value: Any, from_env: bool) -> Any:
        if value is None:
            return None
        if not isinstance(value, (str, os.PathLike)):
            raise Invalid("a string")
        return os.fspath(value)


class Names(Kind):
    """A list of strings, or one comma-separated string."""

    allowed = "strings (comma-separated in the environment)"

    def parse(self, value: Any, from_env: bool) -> Any:
        allowed = "a list of strings, or one comma-separated string"
        if value is None:
            return ()
        if isinstance(value, str):
            items = [part.strip() for part in value.split(",")]
        elif isinstance(value, (list, tuple, set, frozenset)):
            items = list(value)
        else:
            raise Invalid(allowed)
        if not all(isinstance(item, str) for item in items):
            raise Invalid(allowed)
        return tuple(item.strip() for item in items if item.strip())


class Networks(Names):
    """Addresses or networks (``10.0.0.0/8``, ``::1``)."""

    allowed = "IP addresses or networks (comma-separated in the environment)"

    def parse(self, value: Any, from_env: bool) -> Any:
        items = super().parse(value, from_env)
        for item in items:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise Invalid(f"IP addresses or networks such as 10.0.0.0/8 or ::1; {item!r} is neither") from None
        return items


class Function(Kind):
    allowed = "a callable (argument only)"
    from_env = False

    def parse(self, value: Any, from_env: bool) -> Any:
        if value is not None and not callable(value):
            raise Invalid("a callable or None")
        return value


class Rules(Kind):
    """Value rules added to framecap's table: regular expressions, or ``framecap.secrets.Rule``s."""

    allowed = "regular expressions or `framecap.secrets.Rule`s (argument only)"
    from_env = False

    def parse(self, value: Any, from_env: bool) -> Any:
        allowed = "a list of regular expressions (strings or compiled) or framecap.secrets.Rule objects"
        if value is None:
            return ()
        if isinstance(value, (str, re.Pattern)) or not isinstance(value, (list, tuple)):
            raise Invalid(allowed)
        for item in value:
            if isinstance(item, (str, re.Pattern)):
                pattern = item if isinstance(item, str) else item.pattern
            elif isinstance(getattr(item, "id", None), str) and isinstance(getattr(item, "pattern", None), str):
                pattern = item.pattern  # a framecap.secrets.Rule
            else:
                raise Invalid(allowed)
            if not isinstance(pattern, str):
                raise Invalid(allowed)
            try:
                re.compile(pattern, getattr(item, "flags", 0) if not isinstance(item, re.Pattern) else item.flags)
            except re.error as error:
                raise Invalid(f"{allowed}; {pattern!r} is not a valid regular expression ({error})") from None
        return tuple(value)


class Transport(Kind):
    allowed = "a transport or a callable `f(event)` (argument only)"
    from_env = False

    def parse(self, value: Any, from_env: bool) -> Any:
        if value is not None and not (callable(value) or callable(getattr(value, "send", None))):
            raise Invalid("an object with send(event), flush(timeout) and close(), or a callable f(event)")
        return value
