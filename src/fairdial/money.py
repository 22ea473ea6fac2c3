"""Currencies and their smallest units, so amounts stay exact integers everywhere."""

from __future__ import annotations

from decimal import Decimal

# Digits after the decimal point in everyday use. The New Taiwan dollar is quoted and collected
# in whole dollars (ISO 4217 lists two digits, but no payment of cents is made in practice).
MINOR_DIGITS = {"TWD": 0, "USD": 2, "CNY": 2, "HKD": 2}


def minor_digits(currency: str) -> int:
    try:
        return MINOR_DIGITS[currency]
    except KeyError:
        raise ValueError(f"unsupported currency {currency!r}") from None


def to_minor(amount: Decimal | int | str, currency: str) -> int:
    """Whole minor units; an amount with more precision than the currency has is an error."""
    scaled = Decimal(amount) * (10 ** minor_digits(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} has more decimals than {currency} allows")
    return int(scaled)


def to_major(minor: int, currency: str) -> Decimal:
    return Decimal(minor) / (10 ** minor_digits(currency))
