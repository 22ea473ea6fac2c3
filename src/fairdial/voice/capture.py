"""One borrower turn being captured: its audio, its turn detector, and how it ended."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from fairdial.voice.turns import TurnDetector, TurnState


@dataclass(frozen=True)
class InboundFrame:
    pcm: np.ndarray  # 160 int16 samples at 8 kHz
    speech: bool
    at: float  # frame clock: 20 ms per frame received since the call connected
    arrived: float  # session clock when the frame was read, for latency metrics


class TurnCapture:
    """Gathers frames until the turn ends, no speech comes within `timeout_s`, or the call ends.

    `on_pause` is called once per pause that lasts `partial_after_s`, with the audio so far, so a
    partial transcript can tell the detector whether the borrower is mid-number.
    """

    def __init__(
        self,
        detector: TurnDetector,
        started_at: float,
        timeout_s: float,
        on_pause: Callable[[np.ndarray], None] | None = None,
    ) -> None:
        self.detector = detector
        self.started_at = started_at
        self.timeout_s = timeout_s
        self.on_pause = on_pause
        self.frames: list[InboundFrame] = []
        self.done = asyncio.Event()
        self.timed_out = False
        self.hung_up = False
        self.ended_at: InboundFrame | None = None
        self.speech_end_arrived: float | None = None
        self._paused_reported = False
        self._max_frames = int(detector.timings.max_turn_s * 2 / detector.frame_s)

    def push(self, frame: InboundFrame) -> None:
        if self.done.is_set():
            return
        self.frames.append(frame)
        if len(self.frames) > self._max_frames:
            del self.frames[0]  # bounded: a turn never holds more than twice its longest length
        state = self.detector.push(frame.speech, frame.at)
        if frame.speech and state is TurnState.SPEAKING:
            self.speech_end_arrived = frame.arrived
            self._paused_reported = False

        if state is TurnState.ENDED:
            self.ended_at = frame
            self.done.set()
            return
        waited = frame.at + self.detector.frame_s - self.started_at
        if state is TurnState.WAITING and waited >= self.timeout_s - 1e-6:
            self.timed_out = True
            self.done.set()
            return
        paused_for = self.detector.silence_so_far(frame.at)
        if (
            state is TurnState.PAUSED
            and self.on_pause is not None
            and not self._paused_reported
            and paused_for >= self.detector.timings.partial_after_s
        ):
            self._paused_reported = True
            self.on_pause(self.speech_audio())

    def hang_up(self) -> None:
        self.hung_up = True
        self.done.set()

    def speech_audio(self) -> np.ndarray:
        """The turn's audio from just before the first speech to the last speech frame."""
        start = self.detector.speech_started_at
        end = self.detector.speech_ended_at
        if start is None or end is None:
            return np.zeros(0, dtype=np.int16)
        preroll = self.detector.timings.preroll_s
        kept = [f.pcm for f in self.frames if start - preroll <= f.at < end + 0.1]
        return np.concatenate(kept) if kept else np.zeros(0, dtype=np.int16)

    def release(self) -> None:
        self.frames.clear()
