"""How a campaign's attempt records reach the store: on the event loop, or on a writer thread.

A simulated campaign writes on the event loop, in batches. Its lines never wait for the store,
so the order of their calls, and with it everything stored, depends on the seed alone.

A real-time campaign carries live calls on that loop, and a commit there would stall the audio
of every call for as long as the database takes. Its records go to one writer thread instead:
commits keep the order in which attempts ended, each in a session of the writer's own, and a
line waits for its attempt's commit before the account may be dialled again. An account's
history in memory and the channel's measurements are still brought up to date on the loop.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

from fairdial.campaign.recorder import AttemptRecord, Recorder
from fairdial.store import Store

T = TypeVar("T")

# Records a simulated campaign writes per transaction.
BATCH_SIZE = 200


class Commits(Protocol):
    """Where the dialler hands the records of its attempts and blocked decisions."""

    async def add(self, record: AttemptRecord) -> None:
        """Keep an attempt's record; on a writer thread, returns once it is committed."""
        ...

    def add_nowait(self, record: AttemptRecord) -> None:
        """Keep a record without waiting: a blocked decision, or a call a stop cut short."""
        ...

    async def run(self, work: Callable[[], T]) -> T:
        """Other store work of the campaign, in order with the records (a day's accounts)."""
        ...

    async def flush(self) -> None:
        """Return once every record kept so far is stored."""
        ...

    def close(self) -> None:
        """Store whatever is still waiting, now, and take no more (also when a run stops)."""
        ...


class InlineCommits:
    """Writes on the caller's thread, `batch_size` records to a transaction.

    A simulated call that a crash loses from the batch never happened on a phone line, so
    batching loses nothing real; real calls written here come one to a transaction.
    """

    def __init__(self, recorder: Recorder, batch_size: int = BATCH_SIZE) -> None:
        self._recorder = recorder
        self._batch_size = batch_size
        self._batch: list[AttemptRecord] = []

    async def add(self, record: AttemptRecord) -> None:
        # Nothing here may suspend: a simulated line must keep the loop until it has a call.
        self.add_nowait(record)

    def add_nowait(self, record: AttemptRecord) -> None:
        self._recorder.take(record)
        self._batch.append(record)
        if len(self._batch) >= self._batch_size:
            self._write()

    async def run(self, work: Callable[[], T]) -> T:
        return work()

    async def flush(self) -> None:
        self._write()

    def close(self) -> None:
        self._write()

    def _write(self) -> None:
        batch, self._batch = self._batch, []
        self._recorder.write(batch)


class ThreadCommits:
    """Commits each record on one writer thread, in the order the records were kept.

    A stop does not withdraw a commit already handed over: `close` waits for it.
    """

    def __init__(
        self,
        store: Store,
        campaign_id: int,
        annotate: Callable[[AttemptRecord], None] | None = None,
    ) -> None:
        self._recorder = Recorder(store, campaign_id, annotate)
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fairdial-commits")
        self._pending: collections.deque[Future[Any]] = collections.deque()

    async def add(self, record: AttemptRecord) -> None:
        await self._wait(self._hand_over(record))
        self._raise_failed()

    def add_nowait(self, record: AttemptRecord) -> None:
        self._hand_over(record)
        self._raise_failed()

    async def run(self, work: Callable[[], T]) -> T:
        result: T = await self._wait(self._submit(work))
        return result

    async def flush(self) -> None:
        # The writer takes its work in order: once this no-op is done, so is all before it.
        await self._wait(self._submit(lambda: None))
        self._raise_failed()

    def close(self) -> None:
        self._writer.shutdown(wait=True)
        self._raise_failed()

    def _hand_over(self, record: AttemptRecord) -> Future[None]:
        # Taken here, on the loop, which owns the account's history and the channel's
        # measurements; the writer only stores it.
        self._recorder.take(record)
        return self._submit(functools.partial(self._recorder.write, [record]))

    def _submit(self, work: Callable[[], T]) -> Future[T]:
        future = self._writer.submit(work)
        self._pending.append(future)
        return future

    async def _wait(self, future: Future[T]) -> T:
        try:
            # Shielded: a cancelled line stops waiting, but its commit goes on.
            return await asyncio.shield(asyncio.wrap_future(future))
        finally:
            if future.done():
                # Its failure, if any, has reached the waiter: `_raise_failed` need not repeat it.
                with contextlib.suppress(ValueError):
                    self._pending.remove(future)

    def _raise_failed(self) -> None:
        """Raise the first failed write among those done, forgetting the ones that are done."""
        while self._pending and self._pending[0].done():
            error = self._pending.popleft().exception()
            if error is not None:
                raise error


def commits_for(
    store: Store,
    campaign_id: int,
    real_time: bool,
    annotate: Callable[[AttemptRecord], None] | None = None,
) -> Commits:
    """A writer thread for real calls; the loop, in batches, for simulated ones.

    Real calls are committed one by one as they end, so none is lost if the process dies. A
    SQLite store in memory exists on one connection only, so it is written on the loop.
    """
    recorder = Recorder(store, campaign_id, annotate)
    if not real_time:
        return InlineCommits(recorder)
    if store.backend == "sqlite" and store.engine.url.database in (None, "", ":memory:"):
        return InlineCommits(recorder, batch_size=1)
    return ThreadCommits(store, campaign_id, annotate)
