import asyncio
import re
import struct

import numpy as np
import pytest

from fairdial.voice.normalize import for_speech
from fairdial.voice.tts import make_tts
from fairdial.voice.tts.by_language import ByLanguage
from fairdial.voice.tts.espeak import EspeakError, EspeakTextToSpeech, parse_wav
from tests.voice.conftest_engines import english_whisper, espeak, piper, spoken
from tests.voice.test_tts_piper import over_the_phone

DEBT_TW = "您好，這裡是範例銀行。您的帳款目前尚有NT$12,050未繳，請問您可以在3月13日之前繳清嗎？"
DEBT_CN = "您好，这里是示例银行。您的账款目前尚有NT$12,050未缴，请问您可以在3月13日之前缴清吗？"


def seconds_of(chunks: list[np.ndarray], rate: int) -> float:
    return sum(len(chunk) for chunk in chunks) / rate


def test_mandarin_is_spoken_in_both_scripts() -> None:
    engine = espeak()

    traditional = asyncio.run(spoken(engine, DEBT_TW, "zh-TW"))
    simplified = asyncio.run(spoken(engine, DEBT_CN, "zh-CN"))

    characters = len(for_speech(DEBT_TW, "zh-TW"))
    for chunks in (traditional, simplified):
        audio = np.concatenate(chunks)
        rms = float(np.sqrt(np.mean(audio.astype(np.float64) ** 2)))
        assert len(chunks) == 3  # the opening 您好 on its own, then the two sentences
        assert rms > 1000
        # Mandarin runs at 3 to 6 characters a second; pinyin read as English runs far longer.
        assert 0.15 < seconds_of(chunks, engine.sample_rate) / characters < 0.4
    assert seconds_of(traditional, 1) == pytest.approx(seconds_of(simplified, 1), rel=0.1)


def test_english_fallback_voice_is_understood() -> None:
    engine = espeak()
    chunks = asyncio.run(spoken(engine, "Thank you. Goodbye.", "en-US"))
    heard = over_the_phone(np.concatenate(chunks), engine.sample_rate)

    transcript = asyncio.run(english_whisper().transcribe(heard, "en-US"))

    assert {"thank", "goodbye"} <= set(re.findall(r"[a-z]+", transcript.text.lower()))


def test_language_without_a_voice_is_refused() -> None:
    with pytest.raises(ValueError, match="no voice configured for ja-JP"):
        asyncio.run(spoken(espeak(), "こんにちは", "ja-JP"))


def test_unknown_voice_fails_at_start_up() -> None:
    with pytest.raises(EspeakError, match="no-such-voice"):
        EspeakTextToSpeech({"zh": "no-such-voice"})


def test_wav_from_a_pipe_with_placeholder_sizes() -> None:
    fmt = struct.pack("<HHIIHH", 1, 1, 22050, 44100, 2, 16)
    samples = np.array([0, 1000, -1000, 32767], dtype="<i2").tobytes()
    wav = (
        b"RIFF" + struct.pack("<I", 0x7FFFFFFF) + b"WAVE"
        + b"fmt " + struct.pack("<I", 16) + fmt
        + b"data" + struct.pack("<I", 0x7FFFFFFF) + samples
    )  # fmt: skip

    rate, audio = parse_wav(wav)

    assert rate == 22050
    assert audio.tolist() == [0, 1000, -1000, 32767]


def test_offline_engine_speaks_each_language_with_its_own_voice() -> None:
    engine = ByLanguage({"en": piper(), "zh": espeak()})

    assert engine.engine_for("en-US") is piper()
    assert engine.engine_for("zh-TW") is espeak()
    assert engine.sample_rate == 22050
    assert asyncio.run(spoken(engine, "再見。", "zh-CN"))


def test_offline_engine_from_the_registry() -> None:
    engine = make_tts("offline")

    assert isinstance(engine, ByLanguage)
    assert {name: type(e).__name__ for name, e in engine.engines.items()} == {
        "en": "PiperTextToSpeech",
        "zh": "EspeakTextToSpeech",
    }
