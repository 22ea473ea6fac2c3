"""Simulated borrowers who speak: the text simulator's borrower, heard through a voice.

What the borrower means and says comes from the text simulator's `SimSession` (the same
personas, memory and replies); this module turns each reply into telephone audio in a voice
unlike the bot's (another engine or voice, shifted in pitch and pace, over background noise)
and decides when on the line it is spoken: after the bot has finished and is listening, once
the borrower's own pause has passed.

Limitations: the borrower never interrupts the bot, so barge-in is not exercised here; the
reply is rendered before it is spoken, and the line's clock waits for that rendering.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import soxr

from fairdial.telephony.base import BotUtterance
from fairdial.telephony.sim import SimSession, speaking_seconds
from fairdial.voice.audio.g711 import ulaw_encode
from fairdial.voice.audio.pacer import FRAME_S
from fairdial.voice.audio.pcm import PHONE_RATE, frame_samples
from fairdial.voice.engines import TextToSpeech

_FRAME = frame_samples()
_HANG_UP_AFTER_S = 0.4  # a borrower who says goodbye puts the phone down right after


@dataclass(frozen=True)
class BorrowerVoice:
    """How one simulated borrower sounds.

    `pitch` above 1 plays the engine's audio as if recorded faster: a higher, quicker voice.
    `noise_dbfs` is the level of the room and line noise under everything the borrower sends.
    """

    engine: TextToSpeech
    pitch: float = 1.0
    gain: float = 0.7
    noise_dbfs: float = -52.0

    async def render(self, text: str, language: str) -> np.ndarray:
        """The reply as int16 audio at 8 kHz, without noise."""
        chunks = [chunk async for chunk in self.engine.synthesize(text, language)]
        if not chunks:
            return np.zeros(0, dtype=np.int16)
        pcm = np.concatenate(chunks).astype(np.float32) * self.gain
        phone = soxr.resample(pcm, self.engine.sample_rate * self.pitch, PHONE_RATE)
        return np.clip(phone, -32768, 32767).astype(np.int16)

    def noise(self, rng: np.random.Generator, samples: int) -> np.ndarray:
        level = 32768.0 * 10 ** (self.noise_dbfs / 20)
        return rng.normal(0.0, level, samples).astype(np.float32)


class BorrowerVoices:
    """A voice per language: the exact tag ("zh-TW") first, then its first part ("zh")."""

    def __init__(self, voices: Mapping[str, BorrowerVoice]) -> None:
        self.voices = dict(voices)

    def for_language(self, language: str) -> BorrowerVoice:
        voice = self.voices.get(language) or self.voices.get(language.split("-")[0].lower())
        if voice is None:
            raise ValueError(
                f"no simulated borrower voice for {language}; configured: "
                + ", ".join(sorted(self.voices))
            )
        return voice


def default_borrower_voices(english: TextToSpeech | None = None) -> BorrowerVoices:
    """English: the Piper voice a tenth higher and quicker; Mandarin: espeak-ng's female variant.

    Pass the bot's own Piper engine as `english` to share its loaded model.
    """
    from fairdial.voice.tts.espeak import EspeakTextToSpeech

    if english is None:
        from fairdial.voice.tts.piper import PiperTextToSpeech

        english = PiperTextToSpeech()
    mandarin = EspeakTextToSpeech({"zh": "cmn-latn-pinyin+f2"}, words_per_minute=165)
    return BorrowerVoices(
        {"en": BorrowerVoice(english, pitch=1.1), "zh": BorrowerVoice(mandarin, pitch=1.05)}
    )


@dataclass(frozen=True)
class SpokenReply:
    text: str
    starts_at: float  # frame time
    seconds: float


class VoicedBorrower:
    """The far end of a simulated audio call, driven by the text simulator's session.

    The line asks `frame(at)` for each 20 ms the borrower sends; the bot's session tells it
    what the bot said (`bot_said`), when the bot listens (`bot_listening`) and when each bot
    frame was heard (`heard_bot`).
    """

    def __init__(
        self,
        brain: SimSession,
        voice: BorrowerVoice,
        language: str,
        rng: np.random.Generator,
        *,
        listen_timeout_s: float = 8.0,
    ) -> None:
        self.brain = brain
        self.voice = voice
        self.language = language
        self._rng = rng
        self._listen_timeout_s = listen_timeout_s
        self._bot_listening = False
        self._last_bot_frame: float | None = None
        self._speech = np.zeros(0, dtype=np.int16)
        self._starts_at = 0.0
        self._hang_up_at: float | None = None
        self.replies: list[SpokenReply] = []

    @property
    def hung_up(self) -> bool:
        return self._hang_up_at is not None

    async def bot_said(self, utterance: BotUtterance) -> None:
        self._bot_listening = False
        await self.brain.say(utterance)

    def bot_listening(self) -> None:
        self._bot_listening = True

    def heard_bot(self, at: float) -> None:
        self._last_bot_frame = at

    async def bot_hung_up(self) -> None:
        if not self.brain.hung_up:
            await self.brain.hangup()

    async def frame(self, at: float) -> bytes | None:
        """The borrower's 20 ms starting at frame time `at`, or None once they have hung up."""
        if self._hang_up_at is not None and at >= self._hang_up_at - 1e-9:
            return None
        if self._bot_listening and not self._speaking_or_due(at):
            self._bot_listening = False
            await self._take_turn(at)
            if self._hang_up_at is not None and at >= self._hang_up_at - 1e-9:
                return None

        pcm = self.voice.noise(self._rng, _FRAME)
        offset = round((at - self._starts_at) * PHONE_RATE)
        if 0 <= offset < len(self._speech):
            speech = self._speech[offset : offset + _FRAME]
            pcm[: len(speech)] += speech
        return ulaw_encode(np.clip(pcm, -32768, 32767).astype(np.int16))

    def _speaking_or_due(self, at: float) -> bool:
        return at < self._starts_at + len(self._speech) / PHONE_RATE

    async def _take_turn(self, at: float) -> None:
        heard = await self.brain.listen(self._listen_timeout_s)
        if heard is None:
            if self.brain.hung_up:
                self._hang_up_at = at
            return

        # The simulator's turn length is its pause before speaking plus its speaking time.
        pause = max(0.2, heard.seconds - speaking_seconds(heard.text))
        bot_stopped = (self._last_bot_frame + FRAME_S) if self._last_bot_frame is not None else at
        self._speech = await self.voice.render(heard.text, self.language)
        self._starts_at = max(at, bot_stopped + pause)
        seconds = len(self._speech) / PHONE_RATE
        self.replies.append(SpokenReply(heard.text, self._starts_at, seconds))
        if self.brain.hung_up:
            self._hang_up_at = self._starts_at + seconds + _HANG_UP_AFTER_S
