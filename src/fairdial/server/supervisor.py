"""Every live call as its own task: a maximum duration, a hang-up at the end, and isolation.

A call that raises is logged and hung up; no other call sees its exception. A call that
reaches the configured maximum is hung up at the carrier, whatever the conversation is doing.
Every call given to the supervisor is hung up exactly once, even one cancelled before its task
first ran (a task cancelled that early never enters its coroutine, so no `finally` there runs).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger("fairdial.server")

HangUp = Callable[[], Awaitable[None]]


@dataclass
class _Call:
    key: str  # unique per run: one call id may be given to the supervisor more than once
    call_id: str
    work: Coroutine[Any, Any, Any]
    hang_up: HangUp
    started: bool = False


class CallSupervisor:
    def __init__(self, max_call_s: float, *, poll_s: float = 0.5) -> None:
        self.max_call_s = max_call_s
        self._poll_s = poll_s
        self._tasks: dict[str, asyncio.Task[Any]] = {}
        self._hang_ups: dict[str, asyncio.Task[None]] = {}
        self.completed = 0
        self.failed = 0
        self.timed_out = 0

    @property
    def active(self) -> int:
        """Calls running or being hung up."""
        return len(self._tasks.keys() | self._hang_ups.keys())

    def run(
        self, call_id: str, work: Coroutine[Any, Any, Any], hang_up: HangUp
    ) -> asyncio.Task[Any]:
        """Run one call's conversation; the call is hung up when it ends, fails or overruns."""
        call = _Call(f"{call_id}:{id(work)}", call_id, work, hang_up)
        task = asyncio.create_task(self._guard(call), name=f"call-{call_id}")
        self._tasks[call.key] = task
        task.add_done_callback(lambda _: self._ended(call))
        return task

    def watch(self, call_id: str, closed: Callable[[], bool], hang_up: HangUp) -> asyncio.Task[Any]:
        """Enforce the maximum on a call someone else runs; ends soon after the call closes."""

        async def until_closed() -> None:
            while not closed():
                await asyncio.sleep(self._poll_s)

        return self.run(call_id, until_closed(), hang_up)

    async def _guard(self, call: _Call) -> None:
        call.started = True
        try:
            async with asyncio.timeout(self.max_call_s):
                await call.work
            self.completed += 1
        except TimeoutError:
            self.timed_out += 1
            logger.warning("call reached its maximum duration", extra={"call_id": call.call_id})
        except asyncio.CancelledError:
            raise
        except Exception:
            self.failed += 1
            logger.exception("call failed", extra={"call_id": call.call_id})
        finally:
            await asyncio.shield(self._start_hang_up(call))

    def _ended(self, call: _Call) -> None:
        self._tasks.pop(call.key, None)
        if call.started:
            return
        # Cancelled before its first step: the conversation never ran, but the call is up.
        call.work.close()
        logger.info("call cancelled before it ran; hanging up", extra={"call_id": call.call_id})
        self._start_hang_up(call)

    def _start_hang_up(self, call: _Call) -> asyncio.Task[None]:
        """The call's hang-up as a task of its own, which `shutdown` waits for."""
        task = asyncio.create_task(self._hang_up(call), name=f"hang-up-{call.call_id}")
        self._hang_ups[call.key] = task
        task.add_done_callback(lambda _: self._hang_ups.pop(call.key, None))
        return task

    async def _hang_up(self, call: _Call) -> None:
        try:
            await call.hang_up()
        except Exception as error:  # a failed hang-up must not hide the call's own end
            logger.error("hang-up failed: %s", error, extra={"call_id": call.call_id})

    async def shutdown(self) -> None:
        """Cancel every call still running, and wait until each one is hung up."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._hang_ups:
            await asyncio.wait(list(self._hang_ups.values()))
