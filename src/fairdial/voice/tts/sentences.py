"""Speaking a reply sentence by sentence, so the first audio leaves before the rest is made.

Every engine here shares one shape: normalise the reply for speech, split it into sentences,
render each (from the prompt cache when it was said before), and yield its audio as soon as it
is ready. While the caller plays one sentence, the next is being rendered. A long first
sentence gives its opening clause ("I understand," "好的，") a render of its own: rendering time
grows with the audio's length (Piper: 47 ms for "Thank you," against 112 ms for "Thank you, I
have noted that."), and the borrower hears the bot start that much sooner.
"""

from __future__ import annotations

import asyncio
import re
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator

import numpy as np

from fairdial.voice.normalize import for_speech
from fairdial.voice.tts.cache import PromptCache, PromptKey

# A sentence ends at Chinese full stops, ! ? ; (either width), or a '.' before a space or the end.
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])|(?<=\.)(?=\s)|\n+")
_CLAUSE_END = re.compile(r"(?<=[，,、：:])")
# "Mr. Chen" is one sentence; these never end one.
_ABBREVIATIONS = ("Mr.", "Mrs.", "Ms.", "Dr.", "St.", "No.", "e.g.", "i.e.")
# Lengths in spoken weight: a Chinese character takes about as long to say as three letters.
_LEAD_MIN_WEIGHT = 24  # a first sentence lighter than this is rendered whole
_CLAUSE_MIN_WEIGHT = 3  # "OK," and "好的，" lead; a lone "I," does not
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def split_sentences(text: str, max_chars: int = 100) -> list[str]:
    """Sentences of `text`; one longer than `max_chars` is cut at commas, packing clauses."""
    sentences: list[str] = []
    for piece in _SENTENCE_END.split(text):
        piece = piece.strip()
        if not piece:
            continue
        if sentences and sentences[-1].endswith(_ABBREVIATIONS):
            sentences[-1] += " " + piece
        else:
            sentences.append(piece)
    return [part for sentence in sentences for part in _pack_clauses(sentence, max_chars)]


def split_for_speaking(text: str) -> list[str]:
    """`split_sentences`, with the opening clause of a long first sentence on its own."""
    parts = split_sentences(text)
    if not parts or _weight(parts[0]) < _LEAD_MIN_WEIGHT:
        return parts
    lead, *rest = _CLAUSE_END.split(parts[0], maxsplit=1)
    if not rest or _weight(lead.strip(" ,，、：:")) < _CLAUSE_MIN_WEIGHT or not rest[0].strip():
        return parts
    return [lead.strip(), rest[0].strip(), *parts[1:]]


def _weight(text: str) -> int:
    return len(text) + 2 * len(_CJK.findall(text))


def _pack_clauses(sentence: str, max_chars: int) -> list[str]:
    if len(sentence) <= max_chars:
        return [sentence]
    parts: list[str] = []
    for clause in _CLAUSE_END.split(sentence):
        if parts and len(parts[-1]) + len(clause) <= max_chars:
            parts[-1] += clause
        elif clause.strip():
            parts.append(clause)
    return [part.strip() for part in parts if part.strip()]


class SentenceTextToSpeech(ABC):
    """Base of the sentence-streaming engines; a subclass renders one sentence in one voice."""

    engine: str
    sample_rate: int

    def __init__(self, *, cache: PromptCache | None = None, normalize: bool = True) -> None:
        self.cache = cache if cache is not None else PromptCache()
        self.normalize = normalize

    @abstractmethod
    def voice_for(self, language: str) -> str:
        """The voice that speaks `language`; ValueError when this engine has none."""

    @abstractmethod
    async def render(self, sentence: str, voice: str) -> np.ndarray:
        """One sentence as int16 mono audio at `sample_rate`."""

    async def synthesize(self, text: str, language: str) -> AsyncIterator[np.ndarray]:
        """Yield one int16 chunk per sentence, the first as soon as it is rendered."""
        voice = self.voice_for(language)
        spoken = for_speech(text, language) if self.normalize else text
        keys = [PromptKey(self.engine, voice, language, s) for s in split_for_speaking(spoken)]
        if not keys:
            return

        pending = asyncio.ensure_future(self._audio(keys[0]))
        try:
            for index in range(len(keys)):
                audio = await pending
                if index + 1 < len(keys):
                    pending = asyncio.ensure_future(self._audio(keys[index + 1]))
                if audio.size:
                    yield audio
        finally:
            # The caller stopped listening (barge-in or hang-up): drop the sentence in flight.
            pending.cancel()

    async def _audio(self, key: PromptKey) -> np.ndarray:
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        audio = await self.render(key.text, key.voice)
        self.cache.put(key, audio)
        return audio
