"""An in-process phone line with a scripted far end, for tests and the concurrency benchmark.

On a `VirtualClock` the line is the clock: each `receive` advances time by one frame, so a
call runs as fast as the machine allows with exact 20 ms timing. On a real clock the far end
delivers a frame every 20 ms into a small bounded queue, like a carrier that does not wait;
frames the session fails to read in time are dropped and counted in `lost_frames`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from fairdial.voice.audio.clock import Clock, VirtualClock
from fairdial.voice.audio.g711 import ulaw_encode
from fairdial.voice.audio.jitter import ULAW_SILENCE
from fairdial.voice.audio.pacer import FRAME_S
from fairdial.voice.audio.pcm import PHONE_RATE, frame_samples

SpeechSource = Callable[[int], np.ndarray]


def buzz(seconds_offset: int, samples: int) -> np.ndarray:
    """A voiced-sounding buzz (150 Hz with harmonics, syllable-rate envelope) for energy VADs."""
    t = (np.arange(samples) + seconds_offset) / PHONE_RATE
    voice = sum(np.sin(2 * np.pi * 150 * k * t) / k for k in range(1, 8))
    envelope = 0.6 + 0.4 * np.sin(2 * np.pi * 4 * t)
    return (voice * envelope * 4000).astype(np.int16)


class LoopedRecording:
    """Speech from a recording, looped; gives the far end real speech for a real VAD."""

    def __init__(self, pcm: np.ndarray) -> None:
        self._pcm = np.asarray(pcm, dtype=np.int16)
        self._position = 0

    def __call__(self, samples: int) -> np.ndarray:
        index = (np.arange(samples) + self._position) % len(self._pcm)
        self._position = (self._position + samples) % len(self._pcm)
        return self._pcm[index]


@dataclass(frozen=True)
class Reply:
    """Alternating speech and pause lengths in seconds, starting with speech.

    With `at` set the reply starts at that frame time whatever the bot is doing (an
    interruption); otherwise it starts `delay_s` after the bot's audio stops.
    """

    segments: Sequence[float]
    at: float | None = None
    delay_s: float = 0.4

    @property
    def seconds(self) -> float:
        return float(sum(self.segments))

    def speaking(self, elapsed: float) -> bool:
        edge = 0.0
        for index, length in enumerate(self.segments):
            edge += length
            if elapsed < edge - 1e-9:
                return index % 2 == 0
        return False


@dataclass
class ScriptedFarEnd:
    """The borrower's side of a loopback line: replies in order, then a hang-up."""

    replies: list[Reply]
    hang_up_after_s: float | None = 3.0  # after the last reply and the bot's last word
    hang_up_at: float | None = None  # frame time, whatever is happening
    speech: SpeechSource = field(default_factory=lambda: _BuzzSource())
    _current: Reply | None = None
    _started: float = 0.0
    _last_bot_frame: float | None = None
    _bot_spoke_since_reply = False
    _quiet_since: float = 0.0

    def heard_bot(self, at: float) -> None:
        self._last_bot_frame = at
        self._bot_spoke_since_reply = True

    def frame(self, at: float) -> bytes | None:
        """The far end's frame starting at `at`, or None once it hangs up."""
        if self.hang_up_at is not None and at >= self.hang_up_at:
            return None
        self._maybe_start(at)
        if self._current is not None:
            elapsed = at - self._started
            if elapsed >= self._current.seconds:
                self._current = None
                self._quiet_since = at
            elif self._current.speaking(elapsed):
                return ulaw_encode(self.speech(frame_samples()))
        if self._finished(at):
            return None
        return ULAW_SILENCE * frame_samples()

    def _maybe_start(self, at: float) -> None:
        if self._current is not None or not self.replies:
            return
        reply = self.replies[0]
        if reply.at is not None:
            ready = at >= reply.at
        else:
            last = self._last_bot_frame
            ready = self._bot_spoke_since_reply and last is not None and at - last >= reply.delay_s
        if ready:
            self._current = self.replies.pop(0)
            self._started = at
            self._bot_spoke_since_reply = False

    def _finished(self, at: float) -> bool:
        if self.replies or self._current is not None or self.hang_up_after_s is None:
            return False
        last = max(self._quiet_since, self._last_bot_frame or 0.0)
        return at - last >= self.hang_up_after_s


class _BuzzSource:
    def __init__(self) -> None:
        self._position = 0

    def __call__(self, samples: int) -> np.ndarray:
        pcm = buzz(self._position, samples)
        self._position += samples
        return pcm


class LoopbackTransport:
    """An `AudioTransport` whose far end is a `ScriptedFarEnd`; it records what the bot sent."""

    def __init__(self, far_end: ScriptedFarEnd, clock: Clock, *, queue_frames: int = 10) -> None:
        self.far_end = far_end
        self._clock = clock
        self._virtual = isinstance(clock, VirtualClock)
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=queue_frames)
        self._feeder: asyncio.Task[None] | None = None
        self._frames_in = 0
        self._closed = False
        self.sent_at: list[float] = []  # frame clock of each outbound frame
        self.clears: list[float] = []
        self.lost_frames = 0

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def frame_time(self) -> float:
        return self._frames_in * FRAME_S

    async def receive(self) -> bytes | None:
        if self._closed:
            return None
        if self._virtual:
            return await self._receive_virtual()
        if self._feeder is None:
            self._feeder = asyncio.create_task(self._feed(), name="loopback-far-end")
        frame = await self._queue.get()
        if frame is None:
            self._closed = True
        return frame

    async def _receive_virtual(self) -> bytes | None:
        assert isinstance(self._clock, VirtualClock)
        await self._clock.advance(FRAME_S)
        frame = self.far_end.frame(self.frame_time)
        self._frames_in += 1
        if frame is None:
            self._closed = True
        return frame

    async def _feed(self) -> None:
        # Absolute deadlines, like a carrier's media clock.
        start = self._clock.now()
        while not self._closed:
            await self._clock.sleep_until(start + (self._frames_in + 1) * FRAME_S)
            frame = self.far_end.frame(self.frame_time)
            self._frames_in += 1
            if frame is None:
                await self._queue.put(None)
                return
            try:
                self._queue.put_nowait(frame)
            except asyncio.QueueFull:
                self.lost_frames += 1

    async def send(self, frame: bytes) -> None:
        at = self.frame_time if self._virtual else self._clock.now()
        self.sent_at.append(at)
        self.far_end.heard_bot(self.frame_time)

    async def clear(self) -> None:
        self.clears.append(self.frame_time)

    async def close(self) -> None:
        self._closed = True
        if self._feeder is not None and self._feeder is not asyncio.current_task():
            self._feeder.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._feeder
        with contextlib.suppress(asyncio.QueueFull):
            self._queue.put_nowait(None)
