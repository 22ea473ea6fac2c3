"""End of borrower speech -> first bot audio frame, fairdial's pipeline against Pipecat's.

Each turn is an English sentence synthesised with the bundled Piper voice, resampled to 8 kHz
mu-law and fed to the line in real time (one 20 ms frame every 20 ms), followed by silence until
the bot has answered; the bot answers every turn with the same short sentence (no conversation
engine), so both sides do the same work: Silero VAD, faster-whisper, Piper. Prompt caches are
off, so every reply is synthesised.

Latency is measured from the moment the frame holding the utterance's last speech sample is
handed to the line to the first bot audio frame the line receives; fairdial's own `TurnMetrics`
give its split (end-of-turn wait, ASR, decision, TTS first chunk). With `--pipecat PYTHON` the
same turns then run through `pipecat_pipeline.py` under that interpreter (a separate virtual
environment with pipecat-ai), and both sides are printed with the ratio fairdial / pipecat.

    python benchmarks/voice_latency.py --turns 50 --pipecat .venv-bench/bin/python
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from fairdial.telephony.base import BotUtterance
from fairdial.voice.asr.whisper import WhisperSpeechToText
from fairdial.voice.audio.clock import MonotonicClock
from fairdial.voice.audio.g711 import ulaw_encode
from fairdial.voice.audio.pacer import FRAME_S
from fairdial.voice.audio.pcm import PHONE_RATE, frame_samples, resample
from fairdial.voice.playback import PromptCache
from fairdial.voice.session import VoiceSession
from fairdial.voice.tts.cache import PromptCache as AudioCache
from fairdial.voice.tts.piper import PiperTextToSpeech, find_voice
from fairdial.voice.turns import TurnTimings
from fairdial.voice.vad import SileroVad

ROOT = Path(__file__).resolve().parent
REPLY = "Thank you, I have noted that."
GAP_AFTER_REPLY_S = 0.4  # the borrower's pause after the bot's reply, before the next turn
REPLY_TIMEOUT_S = 8.0
SPEECH_FLOOR = 300  # int16 peak above which a frame counts as speech, for the true speech end

# Short answers to long explanations, as borrowers give them; lengths run from 0.5 s to 6 s.
OPENINGS = ["", "Yes, ", "Well, ", "Okay, so ", "Look, ", "Honestly, "]
ANSWERS = [
    "yes.",
    "speaking.",
    "who is this?",
    "I can pay next week.",
    "I lost my job last month.",
    "can you call me back tomorrow morning?",
    "I already paid two hundred dollars on Monday.",
    "I want to set up a payment plan with smaller amounts.",
    "my wife handles the bills, you should talk to her about it.",
    "I never received any statement from you and I do not recognise this debt at all.",
    "I can pay half now and the rest at the end of the month when I get my salary.",
    "please stop calling me at work, my manager is not happy about it and I could lose my job.",
]


def sentences(count: int) -> list[str]:
    """`count` sentences cycling through answers of every length, each with an opening."""
    chosen = []
    for index in range(count):
        answer = ANSWERS[index % len(ANSWERS)]
        opening = OPENINGS[(index // len(ANSWERS)) % len(OPENINGS)]
        text = opening + answer
        chosen.append(text[0].upper() + text[1:])
    return chosen


@dataclass
class Turn:
    text: str
    path: Path
    frames: list[bytes]
    last_speech_frame: int

    @property
    def seconds(self) -> float:
        return (self.last_speech_frame + 1) * FRAME_S


async def synthesise(texts: list[str], folder: Path) -> list[Turn]:
    tts = PiperTextToSpeech(cache=AudioCache(max_bytes=0), normalize=False)
    silence = np.zeros(int(0.2 * PHONE_RATE), dtype=np.int16)
    turns = []
    for index, text in enumerate(texts):
        chunks = [chunk async for chunk in tts.synthesize(text, "en-US")]
        pcm = resample(np.concatenate(chunks), tts.sample_rate, PHONE_RATE)
        pcm = np.concatenate([silence, pcm])
        size = frame_samples()
        pcm = np.concatenate([pcm, np.zeros(-len(pcm) % size, dtype=np.int16)])
        frames = [pcm[i : i + size] for i in range(0, len(pcm), size)]
        loud = [i for i, frame in enumerate(frames) if np.abs(frame).max() >= SPEECH_FLOOR]
        encoded = [ulaw_encode(frame) for frame in frames]
        path = folder / f"turn_{index:03d}.ulaw"
        path.write_bytes(b"".join(encoded))
        turns.append(Turn(text, path, encoded, loud[-1]))
    return turns


@dataclass
class _Marks:
    speech_end: float | None = None
    first_audio: float | None = None


@dataclass
class RealTimeLine:
    """An `AudioTransport` whose far end reads the turns at 20 ms cadence, one after another."""

    turns: list[Turn]
    marks: list[_Marks] = field(default_factory=list)
    closed: bool = False
    _queue: asyncio.Queue[bytes | None] = field(default_factory=asyncio.Queue)
    _last_sent: float = 0.0
    _replied: asyncio.Event = field(default_factory=asyncio.Event)

    async def receive(self) -> bytes | None:
        return await self._queue.get()

    async def send(self, frame: bytes) -> None:
        now = time.monotonic()
        mark = self.marks[-1] if self.marks else None
        if mark is not None and mark.speech_end is not None and mark.first_audio is None:
            mark.first_audio = now
        self._last_sent = now
        self._replied.set()

    async def clear(self) -> None:
        pass

    async def close(self) -> None:
        self.closed = True

    async def feed(self) -> None:
        silence = ulaw_encode(np.zeros(frame_samples(), dtype=np.int16))
        start = time.monotonic()
        sent = 0

        async def push(frame: bytes) -> None:
            nonlocal sent
            await asyncio.sleep(max(0.0, start + sent * FRAME_S - time.monotonic()))
            self._queue.put_nowait(frame)
            sent += 1

        for _ in range(25):
            await push(silence)
        for turn in self.turns:
            mark = _Marks()
            self.marks.append(mark)
            self._replied.clear()
            for index, frame in enumerate(turn.frames):
                await push(frame)
                if index == turn.last_speech_frame:
                    mark.speech_end = time.monotonic()
            waited_from = time.monotonic()
            while True:
                await push(silence)
                now = time.monotonic()
                answered = self._replied.is_set() and now - self._last_sent >= 0.2
                if answered or now - waited_from > REPLY_TIMEOUT_S:
                    break
            for _ in range(int(GAP_AFTER_REPLY_S / FRAME_S)):
                await push(silence)
        self._queue.put_nowait(None)


async def run_fairdial(turns: list[Turn], model: str) -> list[dict[str, Any]]:
    stt = WhisperSpeechToText(model)
    tts = PiperTextToSpeech(cache=AudioCache(max_bytes=0))
    line = RealTimeLine(turns)
    session = VoiceSession(
        line,
        stt,
        tts,
        language="en-US",
        vad=SileroVad(),
        clock=MonotonicClock(),
        cache=PromptCache(max_entries=0),
    )
    feeder = asyncio.create_task(line.feed())
    heard: dict[int, list[str]] = {}  # turn index -> what the bot heard while it was spoken
    while not feeder.done():
        turn = await session.listen(timeout_s=REPLY_TIMEOUT_S + 5)
        if turn is None:
            continue
        heard.setdefault(len(line.marks) - 1, []).append(turn.text)
        await session.say(BotUtterance(REPLY, "acknowledge"))
    await feeder
    await session.hangup()

    records = []
    metrics = iter(session.turn_metrics)
    for mark in line.marks:
        record: dict[str, Any] = {"answered": mark.first_audio is not None}
        if mark.speech_end is not None and mark.first_audio is not None:
            record["total_s"] = mark.first_audio - mark.speech_end
            split = next(metrics, None)
            if split is not None:
                record.update({f"session_{k}": v for k, v in split.as_dict().items()})
        records.append(record)
    for index, record in enumerate(records):
        record["text"] = " ".join(heard.get(index, []))
    return records


def run_pipecat(python: str, turns: list[Turn], folder: Path, model: str) -> list[dict[str, Any]]:
    from fairdial.voice.asr import models

    manifest = {
        "whisper_dir": str(models.resolve(model)),
        "piper_voice": str(find_voice()),
        "reply": REPLY,
        "end_of_turn_silence_s": TurnTimings().short_silence_s,
        "reply_timeout_s": REPLY_TIMEOUT_S,
        "turns": [
            {"path": str(t.path), "last_speech_frame": t.last_speech_frame, "text": t.text}
            for t in turns
        ],
    }
    manifest_path = folder / "manifest.json"
    results_path = folder / "pipecat.json"
    manifest_path.write_text(json.dumps(manifest))
    script = ROOT / "pipecat_pipeline.py"
    subprocess.run([python, str(script), str(manifest_path), str(results_path)], check=True)
    return json.loads(results_path.read_text())


def percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def words(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9' ]+", " ", text.lower()).split()


def word_error_rate(turns: list[Turn], records: list[dict[str, Any]]) -> float:
    """Word errors (Levenshtein over words) of what each side heard, over the spoken words."""
    errors = total = 0
    for turn, record in zip(turns, records, strict=False):
        said, heard = words(turn.text), words(record.get("text", ""))
        previous = list(range(len(heard) + 1))
        for i, ref in enumerate(said, 1):
            current = [i]
            for j, hyp in enumerate(heard, 1):
                current.append(
                    min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref != hyp))
                )
            previous = current
        errors += previous[-1]
        total += len(said)
    return errors / max(total, 1)


def report(
    name: str, turns: list[Turn], records: list[dict[str, Any]], keys: list[str]
) -> dict[str, float]:
    answered = [r for r in records if "total_s" in r]
    wer = word_error_rate(turns, records)
    print(f"{name}: {len(answered)}/{len(records)} turns answered, word error rate {wer:.3f}")
    summary = {}
    for key in keys:
        values = [r[key] for r in answered if key in r]
        if not values:
            continue
        median, p95 = percentiles(values)
        summary[key] = median
        summary[key + "_p95"] = p95
        print(f"  {key:<28} median {median * 1000:7.0f} ms   p95 {p95 * 1000:7.0f} ms")
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=50)
    parser.add_argument("--model", default="tiny.en", help="bundled whisper model or a path")
    parser.add_argument("--pipecat", metavar="PYTHON", help="interpreter with pipecat-ai")
    parser.add_argument("--keep", type=Path, help="folder to keep the turns and results in")
    args = parser.parse_args()

    folder = args.keep or Path(tempfile.mkdtemp(prefix="fairdial-latency-"))
    folder.mkdir(parents=True, exist_ok=True)
    turns = asyncio.run(synthesise(sentences(args.turns), folder))
    seconds = [t.seconds for t in turns]
    print(
        f"{len(turns)} turns, speech {min(seconds):.1f}-{max(seconds):.1f} s "
        f"(median {statistics.median(seconds):.1f} s); whisper {args.model}; reply {REPLY!r}"
    )

    started = time.monotonic()
    ours = asyncio.run(run_fairdial(turns, args.model))
    print(f"fairdial run {time.monotonic() - started:.0f} s")
    (folder / "fairdial.json").write_text(json.dumps(ours, indent=1))
    split = ["total_s"] + [
        f"session_{k}"
        for k in ("end_of_turn_s", "asr_s", "decision_s", "tts_first_chunk_s", "total_s")
    ]
    mine = report("fairdial", turns, ours, split)
    if not args.pipecat:
        return

    started = time.monotonic()
    theirs = run_pipecat(args.pipecat, turns, folder, args.model)
    print(f"pipecat run {time.monotonic() - started:.0f} s")
    other = report(
        "pipecat", turns, theirs, ["total_s", "end_of_turn_s", "asr_s", "tts_first_chunk_s"]
    )
    for key in ("total_s", "total_s_p95"):
        if key in mine and key in other:
            print(f"ratio fairdial/pipecat {key:<12} {mine[key] / other[key]:.2f}")


if __name__ == "__main__":
    main()
