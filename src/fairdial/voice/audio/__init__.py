"""Telephone audio: G.711 codecs, PCM rates and resampling, 20 ms frames, jitter and pacing."""

from fairdial.voice.audio.g711 import alaw_decode, alaw_encode, ulaw_decode, ulaw_encode
from fairdial.voice.audio.pcm import (
    FRAME_MS,
    PHONE_RATE,
    SUPPORTED_RATES,
    Framer,
    StreamResampler,
    frame_samples,
    resample,
)

__all__ = [
    "FRAME_MS",
    "PHONE_RATE",
    "SUPPORTED_RATES",
    "Framer",
    "StreamResampler",
    "alaw_decode",
    "alaw_encode",
    "frame_samples",
    "resample",
    "ulaw_decode",
    "ulaw_encode",
]
