"""Money as borrowers say it: 兩萬三, 1.5萬, 五千塊, "twelve hundred", "$1,200", "1.2k"."""

from __future__ import annotations

import random

from fairdial.money import minor_digits

_ZH_DIGITS = {
    "trad": "零一二三四五六七八九",
    "simp": "零一二三四五六七八九",
}
_ZH_UNITS = {"trad": ("", "十", "百", "千"), "simp": ("", "十", "百", "千")}
_ZH_BIG = {"trad": ("", "萬", "億"), "simp": ("", "万", "亿")}
_ZH_TWO = {"trad": "兩", "simp": "两"}

_EN_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_EN_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def minor_per_unit(currency: str) -> int:
    return 10 ** minor_digits(currency.upper())


def round_spoken(amount_minor: int, currency: str, rng: random.Random) -> int:
    """An amount a person would name: whole units, rounded to a friendly step, never zero."""
    per = minor_per_unit(currency)
    units = amount_minor // per
    step = 1
    for limit, candidate in ((200, 10), (2_000, 100), (20_000, 500), (10**12, 1_000)):
        if units < limit:
            step = candidate
            break
    if rng.random() < 0.3:
        step = max(1, step // 5)
    rounded = max(step, (units // step) * step)
    return rounded * per


def _zh_four(n: int, script: str, leading: bool) -> str:
    digits, units = _ZH_DIGITS[script], _ZH_UNITS[script]
    out: list[str] = []
    pending_zero = False
    for position in (3, 2, 1, 0):
        digit = (n // 10**position) % 10
        if digit == 0:
            pending_zero = bool(out)
            continue
        if pending_zero:
            out.append("零")
            pending_zero = False
        if position == 1 and digit == 1 and leading and not out:
            out.append("十")  # 十五, not 一十五, at the start of a number
            continue
        char = digits[digit]
        if digit == 2 and position >= 2:
            char = _ZH_TWO[script]
        out.append(char + units[position])
    return "".join(out)


def chinese_number(n: int, script: str = "trad") -> str:
    """Standard reading of a whole number: 12005 -> 一萬兩千零五."""
    if n == 0:
        return "零"
    groups = []
    rest = n
    while rest:
        groups.append(rest % 10_000)
        rest //= 10_000
    out: list[str] = []
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            continue
        if out and group < 1000:
            out.append("零")
        text = _zh_four(group, script, leading=not out)
        if group == 2 and index > 0:
            text = _ZH_TWO[script]
        out.append(text + _ZH_BIG[script][index])
    return "".join(out).replace("零零", "零")


def chinese_colloquial(n: int, script: str = "trad") -> str | None:
    """The clipped form for two leading digits: 23000 -> 兩萬三, 1500 -> 一千五; else None."""
    for power, unit in ((4, _ZH_BIG[script][1]), (3, "千"), (2, "百")):
        head, tail = divmod(n, 10**power)
        if not 1 <= head <= 9 or tail == 0:
            continue
        lower, rest = divmod(tail, 10 ** (power - 1))
        if rest or not lower:
            return None
        head_text = _ZH_TWO[script] if head == 2 else _ZH_DIGITS[script][head]
        return f"{head_text}{unit}{_ZH_DIGITS[script][lower]}"
    return None


def english_words(n: int) -> str:
    if n < 20:
        return _EN_ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _EN_TENS[tens] + (f"-{_EN_ONES[ones]}" if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{_EN_ONES[hundreds]} hundred" + (f" {english_words(rest)}" if rest else "")
    for size, word in ((10**9, "billion"), (10**6, "million"), (1000, "thousand")):
        if n >= size:
            head, rest = divmod(n, size)
            joiner = " and " if 0 < rest < 100 else " "
            return f"{english_words(head)} {word}" + (
                f"{joiner}{english_words(rest)}" if rest else ""
            )
    return str(n)


def _trim(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def say_amount_zh(units: int, script: str, rng: random.Random) -> str:
    money = ("塊", "元", "塊錢", "") if script == "trad" else ("块", "元", "块钱", "")
    forms = [chinese_number(units, script) + rng.choice(money), f"{units}{rng.choice(money[:2])}"]
    clipped = chinese_colloquial(units, script)
    if clipped:
        forms += [clipped, clipped + money[0]]
    wan = _ZH_BIG[script][1]
    if units >= 10_000 and units % 1_000 == 0:
        forms.append(f"{_trim(units / 10_000)}{wan}")
    if 1_000 <= units < 10_000 and units % 1_000 == 0:
        forms.append(f"{units // 1000}千" + rng.choice(money))
    if units >= 1_000:
        forms.append(f"{units:,}{money[1]}")
    return rng.choice(forms)


def say_amount_en(units: int, rng: random.Random) -> str:
    forms = [f"${units:,}", f"{units} dollars", f"{english_words(units)} dollars", f"${units}"]
    if units < 1_000:
        forms.append(english_words(units))
    if 1_100 <= units < 10_000 and units % 100 == 0 and units % 1_000:
        forms.append(f"{english_words(units // 100)} hundred")  # "twelve hundred"
    if units >= 1_000 and units % 100 == 0:
        forms.append(f"{_trim(units / 1000)}k")
    if units == 1_000:
        forms.append("a grand")
    return rng.choice(forms)


def say_amount(amount_minor: int, currency: str, language: str, rng: random.Random) -> str:
    """One of several spoken forms of an amount; callers round it with `round_spoken` first."""
    units = amount_minor // minor_per_unit(currency)
    if language == "en-US":
        return say_amount_en(units, rng)
    return say_amount_zh(units, "simp" if language == "zh-CN" else "trad", rng)
