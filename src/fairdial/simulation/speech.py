"""Turns what a borrower means into what they say, in their language, varied on every call."""

from __future__ import annotations

import random
from datetime import date

from fairdial.simulation.amounts import chinese_number, minor_per_unit, say_amount
from fairdial.simulation.dates import say_date, say_past_date
from fairdial.simulation.lexicon import lexicon_for

_QUESTION_ENDS = ("?", "？", "…", "...")
_MEANINGFUL = ("amount", "date", "months")


class Voice:
    """One borrower's way of speaking on one call: language, talkativeness and a random stream."""

    def __init__(self, language: str, rng: random.Random, chattiness: float, today: date) -> None:
        self.language = language
        self.rng = rng
        self.chattiness = chattiness
        self.today = today
        self._lex = lexicon_for(language)

    def line(self, key: str, **params: object) -> str:
        """A full reply for a meaning key such as "promise" or "hardship.illness"."""
        return self.compose(key, **params)[0]

    def compose(self, key: str, **params: object) -> tuple[str, frozenset[str]]:
        """The reply and which of amount, date and months its wording actually names."""
        rng = self.rng
        core = rng.choice(self._lex.CORES[key])
        named = frozenset(name for name in _MEANINGFUL if "{" + name + "}" in core)
        # "{factor}年的" meets factors already said as "85年"
        text = core.format(tail=rng.choice(self._lex.TAILS), **params).replace("年年", "年")

        english = self.language == "en-US"
        prefix = ""
        if rng.random() < self.chattiness * 0.5:
            prefix = rng.choice(self._lex.OPENERS)
        if rng.random() < self.chattiness * 0.12:
            opener = prefix.lower() if english else prefix
            prefix = rng.choice(self._lex.HESITATIONS) + " " * english + opener
        if english:
            if prefix and not text.startswith(("I ", "I'")):
                text = text[:1].lower() + text[1:]
            text = prefix[:1].upper() + prefix[1:] + text
            if rng.random() < 0.06:
                text = _typo(text, rng)
        else:
            text = prefix + text
        if not text.endswith(_QUESTION_ENDS):
            text += rng.choice(self._lex.STOPS)
        return text, named

    def mumble(self) -> str:
        return self.rng.choice(self._lex.MUMBLES)

    def amount(self, amount_minor: int, currency: str, full: bool = False) -> tuple[str, int]:
        """How the amount is said and the amount that wording means, in minor units.

        Cents are not said aloud: a full amount with cents is named as "the full amount" or
        rounded down to whole units, and the truth follows what was said.
        """
        per = minor_per_unit(currency)
        # cents force the wording most of the time; whole amounts get it now and then
        said_as_full = 0.6 if amount_minor % per else 0.09
        if full and self.rng.random() < said_as_full:
            return self.rng.choice(self._lex.FULL_AMOUNT), amount_minor
        whole = (amount_minor // per) * per
        return say_amount(whole, currency, self.language, self.rng), whole

    def day(self, target: date) -> str:
        return say_date(self.today, target, self.language, self.rng)

    def past_day(self, target: date) -> str:
        return say_past_date(self.today, target, self.language, self.rng)

    def factor(self, kind: str, value: str) -> str:
        if kind == "birth_year" and value.isdigit() and len(value) == 4:
            return self.rng.choice(self._lex.birth_year_forms(int(value)))
        if value.isdigit():
            return self.rng.choice(self._lex.digit_forms(value))
        return value

    def who(self) -> str:
        return self.rng.choice(self._lex.WHO)

    def when(self) -> tuple[str, int, int]:
        """A callback time as (phrase, days from the call, hour)."""
        return self.rng.choice(self._lex.WHEN)

    def months_word(self, months: int) -> str:
        if self.language == "en-US" or self.rng.random() < 0.5:
            return str(months)
        return chinese_number(months, "simp" if self.language == "zh-CN" else "trad")


def _typo(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    candidates = [i for i, word in enumerate(words) if len(word) >= 4 and word.isalpha()]
    if not candidates:
        return text
    index = rng.choice(candidates)
    word = words[index]
    cut = rng.randrange(1, len(word) - 1)
    words[index] = word[: cut - 1] + word[cut] + word[cut - 1] + word[cut + 1 :]
    return " ".join(words)
