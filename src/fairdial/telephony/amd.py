"""Answering-machine detection on the first seconds of an answered call's audio.

A person answers with a short word ("hello?", "喂？") and then waits for the caller; a machine
talks for several seconds without a real pause and often ends with a beep, a steady tone
between about 800 and 2000 Hz. The detector scores 20 ms frames for speech (energy or any
`VadEngine`) and for a steady tone, and decides `human`, `machine` or, at a hard deadline,
`unsure`, which callers treat as human so the bot is never silent on a live person.

After a `machine` decision, `wait_for_message_slot` waits for the beep to end (or for the
greeting to fall silent) so a limited-content message is recorded from its first word.

Limitations: music on hold, a person who answers with a long sentence, and machines with a
one-word greeting and no beep can be misjudged; transcript phrases help only when an ASR
result is available before the deadline.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass, replace
from enum import StrEnum

import numpy as np

from fairdial.telephony.events import AnsweredBy, AnsweredCall
from fairdial.voice.audio.g711 import ulaw_decode
from fairdial.voice.audio.pcm import PHONE_RATE
from fairdial.voice.transport import AudioTransport
from fairdial.voice.vad import EnergyVad, SpeechGate, VadEngine

logger = logging.getLogger("fairdial.telephony")

FRAME_S = 0.02

# Words a machine greeting says and a person answering the phone does not.
MACHINE_PHRASES = (
    r"leave (a|your) (message|name)",
    r"voice ?mail",
    r"after the (tone|beep)",
    r"at the tone",
    r"not available",
    r"record your message",
    r"語音信箱",
    r"语音信箱",
    r"嗶聲後",
    r"哔声后",
    r"請留言",
    r"请留言",
    r"提示音後?后?留言",
    r"無人接聽",
    r"无人接听",
    r"暫時無法接通|暂时无法接通",
)
_MACHINE_PATTERN = re.compile("|".join(MACHINE_PHRASES), re.IGNORECASE)


class AmdLabel(StrEnum):
    HUMAN = "human"
    MACHINE = "machine"
    UNSURE = "unsure"  # treated as human: better a bot that talks than one that waits


@dataclass(frozen=True)
class AmdSettings:
    """Timings of the decision, in seconds of call audio (the frame clock)."""

    deadline_s: float = 3.5
    # Nobody spoke this long after the answer: a person waiting for the caller, or dead air.
    initial_silence_s: float = 2.5
    # A pause this long ends a turn; shorter ones are the breaths between a machine's sentences.
    end_silence_s: float = 0.7
    human_max_speech_s: float = 1.8
    machine_min_speech_s: float = 2.0
    beep_min_s: float = 0.12
    beep_low_hz: float = 700.0
    beep_high_hz: float = 2100.0
    # After a machine decision: how long to wait for the beep, and the silence that ends a
    # greeting with no beep.
    message_wait_s: float = 20.0
    greeting_end_silence_s: float = 1.2
    speech_dbfs: float = -45.0


@dataclass(frozen=True)
class AmdDecision:
    label: AmdLabel
    reason: str  # "short_greeting", "long_greeting", "beep", "phrase", "silence", "deadline"...
    at_s: float  # frame clock when decided
    speech_s: float  # length of the greeting heard so far

    @property
    def answered_by(self) -> AnsweredBy:
        if self.label is AmdLabel.MACHINE:
            return AnsweredBy.MACHINE
        return AnsweredBy.HUMAN if self.label is AmdLabel.HUMAN else AnsweredBy.UNKNOWN


@dataclass(frozen=True)
class MessageSlot:
    """When the machine is ready to record: `reason` is "beep", "silence", "timeout" or
    "hung_up"."""

    reason: str
    at_s: float


def machine_phrase(text: str) -> str | None:
    """The machine-greeting phrase `text` contains, or None."""
    found = _MACHINE_PATTERN.search(text)
    return found.group(0) if found else None


class ToneDetector:
    """A steady single tone in the beep band, held for at least `min_s`.

    A frame is tonal when one spectral peak (with its neighbours) holds most of the frame's
    energy; voiced speech spreads over many harmonics and moves, so it rarely stays tonal on
    the same frequency for more than a few frames.
    """

    def __init__(self, settings: AmdSettings) -> None:
        self._settings = settings
        self._window = np.hanning(int(PHONE_RATE * FRAME_S))
        self._frequencies = np.fft.rfftfreq(len(self._window), 1 / PHONE_RATE)
        self._run = 0
        self._run_hz = 0.0
        self.longest_s = 0.0

    def tonal_hz(self, frame: np.ndarray) -> float | None:
        """The tone's frequency when the frame is one steady tone in the band, else None."""
        samples = np.asarray(frame, dtype=np.float64)
        if len(samples) != len(self._window) or np.sqrt(np.mean(samples**2)) < 300:
            return None
        power = np.abs(np.fft.rfft(samples * self._window)) ** 2
        peak = int(np.argmax(power))
        share = power[max(peak - 2, 0) : peak + 3].sum() / max(power.sum(), 1e-9)
        hz = float(self._frequencies[peak])
        band = self._settings.beep_low_hz <= hz <= self._settings.beep_high_hz
        return hz if band and share > 0.85 else None

    def push(self, frame: np.ndarray) -> bool:
        """Score one frame; True while a tone has lasted at least `beep_min_s`."""
        hz = self.tonal_hz(frame)
        if hz is not None and (self._run == 0 or abs(hz - self._run_hz) <= 60):
            self._run += 1
            self._run_hz = hz
        else:
            self._run = 1 if hz is not None else 0
            self._run_hz = hz or 0.0
        self.longest_s = max(self.longest_s, self._run * FRAME_S)
        return self._run * FRAME_S >= self._settings.beep_min_s

    @property
    def in_tone(self) -> bool:
        return self._run > 0


class GreetingAnalyzer:
    """Frame-by-frame judge of a greeting; `push` returns the decision once there is one."""

    def __init__(self, settings: AmdSettings | None = None, vad: VadEngine | None = None) -> None:
        self.settings = settings or AmdSettings()
        self._gate = SpeechGate(vad or EnergyVad(self.settings.speech_dbfs))
        self.tone = ToneDetector(self.settings)
        self.now_s = 0.0
        self.speech_started: float | None = None
        self.speech_ended: float | None = None  # end of the latest speech frame
        self.decision: AmdDecision | None = None

    @property
    def speech_s(self) -> float:
        if self.speech_started is None or self.speech_ended is None:
            return 0.0
        return self.speech_ended - self.speech_started

    @property
    def silence_s(self) -> float:
        """Silence since the latest speech (or since the answer, before any speech)."""
        return self.now_s - (self.speech_ended if self.speech_ended is not None else 0.0)

    def push(self, frame: np.ndarray) -> AmdDecision | None:
        if self.decision is not None:
            return self.decision
        self.now_s += FRAME_S
        if self.tone.push(frame):
            return self._decide(AmdLabel.MACHINE, "beep")
        speaking = self._gate(frame) and not self.tone.in_tone
        if speaking:
            self.speech_started = self.speech_started or self.now_s - FRAME_S
            self.speech_ended = self.now_s
        return self._judge()

    def hint_text(self, text: str) -> AmdDecision | None:
        """A transcript of the greeting so far; a machine phrase decides `machine`."""
        if self.decision is None and machine_phrase(text):
            return self._decide(AmdLabel.MACHINE, "phrase")
        return self.decision

    def finish(self, reason: str = "deadline") -> AmdDecision:
        """The decision when the audio ends or the deadline passes without one."""
        return self.decision or self._decide(AmdLabel.UNSURE, reason)

    def _judge(self) -> AmdDecision | None:
        s = self.settings
        if self.speech_started is None:
            if self.now_s >= s.initial_silence_s:
                return self._decide(AmdLabel.UNSURE, "silence")
            return None

        # A tone just starting may be the beep that ends a short machine greeting: hear it out.
        if self.silence_s >= s.end_silence_s and not self.tone.in_tone:
            if self.speech_s <= s.human_max_speech_s:
                return self._decide(AmdLabel.HUMAN, "short_greeting")
            return self._decide(AmdLabel.UNSURE, "medium_greeting")
        if self.speech_s >= s.machine_min_speech_s:
            return self._decide(AmdLabel.MACHINE, "long_greeting")
        if self.now_s >= s.deadline_s:
            return self._decide(AmdLabel.UNSURE, "deadline")
        return None

    def _decide(self, label: AmdLabel, reason: str) -> AmdDecision:
        self.decision = AmdDecision(label, reason, round(self.now_s, 2), round(self.speech_s, 2))
        return self.decision


class MessageSlotWaiter:
    """After a machine decision: the moment its beep ends, or its greeting falls silent."""

    def __init__(self, analyzer: GreetingAnalyzer) -> None:
        self._analyzer = analyzer
        self._settings = analyzer.settings
        self._beeping = analyzer.tone.longest_s >= self._settings.beep_min_s
        self._waited = 0.0

    def push(self, frame: np.ndarray) -> MessageSlot | None:
        a = self._analyzer
        a.now_s += FRAME_S
        self._waited += FRAME_S
        if a.tone.push(frame):
            self._beeping = True
            return None
        if self._beeping and not a.tone.in_tone:
            return MessageSlot("beep", round(a.now_s, 2))

        if a._gate(frame):
            a.speech_ended = a.now_s
        elif a.silence_s >= self._settings.greeting_end_silence_s:
            return MessageSlot("silence", round(a.now_s, 2))
        if self._waited >= self._settings.message_wait_s:
            return MessageSlot("timeout", round(a.now_s, 2))
        return None


@dataclass(frozen=True)
class AmdOutcome:
    decision: AmdDecision
    slot: MessageSlot | None  # set for machines only
    hung_up: bool = False


async def detect(
    transport: AudioTransport,
    settings: AmdSettings | None = None,
    *,
    vad: VadEngine | None = None,
    call_id: str = "",
) -> AmdOutcome:
    """Read the start of the call from `transport` and judge who answered.

    Frames read here are not seen by the voice session later: the greeting is not the
    borrower's first turn. Audio that stops arriving ends detection at the deadline anyway.
    """
    analyzer = GreetingAnalyzer(settings, vad)
    s = analyzer.settings
    decision, hung_up = await _read_until(transport, analyzer.push, s.deadline_s + 0.5)
    if decision is None:
        decision = analyzer.finish("hung_up" if hung_up else "deadline")
    logger.info(
        "answering machine detection: %s (%s)",
        decision.label.value,
        decision.reason,
        extra={"call_id": call_id, "at_s": decision.at_s},
    )
    if decision.label is not AmdLabel.MACHINE or hung_up:
        return AmdOutcome(decision, None, hung_up)

    waiter = MessageSlotWaiter(analyzer)
    slot, hung_up = await _read_until(transport, waiter.push, s.message_wait_s + 0.5)
    if slot is None:
        slot = MessageSlot("hung_up" if hung_up else "timeout", round(analyzer.now_s, 2))
    logger.info("machine ready for a message: %s", slot.reason, extra={"call_id": call_id})
    return AmdOutcome(decision, slot, hung_up)


async def _read_until(transport: AudioTransport, push, wall_limit_s: float):  # type: ignore[no-untyped-def]
    # The frame clock decides; the wall clock only guards against a line that stops sending.
    try:
        async with asyncio.timeout(wall_limit_s):
            while True:
                data = await transport.receive()
                if data is None:
                    return None, True
                result = push(ulaw_decode(data))
                if result is not None:
                    return result, False
    except TimeoutError:
        return None, False


async def screen(
    call: AnsweredCall, settings: AmdSettings | None = None, vad: VadEngine | None = None
) -> tuple[AnsweredCall, AmdOutcome]:
    """Run detection on an answered call; the call comes back with `answered_by` set from it.

    A carrier's own verdict of `machine` stands (it heard more of the line than we did).
    """
    outcome = await detect(call.transport, settings, vad=vad, call_id=call.call_id)
    answered_by = outcome.decision.answered_by
    if call.answered_by is AnsweredBy.MACHINE:
        answered_by = AnsweredBy.MACHINE
    return replace(call, answered_by=answered_by), outcome
