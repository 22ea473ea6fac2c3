"""The output pacer: one 20 ms frame onto the line every 20 ms, whatever the producer's speed.

Deadlines are absolute (start + n * 20 ms) so a late wake-up is made up on the next frame
instead of accumulating; a stall longer than `max_lag_s` re-anchors rather than bursting
audio the far end would drop. `clear` empties the queue at once for barge-in.
"""

from __future__ import annotations

import asyncio
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Hashable

from fairdial.voice.audio.clock import Clock

FRAME_S = 0.02

Send = Callable[[bytes], Awaitable[None]]
SentHook = Callable[[Hashable, float], None]


class OutputPacer:
    """Queue frames with a tag (which sentence they belong to); `sent[tag]` counts what played."""

    def __init__(
        self,
        send: Send,
        clock: Clock,
        *,
        frame_s: float = FRAME_S,
        max_lag_s: float = 0.06,
        on_sent: SentHook | None = None,
        keep_send_times: bool = False,
    ) -> None:
        self._send = send
        self._clock = clock
        self._frame_s = frame_s
        self._max_lag_s = max_lag_s
        self._on_sent = on_sent
        self._queue: deque[tuple[bytes, Hashable]] = deque()
        self._has_frames = asyncio.Event()
        self._drained = asyncio.Event()
        self._drained.set()
        self.sent: Counter[Hashable] = Counter()
        self.frames_sent = 0
        self.frames_cleared = 0
        self.send_times: list[float] | None = [] if keep_send_times else None

    @property
    def pending(self) -> int:
        return len(self._queue)

    def enqueue(self, frame: bytes, tag: Hashable = None) -> None:
        self._queue.append((frame, tag))
        self._drained.clear()
        self._has_frames.set()

    def clear(self) -> int:
        """Drop every queued frame now; returns how many were dropped."""
        dropped = len(self._queue)
        self._queue.clear()
        self.frames_cleared += dropped
        self._drained.set()
        return dropped

    async def drained(self) -> None:
        """Wait until every queued frame has been sent or cleared."""
        await self._drained.wait()

    async def run(self) -> None:
        deadline: float | None = None
        while True:
            if not self._queue:
                self._drained.set()
                self._has_frames.clear()
                await self._has_frames.wait()
                continue

            now = self._clock.now()
            if deadline is None or now - deadline > self._max_lag_s:
                deadline = now
            await self._clock.sleep_until(deadline)
            if not self._queue:
                deadline = None  # cleared while waiting: the next utterance starts fresh
                continue

            frame, tag = self._queue.popleft()
            await self._send(frame)
            sent_at = self._clock.now()
            self.sent[tag] += 1
            self.frames_sent += 1
            if self.send_times is not None:
                self.send_times.append(sent_at)
            if self._on_sent is not None:
                self._on_sent(tag, sent_at)
            deadline += self._frame_s
            if sent_at - deadline > self._max_lag_s:
                deadline = sent_at + self._frame_s  # too far behind to catch up unheard
            if not self._queue:
                self._drained.set()
