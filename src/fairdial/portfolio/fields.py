"""Parsing one field of a row: amounts, integers, flags and codes, with a reason on failure.

Every parser raises `RowRejected` naming the column. Reasons never repeat the value, not even a
number: a misplaced column could hold a name, an ID or a phone number.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache

from fairdial.conversation.script import SCRIPTS_DIR
from fairdial.policy import pack_ids
from fairdial.portfolio.records import RowRejected

# Minor digits per currency. TWD is held in whole dollars: card statements in Taiwan carry no
# cents, and the UCI data set has none.
MINOR_DIGITS: dict[str, int] = {
    "TWD": 0,
    "JPY": 0,
    "KRW": 0,
    "USD": 2,
    "CAD": 2,
    "EUR": 2,
    "GBP": 2,
    "CNY": 2,
    "HKD": 2,
    "SGD": 2,
    "AUD": 2,
    "MXN": 2,
    "PHP": 2,
    "INR": 2,
}

_TRUE = {"1", "true", "yes", "y", "t"}
_FALSE = {"0", "false", "no", "n", "f", ""}
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")  # tags ignore case: RFC 5646 §2.1.1
_JURISDICTION = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")
# Amounts are stored as 64-bit integers of minor units; a quadrillion is far beyond any real
# balance and well inside the column, so anything larger is a misplaced or mistyped cell.
MAX_MINOR = 10**15
# Other whole numbers (terms, limits, status codes) must fit a 64-bit integer or JSON number.
_MAX_NUMBER = Decimal(10**18)
# A hundred years overdue; beyond it the figure is a date or an amount in the wrong column.
MAX_DPD = 36_500


@cache
def _packs() -> frozenset[str]:
    return frozenset(pack_ids())


@cache
def _pack_list() -> str:
    # The fifty-odd state packs are summarised: the reason stays one readable line.
    others = [p for p in pack_ids() if p != "US" and not p.startswith("US-")]
    return ", ".join(["US", "US-<state>", *others])


@cache
def script_languages() -> dict[str, str]:
    """The languages the bot has a conversation script for, keyed by lower case."""
    stems = (path.stem for path in SCRIPTS_DIR.glob("*.yaml"))
    return {stem.lower(): stem for stem in sorted(stems) if _LANGUAGE.match(stem)}


def required(value: str | None, column: str) -> str:
    text = (value or "").strip()
    if not text:
        raise RowRejected(column, "required value is missing")
    return text


def _any_decimal(value: str | None, column: str) -> Decimal:
    text = required(value, column).replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise RowRejected(column, "not a number") from None
    if not number.is_finite():
        raise RowRejected(column, "not a finite number")
    return number


def parse_decimal(value: str | None, column: str) -> Decimal:
    """A finite number below 10**18 in size, so it fits a 64-bit integer."""
    number = _any_decimal(value, column)
    # copy_abs and comparison are exact: they neither round nor overflow on 1e999999.
    if number.copy_abs() >= _MAX_NUMBER:
        raise RowRejected(column, "number too large")
    return number


def parse_int(value: str | None, column: str) -> int:
    number = parse_decimal(value, column)
    if number != number.to_integral_value():
        raise RowRejected(column, "not a whole number")
    return int(number)


def currency_code(value: str | None, column: str) -> str:
    code = required(value, column).upper()
    if code not in MINOR_DIGITS:
        raise RowRejected(column, f"unsupported currency code (known: {', '.join(MINOR_DIGITS)})")
    return code


def parse_money(
    value: str | None,
    column: str,
    currency: str,
    *,
    allow_negative: bool = False,
    what: str = "balance",
) -> int:
    """An amount in the currency's minor units, at most `MAX_MINOR`; never sub-minor or negative.

    `what` names the amount in reasons, e.g. "loan amount".
    """
    number = _any_decimal(value, column)
    digits = MINOR_DIGITS[currency]
    # Compared before scaling: scaleb on 1e999999 would raise decimal.Overflow.
    if number.copy_abs() > Decimal(MAX_MINOR).scaleb(-digits):
        raise RowRejected(column, f"{what} too large")
    minor = number.scaleb(digits)
    if minor != minor.to_integral_value():
        raise RowRejected(column, f"more decimals than {currency} allows")
    if minor < 0 and not allow_negative:
        raise RowRejected(column, f"negative {what} is not allowed")
    return int(minor)


def parse_dpd(value: str | None, column: str) -> int:
    days = parse_int(value, column)
    if days < 0:
        raise RowRejected(column, "days past due cannot be negative")
    if days > MAX_DPD:
        raise RowRejected(column, f"days past due above {MAX_DPD:,} (100 years)")
    return days


def parse_flag(value: str | None, column: str) -> bool:
    text = (value or "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise RowRejected(column, "expected yes/no, true/false or 1/0")


def language_tag(value: str | None, column: str) -> str:
    """A language the bot can speak, spelt as its script is (`zh-tw` becomes `zh-TW`)."""
    tag = required(value, column)
    if not _LANGUAGE.match(tag) or len(tag) > 16:
        raise RowRejected(column, "not a language tag like zh-TW or en-US")
    languages = script_languages()
    if tag.lower() not in languages:
        known = ", ".join(languages.values())
        raise RowRejected(column, f"no conversation script for this language; known: {known}")
    return languages[tag.lower()]


def jurisdiction_code(value: str | None, column: str) -> str:
    """A jurisdiction with a policy pack: without one no call could be checked or placed."""
    code = required(value, column).upper()
    if not _JURISDICTION.match(code):
        raise RowRejected(column, "not a jurisdiction like TW, HK or US-CA")
    if code not in _packs():
        raise RowRejected(column, f"no policy pack for this jurisdiction; known: {_pack_list()}")
    return code


def parse_birth_date(value: str | None, column: str) -> str | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        born = date.fromisoformat(text[:10])
    except ValueError:
        raise RowRejected(column, "birth date is not a YYYY-MM-DD date") from None
    if born > date.today() or born.year < 1900:
        raise RowRejected(column, "birth date is out of range")
    return born.isoformat()


def optional_text(value: str | None, column: str, *, max_length: int = 200) -> str | None:
    text = (value or "").strip()
    if not text:
        return None
    if len(text) > max_length:
        raise RowRejected(column, f"longer than {max_length} characters")
    return text


def ref_text(value: str | None, column: str) -> str:
    text = required(value, column)
    if len(text) > 64:
        raise RowRejected(column, "reference longer than 64 characters")
    return text
