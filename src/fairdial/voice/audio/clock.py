"""The clocks audio is paced against: the machine's monotonic clock, or a simulated one."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float: ...

    async def sleep_until(self, deadline: float) -> None: ...

    async def sleep(self, seconds: float) -> None: ...


class MonotonicClock:
    """Wall time that never jumps: `time.monotonic`, slept on with asyncio."""

    def now(self) -> float:
        return time.monotonic()

    async def sleep_until(self, deadline: float) -> None:
        await asyncio.sleep(max(0.0, deadline - time.monotonic()))

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class VirtualClock:
    """Simulated time that moves only when `advance` is called; sleepers wake in deadline order.

    Tests and loopback transports drive it one 20 ms frame at a time, so a minute of call
    runs in milliseconds and timing assertions hold however loaded the machine is.
    """

    def __init__(self, start: float = 0.0, settle_steps: int = 4) -> None:
        self._now = start
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._settle_steps = settle_steps

    def now(self) -> float:
        return self._now

    async def sleep_until(self, deadline: float) -> None:
        if deadline <= self._now:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (deadline, next(self._order), future))
        await future

    async def sleep(self, seconds: float) -> None:
        await self.sleep_until(self._now + seconds)

    async def advance(self, seconds: float, *, blocked: bool = False) -> None:
        """Move time forward, waking each sleeper at its own deadline and letting it run.

        `blocked` models a stalled event loop: time jumps and every overdue sleeper wakes late.
        """
        target = self._now + seconds
        if blocked:
            self._now = target
        while self._sleepers and self._sleepers[0][0] <= target:
            deadline, _, future = heapq.heappop(self._sleepers)
            self._now = max(self._now, deadline)
            if not future.done():
                future.set_result(None)
            await self._settle()
        self._now = target
        await self._settle()

    async def _settle(self) -> None:
        # Woken tasks may wake others (a producer feeding the pacer); a few turns of the loop
        # let such chains finish before time moves on.
        for _ in range(self._settle_steps):
            await asyncio.sleep(0)
