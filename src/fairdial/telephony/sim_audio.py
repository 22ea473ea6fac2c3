"""The simulated channel in audio: the bot's real voice session talks to a voiced borrower.

The bot hears only 8 kHz mu-law frames and answers through its own speech engines; the
borrower is the text simulator's (same personas, memory and dial outcomes) with a voice of
its own (`fairdial.simulation.voiced`), who sometimes talks over the bot: an interruption the
bot should stop for, or a backchannel during a disclosure it should not. Each finished call
(`VoicedCall`) keeps both sides of that: what the borrower tried and the barge-ins the bot
detected, with their stop latencies.

The call runs on a simulated clock that stays honest about the bot's work. While the bot's
engines compute (speech recognition, synthesis, and the decision between hearing a turn and
its first audio frame) the line delivers one frame per 20 ms of machine time, so those parts
cost what they cost on this machine; otherwise it skips ahead, so silences, the borrower's
speech and the bot's paced playback take no machine time. Response latencies measured on
this clock are those a live line would see with the same engines on the same machine. The
borrower renders what it will say over a bot sentence before that sentence starts, with the
line held, so that rendering costs the bot nothing.

Limitations: work the bot did while an engine of the borrower's renders would go unmeasured;
this borrower renders a reply while the bot waits for it and a talk-over before the bot
starts on the sentence, so there is none. Calls on several lines at once share the CPU, so
their latencies include each other's load, as they would on one real machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import zlib
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from fairdial.simulation.memory import BorrowerMemory
from fairdial.simulation.seeding import derive_rng
from fairdial.simulation.voiced import (
    BACKCHANNEL,
    INTERRUPTION,
    BorrowerVoices,
    TalkOver,
    TalkOverHabits,
    VoicedBorrower,
    talk_over_habits,
)
from fairdial.telephony.base import BotUtterance, DialOutcome, DialRequest, HeardTurn
from fairdial.telephony.sim import FactsLookup, SimChannel, SimSession
from fairdial.voice.audio.clock import VirtualClock
from fairdial.voice.audio.pacer import FRAME_S
from fairdial.voice.engines import SpeechToText, TextToSpeech, Transcript
from fairdial.voice.metrics import TurnMetrics, VoiceMetrics
from fairdial.voice.playback import PromptCache
from fairdial.voice.recording import RecordingTransport
from fairdial.voice.session import BargeIn, VoiceSession
from fairdial.voice.vad import SileroVad, VadEngine

logger = logging.getLogger("fairdial.telephony")


class EngineLoad:
    """Whether the bot is working on something the line must wait for in machine time."""

    def __init__(self) -> None:
        self.working = 0  # engine calls in flight
        self.responding = False  # a turn was heard and the bot has not sent audio yet

    @property
    def busy(self) -> bool:
        return self.working > 0 or self.responding

    @contextlib.contextmanager
    def work(self) -> Iterator[None]:
        self.working += 1
        try:
            yield
        finally:
            self.working -= 1


class MeteredSpeechToText:
    def __init__(self, inner: SpeechToText, load: EngineLoad) -> None:
        self._inner = inner
        self._load = load
        self.sample_rate = inner.sample_rate

    async def transcribe(self, pcm: np.ndarray, language: str) -> Transcript:
        with self._load.work():
            return await self._inner.transcribe(pcm, language)


class MeteredTextToSpeech:
    def __init__(self, inner: TextToSpeech, load: EngineLoad) -> None:
        self._inner = inner
        self._load = load
        self.sample_rate = inner.sample_rate

    async def synthesize(self, text: str, language: str) -> AsyncIterator[np.ndarray]:
        chunks = self._inner.synthesize(text, language).__aiter__()
        try:
            while True:
                with self._load.work():
                    try:
                        chunk = await chunks.__anext__()
                    except StopAsyncIteration:
                        return
                yield chunk
        finally:
            close = getattr(chunks, "aclose", None)
            if close is not None:
                await close()


class SimAudioLine:
    """An in-memory `AudioTransport` to a `VoicedBorrower` on a `VirtualClock` (see module doc)."""

    def __init__(self, far_end: VoicedBorrower, clock: VirtualClock, load: EngineLoad) -> None:
        self.far_end = far_end
        self._clock = clock
        self._load = load
        self._frames_in = 0
        self._closed = False
        self._anchor: tuple[float, int] | None = None  # machine time and frame when work began
        self._open = asyncio.Event()
        self._open.set()
        self._bot_heard_until = 0.0  # frame time the bot's last frame ends at the far end

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def frame_time(self) -> float:
        return self._frames_in * FRAME_S

    async def receive(self) -> bytes | None:
        await self._open.wait()
        if self._closed:
            return None
        await self._pace()
        await self._clock.advance(FRAME_S)
        frame = await self.far_end.frame(self.frame_time)
        self._frames_in += 1
        if frame is None:
            self._closed = True
        return frame

    async def _pace(self) -> None:
        if not self._load.busy:
            self._anchor = None
            await asyncio.sleep(0)
            return
        now = time.monotonic()
        if self._anchor is None:
            self._anchor = (now, self._frames_in)
        due = self._due(self._frames_in + 1)
        if due > now:
            await asyncio.sleep(due - now)

    def _due(self, frame: int) -> float:
        assert self._anchor is not None
        started, first = self._anchor
        return started + (frame - first) * FRAME_S

    def behind(self) -> bool:
        """True while the line owes frames for machine time the bot has already spent."""
        return self._anchor is not None and self._due(self._frames_in + 1) < time.monotonic()

    async def caught_up(self) -> None:
        while not self._closed and self.behind():
            await asyncio.sleep(0)

    @contextlib.asynccontextmanager
    async def held(self) -> AsyncIterator[None]:
        """No frames pass while the far end prepares, and the machine time it takes is not owed
        by the bot: its clock stands still."""
        self._open.clear()
        started = time.monotonic()
        try:
            yield
        finally:
            if self._anchor is not None:
                anchored, frame = self._anchor
                self._anchor = (anchored + time.monotonic() - started, frame)
            self._open.set()

    async def send(self, frame: bytes) -> None:
        # The far end hears the bot's frames one after another, as `RecordingTransport` places
        # them: two sent within one inbound frame are heard 20 ms apart.
        self._load.responding = False
        heard_at = max(self.frame_time, self._bot_heard_until)
        self._bot_heard_until = heard_at + FRAME_S
        self.far_end.heard_bot(heard_at)

    async def clear(self) -> None:
        pass

    async def close(self) -> None:
        self._closed = True


class VoicedSimSession(VoiceSession):
    """The bot's `VoiceSession`, telling the simulated borrower what it said and when it listens.

    The borrower learns the act of each sentence (as the text simulator does); the bot learns
    nothing from the borrower but audio.
    """

    def __init__(
        self,
        transport: RecordingTransport,
        line: SimAudioLine,
        load: EngineLoad,
        stt: SpeechToText,
        tts: TextToSpeech,
        **options: Any,
    ) -> None:
        super().__init__(
            transport, MeteredSpeechToText(stt, load), MeteredTextToSpeech(tts, load), **options
        )
        self.recording = transport
        self.line = line
        self._load = load

    async def say(self, utterance: BotUtterance) -> None:
        if not self.hung_up:
            # Work done since the turn was heard (understanding, deciding) is charged to the
            # clock before the sentence starts, so it shows in the decision time.
            await self.line.caught_up()
            async with self.line.held():
                await self.line.far_end.bot_said(utterance)
        await super().say(utterance)

    async def listen(self, timeout_s: float = 8.0) -> HeardTurn | None:
        self._load.responding = False
        self.line.far_end.bot_listening()
        heard = await super().listen(timeout_s)
        if heard is not None and not self.hung_up:
            self._load.responding = True
        return heard

    async def hangup(self) -> None:
        await super().hangup()
        self._load.responding = False
        await self.line.far_end.bot_hung_up()


@dataclass
class VoicedCall:
    """One finished audio call as the campaign records it.

    `talk_overs` are the times the borrower spoke over the bot, as the borrower's end heard
    them; `barge_ins` are the interruptions the bot detected, on its own frame clock.
    """

    attempt_ref: str
    language: str
    turn_metrics: list[TurnMetrics]
    recording: Path | None
    borrower_said: list[str]
    bot_said: list[str]
    disposition: str = ""
    talk_overs: list[TalkOver] = field(default_factory=list)
    barge_ins: list[BargeIn] = field(default_factory=list)

    def latency(self) -> list[dict[str, float]]:
        return [turn.as_dict() for turn in self.turn_metrics]

    @property
    def interruptions(self) -> list[TalkOver]:
        return [talk for talk in self.talk_overs if talk.kind == INTERRUPTION]

    @property
    def backchannels(self) -> list[TalkOver]:
        return [talk for talk in self.talk_overs if talk.kind == BACKCHANNEL]

    def stopped_by_backchannel(self) -> int:
        """Barge-ins the bot took from a backchannel: each one cut a sentence for nothing."""
        return sum(
            any(
                talk.onset - 0.1 <= barge.onset_s <= talk.onset + talk.seconds
                for talk in self.backchannels
            )
            for barge in self.barge_ins
        )


def recording_name(attempt_ref: str) -> str:
    """A file name for an attempt's recording: "A-17#2" -> "A-17-2.wav"."""
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in attempt_ref)
    return f"{safe}.wav"


class SimAudioChannel:
    """Places simulated calls in audio. `finish(attempt_ref)` ends an attempt's bookkeeping:
    it writes the stereo recording (when `recordings` is set) and returns what was measured.
    """

    name = "sim-voice"

    def __init__(
        self,
        facts_for: FactsLookup,
        seed: int,
        *,
        stt: SpeechToText,
        tts: TextToSpeech,
        voices: BorrowerVoices,
        recordings: Path | None = None,
        vad: Callable[[], VadEngine] = SileroVad,
        metrics: VoiceMetrics | None = None,
        amd_error_rate: float = 0.02,
        habits: Callable[[str | None, float], TalkOverHabits] = talk_over_habits,
    ) -> None:
        self._text = SimChannel(facts_for, seed, amd_error_rate)
        self._seed = seed
        self._stt = stt
        self._tts = tts
        self._voices = voices
        self._recordings = recordings
        self._vad = vad
        self._metrics = metrics
        self._habits = habits  # (call stance, chattiness) -> how the borrower talks over the bot
        self._cache = PromptCache()  # shared by every call, as one process would share it
        self.live: dict[str, VoicedSimSession] = {}
        self.finished: list[VoicedCall] = []

    def memory(self, account_ref: str) -> BorrowerMemory:
        """The simulated borrower behind an account (see `SimChannel.memory`)."""
        return self._text.memory(account_ref)

    async def dial(self, request: DialRequest) -> DialOutcome:
        dialled = await self._text.dial(request)
        brain = dialled.session
        if brain is None:
            return dialled
        assert isinstance(brain, SimSession)

        memory = self._text.memory(request.account_ref)
        language = memory.facts.language
        noise_seed = zlib.crc32(f"{self._seed}:{request.attempt_ref}".encode())
        far_end = VoicedBorrower(
            brain,
            self._voices.for_language(language),
            language,
            np.random.default_rng(noise_seed),
            habits=self._habits(brain.stance, memory.persona.chattiness),
            timing=derive_rng(self._seed, "talk-over", request.attempt_ref),
        )
        clock = VirtualClock()
        load = EngineLoad()
        line = SimAudioLine(far_end, clock, load)
        session = VoicedSimSession(
            RecordingTransport(line),
            line,
            load,
            self._stt,
            self._tts,
            language=language,
            vad=self._vad(),
            clock=clock,
            answered_by=brain.answered_by,
            cache=self._cache,
            metrics=self._metrics,
            call_ref=request.attempt_ref,
        )
        self.live[request.attempt_ref] = session
        return DialOutcome(dialled.result, dialled.ring_seconds, session)

    def finish(self, attempt_ref: str, disposition: str = "") -> VoicedCall | None:
        """Close an ended call's books; None for an attempt nobody answered."""
        session = self.live.pop(attempt_ref, None)
        if session is None:
            return None
        path = None
        if self._recordings is not None:
            path = session.recording.write(self._recordings / recording_name(attempt_ref))
        call = VoicedCall(
            attempt_ref,
            session.language,
            list(session.turn_metrics),
            path,
            [line.text for line in session.transcript if line.speaker == "borrower"],
            [line.text for line in session.transcript if line.speaker == "bot"],
            disposition,
            list(session.line.far_end.talk_overs),
            list(session.barge_ins),
        )
        self.finished.append(call)
        logger.info(
            "voiced sim call recorded",
            extra={
                "attempt": attempt_ref,
                "turns": len(call.turn_metrics),
                "barge_ins": len(call.barge_ins),
            },
        )
        return call
