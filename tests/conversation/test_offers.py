import math
from datetime import date, timedelta

import pytest

from fairdial.conversation.facts import OfferBounds
from fairdial.conversation.offers import (
    ask_date,
    build_plan,
    judge_promise,
    latest_date,
    min_first_payment,
    settlement_amount,
)

from .fakes import TODAY, facts


@pytest.mark.parametrize("balance", [1_205_000, 123_457, 99, 1_000_001, 50_000])
@pytest.mark.parametrize("months", [2, 3, 6, 7, 12, 24])
def test_plan_sums_exactly_and_respects_bounds(balance, months):
    account = facts("en-US", balance_minor=balance)
    plan = build_plan(account, months)
    assert plan.total_minor == balance
    assert plan.months == len(plan.installments) <= account.bounds.max_plan_months
    assert plan.installments[0][1] >= min_first_payment(account)
    assert all(amount > 0 for _, amount in plan.installments) or balance < 100


def test_whole_dollar_currencies_are_planned_in_whole_dollars():
    plan = build_plan(facts("zh-TW", balance_minor=12_050), 6)
    assert [amount for _, amount in plan.installments] == [2_009, 2_009, 2_008, 2_008, 2_008, 2_008]
    assert plan.total_minor == 12_050


def test_plan_is_deterministic_and_monthly():
    account = facts("en-US", balance_minor=1_205_000)
    plan = build_plan(account, 6)
    assert plan == build_plan(account, 6)
    assert [amount for _, amount in plan.installments] == [
        200_900,
        200_900,
        200_800,
        200_800,
        200_800,
        200_800,
    ]
    assert [due.month for due, _ in plan.installments] == [3, 4, 5, 6, 7, 8]


def test_plan_keeps_borrowers_first_amount_above_floor():
    plan = build_plan(facts("en-US", balance_minor=1_000_000), 5, first_payment_minor=400_000)
    assert plan.installments[0][1] == 400_000
    assert plan.total_minor == 1_000_000


def test_first_payment_below_floor_is_raised():
    account = facts("en-US", balance_minor=1_000_000, bounds=OfferBounds(min_first_payment_pct=0.2))
    plan = build_plan(account, 12, first_payment_minor=10_000)
    assert plan.installments[0][1] == 200_000


def test_late_promise_is_countered_with_latest_date():
    account = facts("en-US")
    decision = judge_promise(account, None, TODAY + timedelta(days=40), countered=False)
    assert decision.kind == "counter"
    assert decision.due_date == latest_date(account) == TODAY + timedelta(days=14)


def test_small_amount_is_countered_once_then_plan():
    account = facts("en-US")
    first = judge_promise(account, 50_000, None, countered=False)
    assert (first.kind, first.amount_minor) == ("counter", 120_500)
    second = judge_promise(account, 50_000, None, countered=True)
    assert second.kind == "plan"


def test_full_promise_inside_bounds_is_accepted():
    decision = judge_promise(facts("en-US"), 1_205_000, date(2026, 3, 20), countered=False)
    assert (decision.kind, decision.due_date) == ("accept", date(2026, 3, 20))


@pytest.mark.parametrize("balance", [1_205_000, 123_457, 99, 1_000_001])
@pytest.mark.parametrize("floor_pct", [0.3, 0.55, 0.999])
def test_settlement_is_rounded_up_never_below_the_floor(balance, floor_pct):
    bounds = OfferBounds(settlement_floor_pct=floor_pct)
    account = facts("en-US", balance_minor=balance, bounds=bounds)
    amount = settlement_amount(account)
    if amount is None:  # rounding up to a whole dollar reached the balance: nothing to settle
        assert math.ceil(balance * floor_pct / 100) * 100 >= balance
        return
    assert balance * floor_pct <= amount < balance
    assert amount % 100 == 0


def test_no_settlement_without_a_floor():
    assert settlement_amount(facts("en-US")) is None
    assert settlement_amount(facts("zh-TW", bounds=OfferBounds(settlement_floor_pct=0.6))) == 7_230


@pytest.mark.parametrize(
    ("payday", "asked"),
    [(None, date(2026, 3, 14)), (11, date(2026, 3, 11)), (20, date(2026, 3, 20)),
     (5, date(2026, 3, 14)), (31, date(2026, 3, 14))],
)  # fmt: skip
def test_the_first_ask_falls_on_payday_when_the_bounds_reach_it(payday, asked):
    account = facts("en-US", payday=payday)
    assert ask_date(account) == asked
    assert ask_date(account) <= latest_date(account)


def test_plan_installments_fall_on_payday_and_still_sum_exactly():
    account = facts("zh-TW", balance_minor=12_050, payday=20)
    plan = build_plan(account, 4)
    assert [due for due, _ in plan.installments] == [
        date(2026, 3, 20), date(2026, 4, 20), date(2026, 5, 20), date(2026, 6, 20)
    ]  # fmt: skip
    assert plan.total_minor == 12_050


def test_payday_must_be_a_day_of_the_month():
    with pytest.raises(ValueError, match="payday"):
        facts(payday=32)
