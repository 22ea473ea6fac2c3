"""Parsing one field of a row: amounts, integers, flags and codes, with a reason on failure.

Every parser raises `RowRejected` naming the column; reasons never repeat the value itself
unless it is a plain number, because a misplaced column could hold a name or an ID.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

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
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_JURISDICTION = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")
_NUMBER_TEXT = re.compile(r"^[+-]?[\d,]*\.?\d*([eE][+-]?\d+)?$")


def _shown(text: str) -> str:
    # Only echo text that is plainly a number; anything else may be personal data.
    return repr(text) if _NUMBER_TEXT.match(text) and len(text) <= 24 else "this value"


def required(value: str | None, column: str) -> str:
    text = (value or "").strip()
    if not text:
        raise RowRejected(column, "required value is missing")
    return text


def parse_decimal(value: str | None, column: str) -> Decimal:
    text = required(value, column).replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise RowRejected(column, f"{_shown(text)} is not a number") from None
    if not number.is_finite():
        raise RowRejected(column, "not a finite number")
    return number


def parse_int(value: str | None, column: str) -> int:
    number = parse_decimal(value, column)
    if number != number.to_integral_value():
        raise RowRejected(column, f"{number} is not a whole number")
    return int(number)


def currency_code(value: str | None, column: str) -> str:
    code = required(value, column).upper()
    if code not in MINOR_DIGITS:
        raise RowRejected(column, f"unsupported currency code (known: {', '.join(MINOR_DIGITS)})")
    return code


def parse_money(
    value: str | None, column: str, currency: str, *, allow_negative: bool = False
) -> int:
    """An amount in the currency's minor units; rejects sub-minor precision and negatives."""
    number = parse_decimal(value, column)
    minor = number.scaleb(MINOR_DIGITS[currency])
    if minor != minor.to_integral_value():
        raise RowRejected(column, f"{number} has more decimals than {currency} allows")
    if minor < 0 and not allow_negative:
        raise RowRejected(column, f"negative balance {number} is not allowed")
    return int(minor)


def parse_dpd(value: str | None, column: str) -> int:
    days = parse_int(value, column)
    if days < 0:
        raise RowRejected(column, f"days past due cannot be negative ({days})")
    return days


def parse_flag(value: str | None, column: str) -> bool:
    text = (value or "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise RowRejected(column, "expected yes/no, true/false or 1/0")


def language_tag(value: str | None, column: str) -> str:
    tag = required(value, column)
    if not _LANGUAGE.match(tag) or len(tag) > 16:
        raise RowRejected(column, "not a language tag like zh-TW or en-US")
    return tag


def jurisdiction_code(value: str | None, column: str) -> str:
    code = required(value, column).upper()
    if not _JURISDICTION.match(code):
        raise RowRejected(column, "not a jurisdiction like TW, HK or US-CA")
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
