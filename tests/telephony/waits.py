"""Waiting for something a test expects to happen, with a deadline a loaded machine still meets."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

# What happens within milliseconds on an idle machine can take seconds on a busy CI runner;
# in practice a deadline this long runs out only when the thing awaited never happens.
DEADLINE_S = 10.0


async def until(condition: Callable[[], bool], timeout_s: float = DEADLINE_S) -> None:
    """Return as soon as `condition()` holds; fail the test if it still does not in time."""
    try:
        async with asyncio.timeout(timeout_s):
            while not condition():
                await asyncio.sleep(0.01)
    except TimeoutError:
        raise AssertionError(f"the condition still did not hold after {timeout_s} s") from None
