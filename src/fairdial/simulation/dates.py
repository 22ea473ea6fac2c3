"""Dates as borrowers say them, relative to the day of the call: 後天, 下禮拜五, "on the 15th"."""

from __future__ import annotations

import calendar
import random
from datetime import date, timedelta

_WEEKDAYS = {
    "zh-TW": ("一", "二", "三", "四", "五", "六", "天"),
    "zh-CN": ("一", "二", "三", "四", "五", "六", "天"),
    "en-US": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_MONTHS_EN = calendar.month_name
_ZH_DAY = "〇一二三四五六七八九十"


def _ordinal(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _zh_day(day: int) -> str:
    tens, ones = divmod(day, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _ZH_DAY[tens] + "十")
    return head + (_ZH_DAY[ones] if ones else "")


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _next_day_of_month(today: date, target: date) -> bool:
    """True when "the Nth" said today can only mean `target` (the next such day)."""
    return target > today and (target - today).days < 28


def _forms_zh(today: date, target: date, simplified: bool) -> list[str]:
    gap = (target - today).days
    week_word = ("下周", "这周", "星期") if simplified else ("下週", "這週", "星期")
    wd = _WEEKDAYS["zh-CN" if simplified else "zh-TW"][target.weekday()]
    number_mark = "号" if simplified else "號"
    forms: list[str] = []
    if gap == 0:
        forms += ["今天", "今天之内" if simplified else "今天之內"]
    if gap == 1:
        forms += ["明天", "明天"]
    if gap == 2:
        forms.append("后天" if simplified else "後天")
    if gap == 3:
        forms.append("大后天" if simplified else "大後天")
    if 2 <= gap <= 10:
        count = "两" if simplified and gap == 2 else ("兩" if gap == 2 else _zh_day(gap))
        forms.append(f"{count}天后" if simplified else f"{count}天後")
    same_week = target.isocalendar()[:2] == today.isocalendar()[:2]
    next_week = (target - timedelta(days=7)).isocalendar()[:2] == today.isocalendar()[:2]
    short_wd = "日" if wd == "天" else wd  # 週日, but 禮拜天 and 星期天
    if same_week and gap >= 1:
        forms += [f"{week_word[1]}{short_wd}", f"{week_word[2]}{wd}"]
    if next_week:
        forms += [f"{week_word[0]}{short_wd}", f"下个礼拜{wd}" if simplified else f"下禮拜{wd}"]
        if not simplified:
            forms.append(f"下個禮拜{wd}")
    if target == _month_end(today) and gap >= 1:
        forms += ["月底", "这个月底" if simplified else "這個月底"]
    if _next_day_of_month(today, target):
        if target.month == today.month:
            forms += [f"{target.day}{number_mark}", f"{_zh_day(target.day)}{number_mark}"]
        else:
            month_word = "下个月" if simplified else "下個月"
            forms += [
                f"{month_word}{target.day}{number_mark}",
                f"{target.month}月{target.day}{number_mark}",
            ]
    if not forms:
        forms.append(f"{target.month}月{target.day}{number_mark}")
    return forms


def _forms_en(today: date, target: date) -> list[str]:
    gap = (target - today).days
    name = _WEEKDAYS["en-US"][target.weekday()]
    forms: list[str] = []
    if gap == 0:
        forms += ["today", "later today"]
    if gap == 1:
        forms += ["tomorrow", "tmrw"]
    if gap == 2:
        forms.append("the day after tomorrow")
    if 2 <= gap <= 10:
        forms += [f"in {gap} days", f"in {_EN_SMALL[gap]} days"]
    same_week = target.isocalendar()[:2] == today.isocalendar()[:2]
    next_week = (target - timedelta(days=7)).isocalendar()[:2] == today.isocalendar()[:2]
    if 1 <= gap <= 6:
        forms.append(f"on {name}")
        if same_week:
            forms.append(f"this {name}")
    if next_week:
        forms += [f"next week on {name}", f"{name} next week"]
        if not (1 <= gap <= 6):
            forms.append(f"next {name}")
    if target == _month_end(today) and gap >= 1:
        forms += ["end of the month", "by the end of the month", "at the end of this month"]
    if _next_day_of_month(today, target):
        forms += [f"on the {_ordinal(target.day)}", f"the {_ordinal(target.day)}"]
        forms.append(f"on {_MONTHS_EN[target.month]} {_ordinal(target.day)}")
    if not forms:
        forms.append(f"{_MONTHS_EN[target.month]} {target.day}")
    return forms


_EN_SMALL = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]


def say_date(today: date, target: date, language: str, rng: random.Random) -> str:
    """One phrase that means `target` when said on `today`, chosen among the ones that fit."""
    if language == "en-US":
        return rng.choice(_forms_en(today, target))
    return rng.choice(_forms_zh(today, target, simplified=language == "zh-CN"))


def pick_date(today: date, rng: random.Random, max_days: int) -> date:
    """A date a borrower would choose within `max_days`: a Friday, the month end, a round day."""
    max_days = max(1, max_days)
    candidates = [_month_end(today)] * 3
    friday = today + timedelta(days=(4 - today.weekday()) % 7 or 7)
    candidates += [friday] * 3 + [friday + timedelta(days=7)] * 2
    candidates += [today.replace(day=day) for day in (5, 10, 15, 20, 25) if day > today.day]
    fitting = [day for day in candidates if 0 < (day - today).days <= max_days]
    if fitting and rng.random() < 0.55:
        return rng.choice(fitting)
    return today + timedelta(days=rng.randint(1, max_days))


def _past_forms_zh(today: date, target: date, simplified: bool) -> list[str]:
    gap = (today - target).days
    wd = _WEEKDAYS["zh-CN" if simplified else "zh-TW"][target.weekday()]
    forms = []
    if gap == 1:
        forms.append("昨天")
    if gap == 2:
        forms.append("前天")
    if 2 <= gap <= 10:
        forms.append(f"{_zh_day(gap)}天前")
    if (target + timedelta(days=7)).isocalendar()[:2] == today.isocalendar()[:2]:
        forms.append(f"上周{wd if wd != '天' else '日'}" if simplified else f"上禮拜{wd}")
    if target.month == today.month:
        forms.append(f"{target.day}号" if simplified else f"{target.day}號")
    return forms or [f"{target.month}月{target.day}" + ("号" if simplified else "號")]


def _past_forms_en(today: date, target: date) -> list[str]:
    gap = (today - target).days
    forms = []
    if gap == 1:
        forms.append("yesterday")
    if gap == 2:
        forms.append("the day before yesterday")
    if 2 <= gap <= 10:
        forms.append(f"{_EN_SMALL[gap]} days ago")
    if (target + timedelta(days=7)).isocalendar()[:2] == today.isocalendar()[:2]:
        forms.append(f"last {_WEEKDAYS['en-US'][target.weekday()]}")
    if target.month == today.month:
        forms.append(f"on the {_ordinal(target.day)}")
    return forms or [f"on {_MONTHS_EN[target.month]} {_ordinal(target.day)}"]


def say_past_date(today: date, target: date, language: str, rng: random.Random) -> str:
    """A phrase for a day already gone (a payment made), relative to the day of the call."""
    if language == "en-US":
        return rng.choice(_past_forms_en(today, target))
    return rng.choice(_past_forms_zh(today, target, simplified=language == "zh-CN"))
