"""Whisper speech to text through faster-whisper (CTranslate2), on the CPU with int8 weights.

Whisper's encoder was trained on 30-second windows, and faster-whisper pads every input to one;
on two cores that padding is most of a short turn's cost (tiny.en: 350-430 ms to encode 30 s,
about 100 ms for 10 s). A borrower's turn is seldom longer than a few seconds, so it is encoded
in a window of its own length plus a margin of silence, at least 10 s, and decoded greedily in
one pass. Windows much shorter than that make the decoder repeat itself (measured on Asterisk's
recorded prompts: 5 s windows gave 17% word errors, 10 s windows 2.7%, the full window 2.9%).
A result that still looks unreliable (a sentence said twice over, repetitive, improbable, or
empty) is transcribed again the standard way, on the full window with temperature fallback.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import os
import re
import time
from pathlib import Path

import ctranslate2
import numpy as np
from faster_whisper import WhisperModel
from faster_whisper.tokenizer import Tokenizer
from faster_whisper.transcribe import get_compression_ratio, get_suppressed_tokens

from fairdial.conversation.text import to_simplified, to_traditional
from fairdial.voice.asr import models
from fairdial.voice.engines import Transcript

logger = logging.getLogger("fairdial.voice")

# Fast Mandarin runs near 6 characters a second, about one token each; English needs fewer.
_TOKENS_PER_SECOND = 8
_MAX_TOKENS = 220  # Whisper's decoder holds 448 tokens, half of them for the prompt

_SAMPLES_PER_FRAME = 160  # one mel frame per 10 ms at 16 kHz
_FULL_WINDOW_FRAMES = 3000  # the 30 s Whisper was trained on
# A short-window result is trusted only inside the limits faster-whisper's own fallback uses.
_MAX_COMPRESSION_RATIO = 2.4
_MIN_AVG_LOGPROB = -1.0


_SENTENCE_END = re.compile(r"(?<=[.?!。？！])\s*")


def _says_twice(text: str) -> bool:
    """True when one sentence follows itself: the loop a decoder falls into past the speech."""
    sentences = [s.strip(" .?!。？！,，").lower() for s in _SENTENCE_END.split(text)]
    sentences = [s for s in sentences if s]
    # The decoder's token budget may cut the repeat short: a prefix of the sentence counts.
    return any(b and a.startswith(b) for a, b in itertools.pairwise(sentences))


def whisper_language(language: str) -> str:
    """Whisper's code for an account language: "zh-TW" and "zh-CN" -> "zh", "en-US" -> "en"."""
    return language.split("-")[0].lower()


class WhisperSpeechToText:
    """Transcribes one borrower turn at a time; inference runs in a worker thread.

    Args:
        model: a model directory, a bundled model name ("base", "tiny.en") or a faster-whisper
            name already in the local cache; by default `FAIRDIAL_WHISPER_MODEL`, then the
            bundled models.
        beam_size: beams searched per turn on the full window; small keeps latency low.
        window_margin_s: silence after the turn in its short window (0 turns the short
            window off: every turn is encoded in 30 s).
        min_window_s: the shortest window a turn is encoded in.
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
        window_margin_s: float = 2.0,
        min_window_s: float = 10.0,
        cpu_threads: int = 2,
        num_workers: int = 1,
        cache_dir: Path | None = None,
    ) -> None:
        self.model_path = models.resolve(model, cache_dir)
        self.beam_size = beam_size
        self.window_margin_s = window_margin_s
        self.min_window_s = min_window_s
        self.fallbacks = 0  # turns the short window could not be trusted with
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
        window = self._window_frames(len(audio))
        if window is not None:
            heard = self._run_windowed(audio, code, window)
            if heard is not None:
                return heard
            self.fallbacks += 1
        return self._run_full(audio, code)

    def _window_frames(self, samples: int) -> int | None:
        """Mel frames of the short window for `samples` of audio, or None to use the full one."""
        if self.window_margin_s <= 0:
            return None
        seconds = max(samples / self.sample_rate + self.window_margin_s, self.min_window_s)
        frames = math.ceil(seconds) * (self.sample_rate // _SAMPLES_PER_FRAME)
        return frames if frames < _FULL_WINDOW_FRAMES else None

    def _run_windowed(
        self, audio: np.ndarray, code: str, frames: int
    ) -> tuple[str, float | None] | None:
        """One greedy pass over a window of `frames`; None when the result is not to be trusted."""
        padded = np.zeros(frames * _SAMPLES_PER_FRAME, dtype=np.float32)
        padded[: len(audio)] = audio
        features = self._model.feature_extractor(padded, padding=0)[:, :frames]
        encoded = self._model.model.encode(
            ctranslate2.StorageView.from_array(np.ascontiguousarray(features[np.newaxis])),
            to_cpu=False,
        )
        tokenizer = Tokenizer(
            self._model.hf_tokenizer, self.multilingual, task="transcribe", language=code
        )
        prompt = self._model.get_prompt(tokenizer, [], without_timestamps=True)
        seconds = len(audio) / self.sample_rate
        result = self._model.model.generate(
            encoded,
            [prompt],
            beam_size=1,
            max_length=len(prompt) + min(_MAX_TOKENS, 10 + int(_TOKENS_PER_SECOND * seconds)),
            return_scores=True,
            suppress_blank=True,
            suppress_tokens=get_suppressed_tokens(tokenizer, [-1]),
        )[0]
        tokens = result.sequences_ids[0]
        text = tokenizer.decode(tokens).strip()
        # The score is the sum of log probabilities over the tokens, divided by their number.
        avg_logprob = result.scores[0] * len(tokens) / (len(tokens) + 1)
        if not text or avg_logprob < _MIN_AVG_LOGPROB:
            return None
        if get_compression_ratio(text) > _MAX_COMPRESSION_RATIO or _says_twice(text):
            return None
        return text, min(1.0, math.exp(avg_logprob))

    def _run_full(self, audio: np.ndarray, code: str) -> tuple[str, float | None]:
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
