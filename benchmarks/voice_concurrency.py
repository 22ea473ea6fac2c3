"""How many simultaneous calls one machine carries in real time.

Each call is a whole `converse()` over a loopback line on the machine's monotonic clock: the
far end reads replies at 20 ms cadence into a 200 ms queue (frames not read in time are lost),
the bot's output is paced by the session. A level passes when every call's mean outbound
interval is 20 ms +- 5 ms, at least 95% of intervals are within 20 +- 5 ms, and no inbound
frame is lost. With `--engines fake` (default) the speech engines are instant fakes, so the
number is the pipeline's own ceiling (codec, VAD, pacing, turn-taking); `--engines real` uses
the offline engines (Whisper tiny.en, Piper), loaded once and shared by every call.
"turns" counts the borrower turns answered across the level's calls (three a call when every
turn is heard); a level that answers fewer did less recognition, so its cadence is not
comparable. "vad p99 ms" is the 99th percentile of the time one frame's voice activity
decision holds the event loop, across every call of the level.

    python benchmarks/voice_concurrency.py --calls 1 5 10 20 40 --vad silero
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import itertools
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from fairdial.conversation.engine import converse
from fairdial.voice.audio.clock import MonotonicClock
from fairdial.voice.audio.g711 import ulaw_decode
from fairdial.voice.engines import FakeSpeechToText, FakeTextToSpeech, SpeechToText, TextToSpeech
from fairdial.voice.factory import default_speech_to_text, default_text_to_speech
from fairdial.voice.loopback import LoopbackTransport, LoopedRecording, Reply, ScriptedFarEnd
from fairdial.voice.playback import PromptCache
from fairdial.voice.session import VoiceSession
from fairdial.voice.vad import VadEngine, make_vad

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conversation.fakes import facts  # noqa: E402

SPEECH = ROOT / "tests" / "voice" / "data" / "speech_en_8k.ulaw"
LINES = ["yes, speaking", "1985", "I'll pay the full amount on the 20th"]


@dataclass
class CallResult:
    disposition: str
    intervals: list[float]
    lost: int
    response_s: list[float]
    vad_s: list[float] = field(default_factory=list)


class TimedVad:
    """A detector that notes how long each frame's score took: the event loop waits that long."""

    def __init__(self, engine: VadEngine) -> None:
        self._engine = engine
        self.took: list[float] = []

    def speech_probability(self, frame: np.ndarray) -> float:
        started = time.perf_counter()
        score = self._engine.speech_probability(frame)
        self.took.append(time.perf_counter() - started)
        return score

    def reset(self) -> None:
        self._engine.reset()


def engines(kind: str) -> tuple[SpeechToText, TextToSpeech]:
    if kind == "fake":
        return FakeSpeechToText(list(LINES)), FakeTextToSpeech()
    return real_engines()


@functools.cache
def real_engines() -> tuple[SpeechToText, TextToSpeech]:
    """Loaded once and shared by every call, as one process serving calls shares them; the
    calls speak English, so the recogniser is the English-only tiny model."""
    return default_speech_to_text(model="tiny.en"), default_text_to_speech()


async def one_call(kind: str, vad: str, cache: PromptCache) -> CallResult:
    clock = MonotonicClock()
    replies = [Reply([0.9]), Reply([0.5, 0.3, 0.6]), Reply([1.6])]
    far_end = ScriptedFarEnd(replies, speech=LoopedRecording(ulaw_decode(SPEECH.read_bytes())))
    transport = LoopbackTransport(far_end, clock)
    stt, tts = engines(kind)
    detector = TimedVad(make_vad(vad))
    session = VoiceSession(
        transport, stt, tts, language="en-US", vad=detector, clock=clock, cache=cache
    )
    outcome = await converse(session, facts("en-US"))
    await session.hangup()
    times = transport.sent_at
    # Intervals inside one utterance; the gaps between utterances are turn-taking, not jitter.
    gaps = [b - a for a, b in itertools.pairwise(times) if b - a < 0.1]
    return CallResult(
        str(outcome.disposition),
        gaps,
        transport.lost_frames,
        [t.total_s for t in session.turn_metrics],
        detector.took,
    )


async def level(calls: int, kind: str, vad: str) -> dict[str, float]:
    cache = PromptCache()  # shared, as one process would share it across calls
    started = time.monotonic()
    cpu = time.process_time()
    results = await asyncio.gather(*(one_call(kind, vad, cache) for _ in range(calls)))
    wall = time.monotonic() - started
    gaps = [g for r in results for g in r.intervals]
    within = sum(1 for g in gaps if abs(g - 0.02) <= 0.005) / max(len(gaps), 1)
    worst_mean = max(abs(statistics.mean(r.intervals) - 0.02) for r in results if r.intervals)
    lost = sum(r.lost for r in results)
    ok = worst_mean <= 0.005 and within >= 0.95 and lost == 0
    response = [s for r in results for s in r.response_s]
    vad = sorted(s for r in results for s in r.vad_s)
    return {
        "calls": calls,
        "ok": ok,
        "mean_interval_ms": statistics.mean(gaps) * 1000,
        "within_5ms": within,
        "p99_interval_ms": sorted(gaps)[int(len(gaps) * 0.99)] * 1000,
        "lost_frames": lost,
        "median_response_ms": statistics.median(response) * 1000 if response else float("nan"),
        "turns": len(response),
        "cpu_share": (time.process_time() - cpu) / wall,
        "vad_p99_ms": vad[int(len(vad) * 0.99)] * 1000 if vad else float("nan"),
        "dispositions": len({r.disposition for r in results}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, nargs="+", default=[1, 5, 10, 20, 30, 40])
    parser.add_argument("--engines", choices=["fake", "real"], default="fake")
    parser.add_argument("--vad", choices=["silero", "webrtc", "energy"], default="silero")
    args = parser.parse_args()
    print(f"engines={args.engines} vad={args.vad}")
    print(
        "calls  ok     mean ms  within+-5ms  p99 ms  lost  median response ms  turns  cpu"
        "   vad p99 ms"
    )
    for calls in args.calls:
        row = asyncio.run(level(calls, args.engines, args.vad))
        print(
            f"{row['calls']:>5}  {row['ok']!s:<5}  {row['mean_interval_ms']:7.2f}  "
            f"{row['within_5ms']:10.1%}  {row['p99_interval_ms']:6.1f}  {row['lost_frames']:4}  "
            f"{row['median_response_ms']:18.0f}  {row['turns']:5}  {row['cpu_share']:.2f}  "
            f"{row['vad_p99_ms']:10.3f}"
        )


if __name__ == "__main__":
    main()
