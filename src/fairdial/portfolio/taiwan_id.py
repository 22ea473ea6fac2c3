"""Taiwan national identification numbers (國民身分證統一編號): format and check digit.

An ID is a letter for the place of first registration, a sex digit (1 male, 2 female), seven
serial digits and a check digit chosen so the weighted sum is a multiple of ten.
"""

from __future__ import annotations

import random
import re

# Letters map to two-digit codes out of alphabetical order: I, O, W, X, Y, Z were added later.
LETTER_CODES: dict[str, int] = {
    "A": 10, "B": 11, "C": 12, "D": 13, "E": 14, "F": 15, "G": 16, "H": 17, "I": 34,
    "J": 18, "K": 19, "L": 20, "M": 21, "N": 22, "O": 35, "P": 23, "Q": 24, "R": 25,
    "S": 26, "T": 27, "U": 28, "V": 29, "W": 32, "X": 30, "Y": 31, "Z": 33,
}  # fmt: skip

_PATTERN = re.compile(r"^[A-Z][12]\d{8}$")
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 1)
# Letters still issued to new registrations (I, O, W, X, Y, Z and a few others are retired).
_ISSUING_LETTERS = "ABCDEFGHJKMNPQTUVXZ"


def _weighted_sum(letter: str, digits: str) -> int:
    code = LETTER_CODES[letter]
    total = code // 10 + (code % 10) * 9
    return total + sum(int(d) * w for d, w in zip(digits[:8], _WEIGHTS, strict=True))


def is_valid(national_id: str) -> bool:
    """True when the text has the ID's shape and its check digit is right."""
    if not _PATTERN.match(national_id):
        return False
    total = _weighted_sum(national_id[0], national_id[1:9]) + int(national_id[9])
    return total % 10 == 0


def generate(rng: random.Random, *, female: bool) -> str:
    """A well-formed ID with the given sex digit, drawn from `rng`."""
    letter = rng.choice(_ISSUING_LETTERS)
    digits = ("2" if female else "1") + "".join(str(rng.randrange(10)) for _ in range(7))
    check = (10 - _weighted_sum(letter, digits) % 10) % 10
    return f"{letter}{digits}{check}"
