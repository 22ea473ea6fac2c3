"""A promise records only an amount the borrower said or agreed to; without one the bot asks."""

from datetime import date

import pytest

from fairdial.conversation import acts
from fairdial.conversation.negotiation import AMOUNT_ASKS
from fairdial.conversation.understanding import understand
from fairdial.dispositions import Disposition

from .fakes import TODAY, facts, run

TOMORROW = date(2026, 3, 12)
BALANCE = {"en-US": 125_050, "zh-TW": 12_050, "zh-CN": 1_205_000}  # $1,250.50, NT$ / ¥12,050
VERIFIED = {
    "en-US": ["yes, speaking", "1985"],
    "zh-TW": ["我就是", "1985"],
    "zh-CN": ["我就是", "1985"],
}
NO_USABLE_AMOUNT = [
    ("en-US", "I can pay -500 dollars tomorrow"),
    ("en-US", "I'll pay something tomorrow"),
    ("en-US", "I'll pay 5000000000000 dollars tomorrow"),
    ("en-US", "I'll pay tomorrow"),
    ("zh-TW", "我明天還負五百"),
    ("zh-TW", "我明天先還一點"),
    ("zh-TW", "我明天還5000000000000元"),
    ("zh-TW", "我明天還"),
    ("zh-CN", "我明天还负五百"),
    ("zh-CN", "我明天先还一些"),
    ("zh-CN", "我明天还"),
]
# The question names the amount asked before, by the borrower's own day: a yes agrees to it.
ASK_AMOUNT = {
    "en-US": "Sorry, I didn't get an amount I can note down. Could you pay $1,250.50 by Thursday, "
    "March 12, or tell me how much you can pay?",
    "zh-TW": "不好意思，我沒有聽到可以記下來的金額。請問可以在3月12日星期四前繳一萬兩千零五十元嗎？"
    "或是跟我說您可以繳多少。",
    "zh-CN": "不好意思，我没有听到可以记下来的金额。请问可以在3月12日星期四前缴一万两千零五十元吗？"
    "或是跟我说您可以缴多少。",
}
ALL_OF_IT = {"en-US": "all of it", "zh-TW": "全部", "zh-CN": "全部"}
UNCLEAR = {"en-US": "huh", "zh-TW": "蛤", "zh-CN": "蛤"}


def account(language: str):  # type: ignore[no-untyped-def]
    changes = {"currency": "CNY", "jurisdiction": "CN"} if language == "zh-CN" else {}
    return facts(language, balance_minor=BALANCE[language], **changes)


@pytest.mark.parametrize(("language", "text"), NO_USABLE_AMOUNT)
def test_a_day_without_a_usable_amount_is_asked_about_and_nothing_is_recorded(language, text):
    outcome, session = run([*VERIFIED[language], text], account(language))

    assert session.said[-1].text == ASK_AMOUNT[language]
    assert session.said[-1].act == acts.ASK_PAYMENT
    assert outcome.promise is None and outcome.plan is None
    assert outcome.disposition is Disposition.HUNG_UP  # the borrower left without answering
    assert outcome.guard_blocks == 0


@pytest.mark.parametrize(("language", "text"), NO_USABLE_AMOUNT)
def test_the_whole_balance_after_the_question_is_promised_for_the_day_named(language, text):
    outcome, _ = run([*VERIFIED[language], text, ALL_OF_IT[language]], account(language))

    assert outcome.disposition is Disposition.PROMISE_TO_PAY
    assert outcome.promise is not None
    assert outcome.promise.amount_minor == BALANCE[language]
    assert outcome.promise.due_date == TOMORROW


def test_a_part_after_the_question_becomes_a_plan_from_the_day_named():
    lines = [*VERIFIED["en-US"], "I'll pay something tomorrow", "500 dollars", "yes"]
    outcome, _ = run(lines, account("en-US"))

    assert outcome.disposition is Disposition.PAYMENT_PLAN
    assert outcome.plan is not None
    assert outcome.plan.installments[0] == (TOMORROW, 50_000)
    assert outcome.plan.total_minor == BALANCE["en-US"]


@pytest.mark.parametrize(("language", "text"), NO_USABLE_AMOUNT)
def test_a_yes_to_the_question_agrees_to_the_amount_it_named(language, text):
    yes = "yes" if language == "en-US" else "好"
    outcome, session = run([*VERIFIED[language], text, yes], account(language))

    assert [u.text for u in session.said].count(ASK_AMOUNT[language]) == 1
    assert outcome.disposition is Disposition.PROMISE_TO_PAY
    assert outcome.promise is not None
    assert outcome.promise.amount_minor == BALANCE[language]
    assert outcome.promise.due_date == TOMORROW


@pytest.mark.parametrize("language", ["en-US", "zh-TW"])
def test_no_usable_amount_past_the_retries_goes_to_a_person(language):
    text = "I'll pay something tomorrow" if language == "en-US" else "我明天先還一點"
    lines = [*VERIFIED[language], text, *[text] * AMOUNT_ASKS]
    outcome, session = run(lines, account(language))

    assert [u.text for u in session.said].count(ASK_AMOUNT[language]) == AMOUNT_ASKS
    assert outcome.disposition is Disposition.ESCALATED
    assert outcome.escalation == "low_confidence"
    assert outcome.promise is None


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en-US", "I'll pay it all tomorrow"),
        ("en-US", "I can pay the full amount tomorrow"),
        ("en-US", "I'll pay it off tomorrow"),
        ("zh-TW", "我明天全部還清"),
        ("zh-TW", "明天全額繳"),
        ("zh-CN", "我明天全部还清"),
    ],
)
def test_the_full_balance_said_outright_is_promised(language, text):
    outcome, session = run([*VERIFIED[language], text], account(language))

    assert outcome.disposition is Disposition.PROMISE_TO_PAY
    assert outcome.promise is not None
    assert outcome.promise.amount_minor == BALANCE[language]
    assert outcome.promise.due_date == TOMORROW
    assert ASK_AMOUNT[language] not in [u.text for u in session.said]


@pytest.mark.parametrize(
    ("language", "text"),
    [("en-US", "yes, I'll pay tomorrow"), ("en-US", "I can pay that tomorrow"),
     ("zh-TW", "好啦，我明天就還"), ("zh-CN", "好的，我明天就还")],
)  # fmt: skip
def test_a_yes_to_the_amount_asked_keeps_it(language, text):
    outcome, _ = run([*VERIFIED[language], text], account(language))

    assert outcome.disposition is Disposition.PROMISE_TO_PAY
    assert outcome.promise is not None
    assert outcome.promise.amount_minor == BALANCE[language]
    assert outcome.promise.due_date == TOMORROW


@pytest.mark.parametrize(
    "text",
    ["I can pay -500 dollars tomorrow", "I'll pay something tomorrow", "5000000000000 dollars",
     "我明天還負五百", "我明天先還一些"],
)  # fmt: skip
def test_an_unusable_amount_is_marked_and_never_filled_in(text):
    result = understand(text, "en-US", TODAY, balance_minor=125_050, currency="USD")

    assert "amount" not in result.entities
    assert result.entities.get("amount_unusable") is True
