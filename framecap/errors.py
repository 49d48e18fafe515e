"""The one exception framecap raises at its users: bad configuration."""

from __future__ import annotations

__all__ = ["ConfigError"]


class ConfigError(ValueError):
    """An option, or the ``FRAMECAP_*`` variable behind it, has a value framecap cannot use.

    The message names the option (and the variable, when the value came from one),
    the value, and what is allowed.
    """
