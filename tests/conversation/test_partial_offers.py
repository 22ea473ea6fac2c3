"""A part of the balance is a part payment, and nearly all of it is the whole balance.

"全部沒辦法，先給2500" turns the whole balance down and offers 2,500: a plan starting with it,
never a promise of the balance. An offer that leaves only cents unpaid is a promise of the
balance, and no plan ever asks for an instalment below the minimum.
"""

from datetime import date

import pytest

from fairdial.conversation import acts
from fairdial.conversation.amounts import find_amount
from fairdial.conversation.offers import build_plan, judge_promise, min_installment
from fairdial.conversation.text import normalise
from fairdial.dispositions import Disposition

from .fakes import facts, run

FRIDAY = date(2026, 3, 13)
VERIFIED = {"zh-TW": ["我就是", "1985"], "zh-CN": ["我就是", "1985"], "en-US": ["speaking", "1985"]}


def account(language: str, balance_minor: int):  # type: ignore[no-untyped-def]
    changes: dict[str, object] = {"balance_minor": balance_minor}
    if language == "zh-CN":
        changes.update(currency="CNY", jurisdiction="CN")
    return facts(language, **changes)


# (language, balance, the turn, the part it offers) in the borrower's currency's minor units
PARTIAL_OFFERS = [
    ("zh-TW", 13_672, "全部沒辦法，先給2500", 2_500),
    ("zh-TW", 13_672, "沒辦法全部還，禮拜五先還三千", 3_000),
    ("zh-CN", 1_367_200, "全部还不了，先还五千行不行", 500_000),
    ("zh-CN", 1_367_200, "全额付不出来，先还四千", 400_000),
    ("en-US", 125_050, "I can't pay the full amount, but 250 on Friday", 25_000),
    ("en-US", 125_050, "the full amount is too much, I can do 300 on friday", 30_000),
]


@pytest.mark.parametrize(("language", "balance", "text", "part"), PARTIAL_OFFERS)
def test_a_turned_down_whole_balance_names_the_part_offered(language, balance, text, part):
    per_unit = 1 if language == "zh-TW" else 100
    found = find_amount(normalise(text), balance, per_unit)

    assert found is not None
    assert found.value == part


@pytest.mark.parametrize(("language", "balance", "text", "part"), PARTIAL_OFFERS)
def test_a_part_offered_becomes_a_plan_never_a_promise_of_the_balance(
    language, balance, text, part
):
    outcome, session = run([*VERIFIED[language], text], account(language, balance))

    assert outcome.promise is None
    offer = session.said[-1]
    assert offer.act == acts.OFFER_PLAN
    assert offer.slots["first_payment_minor"] == part
    assert outcome.concessions[-1]["first_payment_minor"] == part
    assert outcome.concessions[-1]["total_minor"] == balance


@pytest.mark.parametrize(("language", "balance", "text", "part"), PARTIAL_OFFERS)
def test_a_declined_plan_keeps_the_part_as_the_promise(language, balance, text, part):
    no = "no" if language == "en-US" else "不要"
    outcome, _ = run([*VERIFIED[language], text, no], account(language, balance))

    assert outcome.disposition is Disposition.PROMISE_TO_PAY
    assert outcome.promise is not None
    assert outcome.promise.amount_minor == part


@pytest.mark.parametrize(
    ("text", "per_unit", "minor"),
    [
        ("我下周五还两万一千七百一十七元一角五分", 100, 2_171_715),
        ("两万一千七百一十七块五毛", 100, 2_171_750),
        ("21717元5角", 100, 2_171_750),
        ("21717元1角5分", 100, 2_171_715),
        ("I will pay 1250 dollars and 50 cents next friday", 100, 125_050),
        ("$1,250.50 on friday", 100, 125_050),
        ("twelve hundred fifty dollars and fifty cents", 100, 125_050),
        ("我先还三千五分期", 100, 350_000),  # 分期 is a plan, not cents
    ],
)
def test_amounts_with_cents_are_read_whole(text, per_unit, minor):
    found = find_amount(normalise(text), None, per_unit)

    assert found is not None
    assert found.value == minor


@pytest.mark.parametrize(
    ("language", "balance", "text"),
    [
        ("zh-CN", 2_171_715, "我周五还两万一千七百一十七元一角五分"),
        ("zh-CN", 2_171_715, "我周五还两万一千七百一十七元"),  # the cents rounded away
        ("en-US", 125_050, "I will pay 1250 dollars and 50 cents on friday"),
        ("en-US", 125_050, "I will pay 1250 dollars on friday"),
    ],
)
def test_all_but_the_cents_is_a_promise_of_the_balance(language, balance, text):
    outcome, _ = run([*VERIFIED[language], text], account(language, balance))

    assert outcome.disposition is Disposition.PROMISE_TO_PAY
    assert outcome.plan is None
    assert outcome.promise is not None
    assert outcome.promise.amount_minor == balance
    assert outcome.promise.due_date == FRIDAY


def test_nearly_all_is_countered_with_the_balance_and_a_yes_promises_it():
    lines = [*VERIFIED["zh-CN"], "我周五还两万一千七百元", "好"]
    outcome, session = run(lines, account("zh-CN", 2_171_715))

    counter = next(u for u in session.said if u.act == acts.COUNTER_OFFER)
    assert counter.slots["amount_minor"] == 2_171_715
    assert outcome.promise is not None
    assert outcome.promise.amount_minor == 2_171_715
    assert outcome.plan is None


def test_nearly_all_held_to_after_the_counter_is_a_part_payment():
    lines = [*VERIFIED["en-US"], "I'll pay 1220 dollars on friday", "I can only do 1220 dollars"]
    outcome, _ = run(lines, account("en-US", 125_050))

    assert outcome.promise is not None
    assert outcome.promise.amount_minor == 122_000
    assert outcome.promise.due_date == FRIDAY
    assert outcome.plan is None


@pytest.mark.parametrize(
    ("currency", "balance", "first"),
    [("CNY", 2_171_715, 2_171_700), ("USD", 125_050, 125_000), ("TWD", 13_672, 13_670)],
)
def test_no_plan_asks_for_an_instalment_below_the_minimum(currency, balance, first):
    language = "zh-TW" if currency == "TWD" else "en-US"
    account_ = facts(language, currency=currency, balance_minor=balance)
    smallest = min_installment(account_)

    plan = build_plan(account_, 6, first)

    assert plan.total_minor == balance
    assert plan.months == len(plan.installments) == 2
    assert plan.installments[1][1] >= smallest
    assert smallest >= (100 if currency != "TWD" else 1)


def test_a_long_plan_is_shortened_rather_than_split_into_tiny_instalments():
    account_ = facts("en-US", balance_minor=125_050)

    plan = build_plan(account_, 12, 110_000)

    assert min(amount for _, amount in plan.installments[1:]) >= min_installment(account_)
    assert plan.months == 3  # $150.50 left, at least $53 each
    assert [amount for _, amount in plan.installments] == [110_000, 7_525, 7_525]


def test_judging_counts_only_whole_units_as_left_unpaid():
    account_ = facts("en-US", balance_minor=125_050)

    rounded = judge_promise(account_, 125_000, FRIDAY, countered=False)
    nearly = judge_promise(account_, 124_000, FRIDAY, countered=False)
    part = judge_promise(account_, 50_000, FRIDAY, countered=False)

    assert (rounded.kind, rounded.amount_minor) == ("accept", 125_050)
    assert (nearly.kind, nearly.amount_minor) == ("counter_rest", 124_000)
    assert (part.kind, part.amount_minor) == ("plan", 50_000)
