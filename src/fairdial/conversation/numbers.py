"""Numbers as borrowers say them: Arabic, Chinese numerals with units, English words."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_CN_DIGITS = {
    "零": 0, "〇": 0, "○": 0, "一": 1, "壹": 1, "幺": 1, "二": 2, "兩": 2, "貳": 2, "倆": 2,
    "三": 3, "參": 3, "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陸": 6, "七": 7, "柒": 7,
    "八": 8, "捌": 8, "九": 9, "玖": 9,
}  # fmt: skip
_CN_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
# 兆 is 10^12 in Taiwan and in mainland finance; it is read only so that 兆 amounts fail the
# ceiling instead of losing their unit.
_CN_BIG_UNITS = {"萬": 10_000, "億": 100_000_000, "兆": 1_000_000_000_000}
CN_NUMERAL_CHARS = "".join([*_CN_DIGITS, *_CN_SMALL_UNITS, *_CN_BIG_UNITS])

_EN_UNITS = {
    "zero": 0, "oh": 0, "one": 1, "a": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_EN_SCALES = {"hundred": 100, "thousand": 1000, "grand": 1000, "k": 1000, "million": 1_000_000}
_EN_TENS = {20, 30, 40, 50, 60, 70, 80, 90}
EN_NUMBER_WORDS = "|".join(sorted([*_EN_UNITS, *_EN_SCALES], key=len, reverse=True))


def chinese_to_int(text: str) -> int | None:
    """'三千五' -> 3500, '兩萬三' -> 23000, '一九八五' -> 1985; None if not a number."""
    value = mixed_to_decimal(text)
    return int(value) if value is not None and value == int(value) else None


_MIXED_TOKEN = re.compile(r"\d+(?:\.\d+)?|.")
_NO_UNIT_YET = 10**13  # above every unit, so the first unit of a group always descends


def mixed_to_decimal(text: str) -> Decimal | None:
    """Chinese numerals with units, digits allowed among them: '1.5萬', '3千5', '兩萬3'."""
    tokens = _MIXED_TOKEN.findall(text.replace(",", ""))
    if not tokens or tokens[0] in _CN_BIG_UNITS or tokens[0] in ("百", "千", "佰", "仟"):
        return None  # 萬一, 千萬 (never): words, not numbers
    if all(token in _CN_DIGITS for token in tokens):
        if len(tokens) == 1:
            return Decimal(_CN_DIGITS[tokens[0]])
        return Decimal("".join(str(_CN_DIGITS[token]) for token in tokens))  # read digit by digit

    total = Decimal(0)  # completed groups of 萬, 億 and 兆
    group = Decimal(0)  # the current group below 萬
    digit: Decimal | None = None
    last_unit = 1
    group_unit = _NO_UNIT_YET  # the last unit inside the current group
    big_unit = _NO_UNIT_YET  # the last of 萬, 億, 兆
    after_zero = False
    for token in tokens:
        if token[0].isdigit():
            digit = Decimal(token)
            continue
        if token in _CN_DIGITS:
            digit = Decimal(_CN_DIGITS[token])
            after_zero = after_zero or digit == 0
            continue
        if token in _CN_SMALL_UNITS:
            unit = _CN_SMALL_UNITS[token]
            if unit >= group_unit:
                return None  # 三千千, 五十百: units only descend
            group += (1 if digit is None else digit) * unit
            group_unit = unit
        elif token in _CN_BIG_UNITS:
            unit = _CN_BIG_UNITS[token]
            if unit >= big_unit:
                return None  # 兆兆, 萬萬, 萬億: read as a different number, so none at all
            total += (group + (digit or 0)) * unit
            group, group_unit, big_unit = Decimal(0), _NO_UNIT_YET, unit
        else:
            return None
        digit, last_unit, after_zero = None, unit, False

    if digit is not None:
        # A trailing bare digit means the next unit down: 兩萬三 = 23000, 三千五 = 3500,
        # unless a 零 came first: 一千零五 = 1005.
        scale = 1 if after_zero or last_unit < 10 else last_unit // 10
        group += digit * scale
    return total + group


def english_to_int(words: str) -> int | None:
    """'two thousand five hundred' -> 2500; None when a word is not part of a number.

    A sequence no one says for one number ('nineteen eighty', 'million million', 'five five')
    is None too, rather than the sum of its words.
    """
    tokens = [token for token in re.split(r"[\s-]+", words.strip()) if token and token != "and"]
    if not tokens:
        return None
    total, current = 0, 0
    last_word: int | None = None  # value of the previous unit word, None after a scale
    last_scale = _NO_UNIT_YET
    for token in tokens:
        if token in _EN_UNITS:
            value = _EN_UNITS[token]
            if last_word is not None and not (last_word in _EN_TENS and value < 10):
                return None  # only 'twenty five' joins two unit words
            current += value
            last_word = value
        elif token == "hundred":
            if current >= 100:
                return None
            current = max(current, 1) * 100
            last_word = None
        elif token in _EN_SCALES:
            scale = _EN_SCALES[token]
            if scale >= last_scale:
                return None
            total += max(current, 1) * scale
            current, last_word, last_scale = 0, None, scale
        else:
            return None
    return total + current


_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")


def decimal_of(text: str) -> Decimal | None:
    """Digits as written, with commas only as thousands separators ('1,200'); else None."""
    if "," in text and not _GROUPED.fullmatch(text):
        return None  # '1,2,3' or '12,00' is a list or a typo, not a number
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None
