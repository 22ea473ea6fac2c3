"""The simulated channel in audio: the bot's real voice session talks to a voiced borrower.

The bot hears only 8 kHz mu-law frames and answers through its own speech engines; the
borrower is the text simulator's (same personas, memory and dial outcomes) with a voice of
its own (`fairdial.simulation.voiced`).

The call runs on a simulated clock that stays honest about the bot's work. While the bot's
engines compute (speech recognition, synthesis, and the decision between hearing a turn and
its first audio frame) the line delivers one frame per 20 ms of machine time, so those parts
cost what they cost on this machine; otherwise it skips ahead, so silences, the borrower's
speech and the bot's paced playback take no machine time. Response latencies measured on
this clock are those a live line would see with the same engines on the same machine.

Limitations: work the bot does while an engine of the borrower's renders (never both in one
turn with this borrower) would go unmeasured; calls on several lines at once share the CPU,
so their latencies include each other's load, as they would on one real machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import zlib
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from fairdial.simulation.memory import BorrowerMemory
from fairdial.simulation.voiced import BorrowerVoices, VoicedBorrower
from fairdial.telephony.base import BotUtterance, DialOutcome, DialRequest, HeardTurn
from fairdial.telephony.sim import FactsLookup, SimChannel, SimSession
from fairdial.voice.audio.clock import VirtualClock
from fairdial.voice.audio.pacer import FRAME_S
from fairdial.voice.engines import SpeechToText, TextToSpeech, Transcript
from fairdial.voice.metrics import TurnMetrics, VoiceMetrics
from fairdial.voice.playback import PromptCache
from fairdial.voice.recording import RecordingTransport
from fairdial.voice.session import VoiceSession
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

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def frame_time(self) -> float:
        return self._frames_in * FRAME_S

    async def receive(self) -> bytes | None:
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

    async def send(self, frame: bytes) -> None:
        self._load.responding = False
        self.far_end.heard_bot(self.frame_time)

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
    """One finished audio call as the campaign records it."""

    attempt_ref: str
    language: str
    turn_metrics: list[TurnMetrics]
    recording: Path | None
    borrower_said: list[str]
    bot_said: list[str]
    disposition: str = ""

    def latency(self) -> list[dict[str, float]]:
        return [turn.as_dict() for turn in self.turn_metrics]


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
    ) -> None:
        self._text = SimChannel(facts_for, seed, amd_error_rate)
        self._seed = seed
        self._stt = stt
        self._tts = tts
        self._voices = voices
        self._recordings = recordings
        self._vad = vad
        self._metrics = metrics
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

        language = self._text.memory(request.account_ref).facts.language
        noise_seed = zlib.crc32(f"{self._seed}:{request.attempt_ref}".encode())
        far_end = VoicedBorrower(
            brain,
            self._voices.for_language(language),
            language,
            np.random.default_rng(noise_seed),
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
        )
        self.finished.append(call)
        logger.info(
            "voiced sim call recorded",
            extra={"attempt": attempt_ref, "turns": len(call.turn_metrics)},
        )
        return call
