"""Silero scored off the event loop decides exactly as it does on the calling thread."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest

from fairdial.voice.audio.g711 import ulaw_decode
from fairdial.voice.audio.pcm import frame_samples
from fairdial.voice.vad import EnergyVad, SileroVad, SpeechGate, WebRtcVad, inference_pool

SPEECH = Path(__file__).parent / "data" / "speech_en_8k.ulaw"


def frames_of_a_call(offset: int) -> list[np.ndarray]:
    """Silence, the recorded speech, silence, the speech again: both decisions occur."""
    speech = ulaw_decode(SPEECH.read_bytes())
    silence = np.zeros(frame_samples() * (10 + offset), dtype=np.int16)
    pcm = np.concatenate([silence, speech, silence, speech[: len(speech) // 2], silence])
    size = frame_samples()
    return [pcm[i : i + size] for i in range(0, len(pcm) - size + 1, size)]


def decide_on_thread(frames: list[np.ndarray]) -> tuple[list[bool], list[float]]:
    engine = SileroVad()
    gate = SpeechGate(engine)
    decisions, scores = [], []
    for frame in frames:
        decisions.append(gate(frame))
        scores.append(engine._last)
    return decisions, scores


async def decide_off_loop(frames: list[np.ndarray]) -> tuple[list[bool], list[float]]:
    engine = SileroVad()
    gate = SpeechGate(engine)
    decisions, scores = [], []
    for frame in frames:
        decisions.append(await gate.decide(frame))
        scores.append(engine._last)
        await asyncio.sleep(0)  # let the other calls' frames interleave with this one's
    return decisions, scores


def test_off_loop_decisions_match_on_thread_decisions_for_concurrent_calls() -> None:
    calls = [frames_of_a_call(offset) for offset in range(4)]
    expected = [decide_on_thread(frames) for frames in calls]

    async def all_calls() -> list[tuple[list[bool], list[float]]]:
        return await asyncio.gather(*(decide_off_loop(frames) for frames in calls))

    got = asyncio.run(all_calls())

    for (decisions, scores), (want_decisions, want_scores) in zip(got, expected, strict=True):
        assert decisions == want_decisions
        # The model's own arithmetic varies in the last digits from run to run (two sync runs
        # differ by up to 0.01 too), so scores are compared closely and decisions exactly.
        assert scores == pytest.approx(want_scores, abs=0.03)
    assert any(expected[0][0]) and not all(expected[0][0])


def test_overlapping_decides_on_one_gate_keep_frame_order() -> None:
    frames = frames_of_a_call(0)
    want, _ = decide_on_thread(frames)

    async def overlapping() -> list[bool]:
        gate = SpeechGate(SileroVad())
        return list(await asyncio.gather(*(gate.decide(frame) for frame in frames)))

    assert asyncio.run(overlapping()) == want


def test_inference_runs_in_the_shared_pool() -> None:
    engine = SileroVad()
    frames = frames_of_a_call(0)[:12]  # the resampler hands out its output in blocks

    async def score() -> None:
        for frame in frames:
            await engine.speech_probability_async(frame)

    asyncio.run(score())
    assert engine._model is not None
    assert inference_pool() is inference_pool()


@pytest.mark.parametrize("loud", [True, False])
def test_cheap_engines_decide_inline(loud: bool) -> None:
    frame = np.full(frame_samples(), 8000 if loud else 0, dtype=np.int16)
    gate = SpeechGate(EnergyVad())

    assert asyncio.run(gate.decide(frame)) is loud


def test_webrtc_detector_does_not_take_the_first_frames_of_line_noise_for_speech() -> None:
    rng = np.random.default_rng(1)
    amplitude = 32768 * 10 ** (-52 / 20)  # quiet line noise

    def noise() -> np.ndarray:
        return rng.normal(0, amplitude, frame_samples()).astype(np.int16)

    vad = WebRtcVad()
    assert [vad.speech_probability(noise()) for _ in range(40)] == [0.0] * 40
    vad.reset()  # a new call trains a new noise model
    assert [vad.speech_probability(noise()) for _ in range(40)] == [0.0] * 40
    # Without the warm-up the untrained model calls the first frames speech.
    untrained = WebRtcVad(warm_up_frames=0)
    assert untrained.speech_probability(noise()) == 1.0
