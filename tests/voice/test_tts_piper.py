import asyncio
import re

import numpy as np
import pytest

from fairdial.voice.audio import resample, ulaw_decode, ulaw_encode
from fairdial.voice.engines import TextToSpeech
from fairdial.voice.normalize import for_speech
from fairdial.voice.tts.piper import PiperTextToSpeech, VoiceNotFoundError, find_voice
from tests.voice.conftest_engines import english_whisper, piper, spoken


def over_the_phone(pcm: np.ndarray, rate: int) -> np.ndarray:
    """What a recogniser hears after a G.711 mu-law call leg: 8 kHz, 8-bit, back to 16 kHz."""
    line = ulaw_decode(ulaw_encode(resample(pcm, rate, 8000)))
    return resample(line, 8000, 16000)


def test_bundled_voice_speaks_english_at_its_own_rate() -> None:
    engine = piper()

    chunks = asyncio.run(spoken(engine, "Hello. This call is recorded.", "en-US"))

    assert isinstance(engine, TextToSpeech)
    assert engine.voice == "en_US-joe-medium"
    assert engine.sample_rate == 22050
    assert len(chunks) == 2
    assert all(chunk.dtype == np.int16 for chunk in chunks)
    seconds = sum(len(chunk) for chunk in chunks) / engine.sample_rate
    assert 1.0 < seconds < 5.0
    assert max(int(np.abs(chunk).max()) for chunk in chunks) > 5000


def test_promise_survives_a_round_trip_over_a_phone_line() -> None:
    engine = piper()
    chunks = asyncio.run(spoken(engine, "I can pay five hundred dollars on Friday.", "en-US"))
    heard = over_the_phone(np.concatenate(chunks), engine.sample_rate)

    transcript = asyncio.run(english_whisper().transcribe(heard, "en-US"))

    words = set(re.findall(r"[a-z]+", for_speech(transcript.text, "en-US").lower()))
    assert {"pay", "five", "hundred", "friday"} <= words


def test_voice_refuses_a_language_it_was_not_trained_in() -> None:
    with pytest.raises(ValueError, match="speaks en, not zh-TW"):
        asyncio.run(spoken(piper(), "您好。", "zh-TW"))


def test_configured_voice_path_must_exist(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAIRDIAL_PIPER_VOICE", "/nonexistent/voice.onnx")

    with pytest.raises(VoiceNotFoundError, match=r"/nonexistent/voice\.onnx"):
        PiperTextToSpeech()


def test_bundled_voice_file_is_found() -> None:
    path = find_voice()

    assert path.name == "en_US-joe-medium.onnx"
    assert path.with_suffix(".onnx.json").is_file()
