"""Numbers as a Mandarin speaker reads them, in Traditional (zh-TW) or Simplified (zh-CN) script."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

from fairdial.conversation.speech import zh_amount, zh_number
from fairdial.money import to_minor
from fairdial.voice.normalize import patterns

_DIGITS = "零一二三四五六七八九"

# Only the characters this module writes; the borrower-facing text itself is never converted.
_TO_SIMPLIFIED = str.maketrans("兩萬億點幣臺", "两万亿点币台")

# Currency symbol -> (word said before the amount, currency whose unit words follow it).
CURRENCY_WORDS = {
    "NT$": ("新台幣", "CNY"),  # 元, 角, 分: the same unit words as the yuan
    "US$": ("", "USD"),
    "HK$": ("", "HKD"),
    "¥": ("", "CNY"),
    "RMB": ("人民幣", "CNY"),
}
# A bare "$" means the local dollar where the account lives.
LOCAL_DOLLAR = {"zh-TW": "NT$", "zh-HK": "HK$"}


def script(text: str, language: str) -> str:
    """Put characters this module wrote into the account's script."""
    return text.translate(_TO_SIMPLIFIED) if language == "zh-CN" else text


def cardinal(number: int) -> str:
    """12050 -> 一萬兩千零五十; the 零 of a gap is always said."""
    return zh_number(number) if number >= 0 else "負" + zh_number(-number)


def digits(text: str) -> str:
    """'1020304' -> 一零二零三零四."""
    return "".join(_DIGITS[int(char)] for char in text if char.isdigit())


def decimal(value: Decimal) -> str:
    """'1.05' -> 一點零五."""
    whole, _, fraction = f"{value:f}".partition(".")
    spoken = cardinal(int(whole))
    return f"{spoken}點{digits(fraction)}" if fraction else spoken


def money(value: Decimal, symbol: str) -> str:
    """Decimal('12050.5'), 'NT$' -> 新台幣一萬兩千零五十元五角."""
    prefix, currency = CURRENCY_WORDS[symbol]
    return prefix + zh_amount(to_minor(value.quantize(Decimal("0.01")), currency), currency)


def yuan(value: Decimal) -> str:
    """An amount written with 元 after it: '12050.5' -> 一萬兩千零五十元五角."""
    return zh_amount(to_minor(value.quantize(Decimal("0.01")), "CNY"), "CNY")


def year(text: str) -> str:
    """Years are read digit by digit: 2025 -> 二零二五."""
    return digits(text)


def clock(hour: int, minute: int) -> str:
    """14:30 -> 十四點三十分, 9:05 -> 九點零五分, 10:00 -> 十點."""
    spoken = cardinal(hour) + "點"
    if minute == 0:
        return spoken
    return spoken + ("零" if minute < 10 else "") + cardinal(minute) + "分"


_NUMBER = patterns.NUMBER
_YUAN = re.compile(rf"(?<![\d.,]){_NUMBER}\s?元")
_KUAI = re.compile(rf"(?<![\d.,]){_NUMBER}\s?(?P<unit>塊|块)")
_TEN_THOUSANDS = re.compile(r"(?<![\d.,])(?P<number>\d+(?:\.\d+)?)\s?(?P<unit>萬|万|億|亿)")
_DATE = re.compile(
    r"(?<![\d.,])(?:(?P<year>\d{4})\s?年\s?)?(?P<month>\d{1,2})\s?月\s?(?P<day>\d{1,2})\s?"
    r"(?P<suffix>日|號|号)"
)
_YEAR = re.compile(r"(?<![\d.,])(?P<year>\d{4})\s?年")
# Words after which a number is dialled or quoted, not counted: 專線1925, 帳號末四碼 0123.
_CALLED = re.compile(
    r"(?:帳號|账号|帳戶|账户|卡號|卡号|四碼|四码|尾號|尾号|號碼|号码|電話|电话|專線|专线|熱線|热线|"
    r"生命線|生命线|撥打|拨打|回電|回电|致電|致电|分機|分机|編號|编号)"
    r"[是為为：:\s]*(?P<digits>\+?\d(?:[-\s]?\d)*)(?![\d.,]\d)"
)
# After these a lone 2 is 兩 (兩期, 兩天), as in speech; 二 stays for dates and digits.
_MEASURE_WORDS = frozenset("個个期天次筆笔位份週周年小分條条張张")
_QUANTITY_AFTER = frozenset("人萬万億亿元塊块美港") | _MEASURE_WORDS


def _date(year_text: str | None, month: int, day: int, suffix: str) -> str | None:
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    spoken = f"{cardinal(month)}月{cardinal(day)}{suffix}"
    return (f"{year(year_text)}年" if year_text else "") + spoken


def _grouped_digits(text: str, language: str) -> str:
    spoken = "，".join(digits(group) for group in patterns.digit_groups(text, language))
    return ("加" if text.startswith("+") else "") + spoken


def _next_char(match: re.Match[str]) -> str:
    return match.string[match.end() : match.end() + 1]


def _integer(match: re.Match[str]) -> str:
    number = int(patterns.value(match))
    if number == 2 and _next_char(match) in _MEASURE_WORDS:
        return "兩"
    return cardinal(number)


def _identifier(match: re.Match[str], language: str) -> str | None:
    if _next_char(match) in _QUANTITY_AFTER:
        return None
    return _grouped_digits(match[0], language)


def normalize(text: str, language: str) -> str:
    """Every number in a Chinese sentence as characters, read the way its kind is said aloud."""

    def sub(pattern: re.Pattern[str], spoken: Callable[[re.Match[str]], str | None]) -> None:
        nonlocal text

        def replace(match: re.Match[str]) -> str:
            words = spoken(match)
            return match[0] if words is None else script(words, language)

        text = pattern.sub(replace, text)

    def local(symbol: str) -> str:
        return LOCAL_DOLLAR.get(language, "US$") if symbol == "$" else symbol

    text = patterns.fold(text)
    sub(patterns.MONEY, lambda m: money(patterns.value(m), local(m["symbol"])))
    sub(_YUAN, lambda m: yuan(patterns.value(m)))
    sub(_KUAI, lambda m: decimal(patterns.value(m)) + m["unit"])
    sub(_TEN_THOUSANDS, lambda m: _ten_thousands(Decimal(m["number"])) + m["unit"])
    sub(patterns.ISO_DATE, lambda m: _date(m["year"], int(m["month"]), int(m["day"]), "日"))
    sub(patterns.SLASH_DATE, lambda m: _date(m["year"], int(m["month"]), int(m["day"]), "日"))
    sub(_DATE, lambda m: _date(m["year"], int(m["month"]), int(m["day"]), m["suffix"]))
    sub(_YEAR, lambda m: year(m["year"]) + "年")
    sub(patterns.CLOCK, lambda m: clock(int(m["hour"]), int(m["minute"])))
    sub(patterns.PERCENT, lambda m: "百分之" + decimal(patterns.value(m)))
    sub(_CALLED, lambda m: _called(m, language))
    sub(
        patterns.PHONE,
        lambda m: _grouped_digits(m[0], language) if patterns.digit_count(m[0]) >= 7 else None,
    )
    sub(patterns.IDENTIFIER, lambda m: _identifier(m, language))
    sub(patterns.DECIMAL, lambda m: decimal(Decimal(m[0])))
    sub(patterns.INTEGER, _integer)
    return text


def _ten_thousands(value: Decimal) -> str:
    """The number before 萬 or 億: 2萬 is 兩萬, 1.2萬 is 一點二萬."""
    return "兩" if value == 2 else decimal(value)


def _called(match: re.Match[str], language: str) -> str | None:
    if patterns.digit_count(match["digits"]) < 3:
        return None
    head = match[0][: match.start("digits") - match.start()]
    return head + _grouped_digits(match["digits"], language)
