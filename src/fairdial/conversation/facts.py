"""What the bot knows about an account before it speaks, and the bounds it negotiates within."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

SEGMENTS = ("first_reminder", "m2", "m3_plus")


def identity_factor_usable(factor: str, kind: str) -> bool:
    """A factor the borrower can be asked for and checked against: a four-digit birth year, or
    an ID ending in four digits."""
    if kind == "birth_year":
        return len(factor) == 4 and factor.isdigit()
    last4 = factor[-4:]
    return kind == "id_last4" and len(last4) == 4 and last4.isdigit()


def segment_for(dpd: int) -> str:
    """The script segment for days past due: M1 is a reminder, M2 firmer, M3 and later firm."""
    if dpd <= 30:
        return "first_reminder"
    if dpd <= 60:
        return "m2"
    return "m3_plus"


@dataclass(frozen=True)
class OfferBounds:
    """The lender's limits for one product: the bot never offers or accepts outside them."""

    min_first_payment_pct: float = 0.10  # of the balance
    max_plan_months: int = 12
    max_promise_days: int = 14  # latest promise date, counted from the call
    settlement_floor_pct: float | None = None  # None: no settlement may be offered


@dataclass(frozen=True)
class AccountFacts:
    """One account as the conversation sees it. Personal fields are decrypted only for the call.

    `segment` picks the script variant; left out, it follows the days past due.
    """

    account_ref: str
    borrower_name: str
    identity_factor: str  # e.g. the borrower's birth year; asked only after the name matches
    identity_factor_kind: str  # "birth_year" or "id_last4"; "" when the account holds none
    balance_minor: int
    currency: str
    dpd: int
    language: str  # "zh-TW", "zh-CN" or "en-US"
    jurisdiction: str  # policy pack id, e.g. "TW" or "US-CA"
    company_name: str
    today: date
    bounds: OfferBounds
    first_contact: bool = True
    lender_name: str | None = None  # the creditor, when the company collects for someone else
    callback_number: str | None = None  # the number the borrower is asked to call back
    segment: str | None = None  # "first_reminder", "m2" or "m3_plus"
    payday: int | None = None  # day of the month the borrower is paid, 1-31

    @property
    def verifiable(self) -> bool:
        """True when the call can find and verify the borrower: a name to ask for and a factor
        to check. Without either, nothing about the debt may be said to whoever answers."""
        return bool(self.borrower_name.strip()) and identity_factor_usable(
            self.identity_factor, self.identity_factor_kind
        )

    def __post_init__(self) -> None:
        if self.segment is None:
            object.__setattr__(self, "segment", segment_for(self.dpd))
        if self.payday is not None and not 1 <= self.payday <= 31:
            raise ValueError(f"payday must be a day of the month, not {self.payday}")
