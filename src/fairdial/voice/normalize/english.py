"""Numbers as an American English speaker reads them: cardinals, ordinals, money and digits."""

from __future__ import annotations

import re
from decimal import Decimal

from fairdial.voice.normalize import patterns

_ONES = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
)  # fmt: skip
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_SCALES = ((1_000_000_000, "billion"), (1_000_000, "million"), (1_000, "thousand"))
_ORDINAL_ENDINGS = {
    "one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
    "nine": "ninth", "twelve": "twelfth",
}  # fmt: skip

# Currency symbol -> (singular, plural) of the major unit, and whether cents are spoken.
CURRENCY_WORDS = {
    "US$": ("US dollar", "US dollars"),
    "NT$": ("New Taiwan dollar", "New Taiwan dollars"),
    "HK$": ("Hong Kong dollar", "Hong Kong dollars"),
    "$": ("dollar", "dollars"),
    "¥": ("yuan", "yuan"),
    "RMB": ("yuan", "yuan"),
}


def _below_thousand(number: int) -> str:
    hundreds, rest = divmod(number, 100)
    words = [f"{_ONES[hundreds]} hundred"] if hundreds else []
    if rest >= 20:
        tens, ones = divmod(rest, 10)
        words.append(_TENS[tens] + (f"-{_ONES[ones]}" if ones else ""))
    elif rest:
        words.append(_ONES[rest])
    return " ".join(words)


def cardinal(number: int) -> str:
    """12050 -> 'twelve thousand fifty' (American usage, no 'and')."""
    if number < 0:
        return "minus " + cardinal(-number)
    if number == 0:
        return "zero"
    words: list[str] = []
    for scale, name in _SCALES:
        count, number = divmod(number, scale)
        if count:
            words.append(f"{cardinal(count)} {name}")
    if number:
        words.append(_below_thousand(number))
    return " ".join(words)


def ordinal(number: int) -> str:
    """13 -> 'thirteenth', 21 -> 'twenty-first'."""
    words = cardinal(number)
    head, sep, last = words.rpartition("-") if "-" in words else words.rpartition(" ")
    if last in _ORDINAL_ENDINGS:
        last = _ORDINAL_ENDINGS[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return head + sep + last


def digits(text: str) -> str:
    """'1020304' -> 'one zero two zero three zero four': every zero is said."""
    return " ".join(_ONES[int(char)] for char in text if char.isdigit())


def decimal(value: Decimal) -> str:
    """'1.05' -> 'one point zero five'."""
    whole, _, fraction = f"{value:f}".partition(".")
    spoken = cardinal(int(whole))
    return f"{spoken} point {digits(fraction)}" if fraction else spoken


def money(value: Decimal, symbol: str) -> str:
    """Decimal('12050.5'), '$' -> 'twelve thousand fifty dollars and fifty cents'."""
    singular, plural = CURRENCY_WORDS[symbol]
    units = int(value)
    cents = int((value - units) * 100)
    parts = []
    if units or not cents:
        parts.append(f"{cardinal(units)} {singular if units == 1 else plural}")
    if cents:
        parts.append(f"{cardinal(cents)} {'cent' if cents == 1 else 'cents'}")
    return " and ".join(parts)


_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
_MONTH_NAME = "|".join([*_MONTHS, *(month[:3] for month in _MONTHS), "Sept"])
_NAMED_DATE = re.compile(
    rf"\b(?P<month>{_MONTH_NAME})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<year>\d{{4}})\b)?"
)
_ORDINAL = re.compile(r"(?<![\d.,])(?P<number>\d+)(?:st|nd|rd|th)\b")
_MERIDIEM = re.compile(r"\s?(?P<meridiem>[AaPp])\.?[Mm]\b\.?")
# Words after which a number is dialled or quoted, not counted: "call 988", "line on 1925".
_CALLED = re.compile(
    r"\b(?:account|acct|reference|ref|number|line|hotline|helpline|lifeline|call|text|dial|ending|digits)\b\.?"
    r"(?:\s+(?:is|us|back|at|on|or|text|number|in|with))*[\s:#]*"
    r"(?P<digits>\+?\d(?:[-\s]?\d)*)(?![\d.,]\d)",
    re.IGNORECASE,
)


def year(number: int) -> str:
    """2025 -> 'twenty twenty-five', 2005 -> 'two thousand five', 1990 -> 'nineteen ninety'."""
    century, rest = divmod(number, 100)
    if 2000 <= number < 2010 or number % 1000 == 0:
        return cardinal(number)
    if rest == 0:
        return f"{cardinal(century)} hundred"
    return f"{cardinal(century)} {'oh ' + _ONES[rest] if rest < 10 else cardinal(rest)}"


def _date(month: int, day: int, year_text: str | None) -> str | None:
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    spoken = f"{_MONTHS[month - 1]} {ordinal(day)}"
    return spoken + (f", {year(int(year_text))}" if year_text else "")


def _named_date(match: re.Match[str]) -> str:
    month = next(i for i, name in enumerate(_MONTHS) if name.startswith(match["month"][:3]))
    return _date(month + 1, int(match["day"]), match["year"]) or match[0]


def _numeric_date(match: re.Match[str]) -> str:
    return _date(int(match["month"]), int(match["day"]), match["year"]) or match[0]


def _clock(text: str) -> str:
    def spoken(match: re.Match[str]) -> str:
        hour, minute = int(match["hour"]), int(match["minute"])
        after = _MERIDIEM.match(text, match.end())
        meridiem = f" {after['meridiem'].upper()} M" if after else ""
        if minute == 0:
            return cardinal(hour) + (meridiem or " o'clock")
        oh = "oh " if minute < 10 else ""
        return f"{cardinal(hour)} {oh}{cardinal(minute)}{meridiem}"

    # The meridiem is read with the time, so drop it from the text after each time.
    result, position = [], 0
    for match in patterns.CLOCK.finditer(text):
        after = _MERIDIEM.match(text, match.end())
        result += [text[position : match.start()], spoken(match)]
        position = after.end() if after else match.end()
    return "".join(result) + text[position:]


def _grouped_digits(text: str) -> str:
    spoken = ", ".join(digits(group) for group in patterns.digit_groups(text, "en-US"))
    return ("plus " if text.startswith("+") else "") + spoken


def _called(match: re.Match[str]) -> str:
    if patterns.digit_count(match["digits"]) < 3:
        return match[0]
    head = match[0][: match.start("digits") - match.start()]
    return head + _grouped_digits(match["digits"])


def normalize(text: str) -> str:
    """Every number in an English sentence as words, read the way its kind is said aloud."""
    text = patterns.fold(text)
    text = patterns.MONEY.sub(lambda m: money(patterns.value(m), m["symbol"]), text)
    text = patterns.ISO_DATE.sub(_numeric_date, text)
    text = patterns.SLASH_DATE.sub(_numeric_date, text)
    text = _NAMED_DATE.sub(_named_date, text)
    text = _clock(text)
    text = patterns.PERCENT.sub(lambda m: f"{decimal(patterns.value(m))} percent", text)
    text = _CALLED.sub(_called, text)
    text = patterns.PHONE.sub(
        lambda m: _grouped_digits(m[0]) if patterns.digit_count(m[0]) >= 7 else m[0], text
    )
    text = patterns.IDENTIFIER.sub(lambda m: _grouped_digits(m[0]), text)
    text = _ORDINAL.sub(lambda m: ordinal(int(m["number"])), text)
    text = patterns.DECIMAL.sub(lambda m: decimal(Decimal(m[0])), text)
    return patterns.INTEGER.sub(lambda m: cardinal(int(patterns.value(m))), text)
