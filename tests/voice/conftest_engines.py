"""Speech engines loaded once per test session, and the recorded prompts they are tested on.

Each loader is cached, so every test module that asks for an engine gets the same instance.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
import wave
from pathlib import Path

import numpy as np
import pytest

from fairdial.voice.asr.whisper import WhisperSpeechToText
from fairdial.voice.tts.espeak import EspeakTextToSpeech
from fairdial.voice.tts.piper import PiperTextToSpeech

# Debian's asterisk-core-sounds-en-wav: a person reading the PBX prompts, 8 kHz 16-bit mono.
ASTERISK_SOUNDS = Path("/usr/share/asterisk/sounds/en")
REQUIRE_PROGRAMS = os.environ.get("FAIRDIAL_REQUIRE_SERVICES") == "1"


def missing(what: str, install: str) -> None:
    """Skip a test that needs a program or file this machine lacks; CI installs it, so fail."""
    message = f"{what} is not installed here ({install})"
    if REQUIRE_PROGRAMS:
        pytest.fail(message)
    pytest.skip(message)


@functools.cache
def english_whisper() -> WhisperSpeechToText:
    """The bundled English-only tiny model: the fastest, for most tests."""
    return WhisperSpeechToText("tiny.en")


@functools.cache
def multilingual_whisper() -> WhisperSpeechToText:
    """The bundled multilingual base model, reassembled into a fresh cache for this session."""
    cache = Path(tempfile.mkdtemp(prefix="fairdial-whisper-"))
    atexit.register(shutil.rmtree, cache, ignore_errors=True)
    return WhisperSpeechToText("base", cache_dir=cache)


@functools.cache
def piper() -> PiperTextToSpeech:
    return PiperTextToSpeech()


def espeak() -> EspeakTextToSpeech:
    if shutil.which("espeak-ng") is None:
        missing("espeak-ng", "apt-get install espeak-ng")
    return _espeak()


@functools.cache
def _espeak() -> EspeakTextToSpeech:
    return EspeakTextToSpeech()


def recorded_prompt(name: str) -> tuple[np.ndarray, int]:
    """int16 samples and rate of an Asterisk prompt, e.g. "goodbye" or "digits/5"."""
    path = ASTERISK_SOUNDS / f"{name}.wav"
    if not path.is_file():
        missing(str(path), "apt-get install asterisk-core-sounds-en-wav")
    with wave.open(str(path)) as recording:
        frames = recording.readframes(recording.getnframes())
        return np.frombuffer(frames, dtype="<i2").astype(np.int16), recording.getframerate()


async def spoken(engine: object, text: str, language: str) -> list[np.ndarray]:
    """Every chunk an engine yields for `text`."""
    return [chunk async for chunk in engine.synthesize(text, language)]  # type: ignore[attr-defined]
