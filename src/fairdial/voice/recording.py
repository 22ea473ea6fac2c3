"""A call's recording: the borrower on the left, the bot on the right, 8 kHz, aligned in time.

`RecordingTransport` sits between a voice session and any transport and keeps both directions
on the inbound frame clock: frame n from the line covers [n x 20 ms, (n + 1) x 20 ms), and a
frame the bot sends while n frames have arrived is placed at n x 20 ms (or just after the bot's
previous frame, so its own audio never overlaps). `write_stereo_wav` writes 16-bit PCM.

A recording holds a borrower's voice, so its file is readable by its owner only (0600), in a
folder created owner-only (0700).
"""

from __future__ import annotations

import os
import wave
from pathlib import Path

import numpy as np

from fairdial.voice.audio.g711 import ulaw_decode
from fairdial.voice.audio.pcm import PHONE_RATE, frame_samples
from fairdial.voice.transport import AudioTransport

_FRAME = frame_samples()


class RecordingTransport:
    """An `AudioTransport` that records what passes through it; `stereo()` gives both sides."""

    def __init__(self, inner: AudioTransport) -> None:
        self._inner = inner
        self._left: list[np.ndarray] = []  # one decoded frame per inbound frame
        self._right: dict[int, np.ndarray] = {}  # bot frames by frame slot
        self._next_bot_slot = 0

    @property
    def closed(self) -> bool:
        return self._inner.closed

    async def receive(self) -> bytes | None:
        frame = await self._inner.receive()
        if frame is not None:
            self._left.append(ulaw_decode(frame))
        return frame

    async def send(self, frame: bytes) -> None:
        slot = max(len(self._left), self._next_bot_slot)
        self._right[slot] = ulaw_decode(frame)
        self._next_bot_slot = slot + 1
        await self._inner.send(frame)

    async def clear(self) -> None:
        await self._inner.clear()

    async def close(self) -> None:
        await self._inner.close()

    def stereo(self) -> tuple[np.ndarray, np.ndarray]:
        """Borrower and bot as two int16 arrays of equal length; silence where nobody spoke."""
        slots = max(len(self._left), self._next_bot_slot)
        left = np.zeros(slots * _FRAME, dtype=np.int16)
        right = np.zeros(slots * _FRAME, dtype=np.int16)
        if self._left:
            heard = np.concatenate(self._left)
            left[: len(heard)] = heard
        for slot, pcm in self._right.items():
            right[slot * _FRAME : slot * _FRAME + len(pcm)] = pcm
        return left, right

    def write(self, path: Path) -> Path | None:
        """Write the call to `path`; None, and no file, when no audio passed either way."""
        left, right = self.stereo()
        if not len(left):
            return None
        return write_stereo_wav(path, left, right)


def write_stereo_wav(
    path: Path, left: np.ndarray, right: np.ndarray, rate: int = PHONE_RATE
) -> Path:
    """Write two int16 channels as a 16-bit PCM WAV; the shorter one is padded with silence."""
    length = max(len(left), len(right))
    samples = np.zeros((length, 2), dtype="<i2")
    samples[: len(left), 0] = left
    samples[: len(right), 1] = right
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(handle, 0o600)  # a file already there keeps its old mode through O_CREAT
    with os.fdopen(handle, "wb") as file, wave.open(file, "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return path


def read_stereo_wav(path: Path) -> tuple[int, np.ndarray, np.ndarray]:
    """Rate, left and right channels of a 16-bit stereo WAV."""
    with wave.open(str(path), "rb") as recording:
        if recording.getnchannels() != 2 or recording.getsampwidth() != 2:
            raise ValueError(f"{path} is not a 16-bit stereo WAV")
        rate = recording.getframerate()
        data = np.frombuffer(recording.readframes(recording.getnframes()), dtype="<i2")
    pairs = data.reshape(-1, 2).astype(np.int16)
    return rate, pairs[:, 0].copy(), pairs[:, 1].copy()
