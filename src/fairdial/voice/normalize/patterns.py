"""How numbers are written in collection scripts, shared by every language's reading rules.

Each rule turns its digits into words, so a later rule never sees them again: the order of the
rules in a language module is the order of precedence.
"""

from __future__ import annotations

import re
from decimal import Decimal

_FULL_WIDTH = str.maketrans("０１２３４５６７８９＄％", "0123456789$%")

# Thousands grouping (12,050) or a plain run; never part of a longer run of digits.
NUMBER = r"(?P<number>\d{1,3}(?:,\d{3})+|\d+)(?P<fraction>\.\d+)?"
_START = r"(?<![\d.,])"
_END = r"(?![\d]|[.,]\d)"

MONEY = re.compile(rf"(?P<symbol>NT\$|US\$|HK\$|\$|¥|RMB)\s?{NUMBER}{_END}")
ISO_DATE = re.compile(rf"{_START}(?P<year>\d{{4}})-(?P<month>\d{{1,2}})-(?P<day>\d{{1,2}}){_END}")
SLASH_DATE = re.compile(
    rf"{_START}(?P<month>\d{{1,2}})/(?P<day>\d{{1,2}})(?:/(?P<year>\d{{4}}))?{_END}"
)
CLOCK = re.compile(rf"{_START}(?P<hour>[01]?\d|2[0-3])[:：](?P<minute>[0-5]\d){_END}")
PERCENT = re.compile(rf"{_START}{NUMBER}\s?%")
# Dashed groups (1-800-555-0199, 02-2345-6789) or a US area code in brackets.
PHONE = re.compile(r"(?<![\w$])(?:\(\d{3}\)\s?\d{3}-\d{4}|\+?\d+(?:-\d+){1,4})(?![\w])")
# Runs of five or more digits, or any run with a leading zero, name something: never a quantity.
IDENTIFIER = re.compile(rf"{_START}(?:\d{{5,}}|0\d+){_END}")
DECIMAL = re.compile(rf"{_START}\d+\.\d+{_END}")
INTEGER = re.compile(rf"{_START}{NUMBER}{_END}")


def fold(text: str) -> str:
    """Full-width digits, $ and % as ASCII, so one set of patterns reads both widths."""
    return text.translate(_FULL_WIDTH)


def value(match: re.Match[str]) -> Decimal:
    """The number a MONEY, PERCENT or INTEGER match stands for."""
    return Decimal(match["number"].replace(",", "") + (match["fraction"] or ""))


def digit_count(text: str) -> int:
    return sum(char.isdigit() for char in text)


def digit_groups(text: str, language: str) -> list[str]:
    """Split a phone or account number into the groups a person pauses between.

    Written separators win; otherwise the national habit for phone numbers of that length, and
    groups of three or four, as even as they come, for the rest.
    """
    written = [group for group in re.split(r"[^\d]+", text) if group]
    if len(written) > 1:
        return written
    run = written[0] if written else ""
    if language.startswith("en") and len(run) == 10:
        return [run[:3], run[3:6], run[6:]]
    if language.startswith("en") and len(run) == 11 and run.startswith("1"):
        return [run[0], run[1:4], run[4:7], run[7:]]
    if language == "zh-TW" and len(run) == 10 and run.startswith("09"):
        return [run[:4], run[4:7], run[7:]]
    if language == "zh-CN" and len(run) == 11 and run.startswith("1"):
        return [run[:3], run[3:7], run[7:]]
    if len(run) <= 5:
        return [run]
    count = -(-len(run) // 4)
    sizes = [len(run) // count + (index < len(run) % count) for index in range(count)]
    starts = [sum(sizes[:index]) for index in range(count)]
    return [run[start : start + size] for start, size in zip(starts, sizes, strict=True)]
