"""A phone call in audio: the `CallSession` the conversation engine talks to, over a transport.

Inbound frames are decoded, scored for speech and fed to whoever needs them: the capture of
the borrower's current turn, or, while the bot speaks, the barge-in detector. Outbound speech
is synthesised sentence by sentence and paced onto the line 20 ms at a time. Everything runs
in tasks the session owns, and hanging up (either side) cancels and awaits all of them.

Limitations: answering-machine detection is the carrier adapter's (`answered_by` is passed
in); an interrupted disclosure is repeated before the bot's next sentence, so it is not
repeated if the call ends first (the engine records the interruption in `transcript`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Coroutine, Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np

from fairdial.telephony.base import BotUtterance, HeardTurn
from fairdial.voice.audio.clock import Clock, MonotonicClock
from fairdial.voice.audio.g711 import ulaw_decode
from fairdial.voice.audio.pacer import FRAME_S, OutputPacer
from fairdial.voice.audio.pcm import PHONE_RATE, resample
from fairdial.voice.bargein import BargeInDetector, first_sound, level_dbfs
from fairdial.voice.capture import InboundFrame, TurnCapture
from fairdial.voice.engines import SpeechToText, TextToSpeech
from fairdial.voice.metrics import TurnClock, TurnMetrics, VoiceMetrics
from fairdial.voice.playback import Playback, PromptCache
from fairdial.voice.transport import AudioTransport
from fairdial.voice.turns import TurnDetector, TurnTimings
from fairdial.voice.vad import SileroVad, SpeechGate, VadEngine

logger = logging.getLogger("fairdial.voice")

# Acts the law requires the borrower to hear in full (see conversation/acts.py).
DISCLOSURE_ACTS = frozenset({"greet_disclose", "disclosure"})
# Acts after which the borrower is expected to read digits (a birth year, an ID number).
NUMBER_ACTS = frozenset({"verify_identity"})


@dataclass(frozen=True)
class SpokenLine:
    speaker: str  # "bot" or "borrower"
    text: str  # for the bot, only the words actually played
    offset_s: float
    act: str | None = None
    interrupted: bool = False


@dataclass(frozen=True)
class BargeIn:
    """One interruption of the bot, on the call's frame clock (see `bargein.first_sound`)."""

    onset_s: float  # the detector's first speech frame of the interruption
    stopped_s: float  # output cleared
    act: str
    first_sound_s: float  # the first frame of the borrower's sound that became that speech

    @property
    def latency_s(self) -> float:
        """From the detector's onset to the bot's silence: the pipeline's own part."""
        return self.stopped_s - self.onset_s

    @property
    def heard_latency_s(self) -> float:
        """From the borrower's first sound to the bot's silence: what the borrower lives
        through, and what the 300 ms requirement is about."""
        return self.stopped_s - self.first_sound_s


class VoiceSession:
    """`CallSession` over an `AudioTransport` of 8 kHz mu-law frames, with pluggable engines."""

    def __init__(
        self,
        transport: AudioTransport,
        stt: SpeechToText,
        tts: TextToSpeech,
        *,
        language: str,
        vad: VadEngine | None = None,
        timings: TurnTimings | None = None,
        clock: Clock | None = None,
        answered_by: str = "human",
        cache: PromptCache | None = None,
        metrics: VoiceMetrics | None = None,
        partial_transcripts: bool = True,
        max_disclosure_repeats: int = 2,
        keep_send_times: bool = False,
        call_ref: str = "",
    ) -> None:
        self._transport = transport
        self._stt = stt
        self._tts = tts
        self.language = language
        self.timings = timings or TurnTimings()
        self._clock = clock or MonotonicClock()
        self._answered_by = answered_by
        self._cache = cache or PromptCache()
        self._metrics = metrics
        self._partial_transcripts = partial_transcripts
        self._max_repeats = max_disclosure_repeats
        self.call_ref = call_ref
        self._gate = SpeechGate(vad or SileroVad())
        self.pacer = OutputPacer(
            self._send, self._clock, on_sent=self._on_sent, keep_send_times=keep_send_times
        )

        self._started_at: float | None = None
        self._frames_in = 0
        keep = self.timings.preroll_s + self.timings.disclosure_barge_in_s + 0.1
        self._recent: deque[InboundFrame] = deque(maxlen=int(keep / FRAME_S) + 1)
        self._capture: TurnCapture | None = None
        self._barge = BargeInDetector()
        self._barge_threshold = self.timings.barge_in_s
        self._speaking: Playback | None = None
        self._speaking_act = ""
        self._interrupted = False
        self._wake = asyncio.Event()
        self._plays = 0
        self._last_act: str | None = None
        self._pending_disclosure: BotUtterance | None = None
        self._repeats = 0
        self._turn_clock: TurnClock | None = None
        self._play_started: float | None = None  # session clock, when the last play began
        self._measured_play: int | None = None

        self._hung_up = False
        self._pump: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.transcript: list[SpokenLine] = []
        self.turn_metrics: list[TurnMetrics] = []
        self.barge_ins: list[BargeIn] = []

    # -- CallSession --------------------------------------------------------------------------

    @property
    def answered_by(self) -> str:
        return self._answered_by

    @property
    def hung_up(self) -> bool:
        return self._hung_up

    def elapsed_seconds(self) -> float:
        return 0.0 if self._started_at is None else self._clock.now() - self._started_at

    @property
    def frame_time(self) -> float:
        """Seconds of inbound audio received: the call's frame clock."""
        return self._frames_in * FRAME_S

    async def say(self, utterance: BotUtterance) -> None:
        """Speak, yielding to a borrower who is still talking; returns when played or cut off."""
        if self._hung_up:
            return
        self._start()
        if self._turn_clock is not None and self._turn_clock.say_called is None:
            self._turn_clock.say_called = self._clock.now()

        await self._yield_floor()
        pending, self._pending_disclosure = self._pending_disclosure, None
        if pending is not None and utterance.act not in DISCLOSURE_ACTS:
            await self._speak(pending)
            await self._yield_floor()
        await self._speak(utterance)
        self._last_act = utterance.act

    async def listen(self, timeout_s: float = 8.0) -> HeardTurn | None:
        """The borrower's next turn, or None on silence past `timeout_s` or hang-up."""
        if self._hung_up:
            return None
        self._start()
        capture = self._capture or self._open_capture(self.frame_time, timeout_s, seed=True)
        # Early transcripts by the number of speech bursts they cover.
        early: dict[int, asyncio.Task[str]] = {}
        if self._partial_transcripts:
            capture.on_pause = lambda audio: self._transcribe_early(capture, audio, early)

        await capture.done.wait()
        self._capture = None
        if self._hung_up or capture.hung_up or capture.timed_out or capture.ended_at is None:
            capture.release()
            return None

        turn_ended = capture.ended_at.arrived
        covering = early.get(len(capture.detector.bursts))
        if covering is not None:
            # No speech since it was asked for: it is the whole turn. A hang-up cancels it;
            # waiting this way lets only a cancellation of listen() itself propagate.
            await asyncio.wait({covering})
            text = "" if covering.cancelled() else covering.result()
        else:
            text = await self._transcribe(capture.speech_audio())
        seconds = capture.ended_at.at + FRAME_S - capture.started_at
        offset = (capture.detector.speech_started_at or capture.started_at) - FRAME_S
        capture.release()
        if self._hung_up or not text.strip():
            return None

        heard = self._clock.now()
        speech_ended = capture.speech_end_arrived or turn_ended
        self._measured_play = None
        # A turn that ended before the bot last spoke (it interrupted the bot, which then went
        # on to its next sentence) was answered by that sentence: it has no response to time.
        answered_already = self._play_started is not None and self._play_started > turn_ended
        self._turn_clock = None if answered_already else TurnClock(speech_ended, turn_ended, heard)
        self.transcript.append(SpokenLine("borrower", text, max(offset, 0.0)))
        return HeardTurn(text, seconds)

    async def hangup(self) -> None:
        """End the call from the bot's side; every task and buffer is released on return."""
        await self._shutdown()
        await self._transport.close()
        if self._pump is not None and self._pump is not asyncio.current_task():
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump

    async def __aenter__(self) -> VoiceSession:
        self._start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.hangup()

    # -- speaking -----------------------------------------------------------------------------

    async def _speak(self, utterance: BotUtterance) -> None:
        played = await self._play(utterance)
        if played or utterance.act not in DISCLOSURE_ACTS or self._hung_up:
            self._repeats = 0 if played else self._repeats
            return
        if self._repeats >= self._max_repeats:
            logger.warning(
                "disclosure interrupted too often, not repeated",
                extra={"call_ref": self.call_ref, "act": utterance.act},
            )
            return
        self._repeats += 1
        self._pending_disclosure = utterance

    async def _play(self, utterance: BotUtterance) -> bool:
        """Play one utterance; True when every frame went out, False when cut off."""
        self._plays += 1
        self._play_started = self._clock.now()
        offset = self.elapsed_seconds()
        playback = Playback(
            self._plays,
            utterance.text,
            self.language,
            self._tts,
            self.pacer,
            self._cache,
            on_first_chunk=self._on_first_chunk,
        )
        if self._turn_clock is not None and self._measured_play is None:
            self._measured_play = self._plays
        disclosure = utterance.act in DISCLOSURE_ACTS
        t = self.timings
        self._barge_threshold = t.disclosure_barge_in_s if disclosure else t.barge_in_s
        self._barge.reset()
        self._interrupted = False
        self._speaking = playback
        self._speaking_act = utterance.act
        producer = self._spawn(playback.produce())
        producer.add_done_callback(lambda _: self._wake.set())
        try:
            while not (self._hung_up or self._interrupted or playback.fully_played()):
                if producer.done() and producer.exception() is not None:
                    raise producer.exception()  # type: ignore[misc]
                self._wake.clear()
                await self._wake.wait()
        finally:
            self._speaking = None
            if not producer.done():
                producer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await producer

        played = playback.fully_played()
        text = utterance.text if played else playback.played_text()
        self.transcript.append(SpokenLine("bot", text, offset, utterance.act, not played))
        playback.forget()
        return played

    async def _yield_floor(self) -> None:
        # After a barge-in the borrower has the floor until their turn ends; their words stay
        # in the capture for the next listen().
        capture = self._capture
        if capture is not None and not capture.done.is_set():
            await capture.done.wait()

    def _on_first_chunk(self) -> None:
        if self._turn_clock is not None and self._turn_clock.first_chunk is None:
            self._turn_clock.first_chunk = self._clock.now()

    def _on_sent(self, tag: Hashable, at: float) -> None:
        self._wake.set()
        clock = self._turn_clock
        if clock is None or not isinstance(tag, tuple) or tag[0] != self._measured_play:
            return
        self._turn_clock = None
        turn = clock.finish(at)
        self.turn_metrics.append(turn)
        if self._metrics is not None:
            self._metrics.observe(turn)

    async def _send(self, frame: bytes) -> None:
        if not self._transport.closed:
            await self._transport.send(frame)

    # -- hearing ------------------------------------------------------------------------------

    def _start(self) -> None:
        if self._pump is not None or self._hung_up:
            return
        self._started_at = self._clock.now()
        self._pump = asyncio.create_task(self._receive_loop(), name="voice-receive")
        self._spawn(self.pacer.run())

    async def _receive_loop(self) -> None:
        while True:
            data = await self._transport.receive()
            if data is None:
                logger.info("voice call ended by far end", extra={"call_ref": self.call_ref})
                await self._shutdown()
                return
            pcm = ulaw_decode(data)
            # Inline: the detectors take well under a millisecond a frame (see vad.py).
            speech = self._gate(pcm)
            self._on_frame(pcm, speech)

    def _on_frame(self, pcm: np.ndarray, speech: bool) -> None:
        at = self.frame_time
        self._frames_in += 1
        frame = InboundFrame(pcm, speech, at, self._clock.now())
        self._recent.append(frame)

        capture = self._capture
        if capture is not None and not capture.done.is_set():
            capture.push(frame)
            return
        if self._speaking is None or self._interrupted:
            return
        if self._barge.push(frame.speech, at, self._barge_threshold):
            self._barge_in(at + FRAME_S)

    def _barge_in(self, stopped_at: float) -> None:
        onset = self._barge.onset if self._barge.onset is not None else stopped_at
        self._barge.reset()
        self._interrupted = True
        self.pacer.clear()
        self._wake.set()
        self._spawn(self._transport.clear())
        barge = BargeIn(onset, stopped_at, self._speaking_act, self._first_sound(onset))
        self.barge_ins.append(barge)
        logger.debug(
            "barge-in",
            extra={
                "call_ref": self.call_ref,
                "act": self._speaking_act,
                "at": stopped_at,
                "from_first_sound_s": round(barge.heard_latency_s, 3),
            },
        )
        # The interruption is the start of the borrower's next turn.
        capture = self._open_capture(onset, timeout_s=self.timings.max_turn_s, seed=False)
        for frame in self._recent:
            if frame.at >= onset - self.timings.preroll_s:
                capture.push(frame)

    def _first_sound(self, onset: float) -> float:
        frames = [frame for frame in self._recent if frame.at <= onset + 1e-9]
        if not frames or abs(frames[-1].at - onset) > 1e-9:
            return onset  # the onset frame has left the window: nothing to look back on
        levels = [level_dbfs(frame.pcm) for frame in frames]
        start = first_sound(levels, [frame.speech for frame in frames], len(frames) - 1)
        return frames[start].at

    def _open_capture(self, started_at: float, timeout_s: float, *, seed: bool) -> TurnCapture:
        detector = TurnDetector(self.timings, expect_number=self._last_act in NUMBER_ACTS)
        capture = TurnCapture(detector, started_at, timeout_s)
        if seed:
            # Speech that began just before listen() was called still belongs to the turn.
            for frame in self._recent:
                if frame.at >= started_at - self.timings.preroll_s:
                    capture.push(frame)
        self._capture = capture
        if self._hung_up:
            capture.hang_up()
        return capture

    async def _transcribe(self, audio: np.ndarray) -> str:
        if len(audio) == 0:
            return ""
        pcm = resample(audio, PHONE_RATE, self._stt.sample_rate)
        transcript = await self._stt.transcribe(pcm, self.language)
        return transcript.text

    def _transcribe_early(
        self, capture: TurnCapture, audio: np.ndarray, early: dict[int, asyncio.Task[str]]
    ) -> None:
        """Transcribe the turn so far while the borrower pauses; the words tell the detector
        whether the pause ends the turn, and if it does, the transcript is already underway."""
        bursts = len(capture.detector.bursts)

        async def transcribe() -> str:
            text = await self._transcribe(audio)
            if not capture.done.is_set():
                capture.detector.hint_text(text, bursts)
            return text

        early[bursts] = self._spawn(transcribe())

    # -- ending -------------------------------------------------------------------------------

    def _spawn(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _shutdown(self) -> None:
        if self._hung_up:
            return
        self._hung_up = True
        self.pacer.clear()
        if self._capture is not None:
            self._capture.hang_up()
        self._wake.set()

        current = asyncio.current_task()
        tasks = [task for task in self._tasks if task is not current]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._recent.clear()
        if self._capture is not None:
            self._capture.release()
        logger.info(
            "voice call closed",
            extra={
                "call_ref": self.call_ref,
                "frames_in": self._frames_in,
                "frames_out": self.pacer.frames_sent,
                "barge_ins": len(self.barge_ins),
            },
        )
