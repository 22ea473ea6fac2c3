"""Does the answer match the identity factor on file? Digits however they were spoken."""

from __future__ import annotations

import re

from fairdial.conversation.facts import identity_factor_usable
from fairdial.conversation.numbers import CN_NUMERAL_CHARS, chinese_to_int
from fairdial.conversation.text import normalise

_CN_DIGIT = {"零": "0", "〇": "0", "○": "0", "洞": "0", "幺": "1", "一": "1", "二": "2",
             "兩": "2", "三": "3", "四": "4", "五": "5", "六": "6", "七": "7", "八": "8",
             "九": "9"}  # fmt: skip
_EN_ONES = {"zero": 0, "oh": 0, "o": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
            "six": 6, "seven": 7, "eight": 8, "nine": 9}  # fmt: skip
_EN_TEENS = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
             "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
             "nineteen": 19}  # fmt: skip
_EN_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
            "eighty": 80, "ninety": 90}  # fmt: skip
_EN_WORD = re.compile(r"[a-z]+")
_CN_RUN = re.compile(f"[{CN_NUMERAL_CHARS}洞]+")
ROC_OFFSET = 1911  # 民國 year 1 is 1912


def _english_digits(text: str) -> str:
    """'nineteen eighty five' -> '1985', 'one nine eight five' -> '1985'."""
    out: list[str] = []
    pending_tens: int | None = None
    for word in _EN_WORD.findall(text):
        if word in _EN_TENS:
            if pending_tens is not None:
                out.append(str(pending_tens))
            pending_tens = _EN_TENS[word]
            continue
        if word in _EN_ONES and pending_tens is not None:
            out.append(str(pending_tens + _EN_ONES[word]))
            pending_tens = None
            continue
        if pending_tens is not None:
            out.append(str(pending_tens))
            pending_tens = None
        if word in _EN_TEENS:
            out.append(str(_EN_TEENS[word]))
        elif word in _EN_ONES:
            out.append(str(_EN_ONES[word]))
        elif word == "hundred" and out:
            out[-1] += "00"
    if pending_tens is not None:
        out.append(str(pending_tens))
    return "".join(out)


def spoken_numbers(text: str) -> list[str]:
    """Every digit string the answer could mean: written digits, 一九八五 or 八十五, words."""
    normal = normalise(text)
    found = re.findall(r"\d+", normal)
    for run in _CN_RUN.findall(normal):
        if all(char in _CN_DIGIT for char in run):
            found.append("".join(_CN_DIGIT[char] for char in run))  # keeps leading zeros
        else:
            value = chinese_to_int(run)
            if value is not None:
                found.append(str(value))
    words = _english_digits(normal)
    if words:
        found.append(words)
    joined = "".join(re.findall(r"\d", normal))
    if joined and joined not in found:
        found.append(joined)  # "1 9 8 5" or "19 85"
    return found


def identity_matches(answer: str, factor: str, kind: str) -> bool:
    """True when the answer names the factor: the full year, its last two digits, the 民國 year,
    or an ID whose last four digits match. Never true for an empty or malformed factor."""
    if not identity_factor_usable(factor, kind):
        return False  # nothing on file to match: no answer can verify anyone
    candidates = spoken_numbers(answer)
    if kind == "id_last4":
        return any(len(value) >= 4 and value.endswith(factor[-4:]) for value in candidates)
    year = int(factor)
    accepted = {str(year), f"{year % 100:02d}", str(year - ROC_OFFSET)}
    if "民國" in answer or "年次" in answer or "民国" in answer:
        accepted = {str(year - ROC_OFFSET)}  # 85年次 is 1996, not 1985
    return any(value in accepted for value in candidates)
