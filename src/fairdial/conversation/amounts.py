"""How much and over how many months: amounts and plan lengths in a borrower's words."""

from __future__ import annotations

import re
from decimal import Decimal

from fairdial.conversation.dates import Found, number
from fairdial.conversation.numbers import (
    CN_NUMERAL_CHARS,
    EN_NUMBER_WORDS,
    decimal_of,
    english_to_int,
    mixed_to_decimal,
    to_minor,
)

_CN = CN_NUMERAL_CHARS
_CURRENCY_BEFORE = r"(?:nt\$|us\$|hk\$|\$|ntd|twd|usd|rmb|¥|台幣|新台幣|人民幣)?"
_UNIT_AFTER = r"(k|w|塊錢|塊|元|圓|dollars?|bucks?|usd|ntd|twd|nt|rmb)?"
# Numbers that name a date, a time, a count of months or an age are not amounts.
_NOT_AMOUNT_AFTER = (
    r"(?![\d"
    + CN_NUMERAL_CHARS
    + r"]|\s*(?:號|日|點|時|月|期|天|週|周|禮拜|星期|年|歲|個|次|分鐘|%|"
    r"st\b|nd\b|rd\b|th\b|am\b|pm\b|:|/|days?\b|weeks?\b|months?\b|years?\b|installments?\b|"
    r"instalments?\b|payments?\b|o'?clock))"
)
_ARABIC = re.compile(
    rf"(?<![\d.,])(?<![a-z]){_CURRENCY_BEFORE}\s*(\d[\d,]*(?:\.\d+)?(?:[{_CN}\d.]*[萬千百])?[{_CN}\d]*)\s*"
    rf"{_UNIT_AFTER}{_NOT_AMOUNT_AFTER}"
)
_CHINESE = re.compile(rf"(?<![{_CN}\d])([{_CN}][{_CN}\d.]*)\s*(塊錢|塊|元|圓)?{_NOT_AMOUNT_AFTER}")
_ENGLISH = re.compile(
    rf"\b((?:(?:{EN_NUMBER_WORDS})\b[\s-]*(?:and\s+)?)+)(dollars?|bucks?)?{_NOT_AMOUNT_AFTER}"
)
_HALF = re.compile(r"一半|半數|\bhalf\b")
_FULL = re.compile(
    r"全部|全額|全數|一次(?:還清|付清|繳清|還完)|整筆|"
    r"\bin full\b|\ball of it\b|\bthe (?:full|whole|"
    r"entire) (?:amount|balance|thing|sum)\b|\beverything\b|\bfull amount\b|\bfull balance\b"
)
_PER_MONTH = re.compile(
    r"每個?月|一個月|月付|\ba month\b|\bper month\b|\bmonthly\b|\beach month\b|\bevery month\b|/mo"
)
_SCALE = {"k": 1000, "w": 10_000}

_EN_COUNT = r"(\d{1,2}|" + EN_NUMBER_WORDS + r")"
_MONTHS_ZH = [
    re.compile(rf"分\s*(\d{{1,2}}|[{_CN}]{{1,3}})\s*(?:期|個?月|次)"),
    re.compile(rf"(\d{{1,2}}|[{_CN}]{{1,3}})\s*期"),
    re.compile(
        rf"(\d{{1,2}}|[{_CN}]{{1,3}})\s*個?月\s*(?:分期|攤|還完|還清|付清|繳清|慢慢還|來還)"
    ),
    re.compile(rf"分期\s*(\d{{1,2}}|[{_CN}]{{1,3}})\s*個?月"),
    re.compile(rf"(\d{{1,2}}|[{_CN}]{{1,3}})\s*個月(?!前|了|沒|以前|之前)"),
]
_MONTHS_EN = [
    re.compile(
        rf"\b(?:over|in|across|for|into|spread over|split into)\s+(?:the next\s+)?{_EN_COUNT}"
        r"[\s-]+(?:months?|monthly (?:payments?|installments?)|installments?|instalments?|"
        r"payments?|parts?)\b"
    ),
    re.compile(
        rf"\b{_EN_COUNT}[\s-]+(?:installments?|instalments?|monthly payments?|month plan|"
        r"months? payment plan|payments)\b"
    ),
    re.compile(rf"\b{_EN_COUNT}[\s-]+months?\b(?! ago| behind| late| overdue| past)"),
]


def find_months(text: str) -> Found[int] | None:
    """How many months a plan should run, only when the words say it is a plan."""
    for pattern in (*_MONTHS_ZH, *_MONTHS_EN):
        match = pattern.search(text)
        if not match:
            continue
        count = number(match.group(1))
        if count and 2 <= count <= 120:  # "a month" is a rate, not a plan length
            return Found(count, match.span())
    return None


def _arabic_value(token: str, unit: str | None) -> Decimal | None:
    has_numerals = any(char in _CN for char in token)
    value = mixed_to_decimal(token) if has_numerals else decimal_of(token)
    if value is None:
        return None
    return value * _SCALE.get(unit or "", 1)


def find_amount(
    text: str, balance_minor: int | None = None, per_unit: int = 100
) -> Found[int] | None:
    """The first amount of money in the text, in minor units; 'half' needs the balance.

    `per_unit` is minor units per whole unit of the call's currency (1 for TWD, 100 for USD).
    """
    candidates: list[Found[int]] = []

    for match in _ARABIC.finditer(text):
        value = _arabic_value(match.group(1), match.group(2))
        if value is not None and value > 0:
            candidates.append(Found(to_minor(value, per_unit), match.span()))

    for match in _CHINESE.finditer(text):
        token, unit = match.group(1), match.group(2)
        value = mixed_to_decimal(token)
        # A lone numeral is usually a word (一下, 一直, 萬一), not money: need a size or a unit.
        if value is not None and value > 0 and (unit or value >= 100):
            candidates.append(Found(to_minor(value, per_unit), match.span()))

    for match in _ENGLISH.finditer(text):
        value_int = english_to_int(match.group(1))
        if value_int is not None and (value_int >= 10 or match.group(2)):
            candidates.append(Found(value_int * per_unit, match.span()))

    if balance_minor is not None:
        for pattern, share in ((_HALF, 2), (_FULL, 1)):
            share_match = pattern.search(text)
            if share_match:
                candidates.append(Found(balance_minor // share, share_match.span()))

    if not candidates:
        return None
    return min(candidates, key=lambda found: found.span[0])


def is_per_month(text: str) -> bool:
    return bool(_PER_MONTH.search(text))


def mask(text: str, spans: list[tuple[int, int]]) -> str:
    """Blank out spans already parsed as dates, times or months, keeping offsets stable."""
    for start, end in spans:
        text = text[:start] + " " * (end - start) + text[end:]
    return text
