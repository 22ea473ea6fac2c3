import asyncio

import numpy as np
import pytest

from fairdial.voice.engines import TextToSpeech
from fairdial.voice.tts import make_tts
from fairdial.voice.tts.cache import PromptCache, PromptKey
from fairdial.voice.tts.sentences import SentenceTextToSpeech, split_for_speaking, split_sentences


class CountingVoice(SentenceTextToSpeech):
    """100 samples per character; counts what it was asked to render."""

    engine = "counting"
    sample_rate = 16000

    def __init__(self, cache: PromptCache | None = None) -> None:
        super().__init__(cache=cache)
        self.rendered: list[str] = []

    def voice_for(self, language: str) -> str:
        return "plain"

    async def render(self, sentence: str, voice: str) -> np.ndarray:
        await asyncio.sleep(0)
        self.rendered.append(sentence)
        return np.full(100 * len(sentence), 1000, dtype=np.int16)


REPLY = (
    "Hello, this is Example Bank. This call is recorded. Are you Alex Chen? Please say yes or no."
)


def test_chinese_sentences() -> None:
    assert split_sentences("您好，這裡是範例銀行。請問是陳先生本人嗎？好的！") == [
        "您好，這裡是範例銀行。",
        "請問是陳先生本人嗎？",
        "好的！",
    ]


def test_english_sentences_keep_abbreviations_and_decimals() -> None:
    assert split_sentences("Hi Mr. Chen. That is 1.5 percent! OK?") == [
        "Hi Mr. Chen.",
        "That is 1.5 percent!",
        "OK?",
    ]


def test_long_sentence_is_cut_at_commas() -> None:
    text = (
        "如果一次繳清有困難，可以分三期，第一期五千元，在三月十三日前繳，"
        "之後每個月大約五千元，總共一萬五千元。"
    )

    parts = split_sentences(text, max_chars=20)

    assert "".join(parts) == text
    assert all(len(part) <= 20 for part in parts)
    assert parts[0] == "如果一次繳清有困難，可以分三期，"


def test_first_chunk_comes_before_the_reply_is_rendered() -> None:
    voice = CountingVoice()

    async def first_chunk() -> tuple[np.ndarray, int]:
        stream = voice.synthesize(REPLY, "en-US")
        chunk = await anext(stream)
        rendered = len(voice.rendered)
        await stream.aclose()
        return chunk, rendered

    chunk, rendered_then = asyncio.run(first_chunk())

    assert len(chunk) == 100 * len("Hello,")  # the opening clause of a long first sentence
    assert rendered_then == 1
    assert len(voice.rendered) < 4


def test_one_chunk_per_sentence_in_order() -> None:
    voice = CountingVoice()

    async def collect() -> list[np.ndarray]:
        return [chunk async for chunk in voice.synthesize(REPLY, "en-US")]

    chunks = asyncio.run(collect())

    assert isinstance(voice, TextToSpeech)
    assert [len(chunk) // 100 for chunk in chunks] == [len(s) for s in split_for_speaking(REPLY)]


def test_repeated_prompt_comes_from_the_cache() -> None:
    voice = CountingVoice()

    async def say_twice() -> tuple[list[np.ndarray], list[np.ndarray]]:
        first = [chunk async for chunk in voice.synthesize(REPLY, "en-US")]
        again = [chunk async for chunk in voice.synthesize(REPLY, "en-US")]
        return first, again

    first, again = asyncio.run(say_twice())

    assert len(voice.rendered) == 5  # the opening "Hello," on its own, then four sentences
    assert voice.cache.hits == 5
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))


def test_numbers_are_normalised_before_speaking() -> None:
    voice = CountingVoice()

    async def say() -> None:
        async for _ in voice.synthesize("Please pay $500.", "en-US"):
            pass

    asyncio.run(say())

    assert voice.rendered == ["Please pay five hundred dollars."]


def test_cache_keeps_the_most_recent_within_its_budget() -> None:
    cache = PromptCache(max_bytes=2000)  # two sentences of 1000 bytes
    keys = [PromptKey("piper", "joe", "en-US", text) for text in ("a", "b", "c")]

    cache.put(keys[0], np.zeros(500, np.int16))
    cache.put(keys[1], np.zeros(500, np.int16))
    assert cache.get(keys[0]) is not None  # now the most recent
    cache.put(keys[2], np.zeros(500, np.int16))

    assert cache.get(keys[1]) is None
    assert cache.get(keys[0]) is not None
    assert len(cache) == 2


def test_cached_audio_cannot_be_changed_by_a_caller() -> None:
    cache = PromptCache()
    key = PromptKey("espeak-ng", "cmn-latn-pinyin", "zh-TW", "您好。")
    cache.put(key, np.ones(10, np.int16))

    audio = cache.get(key)

    assert audio is not None
    with pytest.raises(ValueError):
        audio[0] = 5


def test_unsupported_engine_names_the_available_ones() -> None:
    with pytest.raises(ValueError, match=r"'azure' is not supported; available: piper, espeak"):
        make_tts("azure")


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("Thank you, I have noted that.", ["Thank you,", "I have noted that."]),
        ("好的，我已經記下您下週五還款五千元。", ["好的，", "我已經記下您下週五還款五千元。"]),
        ("Hello, this is Harbor Bank. Bye.", ["Hello,", "this is Harbor Bank.", "Bye."]),
        # Short sentences, and a lead too short to say alone, are rendered whole.
        ("OK, fine then.", ["OK, fine then."]),
        ("好，謝謝。", ["好，謝謝。"]),
        ("I, for one, agree with that entirely.", ["I, for one, agree with that entirely."]),
        ("One sentence without any pause at all.", ["One sentence without any pause at all."]),
    ],
)
def test_a_long_first_sentence_leads_with_its_opening_clause(text: str, parts: list[str]) -> None:
    assert split_for_speaking(text) == parts
