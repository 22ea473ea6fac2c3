"""The voice-latency turns through a Pipecat pipeline built from the same local engines.

Runs in its own virtual environment (Pipecat pins packages fairdial's differ from), so it
imports nothing from fairdial: `voice_latency.py` writes the turns and a manifest naming the
model files, runs this script, and reads back one JSON record per turn.

Pipeline: in-process input transport (8 kHz mu-law frames decoded to 16 kHz PCM with Pipecat's
own helper, as its telephony serializers do) -> VADProcessor(SileroVADAnalyzer) ->
WhisperSTTService -> a processor that answers every transcript with the same sentence ->
PiperTTSService -> in-process output transport at 8 kHz. Latency runs from the moment the
frame holding the utterance's last speech sample is handed to the transport to the first audio
frame the output transport is asked to write.

    .venv-bench/bin/python benchmarks/pipecat_pipeline.py MANIFEST.json RESULTS.json
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loguru import logger
from pipecat.audio.utils import create_stream_resampler, ulaw_to_pcm
from pipecat.audio.vad.silero import SileroVADAnalyzer
from pipecat.audio.vad.vad_analyzer import VADParams
from pipecat.frames.frames import (
    Frame,
    InputAudioRawFrame,
    OutputAudioRawFrame,
    StartFrame,
    TranscriptionFrame,
    TTSSpeakFrame,
    VADUserStoppedSpeakingFrame,
)
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.runner import PipelineRunner
from pipecat.pipeline.task import PipelineParams, PipelineTask
from pipecat.processors.audio.vad_processor import VADProcessor
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.services.piper.tts import PiperTTSService
from pipecat.services.whisper.stt import WhisperSTTService
from pipecat.transports.base_input import BaseInputTransport
from pipecat.transports.base_output import BaseOutputTransport
from pipecat.transports.base_transport import TransportParams

FRAME_S = 0.02
PHONE_RATE = 8000
PIPELINE_IN_RATE = 16000  # Whisper reads the input rate as is
GAP_AFTER_REPLY_S = 0.4  # the borrower's pause after the bot's reply, before the next turn


@dataclass
class TurnTimes:
    speech_end: float | None = None
    vad_stopped: float | None = None
    transcript: float | None = None
    text: str = ""
    first_audio: float | None = None


@dataclass
class Timeline:
    """Wall-clock marks of the turn in progress, shared by the transport and the probes."""

    turns: list[TurnTimes] = field(default_factory=list)
    last_output: float = 0.0
    replied: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def current(self) -> TurnTimes | None:
        return self.turns[-1] if self.turns else None


class LineInput(BaseInputTransport):
    async def start(self, frame: StartFrame) -> None:
        await super().start(frame)
        await self.set_transport_ready(frame)


class LineOutput(BaseOutputTransport):
    def __init__(self, params: TransportParams, timeline: Timeline) -> None:
        super().__init__(params)
        self._timeline = timeline

    async def start(self, frame: StartFrame) -> None:
        await super().start(frame)
        await self.set_transport_ready(frame)

    async def write_audio_frame(self, frame: OutputAudioRawFrame) -> bool:
        now = time.monotonic()
        turn = self._timeline.current
        if turn is not None and turn.speech_end is not None and turn.first_audio is None:
            turn.first_audio = now
        self._timeline.last_output = now
        self._timeline.replied.set()
        return True


class Probe(FrameProcessor):
    """Marks when the turn ended (VAD) and when its transcript came out, then passes frames on."""

    def __init__(self, timeline: Timeline) -> None:
        super().__init__()
        self._timeline = timeline

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        turn = self._timeline.current
        if turn is not None and turn.speech_end is not None:
            if isinstance(frame, VADUserStoppedSpeakingFrame) and turn.vad_stopped is None:
                turn.vad_stopped = time.monotonic()
            if isinstance(frame, TranscriptionFrame) and turn.transcript is None:
                turn.transcript = time.monotonic()
                turn.text = frame.text
        await self.push_frame(frame, direction)


class FixedReply(FrameProcessor):
    """Answers each transcript with the same sentence, like the fairdial side's fixed reply."""

    def __init__(self, reply: str) -> None:
        super().__init__()
        self._reply = reply

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, TranscriptionFrame):
            await self.push_frame(TTSSpeakFrame(self._reply))
            return
        await self.push_frame(frame, direction)


async def feed(
    line: LineInput, turns: list[dict[str, Any]], timeline: Timeline, timeout_s: float
) -> None:
    """Real-time far end: each utterance, then silence until the bot has answered and paused."""
    resampler = create_stream_resampler()
    silence = b"\xff" * int(PHONE_RATE * FRAME_S)
    start = time.monotonic()
    sent = 0

    async def push(chunk: bytes) -> None:
        nonlocal sent
        await asyncio.sleep(max(0.0, start + sent * FRAME_S - time.monotonic()))
        pcm = await ulaw_to_pcm(chunk, PHONE_RATE, PIPELINE_IN_RATE, resampler)
        await line.push_audio_frame(InputAudioRawFrame(pcm, PIPELINE_IN_RATE, 1))
        sent += 1

    for _ in range(25):  # half a second of line noise floor before the first turn
        await push(silence)
    for turn in turns:
        audio = Path(turn["path"]).read_bytes()
        frames = [audio[i : i + len(silence)] for i in range(0, len(audio), len(silence))]
        frames[-1] = frames[-1].ljust(len(silence), b"\xff")
        times = TurnTimes()
        timeline.turns.append(times)
        timeline.replied.clear()
        for index, chunk in enumerate(frames):
            await push(chunk)
            if index == turn["last_speech_frame"]:
                times.speech_end = time.monotonic()
        waited_from = time.monotonic()
        while True:
            await push(silence)
            now = time.monotonic()
            answered = timeline.replied.is_set() and now - timeline.last_output >= 0.2
            if answered or now - waited_from > timeout_s:
                break
        for _ in range(int(GAP_AFTER_REPLY_S / FRAME_S)):
            await push(silence)


async def run(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    timeline = Timeline()
    params = TransportParams(audio_in_enabled=True, audio_out_enabled=True)
    line_in = LineInput(params)
    line_out = LineOutput(params, timeline)
    vad = VADProcessor(
        vad_analyzer=SileroVADAnalyzer(
            params=VADParams(stop_secs=manifest["end_of_turn_silence_s"])
        )
    )
    stt = WhisperSTTService(
        settings=WhisperSTTService.Settings(model=manifest["whisper_dir"], language="en"),
        device="cpu",
        compute_type="int8",
    )
    voice = Path(manifest["piper_voice"])
    tts = PiperTTSService(
        settings=PiperTTSService.Settings(voice=voice.name.removesuffix(".onnx")),
        download_dir=voice.parent,
    )
    pipeline = Pipeline(
        [line_in, vad, stt, Probe(timeline), FixedReply(manifest["reply"]), tts, line_out]
    )
    task = PipelineTask(
        pipeline,
        params=PipelineParams(
            audio_in_sample_rate=PIPELINE_IN_RATE, audio_out_sample_rate=PHONE_RATE
        ),
    )
    runner = PipelineRunner(handle_sigint=False)
    running = asyncio.create_task(runner.run(task))
    await asyncio.sleep(3.0)  # the Whisper model loads while the StartFrame is handled
    await feed(line_in, manifest["turns"], timeline, manifest["reply_timeout_s"])
    await task.cancel()
    await running

    records = []
    for turn in timeline.turns:
        record: dict[str, Any] = {"text": turn.text, "answered": turn.first_audio is not None}
        if turn.speech_end is not None and turn.first_audio is not None:
            record["total_s"] = turn.first_audio - turn.speech_end
            if turn.vad_stopped is not None and turn.transcript is not None:
                record["end_of_turn_s"] = turn.vad_stopped - turn.speech_end
                record["asr_s"] = turn.transcript - turn.vad_stopped
                record["tts_first_chunk_s"] = turn.first_audio - turn.transcript
        records.append(record)
    return records


def main() -> None:
    logger.remove()
    logger.add(sys.stderr, level="WARNING")
    manifest = json.loads(Path(sys.argv[1]).read_text())
    records = asyncio.run(run(manifest))
    Path(sys.argv[2]).write_text(json.dumps(records, indent=1))


if __name__ == "__main__":
    main()
