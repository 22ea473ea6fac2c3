"""The call supervisor hangs up every call it was given, however and whenever its task ends."""

from __future__ import annotations

import asyncio
import gc
import warnings
from collections.abc import Awaitable, Callable

import pytest

from fairdial.server import CallSupervisor


class _Carrier:
    """Counts hang-ups per call, as the carrier would see them; `slow_s` delays each one."""

    def __init__(self, slow_s: float = 0.0) -> None:
        self.hung_up: list[str] = []
        self.slow_s = slow_s

    def hang_up_of(self, call_id: str) -> Callable[[], Awaitable[None]]:
        async def hang_up() -> None:
            await asyncio.sleep(self.slow_s)
            self.hung_up.append(call_id)

        return hang_up


async def _talk(spoke: list[str], call_id: str) -> None:
    spoke.append(call_id)
    await asyncio.sleep(60)


def _run_without_never_awaited_warnings(scenario: Callable[[], Awaitable[None]]) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        asyncio.run(asyncio.wait_for(scenario(), 30))
        gc.collect()  # an unawaited coroutine warns when it is collected
    assert [str(w.message) for w in caught if "never awaited" in str(w.message)] == []


def test_a_call_cancelled_before_its_task_ran_is_still_hung_up() -> None:
    carrier = _Carrier()
    spoke: list[str] = []

    async def scenario() -> None:
        supervisor = CallSupervisor(30.0)
        task = supervisor.run("c1", _talk(spoke, "c1"), carrier.hang_up_of("c1"))
        task.cancel()  # before the loop ever ran it
        with pytest.raises(asyncio.CancelledError):
            await task
        await supervisor.shutdown()
        assert carrier.hung_up == ["c1"]
        assert supervisor.active == 0

    _run_without_never_awaited_warnings(scenario)
    assert spoke == []  # the conversation never started


def test_shutdown_right_after_calls_were_given_hangs_up_every_one_once() -> None:
    carrier = _Carrier(slow_s=0.05)  # a carrier that takes a moment to confirm
    spoke: list[str] = []

    async def scenario() -> None:
        supervisor = CallSupervisor(30.0)
        supervisor.run("started", _talk(spoke, "started"), carrier.hang_up_of("started"))
        await asyncio.sleep(0)  # the first call's task runs up to its conversation
        for call_id in ("fresh-1", "fresh-2"):
            supervisor.run(call_id, _talk(spoke, call_id), carrier.hang_up_of(call_id))
        assert supervisor.active == 3

        await supervisor.shutdown()
        assert sorted(carrier.hung_up) == ["fresh-1", "fresh-2", "started"]
        assert supervisor.active == 0

    _run_without_never_awaited_warnings(scenario)
    assert spoke == ["started"]


def test_a_failed_hang_up_of_an_unstarted_call_is_logged_not_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def refused() -> None:
        raise ConnectionError("carrier unreachable")

    async def scenario() -> None:
        supervisor = CallSupervisor(30.0)
        supervisor.run("c1", _talk([], "c1"), refused)
        await supervisor.shutdown()
        assert supervisor.active == 0

    _run_without_never_awaited_warnings(scenario)
    assert "hang-up failed: carrier unreachable" in caplog.text


def test_a_crash_in_one_call_never_touches_another() -> None:
    carrier = _Carrier()
    call_ids = [f"c{i}" for i in range(6)]

    async def talk(call_id: str, fail: bool) -> str:
        await asyncio.sleep(0.01)
        if fail:
            raise RuntimeError("engine exploded")
        await asyncio.sleep(0.05)
        return call_id

    async def scenario() -> None:
        supervisor = CallSupervisor(60.0)
        tasks = [
            supervisor.run(call_id, talk(call_id, call_id == "c3"), carrier.hang_up_of(call_id))
            for call_id in call_ids
        ]
        await asyncio.gather(*tasks)
        assert (supervisor.completed, supervisor.failed) == (5, 1)
        assert supervisor.active == 0

    asyncio.run(asyncio.wait_for(scenario(), 30))
    assert sorted(carrier.hung_up) == call_ids


def test_a_watched_call_ends_soon_after_its_stream_closes() -> None:
    carrier = _Carrier()
    closed = False

    async def scenario() -> None:
        nonlocal closed
        supervisor = CallSupervisor(60.0, poll_s=0.02)
        task = supervisor.watch("c1", lambda: closed, carrier.hang_up_of("c1"))
        await asyncio.sleep(0.05)  # a few polls of a stream still open
        assert not task.done()

        closed = True
        await asyncio.wait_for(task, 10)  # far sooner than the 60 s maximum would end it
        assert supervisor.active == 0
        assert supervisor.timed_out == 0

    asyncio.run(scenario())
    assert carrier.hung_up == ["c1"]
