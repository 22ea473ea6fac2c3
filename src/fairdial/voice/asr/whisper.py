"""Whisper speech to text through faster-whisper (CTranslate2), on the CPU with int8 weights."""

from __future__ import annotations

import asyncio
import logging
import math
import os
import time
from pathlib import Path

import numpy as np
from faster_whisper import WhisperModel

from fairdial.conversation.text import to_simplified, to_traditional
from fairdial.voice.asr import models
from fairdial.voice.engines import Transcript

logger = logging.getLogger("fairdial.voice")

# Fast Mandarin runs near 6 characters a second, about one token each; English needs fewer.
_TOKENS_PER_SECOND = 8
_MAX_TOKENS = 220  # Whisper's decoder holds 448 tokens, half of them for the prompt


def whisper_language(language: str) -> str:
    """Whisper's code for an account language: "zh-TW" and "zh-CN" -> "zh", "en-US" -> "en"."""
    return language.split("-")[0].lower()


class WhisperSpeechToText:
    """Transcribes one borrower turn at a time; inference runs in a worker thread.

    Args:
        model: a model directory, a bundled model name ("base", "tiny.en") or a faster-whisper
            name already in the local cache; by default `FAIRDIAL_WHISPER_MODEL`, then the
            bundled models.
        beam_size: beams searched per turn; small keeps latency low on a phone line.
        cpu_threads: threads for one transcription.
        num_workers: transcriptions that may run at once (one per concurrent call, up to cores).
        cache_dir: where split bundled models are reassembled (`FAIRDIAL_MODEL_CACHE`).
    """

    sample_rate = 16000

    def __init__(
        self,
        model: str | os.PathLike[str] | None = None,
        *,
        beam_size: int = 2,
        cpu_threads: int = 2,
        num_workers: int = 1,
        cache_dir: Path | None = None,
    ) -> None:
        self.model_path = models.resolve(model, cache_dir)
        self.beam_size = beam_size
        try:
            self._model = WhisperModel(
                self.model_path,
                device="cpu",
                compute_type="int8",
                cpu_threads=cpu_threads,
                num_workers=num_workers,
                local_files_only=True,
            )
        except Exception as error:
            # faster-whisper raises hub errors for a name that is not in the local cache.
            raise models.ModelNotFoundError(
                f"cannot load whisper model {self.model_path!r}: {error}"
            ) from error
        self.multilingual = bool(self._model.model.is_multilingual)
        logger.info(
            "whisper model loaded",
            extra={"model_dir": self.model_path, "multilingual": self.multilingual},
        )

    async def transcribe(self, pcm: np.ndarray, language: str) -> Transcript:
        """Transcribe int16 mono audio at 16 kHz; text comes back in the account's script."""
        code = whisper_language(language)
        if code != "en" and not self.multilingual:
            raise ValueError(
                f"whisper model {self.model_path} is English-only; it cannot hear {language}"
            )

        seconds = len(pcm) / self.sample_rate
        if len(pcm) == 0:
            return Transcript("", language, None, 0.0)

        audio = pcm.astype(np.float32) / 32768.0
        started = time.perf_counter()
        text, confidence = await asyncio.to_thread(self._run, audio, code)
        elapsed = time.perf_counter() - started
        logger.debug(
            "turn transcribed",
            extra={"audio_s": round(seconds, 2), "rtf": round(elapsed / seconds, 3)},
        )

        if language in ("zh-TW", "zh-HK"):
            text = to_traditional(text)
        elif language == "zh-CN":
            text = to_simplified(text)
        return Transcript(text, language, confidence, seconds)

    def _run(self, audio: np.ndarray, code: str) -> tuple[str, float | None]:
        seconds = len(audio) / self.sample_rate
        segments, _ = self._model.transcribe(
            audio,
            language=code,
            beam_size=self.beam_size,
            # Each turn stands alone: earlier text would only let one mishearing feed the next.
            condition_on_previous_text=False,
            without_timestamps=True,
            vad_filter=False,  # the call's own voice activity detector has already cut the turn
            # A turn is heard while the borrower waits: one retry when decoding goes astray,
            # and no more text than a person says in that time, so a looping decode ends fast.
            temperature=(0.0, 0.4),
            max_new_tokens=min(_MAX_TOKENS, 10 + int(_TOKENS_PER_SECOND * seconds)),
        )
        spoken = [segment for segment in segments if segment.text.strip()]
        if not spoken:
            return "", None

        text = "".join(segment.text for segment in spoken).strip()
        tokens = sum(max(1, len(segment.tokens)) for segment in spoken)
        mean_logprob = sum(s.avg_logprob * max(1, len(s.tokens)) for s in spoken) / tokens
        return text, min(1.0, math.exp(mean_logprob))
