"""Speaking one utterance: sentence by sentence through the TTS, into the pacer, with a cache.

The first sentence's first chunk goes on the line as soon as it exists; later sentences are
synthesised while earlier ones play. Fixed prompts (the same text in the same language) come
from an LRU cache instead of the engine. After an interruption, `played_text` gives the words
that were really heard, in proportion to the frames sent.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable

import numpy as np

from fairdial.voice.audio.g711 import ulaw_encode
from fairdial.voice.audio.pacer import OutputPacer
from fairdial.voice.audio.pcm import PHONE_RATE, Framer, StreamResampler
from fairdial.voice.engines import TextToSpeech

# ASCII stops need a space after them so "$12,050.00" stays one sentence; CJK stops do not.
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|(?<=[。！？；])")
_EMPTY = np.zeros(0, dtype=np.int16)
_TOKEN = re.compile(r"[\u3000-\u9fff\uf900-\ufaff]|[^\s\u3000-\u9fff\uf900-\ufaff]+")


def split_sentences(text: str) -> list[str]:
    return [part.strip() for part in _SENTENCE_END.split(text) if part.strip()]


def tokens(text: str) -> list[str]:
    """Words, with each CJK character a word of its own (a syllable on the line)."""
    return _TOKEN.findall(text)


def _join(parts: list[str]) -> str:
    text = ""
    for part in parts:
        cjk = bool(re.match(r"[\u3000-\u9fff\uf900-\ufaff]", part))
        previous_cjk = bool(text) and bool(re.match(r"[\u3000-\u9fff\uf900-\ufaff]", text[-1]))
        text += part if (not text or cjk or previous_cjk) else " " + part
    return text


class PromptCache:
    """Encoded frames of recently spoken sentences, by (language, text); least recent goes first."""

    def __init__(self, max_entries: int = 512) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[str, str], tuple[bytes, ...]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, language: str, text: str) -> tuple[bytes, ...] | None:
        frames = self._entries.get((language, text))
        if frames is None:
            self.misses += 1
            return None
        self._entries.move_to_end((language, text))
        self.hits += 1
        return frames

    def put(self, language: str, text: str, frames: tuple[bytes, ...]) -> None:
        self._entries[(language, text)] = frames
        self._entries.move_to_end((language, text))
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)


class Playback:
    """One utterance on its way out. `produce` runs as a task; the pacer counts frames sent."""

    def __init__(
        self,
        play_id: int,
        text: str,
        language: str,
        tts: TextToSpeech,
        pacer: OutputPacer,
        cache: PromptCache,
        on_first_chunk: Callable[[], None] | None = None,
    ) -> None:
        self.play_id = play_id
        self.sentences = split_sentences(text)
        self.language = language
        self._tts = tts
        self._pacer = pacer
        self._cache = cache
        self._on_first_chunk = on_first_chunk
        self.totals: list[int | None] = [None] * len(self.sentences)
        self.made = [0] * len(self.sentences)  # frames queued so far, per sentence
        self.produced = False

    def tag(self, index: int) -> tuple[int, int]:
        return (self.play_id, index)

    async def produce(self) -> None:
        for index, sentence in enumerate(self.sentences):
            cached = self._cache.get(self.language, sentence)
            if cached is not None:
                self._first_chunk()
                for frame in cached:
                    self._pacer.enqueue(frame, self.tag(index))
                self.totals[index] = self.made[index] = len(cached)
                continue
            frames = await self._synthesize(index, sentence)
            self.totals[index] = len(frames)
            self._cache.put(self.language, sentence, tuple(frames))
        self.produced = True

    async def _synthesize(self, index: int, sentence: str) -> list[bytes]:
        resampler = StreamResampler(self._tts.sample_rate, PHONE_RATE)
        framer = Framer()
        frames: list[bytes] = []

        def emit(pcm_frames: list[np.ndarray]) -> None:
            for pcm in pcm_frames:
                frame = ulaw_encode(pcm)
                frames.append(frame)
                self.made[index] += 1
                self._pacer.enqueue(frame, self.tag(index))

        async for chunk in self._tts.synthesize(sentence, self.language):
            self._first_chunk()
            emit(framer.push(resampler.push(chunk)))
        emit(framer.push(resampler.push(_EMPTY, last=True)))
        emit(framer.flush())
        return frames

    def _first_chunk(self) -> None:
        if self._on_first_chunk is not None:
            self._on_first_chunk()
            self._on_first_chunk = None

    def played_text(self) -> str:
        """The words heard so far: whole sentences, then a share of the interrupted one."""
        heard: list[str] = []
        for index, sentence in enumerate(self.sentences):
            sent = self._pacer.sent[self.tag(index)]
            # While a sentence is still being synthesised, what exists so far stands for it.
            total = self.totals[index] or self.made[index]
            words = tokens(sentence)
            if self.totals[index] is not None and sent >= total:
                heard.extend(words)
                continue
            if total:
                heard.extend(words[: len(words) * sent // total])
            break
        return _join(heard)

    def fully_played(self) -> bool:
        return self.produced and all(
            total is not None and self._pacer.sent[self.tag(i)] >= total
            for i, total in enumerate(self.totals)
        )

    def forget(self) -> None:
        """Drop this utterance's counters from the pacer once it is recorded."""
        for index in range(len(self.sentences)):
            self._pacer.sent.pop(self.tag(index), None)
