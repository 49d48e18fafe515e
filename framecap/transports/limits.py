"""How long to wait: the server's rate limits, read from a response, and the floors framecap puts under them.

Every wait has a floor: a 429 that says "retry now" (``Retry-After: 0``, a date in the past, a
negative number, ``X-Sentry-Rate-Limits: 0:...``) still waits ``floor`` seconds, doubling with each
429 in a row up to ``cap``; connection errors and 5xx back off the same way, with up to +50% jitter
(never below the floor). So no answer a server gives can make the worker send in a loop.
"""

from __future__ import annotations

import email.utils
import time
from typing import Callable

__all__ = ["Backoff", "Policy", "parse_rate_limits"]

_DEFAULT_429 = 60.0  # a 429 without a usable Retry-After: what Sentry's SDKs wait


def _seconds(text: str, wall: float) -> float | None:
    try:
        return float(text)
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:
        return None
    try:
        return parsed.timestamp() - wall
    except (OverflowError, ValueError):
        return None


def parse_rate_limits(
    header: str | None, retry_after: str | None, status: int, now: float, wall: float | None = None
) -> dict[str, float]:
    """``{category: until}`` (on the ``now`` clock; ``""`` means every category) from a response.

    The server's word, never negative; the floors are :class:`Backoff`'s job.
    """
    wall = time.time() if wall is None else wall
    limits: dict[str, float] = {}
    if header:
        for entry in header.split(",")[:100]:
            fields = entry.strip().split(":")
            try:
                seconds = max(0.0, float(fields[0]))
            except ValueError:
                continue
            if seconds != seconds or seconds == float("inf"):  # nan, inf: not a number of seconds we can use
                seconds = _DEFAULT_429
            categories = [c.strip() for c in fields[1].split(";")] if len(fields) > 1 else [""]
            for category in categories[:100] or [""]:
                limits[category] = max(limits.get(category, 0.0), now + seconds)
    elif status == 429:
        given = _seconds(retry_after, wall) if retry_after else None
        if given is None or given != given or given == float("inf"):
            given = _DEFAULT_429
        limits[""] = now + max(0.0, given)
    return limits


class Backoff:
    """Consecutive failures -> the next wait: ``floor`` doubling up to ``cap``, jittered upwards only."""

    def __init__(self, floor: float = 1.0, cap: float = 30.0, jitter: Callable[[], float] | None = None) -> None:
        import random

        self.floor = max(floor, 1e-3)
        self.cap = max(cap, self.floor)
        self.jitter = jitter or random.random  # in [0, 1): the share of +50% to add
        self.failures = 0

    def fail(self) -> float:
        """Count one more failure; returns the wait before the next attempt."""
        self.failures += 1
        base = min(self.cap, self.floor * 2.0 ** min(self.failures - 1, 32))
        return base * (1.0 + 0.5 * min(max(self.jitter(), 0.0), 1.0))

    def at_least(self, wait: float) -> float:
        """A server-given wait, raised to this failure count's floor (counting one more failure)."""
        self.failures += 1
        return max(wait, min(self.cap, self.floor * 2.0 ** min(self.failures - 1, 32)))

    def reset(self) -> None:
        self.failures = 0


class Policy:
    """The retry policy over answers: when the next send may go, per rate-limit category.

    :meth:`answer` reads one answer and says ``sent``, ``limited`` (429: keep it, wait), ``retry``
    (no answer, 5xx: back off) or ``refused`` (any other status: drop it).
    """

    def __init__(self, backoff: tuple[float, float] = (1.0, 30.0), jitter: Callable[[], float] | None = None) -> None:
        self.errors = Backoff(*backoff, jitter=jitter)
        self.limited = Backoff(backoff[0], max(60.0, backoff[1]), jitter=lambda: 0.0)
        self.blocked = 0.0  # errors' backoff: nothing is sent before this
        self.limits: dict[str, float] = {}  # category ("" for all) -> limited until

    def until(self, category: str) -> float:
        """When something of ``category`` may be sent (``""``: something of no category)."""
        return max(self.blocked, self.limits.get(category, 0.0) if category else 0.0, self.limits.get("", 0.0))

    def hold(self, until: float) -> None:
        self.blocked = max(self.blocked, until)

    def answer(self, answer: tuple[int, dict[str, str]] | None, now: float, category: str = "error") -> str:
        """``answer``: ``(status, lower-cased headers)``, or None when none came."""
        if answer is None:
            self.blocked = now + self.errors.fail()
            return "retry"
        status, headers = answer
        limits = parse_rate_limits(headers.get("x-sentry-rate-limits"), headers.get("retry-after"), status, now)
        if status == 429:
            if not any(c in limits for c in (category, "")):
                limits[""] = now  # limited, but not for anything we send: wait the floor
            floor = self.limited.at_least(0.0)  # one more 429 in a row, whatever the number of categories
            for name in list(limits):
                limits[name] = max(limits[name], now + floor)
        for name, until in limits.items():
            self.limits[name] = max(self.limits.get(name, 0.0), until)
        if 200 <= status < 300:
            self.errors.reset()
            self.limited.reset()
            self.blocked = 0.0
            return "sent"
        if status == 429:
            return "limited"
        if status >= 500:
            self.blocked = now + self.errors.fail()
            return "retry"
        return "refused"
