"""Barge-in: the borrower talking over the bot for long enough stops the bot.

Coughs, "uh-huh" and "嗯" are short; real interruptions last. Speech is counted from its
onset; gaps of up to `bridge_s` (the space between syllables, or a short first word and the
next: "I- I already paid") do not restart the count.

The onset is the detector's first speech frame, which comes after the borrower's first sound
by the detector's own lag (on recorded prompts, Silero 40-160 ms, WebRTC 0-20 ms). What the
borrower experiences is the time from their first sound, so `first_sound` finds it in the
audio: from the onset it walks back over the frames clearly louder than the line's noise.

Limitations: the walk-back sees loudness, not voice, so it starts a word late by the part
quieter than the noise floor plus `rise_db` (a breathy "h", a soft "f") and early when a
noise as loud as speech runs straight into it; it never goes back more than `max_back_s`.
With a simulated borrower who knows when they started, the two agree within a frame or two.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

SILENT_DBFS = -100.0  # the level of a frame of digital silence


class BargeInDetector:
    def __init__(self, frame_s: float = 0.02, bridge_s: float = 0.12) -> None:
        self.frame_s = frame_s
        self.bridge_s = bridge_s
        self.onset: float | None = None
        self._last_speech: float | None = None

    def reset(self) -> None:
        self.onset = None
        self._last_speech = None

    def push(self, speech: bool, at: float, threshold_s: float) -> bool:
        """True once speech since `onset` has lasted `threshold_s`."""
        if speech:
            if self.onset is None:
                self.onset = at
            self._last_speech = at
            return at + self.frame_s - self.onset >= threshold_s - 1e-6
        if self._last_speech is not None and at - self._last_speech > self.bridge_s:
            self.reset()
        return False


def level_dbfs(pcm: np.ndarray) -> float:
    """RMS level of int16 samples in dB below full scale; `SILENT_DBFS` for digital silence."""
    samples = np.asarray(pcm, dtype=np.float64)
    if len(samples) == 0:
        return SILENT_DBFS
    rms = float(np.sqrt(np.mean(samples * samples)))
    return max(SILENT_DBFS, 20 * np.log10(rms / 32768)) if rms > 0 else SILENT_DBFS


def first_sound(
    levels: Sequence[float],
    speech: Sequence[bool],
    onset: int,
    *,
    frame_s: float = 0.02,
    rise_db: float = 9.0,
    lowest_floor_dbfs: float = -60.0,
    max_back_s: float = 0.3,
) -> int:
    """Index of the frame where the sound that became speech at frame `onset` began.

    `levels` (dBFS) and `speech` (the detector's decisions) describe consecutive frames. The
    line's noise floor is the median level of the frames before `onset` the detector called
    silence (never below `lowest_floor_dbfs`, so digital silence does not make every breath
    count); frames at least `rise_db` above it, unbroken back from the onset, are the start.
    """
    quiet = [level for level, said in zip(levels[:onset], speech[:onset], strict=True) if not said]
    floor = max(float(np.median(quiet)) if quiet else lowest_floor_dbfs, lowest_floor_dbfs)
    threshold = floor + rise_db
    earliest = max(0, onset - round(max_back_s / frame_s))
    start = onset
    while start > earliest and levels[start - 1] >= threshold:
        start -= 1
    return start
