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
_CN_BIG_UNITS = {"萬": 10_000, "億": 100_000_000}
CN_NUMERAL_CHARS = "".join([*_CN_DIGITS, *_CN_SMALL_UNITS, *_CN_BIG_UNITS])

_EN_UNITS = {
    "zero": 0, "oh": 0, "one": 1, "a": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_EN_SCALES = {"hundred": 100, "thousand": 1000, "grand": 1000, "k": 1000, "million": 1_000_000}
EN_NUMBER_WORDS = "|".join(sorted([*_EN_UNITS, *_EN_SCALES], key=len, reverse=True))


def chinese_to_int(text: str) -> int | None:
    """'三千五' -> 3500, '兩萬三' -> 23000, '一九八五' -> 1985; None if not a number."""
    value = mixed_to_decimal(text)
    return int(value) if value is not None and value == int(value) else None


_MIXED_TOKEN = re.compile(r"\d+(?:\.\d+)?|.")


def mixed_to_decimal(text: str) -> Decimal | None:
    """Chinese numerals with units, digits allowed among them: '1.5萬', '3千5', '兩萬3'."""
    tokens = _MIXED_TOKEN.findall(text.replace(",", ""))
    if not tokens or tokens[0] in _CN_BIG_UNITS or tokens[0] in ("百", "千", "佰", "仟"):
        return None  # 萬一, 千萬 (never): words, not numbers
    if all(token in _CN_DIGITS for token in tokens):
        if len(tokens) == 1:
            return Decimal(_CN_DIGITS[tokens[0]])
        return Decimal("".join(str(_CN_DIGITS[token]) for token in tokens))  # read digit by digit

    total = Decimal(0)  # completed groups of 萬 and 億
    group = Decimal(0)  # the current group below 萬
    digit: Decimal | None = None
    last_unit = 1
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
            group += (1 if digit is None else digit) * unit
        elif token in _CN_BIG_UNITS:
            unit = _CN_BIG_UNITS[token]
            total += (group + (digit or 0)) * unit
            group = Decimal(0)
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
    """'two thousand five hundred' -> 2500; None when a word is not part of a number."""
    tokens = [token for token in re.split(r"[\s-]+", words.strip()) if token and token != "and"]
    if not tokens:
        return None
    total, current = 0, 0
    seen = False
    for token in tokens:
        if token in _EN_UNITS:
            current += _EN_UNITS[token]
            seen = True
        elif token == "hundred":
            current = max(current, 1) * 100
            seen = True
        elif token in _EN_SCALES:
            total += max(current, 1) * _EN_SCALES[token]
            current = 0
            seen = True
        else:
            return None
    return total + current if seen else None


def decimal_of(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def to_minor(value: Decimal, per_unit: int) -> int:
    return int((value * per_unit).to_integral_value())
