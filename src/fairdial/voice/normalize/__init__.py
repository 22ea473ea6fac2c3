"""Text as it should be spoken: amounts, dates, times, phone and account numbers as words.

Speech engines read digits badly and differently (espeak-ng says 12050 in Mandarin as 十二千 五十;
some voices drop the zeros of an account number), so every engine is given words instead.
Quantities are read as numbers (12,050 -> 一萬兩千零五十), identifiers digit by digit with every
zero said (1020304 -> 一零二零，三零四), and phone numbers in the groups people pause between.

Limitations: a run of four digits or fewer is read as a quantity unless a word before it says it
is dialled or quoted (專線1925, "call 988"); Chinese digit strings use 一, not the 幺 some
mainland speakers prefer; English ordinals are only read for dates and for 1st, 2nd, 3rd, ...
"""

from __future__ import annotations

from fairdial.voice.normalize import chinese, english


def for_speech(text: str, language: str) -> str:
    """`text` with its numbers written out for `language` ("en-US", "zh-TW", "zh-CN")."""
    if language.startswith("zh"):
        return chinese.normalize(text, language)
    if language.startswith("en"):
        return english.normalize(text)
    raise ValueError(f"speech normalisation for language {language!r} is not supported")


__all__ = ["for_speech"]
