"""The offer ladder: what the bot may ask for, accept or counter, always inside the bounds.

The ladder runs from the full balance, to a settlement when the product allows one (never below
its floor), to plans: the default length first, then the longest the bounds allow.

No plan asks for an instalment below `min_installment`: an offer that leaves less than that
unpaid is no plan. Less than one whole currency unit left means the borrower rounded the cents
away, and the promise is for the balance; more is countered with the full balance.
"""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass
from datetime import date, timedelta

from fairdial.conversation.facts import AccountFacts
from fairdial.conversation.outcome import Plan
from fairdial.money import minor_digits

ASK_WITHIN_DAYS = 3  # the first ask is for payment soon; the bounds decide how late is allowed
DEFAULT_PLAN_MONTHS = 6


@dataclass(frozen=True)
class Decision:
    """What to do with a borrower's offer: accept it, counter it, or move to a plan."""

    kind: str  # "accept", "counter", "counter_rest" (ask the full balance) or "plan"
    amount_minor: int
    due_date: date


def add_months(day: date, months: int, day_of_month: int | None = None) -> date:
    """The same day (or `day_of_month`) `months` later, clamped to that month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day_of_month or day.day, last))


def latest_date(facts: AccountFacts) -> date:
    return facts.today + timedelta(days=facts.bounds.max_promise_days)


def next_payday(facts: AccountFacts) -> date | None:
    """The borrower's next payday from today on, if one is on file."""
    if facts.payday is None:
        return None
    this_month = add_months(facts.today, 0, facts.payday)
    return this_month if this_month >= facts.today else add_months(facts.today, 1, facts.payday)


def ask_date(facts: AccountFacts) -> date:
    """The date the first ask names: the next payday when it falls inside the bounds, else soon."""
    payday = next_payday(facts)
    if payday is not None and payday <= latest_date(facts):
        return payday
    return facts.today + timedelta(days=min(ASK_WITHIN_DAYS, facts.bounds.max_promise_days))


def _whole_units_up(facts: AccountFacts, amount_minor: float) -> int:
    per_unit = 10 ** minor_digits(facts.currency)
    return int(math.ceil(math.ceil(amount_minor) / per_unit) * per_unit)


def min_first_payment(facts: AccountFacts) -> int:
    """The smallest first payment the lender accepts, rounded up to a whole currency unit."""
    raw = facts.balance_minor * facts.bounds.min_first_payment_pct
    return min(_whole_units_up(facts, raw), facts.balance_minor)


def min_installment(facts: AccountFacts) -> int:
    """The smallest later instalment a plan asks for: half an even share of the longest plan
    the bounds allow, in whole units, and never less than one whole unit."""
    per_unit = 10 ** minor_digits(facts.currency)
    raw = facts.balance_minor / (2 * max(1, facts.bounds.max_plan_months))
    return min(max(_whole_units_up(facts, raw), per_unit), facts.balance_minor)


def settlement_amount(facts: AccountFacts) -> int | None:
    """The settlement the bot may offer: the floor rounded up to a whole unit, or None.

    Rounding only ever goes up, so the offer is never below the floor; a floor of 100% or more
    is no settlement at all.
    """
    floor_pct = facts.bounds.settlement_floor_pct
    if floor_pct is None:
        return None
    amount = _whole_units_up(facts, facts.balance_minor * floor_pct)
    return amount if amount < facts.balance_minor else None


def judge_promise(
    facts: AccountFacts, amount_minor: int | None, due: date | None, countered: bool
) -> Decision:
    """Accept a promise inside the bounds; counter a late date or a too-small amount once."""
    balance = facts.balance_minor
    amount = min(amount_minor or balance, balance)
    if balance - amount < 10 ** minor_digits(facts.currency):
        amount = balance  # "1250 dollars" on $1,250.50: the cents were rounded away
    when = due or ask_date(facts)
    if when < facts.today:
        when = facts.today
    floor = min_first_payment(facts)

    if amount < floor:
        if countered:
            return Decision("plan", floor, min(when, latest_date(facts)))
        return Decision("counter", floor, min(when, latest_date(facts)))
    if when > latest_date(facts):
        return Decision("counter", amount, latest_date(facts))
    if amount < balance and balance - amount < min_installment(facts):
        # Too little would be left for a plan: ask for the whole balance once, and take the
        # borrower's own amount as a part payment if they hold to it.
        return Decision("accept" if countered else "counter_rest", amount, when)
    if amount < balance:
        return Decision("plan", amount, when)
    return Decision("accept", amount, when)


def plan_months(facts: AccountFacts, months: int | None, monthly_minor: int | None) -> int:
    """Months the borrower asked for, or that their monthly amount needs, capped by the bounds."""
    cap = max(1, facts.bounds.max_plan_months)
    if months is None and monthly_minor:
        months = math.ceil(facts.balance_minor / monthly_minor)
    if months is None:
        months = DEFAULT_PLAN_MONTHS
    return max(2, min(months, cap)) if cap >= 2 else 1


def build_plan(
    facts: AccountFacts,
    months: int,
    first_payment_minor: int | None = None,
    start: date | None = None,
) -> Plan:
    """Installments summing exactly to the balance; the first meets the minimum first payment,
    and the plan is shortened until no later one is below `min_installment`.

    The rest is split evenly in whole currency units when the balance allows it, and the leftover
    units go one each to the earliest installments, so the same inputs give the same plan. Later
    installments fall on the borrower's payday when one is on file.
    """
    balance = facts.balance_minor
    months = max(1, min(months, facts.bounds.max_plan_months))
    first_due = min(start or ask_date(facts), latest_date(facts))
    smallest = min_installment(facts)
    if months == 1 or balance < 2 * smallest:
        return Plan(1, ((first_due, balance),))

    per_unit = 10 ** minor_digits(facts.currency)
    even_share = math.ceil(balance / months / per_unit) * per_unit
    # The borrower's own first amount stands when it meets the floor; otherwise an even share.
    first = max(first_payment_minor or even_share, min_first_payment(facts))
    first = min(first, balance - smallest)  # something sensible is left for the later months
    rest = balance - first
    count = max(1, min(months - 1, rest // smallest))  # fewer months before tiny instalments
    months = count + 1
    step = per_unit if rest % per_unit == 0 else 1
    base, leftover = divmod(rest // step, count)
    amounts = [first] + [(base + (1 if index < leftover else 0)) * step for index in range(count)]

    installments = tuple(
        (add_months(first_due, index, facts.payday if index else None), amount)
        for index, amount in enumerate(amounts)
    )
    return Plan(months, installments)
