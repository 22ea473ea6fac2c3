"""Barge-in: the borrower talking over the bot for long enough stops the bot.

Coughs, "uh-huh" and "嗯" are short; real interruptions last. Speech is counted from its
onset; gaps of up to `bridge_s` (the space between syllables, or a short first word and the
next: "I- I already paid") do not restart the count. The onset is the detector's first speech
frame, which comes after the borrower's first sound by the detector's own lag (Silero: about
90 ms), so a stop latency measured from it leaves that lag out.
"""

from __future__ import annotations


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
