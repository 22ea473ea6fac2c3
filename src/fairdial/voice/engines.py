"""The two speech engines a voice call needs, as small interfaces, with instant fakes for tests.

Real engines live in `voice/asr/` and `voice/tts/`; the voice session only sees these protocols.
Audio crossing them is int16 mono numpy at the engine's own `sample_rate`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np


@dataclass(frozen=True)
class Transcript:
    """What the recogniser heard; `seconds` is the length of the audio it was given."""

    text: str
    language: str
    confidence: float | None
    seconds: float


@runtime_checkable
class SpeechToText(Protocol):
    sample_rate: int  # the rate `transcribe` expects, e.g. 16000

    async def transcribe(self, pcm: np.ndarray, language: str) -> Transcript:
        """Transcribe one borrower turn of int16 mono audio at `sample_rate`."""
        ...


@runtime_checkable
class TextToSpeech(Protocol):
    sample_rate: int

    def synthesize(self, text: str, language: str) -> AsyncIterator[np.ndarray]:
        """Yield int16 mono chunks at `sample_rate`, the first one as early as possible."""
        ...


Sleep = Callable[[float], object]


class FakeSpeechToText:
    """Answers each call with the next scripted text (or `respond(pcm)`) after `delay_s`.

    When the script runs out it answers with an empty transcript. `sleep` lets a test run the
    delay on a simulated clock.
    """

    def __init__(
        self,
        texts: Sequence[str] | Callable[[np.ndarray], str] = (),
        *,
        delay_s: float = 0.0,
        sample_rate: int = 16000,
        sleep: Callable[[float], object] | None = None,
    ) -> None:
        self.sample_rate = sample_rate
        self._respond = texts if callable(texts) else None
        self._texts = [] if callable(texts) else list(texts)
        self._delay_s = delay_s
        self._sleep = sleep or asyncio.sleep
        self.calls = 0

    async def transcribe(self, pcm: np.ndarray, language: str) -> Transcript:
        self.calls += 1
        if self._delay_s > 0:
            await self._sleep(self._delay_s)  # type: ignore[misc]
        if self._respond is not None:
            text = self._respond(pcm)
        else:
            text = self._texts.pop(0) if self._texts else ""
        return Transcript(text, language, 1.0, len(pcm) / self.sample_rate)


class FakeTextToSpeech:
    """A 440 Hz tone, `seconds_per_char` long per character, in `chunk_s` chunks.

    `first_chunk_delay_s` stands in for the engine's time to first audio.
    """

    def __init__(
        self,
        *,
        sample_rate: int = 16000,
        seconds_per_char: float = 0.06,
        chunk_s: float = 0.2,
        first_chunk_delay_s: float = 0.0,
        sleep: Callable[[float], object] | None = None,
    ) -> None:
        self.sample_rate = sample_rate
        self._seconds_per_char = seconds_per_char
        self._chunk = max(1, int(chunk_s * sample_rate))
        self._first_delay_s = first_chunk_delay_s
        self._sleep = sleep or asyncio.sleep
        self.calls = 0

    async def synthesize(self, text: str, language: str) -> AsyncIterator[np.ndarray]:
        self.calls += 1
        if self._first_delay_s > 0:
            await self._sleep(self._first_delay_s)  # type: ignore[misc]
        total = int(len(text.strip()) * self._seconds_per_char * self.sample_rate)
        t = np.arange(total) / self.sample_rate
        tone = (np.sin(2 * np.pi * 440.0 * t) * 6000).astype(np.int16)
        for start in range(0, total, self._chunk):
            yield tone[start : start + self._chunk]
            await asyncio.sleep(0)
