"""16-bit mono PCM at the rates the phone line and the speech engines use, and 20 ms framing.

Resampling is soxr's (a proper band-limited resampler); a phone frame is 20 ms, 160 samples at
8 kHz, the packet size of G.711 over RTP and of the carriers' media streams.
"""

from __future__ import annotations

import numpy as np
import soxr

PHONE_RATE = 8000
FRAME_MS = 20
SUPPORTED_RATES = (8000, 16000, 22050, 24000)
# "HQ" keeps the passband flat to the 3.4 kHz edge of telephone speech at little CPU cost.
_QUALITY = "HQ"


def frame_samples(rate: int = PHONE_RATE, frame_ms: int = FRAME_MS) -> int:
    """Samples in one frame: 160 at 8 kHz, 320 at 16 kHz."""
    return rate * frame_ms // 1000


def _check_rate(rate: int) -> None:
    if rate not in SUPPORTED_RATES:
        raise ValueError(f"sample rate {rate} is not supported; use one of {SUPPORTED_RATES}")


def resample(pcm: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Resample a whole int16 signal in one go (a borrower turn before speech recognition)."""
    _check_rate(from_rate)
    _check_rate(to_rate)
    pcm = np.asarray(pcm, dtype=np.int16)
    if from_rate == to_rate or len(pcm) == 0:
        return pcm
    return soxr.resample(pcm, from_rate, to_rate, quality=_QUALITY)


class StreamResampler:
    """Resample a stream chunk by chunk, keeping the filter state between chunks."""

    def __init__(self, from_rate: int, to_rate: int) -> None:
        _check_rate(from_rate)
        _check_rate(to_rate)
        self.from_rate = from_rate
        self.to_rate = to_rate
        self._stream = (
            None
            if from_rate == to_rate
            else soxr.ResampleStream(from_rate, to_rate, 1, dtype="int16", quality=_QUALITY)
        )

    def push(self, pcm: np.ndarray, last: bool = False) -> np.ndarray:
        pcm = np.asarray(pcm, dtype=np.int16)
        if self._stream is None:
            return pcm
        return self._stream.resample_chunk(pcm, last=last)


class Framer:
    """Cut a stream of samples into whole frames; `flush` pads the tail with silence."""

    def __init__(self, samples_per_frame: int = frame_samples()) -> None:
        self.samples_per_frame = samples_per_frame
        self._pending = np.zeros(0, dtype=np.int16)

    def push(self, pcm: np.ndarray) -> list[np.ndarray]:
        data = np.concatenate([self._pending, np.asarray(pcm, dtype=np.int16)])
        whole = len(data) // self.samples_per_frame * self.samples_per_frame
        self._pending = data[whole:]
        return [
            data[start : start + self.samples_per_frame]
            for start in range(0, whole, self.samples_per_frame)
        ]

    def flush(self) -> list[np.ndarray]:
        if len(self._pending) == 0:
            return []
        tail = np.zeros(self.samples_per_frame, dtype=np.int16)
        tail[: len(self._pending)] = self._pending
        self._pending = np.zeros(0, dtype=np.int16)
        return [tail]
