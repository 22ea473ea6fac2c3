"""What the bot knows about an account before it speaks, and the bounds it negotiates within."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class OfferBounds:
    """The lender's limits for one product: the bot never offers or accepts outside them."""

    min_first_payment_pct: float = 0.10  # of the balance
    max_plan_months: int = 12
    max_promise_days: int = 14  # latest promise date, counted from the call
    settlement_floor_pct: float | None = None  # None: no settlement may be offered


@dataclass(frozen=True)
class AccountFacts:
    """One account as the conversation sees it. Personal fields are decrypted only for the call."""

    account_ref: str
    borrower_name: str
    identity_factor: str  # e.g. the borrower's birth year; asked only after the name matches
    identity_factor_kind: str  # "birth_year" or "id_last4"
    balance_minor: int
    currency: str
    dpd: int
    language: str  # "zh-TW", "zh-CN" or "en-US"
    jurisdiction: str  # policy pack id, e.g. "TW" or "US-CA"
    company_name: str
    today: date
    bounds: OfferBounds
    first_contact: bool = True
