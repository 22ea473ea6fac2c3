"""Dates and times in a borrower's words, resolved against the day of the call.

Limitations: vague spans ("過幾天", "sometime soon", or "payday" when the payday is unknown)
resolve to None rather than a guess;
"next Friday" means Friday of next week, like 下週五, not the coming Friday.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Generic, TypeVar

from fairdial.conversation.numbers import CN_NUMERAL_CHARS, chinese_to_int, english_to_int

_N = rf"(\d{{1,2}}|[{CN_NUMERAL_CHARS}]{{1,4}})"
_EN_N = r"(\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|a couple of|a|an)"

_ZH_WEEKDAY = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}
_ZH_WEEKDAY.update({str(n + 1): n for n in range(7)})
_EN_WEEKDAY = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_EN_MONTH = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip


T = TypeVar("T")


@dataclass(frozen=True)
class Found(Generic[T]):
    """A parsed value and where it sat in the text, so other parsers can skip that span."""

    value: T
    span: tuple[int, int]


def number(token: str) -> int | None:
    """A small number in digits, Chinese numerals or English words."""
    if token.isdigit():
        return int(token)
    if token in ("a couple of", "couple of"):
        return 2
    if token in ("a", "an"):
        return 1
    return chinese_to_int(token) if token[0] in CN_NUMERAL_CHARS else english_to_int(token)


def add_months(day: date, months: int, day_of_month: int | None = None) -> date:
    """Same day (or the given day) `months` later, clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day_of_month or day.day, last))


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _weekday(today: date, weekday: int, weeks_ahead: int | None) -> date:
    """weeks_ahead None: the next such day from today on; else that day in the week N ahead."""
    if weeks_ahead is None:
        return today + timedelta(days=(weekday - today.weekday()) % 7)
    monday = today - timedelta(days=today.weekday())
    return monday + timedelta(days=7 * weeks_ahead + weekday)


def _day_of_month(today: date, day: int, months_ahead: int | None) -> date:
    """The given day this month (next month if already past) or N months ahead.

    Raises ValueError when that month has no such day: '下個月31號' in January is no date,
    not February 28.
    """
    if months_ahead is None:
        months_ahead = 0 if day >= today.day else 1
    return add_months(today.replace(day=1), months_ahead).replace(day=day)


def _calendar_date(today: date, month: int, day: int) -> date:
    """The next such day from today on; ValueError when that year has none (February 30)."""
    year = today.year if (month, day) >= (today.month, today.day) else today.year + 1
    return date(year, month, day)


def _weeks(prefix: str) -> int | None:
    if prefix.startswith("下下"):
        return 2
    if prefix.startswith("下") or prefix == "next":
        return 1
    if prefix in ("這", "這個", "本", "今", "this"):
        return 0
    return None


_ZH_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"大[後后]天"), "plus3"),
    (re.compile(r"[後后]天"), "plus2"),
    (re.compile(r"明天|明日|明早|明晚|明兒"), "plus1"),
    (re.compile(r"今天|今日|今晚|今早|等一下|待會|等等"), "plus0"),
    (
        re.compile(r"(下下|下個?|這個?|本|今)?(?:週|周|禮拜|星期|拜)([一二三四五六日天1-7])"),
        "weekday",
    ),
    (re.compile(r"(下下|下個?|這個?|本)(?:週|周|禮拜|星期)(?![一二三四五六日天1-7])"), "week"),
    (re.compile(rf"{_N}月{_N}[日號]?"), "month_day"),
    (re.compile(r"(\d{1,2})/(\d{1,2})(?!/)"), "month_day"),
    (re.compile(rf"(下下個?|下個?|這個?|本)月(?:的)?{_N}[日號]"), "rel_month_day"),
    (re.compile(r"(下下個?|下個?|這個?|本)?月底"), "month_end"),
    (re.compile(r"(下下個?|下個?)?月初"), "month_start"),
    (re.compile(r"(下下個?|下個?)月(?![底初\d一二三四五六七八九十])"), "next_month"),
    (re.compile(rf"{_N}[號]"), "day"),
    (re.compile(rf"{_N}(?:天|日)(?:後|之後|以後|內|之內|以內)"), "in_days"),
    (re.compile(rf"過{_N}天"), "in_days"),
    (re.compile(rf"{_N}個?(?:週|周|禮拜|星期)(?:後|之後|以後|內|之內|以內)"), "in_weeks"),
]

_EN_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\bday after (?:tomorrow|tmrw|tmr)\b"), "plus2"),
    (
        re.compile(r"\b(?:tomorrow|tomorow|tommorow|tommorrow|tmrw|tmr|tmro|2moro|2morrow)\b"),
        "plus1",
    ),
    (re.compile(r"\b(?:today|tonight|later today|this (?:evening|afternoon|morning))\b"), "plus0"),
    (
        re.compile(
            r"\b(?:(next|this|coming|on)\s+)?(mon|tue|wed|thu|fri|sat|sun)"
            r"(?:day|s|sday|nesday|rsday|urday|\.)?\b"
        ),
        "en_weekday",
    ),
    (re.compile(r"\bend of (?:(next|this) )?(?:the )?month\b|\bmonth[- ]end\b"), "en_month_end"),
    (re.compile(r"\b(?:beginning|start) of (?:the |next )?month\b"), "en_month_start"),
    (
        re.compile(
            r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? "
            r"(\d{1,2})(?:st|nd|rd|th)?\b"
        ),
        "en_month_day",
    ),
    (
        re.compile(
            r"\b(\d{1,2})(?:st|nd|rd|th)? (?:of )?(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
        ),
        "en_day_month",
    ),
    (re.compile(r"(?<![\d$.])(\d{1,2})/(\d{1,2})(?![\d/])"), "month_day"),
    (re.compile(r"\b(?:the |on the |by the )?(\d{1,2})(?:st|nd|rd|th)\b"), "en_day"),
    (re.compile(rf"\b(?:in|within) {_EN_N} days?\b|\b{_EN_N} days? from now\b"), "en_in_days"),
    (re.compile(rf"\b(?:in|within) {_EN_N} weeks?\b|\b{_EN_N} weeks? from now\b"), "en_in_weeks"),
    (re.compile(r"\bnext week\b"), "en_next_week"),
    (re.compile(r"\bnext month\b"), "en_next_month"),
]


def _months_ahead(prefix: str | None) -> int | None:
    if not prefix:
        return None
    if prefix.startswith("下下"):
        return 2
    return 1 if prefix.startswith("下") or prefix == "next" else 0


def _resolve(kind: str, match: re.Match[str], today: date) -> date | None:
    groups = match.groups()
    if kind.startswith("plus"):
        return today + timedelta(days=int(kind[4:]))
    if kind == "weekday":
        return _weekday(today, _ZH_WEEKDAY[groups[1]], _weeks(groups[0] or ""))
    if kind == "week":
        weeks = _weeks(groups[0])
        return _weekday(today, 4, weeks) if weeks else None  # "next week": its Friday
    if kind == "month_day":
        month, day = number(groups[0]), number(groups[1] or "")
        if month is None or day is None or (day > 31 and match.group(0)[-1] not in "日號"):
            return None  # '3月五千' is a month and then an amount
        return _calendar_date(today, month, day)
    if kind == "rel_month_day":
        day = number(groups[1])
        return _day_of_month(today, day, _months_ahead(groups[0])) if day is not None else None
    if kind == "month_end":
        return _month_end(add_months(today.replace(day=1), _months_ahead(groups[0]) or 0))
    if kind == "month_start":
        return add_months(today.replace(day=1), _months_ahead(groups[0]) or 1)
    if kind == "next_month":
        return add_months(today.replace(day=1), _months_ahead(groups[0]) or 1)
    if kind == "day":
        day = number(groups[0])
        return _day_of_month(today, day, None) if day is not None else None
    if kind == "in_days":
        days = number(groups[0])
        return today + timedelta(days=days) if days is not None else None
    if kind == "in_weeks":
        weeks = number(groups[0])
        return today + timedelta(weeks=weeks) if weeks else None
    return _resolve_en(kind, groups, today)


def _resolve_en(kind: str, groups: tuple[str | None, ...], today: date) -> date | None:
    if kind == "en_weekday":
        prefix = groups[0] or ""
        weeks = 1 if prefix == "next" else None
        return _weekday(today, _EN_WEEKDAY[groups[1] or ""], weeks)
    if kind == "en_month_end":
        ahead = 1 if groups[0] == "next" else 0
        return _month_end(add_months(today.replace(day=1), ahead))
    if kind == "en_month_start":
        return add_months(today.replace(day=1), 1)
    if kind == "en_month_day":
        return _calendar_date(today, _EN_MONTH[groups[0] or ""], int(groups[1] or 0))
    if kind == "en_day_month":
        return _calendar_date(today, _EN_MONTH[groups[1] or ""], int(groups[0] or 0))
    if kind == "en_day":
        return _day_of_month(today, int(groups[0] or 0), None)
    if kind in ("en_in_days", "en_in_weeks"):
        count = number(next(group for group in groups if group))
        if count is None:
            return None
        return today + timedelta(days=count * (7 if kind == "en_in_weeks" else 1))
    if kind == "en_next_week":
        return _weekday(today, 4, 1)
    if kind == "en_next_month":
        return add_months(today.replace(day=1), 1)
    return None


_PAYDAY = re.compile(
    r"發薪|領薪|領到薪|薪水(?:進來|下來|入帳)|發工資|工資(?:到|下來)|出糧|"
    r"\bpay ?day\b|\bwhen i get paid\b|\bmy (?:pay)?check (?:comes|clears|hits)"
)


def find_date(text: str, today: date, *, payday: int | None = None) -> Found[date | None] | None:
    """The first date the normalised text names, resolved against today.

    A value of None means the words name a day that does not exist (February 30, April 31,
    tomorrow on the calendar's last day): the caller asks again, and the span is still the
    date's, so its digits are not read as an amount.

    `payday` is the borrower's day of the month for wages; 發薪日 or 'payday' resolve to it
    only when no other date is named ("後天發工資就還" means the day after tomorrow).
    """
    named = _offered_date(text, today)
    if named or payday is None:
        return named
    match = _PAYDAY.search(text)
    if not match:
        return None
    ahead = 0 if payday >= today.day else 1
    try:
        # Wages due on the 31st are paid on the month's last day, so payday is clamped.
        value: date | None = add_months(today.replace(day=1), ahead, payday)
    except ValueError:
        value = None  # past the calendar's last year
    return Found(value, match.span())


# "今天不行，但是週五可以還", "not today, but I can pay Friday": a turn that turns down one day
# and then names another offers the second. After "but not today" the day is turned down, so
# the turn is read whole.
_CONTRAST = re.compile(r"(?<!不)但是?|可是|不過|\bbut\b|\bhowever\b")
_TURNED_DOWN = re.compile(r"不|沒|\bnot\b|n't\b|\bno\b|\bcannot\b")


def _offered_date(text: str, today: date) -> Found[date | None] | None:
    turn = _CONTRAST.search(text)
    if turn and not _TURNED_DOWN.search(text, turn.end()):
        after = _named_date(text[turn.end() :], today)
        if after:
            start, end = after.span
            return Found(after.value, (start + turn.end(), end + turn.end()))
    return _named_date(text, today)


def _resolved(kind: str, match: re.Match[str], today: date) -> Found[date | None] | None:
    """What one rule's match names: None when the words are no date after all, a Found of None
    when they name a day the calendar does not have."""
    try:
        value = _resolve(kind, match, today)
    except (ValueError, OverflowError):  # February 30, or a day after 9999-12-31
        return Found(None, match.span())
    return Found(value, match.span()) if value is not None else None


def _named_date(text: str, today: date) -> Found[date | None] | None:
    rules = _ZH_RULES if _has_cjk(text) else []
    best: Found[date | None] | None = None
    for pattern, kind in [*rules, *_EN_RULES]:
        match = pattern.search(text)
        if not match:
            continue
        found = _resolved(kind, match, today)
        if found is None:
            continue
        # Earlier rules are more specific; a later rule wins only with a longer, overlapping phrase.
        if best is None or (match.end() - match.start() > best.span[1] - best.span[0]):
            best = found
    return best


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text)


_ZH_PERIOD_OFFSET = {"下午": 12, "晚上": 12, "傍晚": 12, "夜裡": 12, "晚": 12, "中午": 0}
_ZH_TIME = re.compile(
    rf"(早上|上午|中午|下午|晚上|傍晚|凌晨|早|晚)?\s*{_N}\s*(?:點|時|:)\s*(半|\d{{1,2}}|[{CN_NUMERAL_CHARS}]{{1,3}}分)?\s*(以後|之後|後|過後|以前|之前|前)?"
)
_ZH_PERIOD_ONLY = re.compile(r"(早上|上午|中午|下午|晚上|傍晚)")
_EN_TIME = re.compile(
    r"\b(after|before|around|at|by|about|from)?\s*(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.|o'?clock)?\b"
)
_EN_PERIOD = re.compile(r"\b(morning|afternoon|evening|tonight|lunch ?time|noon)\b")
_EN_PERIOD_NAME = {"tonight": "evening", "lunch time": "noon", "lunchtime": "noon"}
_ZH_PERIOD_NAME = {
    "早上": "morning", "上午": "morning", "中午": "noon", "下午": "afternoon",
    "晚上": "evening", "傍晚": "evening",
}  # fmt: skip


def _clock(hour: int, minute: int, relation: str | None) -> str:
    text = f"{hour:02d}:{minute:02d}"
    return f"{relation} {text}" if relation else text


def find_time(text: str) -> Found[str] | None:
    """A time of day: '19:00', 'after 18:00', or a period such as 'evening'."""
    match = _ZH_TIME.search(text)
    if match and ("點" in match.group(0) or "時" in match.group(0) or match.group(1)):
        period, hour_token, minute_token, relation = match.groups()
        hour = number(hour_token)
        if hour is not None and hour <= 24:
            if period and hour < 12:
                hour += _ZH_PERIOD_OFFSET.get(period, 0)
            elif not period and 1 <= hour <= 6:
                hour += 12  # nobody asks for a call back at three in the morning
            minute = 30 if minute_token == "半" else number((minute_token or "0").rstrip("分")) or 0
            kind = None
            if relation:
                kind = "before" if "前" in relation else "after"
            return Found(_clock(hour % 24, minute, kind), match.span())

    for match in _EN_TIME.finditer(text):
        relation, hour_token, minute_token, meridiem = match.groups()
        if not meridiem and not minute_token and relation not in ("after", "before", "around"):
            continue  # a bare number is an amount or a date, not a time
        hour = int(hour_token)
        if hour > 24:
            continue
        afternoon = meridiem.startswith("p") if meridiem else 1 <= hour <= 6
        if afternoon and hour < 12:
            hour += 12
        kind = relation if relation in ("after", "before") else None
        return Found(_clock(hour % 24, int(minute_token or 0), kind), match.span())

    zh = _ZH_PERIOD_ONLY.search(text)
    if zh:
        return Found(_ZH_PERIOD_NAME[zh.group(1)], zh.span())
    en = _EN_PERIOD.search(text)
    if en:
        return Found(_EN_PERIOD_NAME.get(en.group(1), en.group(1)), en.span())
    return None
