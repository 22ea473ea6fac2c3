"""The speech engines a voice call uses when nothing else is configured: all offline.

Whisper (the bundled multilingual model first, so Chinese accounts are heard) for the bot's
ears, Piper for English and espeak-ng for Mandarin for its voice. Both load their models on
construction, so build them once per process and share them between calls.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from fairdial.voice.asr import make_stt
from fairdial.voice.engines import SpeechToText, TextToSpeech, Transcript
from fairdial.voice.tts import make_tts


def default_speech_to_text(**options: Any) -> SpeechToText:
    """Offline Whisper; `options` go to `WhisperSpeechToText` (model, beam_size, cpu_threads...)."""
    return make_stt("whisper", **options)


def default_text_to_speech(**options: Any) -> TextToSpeech:
    """Piper for English and espeak-ng for Chinese; `options` as for `make_tts("offline")`."""
    return make_tts("offline", **options)


class SpeechToTextByLanguage:
    """One recogniser per language ("en" -> an English-only model, which is faster), chosen on
    each turn by the exact tag first, then its first part. All must share one sample rate.
    """

    def __init__(self, engines: Mapping[str, SpeechToText]) -> None:
        rates = {engine.sample_rate for engine in engines.values()}
        if len(rates) != 1:
            raise ValueError(f"recognisers differ in sample rate: {sorted(rates)}")
        self.engines = dict(engines)
        self.sample_rate = rates.pop()

    async def transcribe(self, pcm: np.ndarray, language: str) -> Transcript:
        engine = self.engines.get(language) or self.engines.get(language.split("-")[0].lower())
        if engine is None:
            raise ValueError(
                f"no speech-to-text engine for {language}; configured: "
                + ", ".join(sorted(self.engines))
            )
        return await engine.transcribe(pcm, language)


__all__ = ["SpeechToTextByLanguage", "default_speech_to_text", "default_text_to_speech"]
