"""Build the conversation's `AccountFacts` from a stored account and its borrower."""

from __future__ import annotations

from datetime import date
from typing import Any

from fairdial.conversation.facts import SEGMENTS, AccountFacts, OfferBounds
from fairdial.store.models import Account, Borrower


def identity_factor(borrower: Borrower) -> tuple[str, str]:
    """What the bot asks to verify the borrower: the birth year, else the ID's last four digits;
    ("", "") when the account holds neither, and the call cannot verify anyone."""
    year = (borrower.birth_date or "")[:4]
    if len(year) == 4 and year.isdigit():
        return year, "birth_year"
    last4 = (borrower.national_id or "").strip()[-4:]
    if len(last4) == 4 and last4.isdigit():
        return last4, "id_last4"
    return "", ""


def _text(attributes: dict[str, Any], key: str) -> str | None:
    value = attributes.get(key)
    return str(value) if value not in (None, "") else None


def _payday(attributes: dict[str, Any]) -> int | None:
    value = attributes.get("payday")
    try:
        day = int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None  # a malformed payday is ignored rather than guessed at
    return day if day is not None and 1 <= day <= 31 else None


def account_facts(
    account: Account,
    borrower: Borrower,
    *,
    today: date,
    company_name: str,
    bounds: OfferBounds,
    first_contact: bool = True,
    language: str | None = None,
) -> AccountFacts:
    """The facts for one call. `lender_name`, `callback_number`, `payday` and `segment` come
    from the account's attributes when the portfolio carried them."""
    attributes = dict(account.attributes or {})
    factor, kind = identity_factor(borrower)
    segment = _text(attributes, "segment")
    return AccountFacts(
        account_ref=account.ref,
        borrower_name=borrower.name or "",
        identity_factor=factor,
        identity_factor_kind=kind,
        balance_minor=account.balance_minor,
        currency=account.currency,
        dpd=account.dpd,
        language=language or borrower.language,
        jurisdiction=account.jurisdiction,
        company_name=company_name,
        today=today,
        bounds=bounds,
        first_contact=first_contact,
        lender_name=_text(attributes, "lender_name"),
        callback_number=_text(attributes, "callback_number"),
        segment=segment if segment in SEGMENTS else None,
        payday=_payday(attributes),
    )
