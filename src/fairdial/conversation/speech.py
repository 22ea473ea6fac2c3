"""Amounts, dates and times the way a person says them aloud, per language."""

from __future__ import annotations

from datetime import date, datetime

from fairdial.money import minor_digits

_ZH_DIGITS = "零一二三四五六七八九"
_ZH_WEEKDAYS = ("一", "二", "三", "四", "五", "六", "日")
_EN_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
_EN_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_CURRENCY_PREFIX = {"USD": "$", "TWD": "NT$", "HKD": "HK$", "CNY": "¥"}
_ZH_CURRENCY_UNIT = {"TWD": "元", "CNY": "元", "HKD": "港元", "USD": "美元"}


def _zh_below_10000(number: int, leading: bool) -> str:
    """One four-digit group; 兩 before 百/千 as people say it, 十 alone at the head of a number."""
    parts: list[str] = []
    pending_zero = False
    for unit, unit_word in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = number // unit % 10
        if digit == 0:
            pending_zero = bool(parts)
            continue
        if pending_zero:
            parts.append("零")
            pending_zero = False
        if unit == 10 and digit == 1 and leading and not parts:
            parts.append("十")
            continue
        word = "兩" if digit == 2 and unit >= 100 else _ZH_DIGITS[digit]
        parts.append(word + unit_word)
    return "".join(parts)


def zh_number(number: int) -> str:
    """12050 -> 一萬兩千零五十, 23000 -> 兩萬三千, 10 -> 十."""
    if number == 0:
        return "零"
    groups: list[tuple[int, str]] = []
    for big, word in ((100_000_000, "億"), (10_000, "萬"), (1, "")):
        groups.append((number // big % 10_000 if big < 100_000_000 else number // big, word))
    text = ""
    need_zero = False
    for value, word in groups:
        if value == 0:
            need_zero = bool(text)
            continue
        if text and (need_zero or value < 1000):
            text += "零"
        spoken = _zh_below_10000(value, leading=not text)
        if word and value == 2:
            spoken = "兩"
        text += spoken + word
        need_zero = False
    return text


def zh_amount(amount_minor: int, currency: str) -> str:
    units, cents = divmod(amount_minor, 10 ** minor_digits(currency))
    unit_word = _ZH_CURRENCY_UNIT.get(currency, "元")
    spoken = zh_number(units) + unit_word
    # Money is said in 元, 角 and 分 (4417.17: 四千四百一十七元一角七分), not with a decimal point.
    tenths, hundredths = divmod(cents, 10)
    if tenths:
        spoken += _ZH_DIGITS[tenths] + "角"
    if hundredths:
        spoken += ("" if tenths else "零") + _ZH_DIGITS[hundredths] + "分"
    return spoken


def en_amount(amount_minor: int, currency: str) -> str:
    """'$1,234.50'; whole amounts drop the cents, as people read them."""
    units, cents = divmod(amount_minor, 10 ** minor_digits(currency))
    prefix = _CURRENCY_PREFIX.get(currency, currency + " ")
    return f"{prefix}{units:,}" + (f".{cents:02d}" if cents else "")


def zh_date(day: date) -> str:
    return f"{day.month}月{day.day}日星期{_ZH_WEEKDAYS[day.weekday()]}"


def en_date(day: date) -> str:
    return f"{_EN_WEEKDAYS[day.weekday()]}, {_EN_MONTHS[day.month - 1]} {day.day}"


_TO_SIMPLIFIED = str.maketrans("兩萬億", "两万亿")


def amount(amount_minor: int, currency: str, language: str) -> str:
    if language == "zh-CN":
        return zh_amount(amount_minor, currency).translate(_TO_SIMPLIFIED)
    if language.startswith("zh"):
        return zh_amount(amount_minor, currency)
    return en_amount(amount_minor, currency)


def day(value: date, language: str) -> str:
    return zh_date(value) if language.startswith("zh") else en_date(value)


# Chinese says the part of the day before a twelve-hour clock time (下午4:30).
_ZH_DAY_PARTS = ((6, "凌晨"), (12, "上午"), (13, "中午"), (18, "下午"), (24, "晚上"))


def moment(value: datetime, language: str) -> str:
    """A day and a time on the twelve-hour clock, in `value`'s own time zone, written as the
    voice layer reads times: 'Thursday, March 12 at 4:30 PM', '3月12日星期四下午4:30'."""
    hour = value.hour % 12 or 12
    clock = f"{hour}:{value.minute:02d}"
    if language.startswith("zh"):
        part = next(word for end, word in _ZH_DAY_PARTS if value.hour < end)
        return f"{zh_date(value)}{part}{clock}"
    meridiem = "AM" if value.hour < 12 else "PM"
    return f"{en_date(value)} at {clock} {meridiem}"


def count(number: int, language: str) -> str:
    """A plain count as said aloud: 45 -> 四十五 in Chinese, digits in English."""
    if language == "zh-CN":
        return zh_number(number).translate(_TO_SIMPLIFIED)
    if language.startswith("zh"):
        return zh_number(number)
    return str(number)
