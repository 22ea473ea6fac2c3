"""The accounts a campaign may call, loaded once with what the dialler and the bot need.

An account whose borrower has no name or no identity factor on file (no birth year, no ID
ending in four digits) is never on the list: the bot could not verify whoever answered, so the
call would only disturb them and use up contact attempts the rules cap. A person completes the
record instead, through one escalation per account (`book_unverifiable`); while it is open the
account is busy, so it is booked once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdial.campaign.history import history_for
from fairdial.campaign.settings import CampaignSettings, bounds_for
from fairdial.conversation.account_facts import account_facts, identity_factor
from fairdial.conversation.facts import AccountFacts, identity_factor_usable
from fairdial.policy import History
from fairdial.store.models import (
    Account,
    Borrower,
    CallAttempt,
    ContactPoint,
    Escalation,
    Hold,
    PaymentPlan,
    PromiseToPay,
)

UNVERIFIABLE = "identity_unverifiable"
UNVERIFIABLE_SUMMARY = (
    "no borrower name or no identity factor (birth year, ID ending in four digits) on file: "
    "complete the record; the account is not called until this case is closed"
)


@dataclass
class Target:
    """One account on the dialler's list, with the history the policy pack judges it by."""

    account_id: int
    account_ref: str
    product: str
    pack_id: str
    priority: float
    contact_point_id: int
    number: str
    facts: AccountFacts
    attributes: dict[str, Any]
    history: History
    attempts_today: int = 0
    attempts_total: int = 0
    done: bool = False  # a conversation settled the account for this campaign
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def contact_point_key(self) -> str:
        return f"cp{self.contact_point_id}"


def priority_of(balance_minor: int, dpd: int) -> float:
    """Larger and older debts first; the log keeps one huge balance from starving the rest."""
    return math.log10(1 + max(balance_minor, 0)) * (1 + min(dpd, 180) / 30)


def _busy_accounts(session: Session, today: date) -> set[int]:
    """Accounts a campaign leaves alone: a promise not yet due, a live plan, a human's case."""
    busy: set[int] = set()
    busy.update(
        session.scalars(
            select(PromiseToPay.account_id).where(
                PromiseToPay.status == "open", PromiseToPay.due_date >= today
            )
        )
    )
    busy.update(
        session.scalars(select(PaymentPlan.account_id).where(PaymentPlan.status == "active"))
    )
    busy.update(session.scalars(select(Escalation.account_id).where(Escalation.status == "open")))
    return busy


@dataclass
class DialList:
    """A day's targets, best first, and the accounts left out because no call could verify
    their borrower (account ids; each has a number that could have been called)."""

    targets: list[Target]
    unverifiable: list[int] = field(default_factory=list)


def load_targets(
    session: Session,
    today: date,
    settings: CampaignSettings,
    limit: int | None = None,
    *,
    real_lines: bool = False,
) -> list[Target]:
    """Delinquent accounts with something owed, best first, each with its full contact history."""
    return dial_list(session, today, settings, limit, real_lines=real_lines).targets


def dial_list(
    session: Session,
    today: date,
    settings: CampaignSettings,
    limit: int | None = None,
    *,
    real_lines: bool = False,
) -> DialList:
    """The day's targets, as `load_targets`, with the unverifiable accounts it left out.

    With `real_lines` (a campaign through a real carrier) borrowers marked synthetic are left
    out: their generated numbers may belong to real people, so only simulated lines call them.
    `limit` counts the accounts called: an unverifiable one takes no place on the list.
    """
    busy = _busy_accounts(session, today)
    query = (
        select(Account, Borrower)
        .join(Borrower, Account.borrower_id == Borrower.id)
        .where(Account.status == "delinquent", Account.balance_minor > 0)
        .order_by(Account.id)
    )
    if real_lines:
        query = query.where(Borrower.synthetic.is_not(True))
    rows = [(a, b) for a, b in session.execute(query) if a.id not in busy]
    rows.sort(key=lambda row: -priority_of(row[0].balance_minor, row[0].dpd))
    unverifiable = [(a, b) for a, b in rows if not verifiable(b)]
    if unverifiable:
        rows = [(a, b) for a, b in rows if verifiable(b)]
    if limit is not None:
        rows = rows[:limit]

    borrower_ids = {b.id for _, b in rows} | {b.id for _, b in unverifiable}
    account_ids = [a.id for a, _ in rows]
    points = _contact_points(session, borrower_ids)
    attempts = _attempts(session, account_ids)
    holds = _holds(session, account_ids)

    targets = []
    for account, borrower in rows:
        mine = points.get(borrower.id, [])
        callable_points = [p for p in mine if p.status == "active"]
        if not callable_points:
            continue
        # The first mobile, else the first number: one line per account keeps the cap simple.
        chosen = next((p for p in callable_points if p.kind == "mobile"), callable_points[0])
        facts = account_facts(
            account,
            borrower,
            today=today,
            company_name=settings.company_names.get(borrower.language, "Fairdial"),
            bounds=bounds_for(account.product),
            first_contact=not any(a.result == "conversation" for a in attempts.get(account.id, [])),
        )
        targets.append(
            Target(
                account_id=account.id,
                account_ref=account.ref,
                product=account.product,
                pack_id=account.jurisdiction,
                priority=priority_of(account.balance_minor, account.dpd),
                contact_point_id=chosen.id,
                number=chosen.number,
                facts=facts,
                attributes=dict(account.attributes or {}),
                history=history_for(
                    account.ref, mine, attempts.get(account.id, []), holds.get(account.id, [])
                ),
                attempts_total=len(attempts.get(account.id, [])),
            )
        )
    left_out = [
        account.id
        for account, borrower in unverifiable
        if any(p.status == "active" for p in points.get(borrower.id, []))
    ]
    return DialList(targets, left_out)


def verifiable(borrower: Borrower) -> bool:
    """Whether a call could verify the borrower: a name to ask for and a factor to check (the
    conversation's own test, `AccountFacts.verifiable`)."""
    factor, kind = identity_factor(borrower)
    return bool((borrower.name or "").strip()) and identity_factor_usable(factor, kind)


def book_unverifiable(session: Session, account_ids: list[int], at: datetime) -> None:
    """Open one escalation per account for a person to complete its borrower's record."""
    for account_id in account_ids:
        session.add(
            Escalation(
                account_id=account_id,
                reason=UNVERIFIABLE,
                priority=2,
                summary=UNVERIFIABLE_SUMMARY,
                status="open",
                created_at=at,
            )
        )
    session.flush()


def _contact_points(session: Session, borrower_ids: set[int]) -> dict[int, list[ContactPoint]]:
    found: dict[int, list[ContactPoint]] = {}
    for point in session.scalars(select(ContactPoint).order_by(ContactPoint.id)):
        if point.borrower_id in borrower_ids:
            found.setdefault(point.borrower_id, []).append(point)
    return found


def _attempts(session: Session, account_ids: list[int]) -> dict[int, list[CallAttempt]]:
    wanted = set(account_ids)
    found: dict[int, list[CallAttempt]] = {}
    query = select(CallAttempt).where(CallAttempt.allowed.is_(True)).order_by(CallAttempt.id)
    for attempt in session.scalars(query):
        if attempt.account_id in wanted:
            found.setdefault(attempt.account_id, []).append(attempt)
    return found


def _holds(session: Session, account_ids: list[int]) -> dict[int, list[Hold]]:
    wanted = set(account_ids)
    found: dict[int, list[Hold]] = {}
    for hold in session.scalars(select(Hold).order_by(Hold.id)):
        if hold.account_id in wanted:
            found.setdefault(hold.account_id, []).append(hold)
    return found
