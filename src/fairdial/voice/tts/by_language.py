"""One text-to-speech engine per language behind a single engine, chosen on each reply."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping

import numpy as np

from fairdial.voice.engines import TextToSpeech


class ByLanguage:
    """Sends each reply to the engine for its language: the exact tag ("zh-TW") first, then its
    first part ("zh"). All engines must share one sample rate, the rate the call is set up for.
    """

    def __init__(self, engines: Mapping[str, TextToSpeech]) -> None:
        if not engines:
            raise ValueError("ByLanguage needs at least one engine")
        rates = {engine.sample_rate for engine in engines.values()}
        if len(rates) != 1:
            raise ValueError(f"engines differ in sample rate: {sorted(rates)}")
        self.engines = dict(engines)
        self.sample_rate = rates.pop()

    def engine_for(self, language: str) -> TextToSpeech:
        engine = self.engines.get(language) or self.engines.get(language.split("-")[0].lower())
        if engine is None:
            raise ValueError(
                f"no text-to-speech engine for {language}; configured: "
                + ", ".join(sorted(self.engines))
            )
        return engine

    def synthesize(self, text: str, language: str) -> AsyncIterator[np.ndarray]:
        return self.engine_for(language).synthesize(text, language)
