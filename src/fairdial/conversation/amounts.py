"""How much and over how many months: amounts and plan lengths in a borrower's words."""

from __future__ import annotations

import re
from decimal import Decimal

from fairdial.conversation.dates import Found, number
from fairdial.conversation.numbers import (
    CN_NUMERAL_CHARS,
    EN_NUMBER_WORDS,
    chinese_to_int,
    decimal_of,
    english_to_int,
    mixed_to_decimal,
)

_CN = CN_NUMERAL_CHARS
# No borrower promises more than this in major units; a bigger number is a slip or a joke.
MAX_MAJOR_UNITS = 10**12
_CURRENCY_BEFORE = r"(?:nt\$|us\$|hk\$|\$|ntd|twd|usd|rmb|¥|台幣|新台幣|人民幣)?"
_UNIT_AFTER = r"(k|w|塊錢|塊|元|圓|dollars?|bucks?|usd|ntd|twd|nt|rmb)?"
# Cents after the whole units: "and 50 cents", "fifty cents"; 一角五分, 五毛, 5角 (0.1 each), 5分.
_EN_CENTS = (
    r"(?:\s*,?\s*(?:and\s+)?(?P<cents>\d{1,2}|(?:"
    + EN_NUMBER_WORDS
    + r")(?:[\s-]+(?:"
    + EN_NUMBER_WORDS
    + r"))?)\s*cents?\b)?"
)
_ZH_DIGIT = r"[零一二兩三四五六七八九\d]"
_ZH_CENTS = (
    rf"(?:\s*(?P<jiao>{_ZH_DIGIT})\s*(?:角|毛))?"
    rf"(?:\s*(?P<fen>{_ZH_DIGIT})\s*分(?!期|鐘|批|開|之))?"
)
# Numbers that name a date, a time, a count of months or an age are not amounts.
_NOT_AMOUNT_AFTER = (
    r"(?![\d"
    + CN_NUMERAL_CHARS
    + r"]|\s*(?:號|日|點|時|月|期|天|週|周|禮拜|星期|年|歲|個|次|分鐘|%|"
    r"st\b|nd\b|rd\b|th\b|am\b|pm\b|:|/|days?\b|weeks?\b|months?\b|years?\b|installments?\b|"
    r"instalments?\b|payments?\b|o'?clock))"
)
# The digits are taken whole (an atomic group): '1e308' or '1,000e5' must not shrink to '1'.
_ARABIC = re.compile(
    rf"(?<![\d.,])(?<![a-z]){_CURRENCY_BEFORE}\s*"
    rf"((?>\d+(?:,\d+)*(?:\.\d+)?)(?:[{_CN}\d.]*[萬千百])?[{_CN}\d]*)\s*"
    rf"{_UNIT_AFTER}{_EN_CENTS}{_ZH_CENTS}(?![a-z]|[.,]\d){_NOT_AMOUNT_AFTER}"
)
# A minus sign glued to the number (or to its currency sign), or the word for it.
_NEGATIVE_BEFORE = re.compile(
    r"(?:(?<![\da-z])[-−]|\bminus\s+|\bnegative\s+|負\s*)"
    r"(?:nt\$|us\$|hk\$|\$)?$"
)
_CHINESE = re.compile(
    rf"(?<![{_CN}\d])([{_CN}][{_CN}\d.]*)\s*(塊錢|塊|元|圓)?{_ZH_CENTS}{_NOT_AMOUNT_AFTER}"
)
_ENGLISH = re.compile(
    rf"\b((?:(?:{EN_NUMBER_WORDS})\b[\s-]*(?:and\s+)?)+)(dollars?|bucks?)?{_EN_CENTS}"
    rf"{_NOT_AMOUNT_AFTER}"
)
_HALF = re.compile(r"一半|半數|\bhalf\b")
_FULL = re.compile(
    r"全部|全額|全數|一次(?:還清|付清|繳清|還完)|(?:還|付|繳)清|整筆|"
    r"\bin full\b|\ball of it\b|\bit all\b|\bpay (?:it |this |that )?off\b|\bthe (?:full|whole|"
    r"entire) (?:amount|balance|thing|sum)\b|\beverything\b|\bfull amount\b|\bfull balance\b"
)
# "Not all of it": a whole-balance phrase said only to turn it down is no amount at all, so
# 全部沒辦法，先給2500 names 2500 and "I can't pay the full amount, but 250" names 250.
_ZH_NOT_BEFORE = re.compile(
    r"(?:(?:不|沒|無|別)有?(?:辦法|能力|法|可能|能|會|想|要|夠)?|(?:還|付|繳|給)不(?:了|起|出來?|完))"
    r"(?:一次|馬上|現在|立刻|先)?(?:還|付|繳|給)?$"
)
_ZH_NOT_AFTER = re.compile(
    r"^[^,.;!?。，；！？]{0,4}?(?:沒有?辦法|無法|不能|不行|不可能|不了|不起|不出|不夠|沒能力|有困難|太多)"
)
_EN_CLAUSE_START = re.compile(
    r".*(?:[,.;!?]|\b(?:but|and|so|then)\b|\bi(?:'ll| will)\b|\bi can\b(?!'|not))", re.DOTALL
)
_EN_NOT = re.compile(
    r"\b(?:can'?t|cannot|can not|couldn'?t|could not|won'?t|will not|wouldn'?t|would not|"
    r"unable|not|never|don'?t|do not|doesn'?t|no way)\b"
)
_EN_NOT_AFTER = re.compile(
    r"^\s*(?:is|'s|would be|will be)\s+(?:too much|not possible|impossible|out of the question)"
)
# A sum that is no sum: "something", 一點, "whatever I can". The borrower must be asked for one.
_VAGUE = re.compile(
    r"一點|一些|一部分|部分|多少|\bsomething\b|\bsome(?: money| cash)?(?= |$)|\ba (?:little|bit)\b|"
    r"\b(?:what|whatever) i can\b|\bpart of\b"
)
# "I can pay that on Friday", 這筆我明天繳: the sum the bot just named, taken up by the borrower.
_AS_ASKED = re.compile(
    r"\b(?:pay|send|transfer|wire|cover|do|manage|have) (?:it|that|this|that much|this much|"
    r"the (?:amount|sum) you (?:said|asked|mentioned))\b|"
    r"(?:這|那)(?:個|筆|些)?(?:金額|錢|數字)|(?:這|那)筆|(?:還|付|繳|匯)(?:這個|那個|這樣|那樣)"
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


def _payable(value: Decimal | None, per_unit: int) -> int | None:
    """Minor units of a sum someone could pay; None for zero, a fraction of the smallest unit,
    or more than any borrower owes, so that an absurd figure never stands in for another one."""
    if value is None or not value.is_finite() or value <= 0 or value > MAX_MAJOR_UNITS:
        return None
    minor = value * per_unit
    if minor != minor.to_integral_value():
        return None  # '$0.001', 'NT$12.5': finer than the currency is paid in
    return int(minor)


def _signed(text: str, start: int, value: Decimal | None) -> Decimal | None:
    """The value with the sign written before it: '-500' and 'minus 500' are negative."""
    if value is not None and _NEGATIVE_BEFORE.search(text, 0, start):
        return -value
    return value


def _fraction(match: re.Match[str]) -> Decimal | None:
    """The cents, 角 and 分 said after the whole units, as a fraction of one; None if garbled."""
    groups = match.groupdict()
    fraction = Decimal(0)
    cents = groups.get("cents")
    if cents:
        value = int(cents) if cents.isdigit() else english_to_int(cents)
        if value is None or value >= 100:
            return None
        fraction += Decimal(value) / 100
    for name, scale in (("jiao", Decimal("0.1")), ("fen", Decimal("0.01"))):
        digit = groups.get(name)
        if digit:
            fraction += (chinese_to_int(digit) or 0) * scale
    return fraction


def _with_fraction(value: Decimal | None, match: re.Match[str]) -> Decimal | None:
    fraction = _fraction(match)
    if value is None or fraction is None:
        return None
    return value + fraction


def _named_amounts(text: str, per_unit: int) -> list[Found[int | None]]:
    """Every number said as money, in minor units; None where the number cannot be paid."""
    named: list[Found[int | None]] = []

    for match in _ARABIC.finditer(text):
        value = _with_fraction(_arabic_value(match.group(1), match.group(2)), match)
        minor = _payable(_signed(text, match.start(1), value), per_unit)
        named.append(Found(minor, match.span()))

    for match in _CHINESE.finditer(text):
        token, unit = match.group(1), match.group(2)
        value = _with_fraction(mixed_to_decimal(token), match)
        # A lone numeral is usually a word (一下, 一直, 萬一), not money: need a size or a unit.
        if unit or (value is not None and value >= 100):
            minor = _payable(_signed(text, match.start(1), value), per_unit)
            named.append(Found(minor, match.span()))

    for match in _ENGLISH.finditer(text):
        value_int = english_to_int(match.group(1))
        if match.group(2) or (value_int is not None and value_int >= 10):
            value = None if value_int is None else _with_fraction(Decimal(value_int), match)
            minor = _payable(_signed(text, match.start(1), value), per_unit)
            named.append(Found(minor, match.span()))
    return named


def find_amount(
    text: str, balance_minor: int | None = None, per_unit: int = 100
) -> Found[int] | None:
    """The first amount of money in the text, in minor units; 'half' needs the balance.

    `per_unit` is minor units per whole unit of the call's currency (1 for TWD, 100 for USD).
    When the first amount named cannot be paid (negative, zero, finer than the currency, beyond
    any debt, or a garbled numeral) there is no amount: the bot asks again, it does not guess.
    """
    candidates = _named_amounts(text, per_unit)
    if balance_minor is not None:
        for pattern, share in ((_HALF, 2), (_FULL, 1)):
            share_match = next(
                (found for found in pattern.finditer(text) if not _turned_down(text, found)), None
            )
            if share_match:
                candidates.append(Found(balance_minor // share, share_match.span()))

    if not candidates:
        return None
    first = min(candidates, key=lambda found: found.span[0])
    return None if first.value is None else Found(first.value, first.span)


def _turned_down(text: str, match: re.Match[str]) -> bool:
    """True when the share named ("all of it", 全部, half) is said to be out of reach."""
    before, after = text[: match.start()], text[match.end() :]
    if _ZH_NOT_BEFORE.search(before) or _ZH_NOT_AFTER.search(after) or _EN_NOT_AFTER.search(after):
        return True
    clause_start = _EN_CLAUSE_START.match(before)
    clause = before[clause_start.end() :] if clause_start else before
    return bool(_EN_NOT.search(clause))


def names_unusable_amount(text: str, per_unit: int = 100) -> bool:
    """True when the text names a sum that cannot be paid: '-500', '5000000000000 dollars'.
    Call it on the text with dates masked, when `find_amount` found nothing."""
    return any(found.value is None for found in _named_amounts(text, per_unit))


def takes_up_asked_amount(text: str) -> bool:
    """True when the borrower points at the sum just put to them instead of naming one."""
    return bool(_AS_ASKED.search(text))


def names_vague_amount(text: str) -> bool:
    """True for a sum that is no sum: 'something', 'a little', 一點, 一些."""
    return bool(_VAGUE.search(text))


def is_per_month(text: str) -> bool:
    return bool(_PER_MONTH.search(text))


def mask(text: str, spans: list[tuple[int, int]]) -> str:
    """Blank out spans already parsed as dates, times or months, keeping offsets stable."""
    for start, end in spans:
        text = text[:start] + " " * (end - start) + text[end:]
    return text
