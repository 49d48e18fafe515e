"""The expression analysis' time budget. Part of the expressions stage; standard library only."""

from __future__ import annotations

import time
from typing import Callable

__all__ = ["Budget", "OutOfTime"]


class OutOfTime(Exception):
    """The time budget is spent (not a ``CannotEval``: it stops the whole frame)."""


class Budget:
    """The analysis' time budget, counted in this thread's CPU time: what the host program pays,
    whatever else the machine is busy with. Wall time is read first (cheap, and CPU time can't run
    ahead of it); past ``wall_factor`` times the budget in wall time, it is spent anyway."""

    def __init__(
        self,
        seconds: float,
        clock: Callable[[], float] = time.perf_counter,
        cpu_clock: Callable[[], float] = getattr(time, "thread_time", time.process_time),
        wall_factor: float = 5.0,
    ) -> None:
        self.seconds = seconds
        self._clock, self._cpu = clock, cpu_clock
        start = clock()
        self._cpu_start = cpu_clock()
        self._next = start + seconds  # until then the CPU clock needn't be read
        self._cap = start + seconds * wall_factor

    def spent(self) -> bool:
        now = self._clock()
        if now <= self._next:
            return False
        if now > self._cap:
            return True
        used = self._cpu() - self._cpu_start
        if used >= self.seconds:
            return True
        self._next = now + (self.seconds - used)
        return False

    def check(self) -> None:
        """Raise :class:`OutOfTime` when the budget is spent; called inside every loop of the analysis."""
        if self.spent():
            raise OutOfTime
