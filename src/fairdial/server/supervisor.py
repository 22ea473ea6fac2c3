"""Every live call as its own task: a maximum duration, a hang-up at the end, and isolation.

A call that raises is logged and hung up; no other call sees its exception. A call that
reaches the configured maximum is hung up at the carrier, whatever the conversation is doing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

logger = logging.getLogger("fairdial.server")

HangUp = Callable[[], Awaitable[None]]


class CallSupervisor:
    def __init__(self, max_call_s: float, *, poll_s: float = 0.5) -> None:
        self.max_call_s = max_call_s
        self._poll_s = poll_s
        self._tasks: dict[str, asyncio.Task[Any]] = {}
        self.completed = 0
        self.failed = 0
        self.timed_out = 0

    @property
    def active(self) -> int:
        return len(self._tasks)

    def run(
        self, call_id: str, work: Coroutine[Any, Any, Any], hang_up: HangUp
    ) -> asyncio.Task[Any]:
        """Run one call's conversation; the call is hung up when it ends, fails or overruns."""
        task = asyncio.create_task(self._guard(call_id, work, hang_up), name=f"call-{call_id}")
        self._tasks[f"{call_id}:{id(task)}"] = task
        task.add_done_callback(lambda _: self._tasks.pop(f"{call_id}:{id(task)}", None))
        return task

    def watch(self, call_id: str, closed: Callable[[], bool], hang_up: HangUp) -> asyncio.Task[Any]:
        """Enforce the maximum on a call someone else runs; ends soon after the call closes."""

        async def until_closed() -> None:
            while not closed():
                await asyncio.sleep(self._poll_s)

        return self.run(call_id, until_closed(), hang_up)

    async def _guard(self, call_id: str, work: Coroutine[Any, Any, Any], hang_up: HangUp) -> None:
        try:
            async with asyncio.timeout(self.max_call_s):
                await work
            self.completed += 1
        except TimeoutError:
            self.timed_out += 1
            logger.warning("call reached its maximum duration", extra={"call_id": call_id})
        except asyncio.CancelledError:
            raise
        except Exception:
            self.failed += 1
            logger.exception("call failed", extra={"call_id": call_id})
        finally:
            try:
                await asyncio.shield(hang_up())
            except Exception as error:  # a failed hang-up must not hide the call's own end
                logger.error("hang-up failed: %s", error, extra={"call_id": call_id})

    async def shutdown(self) -> None:
        """Cancel every call still running (each is hung up) and wait for them."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
