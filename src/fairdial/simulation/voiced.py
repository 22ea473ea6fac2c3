"""Simulated borrowers who speak: the text simulator's borrower, heard through a voice.

What the borrower means and says comes from the text simulator's `SimSession` (the same
personas, memory and replies); this module turns each reply into telephone audio in a voice
unlike the bot's (another engine or voice, shifted in pitch and pace, over background noise)
and decides when on the line it is spoken. Usually that is after the bot has finished and is
listening, once the borrower's own pause has passed. Some borrowers talk over the bot, as real
ones do (`TalkOverHabits`, drawn from the call's stance and the persona's chattiness):

- an interruption: the reply to a debt statement or an offer, started 0.5-1.5 s into it;
- a backchannel: an "uh-huh", "嗯" or a cough of under 200 ms during a mandatory disclosure,
  which means nothing and must not stop it.

The bot learns of either only from the audio on its line.

Limitations: only the acts in `TalkOverHabits.interrupts` are interrupted, and borrowers ready
to deal interrupt only the debt statement, never an offer whose terms they have not heard yet;
a borrower who was not heard never repeats themself; replies are rendered before they are
spoken, and the line's clock waits for that rendering.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import soxr

from fairdial.simulation.personas import Stance
from fairdial.telephony.base import BotUtterance, HeardTurn
from fairdial.telephony.sim import SimSession, speaking_seconds
from fairdial.voice.audio.g711 import ulaw_encode
from fairdial.voice.audio.pacer import FRAME_S
from fairdial.voice.audio.pcm import PHONE_RATE, frame_samples
from fairdial.voice.engines import TextToSpeech
from fairdial.voice.session import DISCLOSURE_ACTS

_FRAME = frame_samples()
_HANG_UP_AFTER_S = 0.4  # a borrower who says goodbye puts the phone down right after
_AUDIBLE = 500  # int16 level (-36 dBFS) above which a sample is the borrower's voice, not noise


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


INTERRUPTION = "interruption"
BACKCHANNEL = "backchannel"

# Acts whose drift a borrower can tell before the end: the debt, and what the bot asks for.
_STATEMENT = frozenset({"state_debt"})
_ASKS = frozenset({"ask_payment", "offer_plan", "offer_settlement", "counter_offer"})
# Stances that object talk over the bot readily, at these chances per sentence; their replies
# to an ask never accept its terms, so answering before the terms are heard stays honest.
_OBJECTING = {
    Stance.ANGRY: 0.6,
    Stance.STOP: 0.6,
    Stance.REFUSER: 0.45,
    Stance.DISPUTER: 0.45,
    Stance.ALREADY_PAID: 0.45,
    Stance.CALLBACK: 0.3,
}
_BACKCHANNELS = {
    "en": ("Uh-huh.", "Mm-hm.", "Yeah."),
    "zh-TW": ("嗯", "對", "好"),
    "zh-CN": ("嗯", "对", "好"),
    "zh": ("嗯",),
}
_BACKCHANNEL_S = 0.16  # the voiced part kept: shorter than the bot's 200 ms barge-in threshold
_BOT_TALKING_S = 0.06  # the bot counts as talking if one of its frames came this recently
_MIN_LEFT_S = 0.8  # an interruption needs this much of the bot's sentence still to come


@dataclass(frozen=True)
class TalkOverHabits:
    """How a borrower talks over the bot: chances per bot sentence, and which acts invite it.

    `interrupts` are the acts the borrower may answer before they end; a backchannel can come
    during any disclosure; `cough_share` of backchannels are a cough rather than a word.
    """

    interrupt_rate: float = 0.0
    interrupts: frozenset[str] = frozenset()
    backchannel_rate: float = 0.0
    cough_share: float = 0.3

    def __post_init__(self) -> None:
        for name in ("interrupt_rate", "backchannel_rate", "cough_share"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"TalkOverHabits.{name} is a chance from 0 to 1, not {value}")


def talk_over_habits(stance: str | None, chattiness: float) -> TalkOverHabits:
    """The habits of the person on a call: `stance` is the call's (None for a machine)."""
    if stance is None:
        return TalkOverHabits()
    objecting = _OBJECTING.get(Stance(stance))
    if objecting is None:
        # Ready to deal: only the chatty ones answer the debt statement before it ends.
        return TalkOverHabits(0.3 * chattiness, _STATEMENT, 0.6 * chattiness)
    return TalkOverHabits(
        min(0.9, objecting + 0.3 * chattiness), _STATEMENT | _ASKS, 0.3 * chattiness
    )


@dataclass(frozen=True)
class SpokenReply:
    text: str
    starts_at: float  # frame time
    seconds: float


@dataclass
class TalkOver:
    """One time the borrower spoke while the bot was speaking, as heard at the borrower's end.

    `onset` is the frame time of the borrower's first audible sample and `bot_until` the end of
    the bot's last frame heard before the bot next listened or spoke again.
    """

    kind: str  # INTERRUPTION or BACKCHANNEL
    act: str  # the bot act spoken over
    onset: float
    seconds: float  # of the borrower's voice, from onset
    bot_until: float

    @property
    def bot_went_on_s(self) -> float:
        """How long the bot kept talking after the borrower started: its stop latency."""
        return max(0.0, self.bot_until - self.onset)


@dataclass(frozen=True)
class _Plan:
    kind: str
    act: str
    after_s: float  # into the bot's sentence
    audio: np.ndarray
    heard: HeardTurn | None = None  # the reply an interruption carries


def audible_from(pcm: np.ndarray) -> int:
    """Index of the first sample loud enough to be voice; len(pcm) if there is none."""
    loud = np.flatnonzero(np.abs(pcm.astype(np.int32)) > _AUDIBLE)
    return int(loud[0]) if len(loud) else len(pcm)


def clip_voiced(pcm: np.ndarray, seconds: float) -> np.ndarray:
    """At most `seconds` of `pcm` from its first audible sample, faded in and out (no clicks)."""
    start = audible_from(pcm)
    part = pcm[start : start + round(seconds * PHONE_RATE)].astype(np.float32)
    fade = min(len(part) // 2, PHONE_RATE // 100)
    if fade:
        ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
        part[:fade] *= ramp
        part[len(part) - fade :] *= ramp[::-1]
    return part.astype(np.int16)


def cough(rng: np.random.Generator, seconds: float = 0.14) -> np.ndarray:
    """A cough-like burst: noise with a sharp attack and a fast decay, dull rather than hissy."""
    t = np.arange(round(seconds * PHONE_RATE)) / PHONE_RATE
    envelope = np.minimum(t / 0.008, 1.0) * np.exp(-t / 0.05)
    # A short moving average takes the top of the band off, as a throat does.
    burst = np.convolve(rng.normal(0.0, 1.0, len(t)), np.ones(4) / 4, mode="same") * envelope
    peak = float(np.max(np.abs(burst))) or 1.0
    return (burst / peak * 8000).astype(np.int16)


class VoicedBorrower:
    """The far end of a simulated audio call, driven by the text simulator's session.

    The line asks `frame(at)` for each 20 ms the borrower sends; the bot's session tells it
    what the bot said (`bot_said`), when the bot listens (`bot_listening`) and when each bot
    frame was heard (`heard_bot`). `habits` and `timing` (its random stream) decide when the
    borrower talks over the bot; the default never does.
    """

    def __init__(
        self,
        brain: SimSession,
        voice: BorrowerVoice,
        language: str,
        rng: np.random.Generator,
        *,
        habits: TalkOverHabits | None = None,
        timing: random.Random | None = None,
        listen_timeout_s: float = 8.0,
    ) -> None:
        self.brain = brain
        self.voice = voice
        self.language = language
        self.habits = habits or TalkOverHabits()
        self._rng = rng
        self._timing = timing or random.Random(0)
        self._listen_timeout_s = listen_timeout_s
        self._bot_listening = False
        self._last_bot_frame: float | None = None
        self._bot_began: float | None = None  # first frame of the bot's current sentence
        self._speech = np.zeros(0, dtype=np.int16)
        self._starts_at = 0.0
        self._hang_up_at: float | None = None
        self._answered = False  # the brain's reply to the bot's last sentence has been taken
        self._owes_turn = False  # an interruption the bot has not yet listened for
        self._plan: _Plan | None = None
        self._talking_over: TalkOver | None = None
        self.replies: list[SpokenReply] = []
        self.talk_overs: list[TalkOver] = []

    @property
    def hung_up(self) -> bool:
        return self._hang_up_at is not None

    async def bot_said(self, utterance: BotUtterance) -> None:
        """The bot is about to say `utterance`; any talking over it is prepared now."""
        self._bot_listening = False
        self._bot_began = None
        self._talking_over = None
        self._answered = False
        await self.brain.say(utterance)
        if self._plan is not None and self._plan.heard is None:
            self._plan = None  # a backchannel belongs to the sentence it was meant for
        if self._plan is None and not self._owes_turn and not self.brain.hung_up:
            self._plan = await self._plan_for(utterance)

    def bot_listening(self) -> None:
        self._talking_over = None
        if self._owes_turn:
            # The interruption is the turn this listen hears: the borrower has had their say.
            self._owes_turn = False
            return
        self._bot_listening = True

    def heard_bot(self, at: float) -> None:
        self._last_bot_frame = at
        if self._bot_began is None:
            self._bot_began = at
        if self._talking_over is not None:
            self._talking_over.bot_until = at + FRAME_S

    async def bot_hung_up(self) -> None:
        if not self.brain.hung_up:
            await self.brain.hangup()

    async def frame(self, at: float) -> bytes | None:
        """The borrower's 20 ms starting at frame time `at`, or None once they have hung up."""
        if self._hang_up_due(at):
            return None
        if self._bot_listening:
            if not self._speaking_or_due(at):
                self._bot_listening = False
                await self._take_turn(at)
                if self._hang_up_due(at):
                    return None
        elif self._plan is not None and self._plan_due(self._plan, at):
            self._talk_over(self._plan, at)

        pcm = self.voice.noise(self._rng, _FRAME)
        offset = round((at - self._starts_at) * PHONE_RATE)
        if 0 <= offset < len(self._speech):
            speech = self._speech[offset : offset + _FRAME]
            pcm[: len(speech)] += speech
        return ulaw_encode(np.clip(pcm, -32768, 32767).astype(np.int16))

    def _hang_up_due(self, at: float) -> bool:
        return self._hang_up_at is not None and at >= self._hang_up_at - 1e-9

    def _speaking_or_due(self, at: float) -> bool:
        return at < self._starts_at + len(self._speech) / PHONE_RATE

    async def _ask_brain(self) -> HeardTurn | None:
        self._answered = True
        return await self.brain.listen(self._listen_timeout_s)

    async def _take_turn(self, at: float) -> None:
        plan, self._plan = self._plan, None
        if plan is not None and plan.heard is not None:
            # The bot finished before the borrower cut in: the reply waits its turn after all.
            heard, speech = plan.heard, plan.audio
        else:
            heard = None if self._answered else await self._ask_brain()
            if heard is None:
                if self.brain.hung_up:
                    self._hang_up_at = at
                return
            speech = await self.voice.render(heard.text, self.language)

        # The simulator's turn length is its pause before speaking plus its speaking time.
        pause = max(0.2, heard.seconds - speaking_seconds(heard.text))
        bot_stopped = (self._last_bot_frame + FRAME_S) if self._last_bot_frame is not None else at
        self._speak(heard.text, speech, max(at, bot_stopped + pause))

    def _speak(self, text: str, speech: np.ndarray, at: float) -> None:
        self._speech, self._starts_at = speech, at
        seconds = len(speech) / PHONE_RATE
        self.replies.append(SpokenReply(text, at, seconds))
        if self.brain.hung_up:
            self._hang_up_at = at + seconds + _HANG_UP_AFTER_S

    async def _plan_for(self, utterance: BotUtterance) -> _Plan | None:
        """Whether and when to talk over this sentence; the audio is rendered here, up front."""
        habits, timing = self.habits, self._timing
        expected = speaking_seconds(utterance.text)
        if utterance.act in habits.interrupts and timing.random() < habits.interrupt_rate:
            after = timing.uniform(0.5, 1.5)
            if expected < after + _MIN_LEFT_S:
                return None
            heard = await self._ask_brain()
            if heard is None:
                return None
            audio = await self.voice.render(heard.text, self.language)
            return _Plan(INTERRUPTION, utterance.act, after, audio, heard)
        if utterance.act in DISCLOSURE_ACTS and timing.random() < habits.backchannel_rate:
            if expected < 1.5:
                return None
            after = timing.uniform(0.8, expected - 0.6)
            return _Plan(BACKCHANNEL, utterance.act, after, await self._backchannel())
        return None

    async def _backchannel(self) -> np.ndarray:
        if self._timing.random() < self.habits.cough_share:
            return cough(self._rng)
        words = _BACKCHANNELS.get(self.language) or _BACKCHANNELS[self.language.split("-")[0]]
        rendered = await self.voice.render(self._timing.choice(words), self.language)
        return clip_voiced(rendered, _BACKCHANNEL_S)

    def _plan_due(self, plan: _Plan, at: float) -> bool:
        began, last = self._bot_began, self._last_bot_frame
        return (
            began is not None
            and last is not None
            and at >= began + plan.after_s - 1e-9
            and at - last <= _BOT_TALKING_S + 1e-9
            and not self._speaking_or_due(at)
        )

    def _talk_over(self, plan: _Plan, at: float) -> None:
        self._plan = None
        onset = at + audible_from(plan.audio) / PHONE_RATE
        seconds = at + len(plan.audio) / PHONE_RATE - onset
        assert self._last_bot_frame is not None
        talk = TalkOver(plan.kind, plan.act, onset, seconds, self._last_bot_frame + FRAME_S)
        self.talk_overs.append(talk)
        self._talking_over = talk
        if plan.heard is None:
            self._speech, self._starts_at = plan.audio, at
            return
        self._owes_turn = True
        self._speak(plan.heard.text, plan.audio, at)
