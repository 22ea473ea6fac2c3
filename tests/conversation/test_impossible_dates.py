"""A promise for a day the calendar lacks (February 30, 4月31號) is asked about again."""

from datetime import date

import pytest

from fairdial.conversation import acts
from fairdial.conversation.negotiation import DATE_ASKS
from fairdial.dispositions import Disposition

from .fakes import facts, run

TODAY = date(2026, 1, 10)  # a Saturday; the bot's own ask is for Tuesday, January 13

VERIFIED = {
    "zh-TW": ["我就是", "1985"],
    "zh-CN": ["我就是", "1985"],
    "en-US": ["yes, speaking", "1985"],
}
IMPOSSIBLE = {
    "zh-TW": "我2月30號還一萬兩千零五十",
    "zh-CN": "我4月31号还一万两千零五十",
    "en-US": "I'll pay all of it on February 30th",
}
ASKED_AGAIN = {
    "zh-TW": "不好意思，日曆上沒有這一天。請問可以在1月13日星期二前繳一萬兩千零五十元嗎？"
    "或是跟我說另一個日期。",
    "zh-CN": "不好意思，日历上没有这一天。请问可以在1月13日星期二前缴一万两千零五十元吗？"
    "或是跟我说另一个日期。",
    "en-US": "Sorry, that day isn't on the calendar. Could you pay $12,050 by Tuesday, "
    "January 13, or tell me another day?",
}  # fmt: skip
YES = {"zh-TW": "好", "zh-CN": "好", "en-US": "yes"}
REAL_DAY = {"zh-TW": "那我1月14號還", "zh-CN": "那我1月14号还", "en-US": "I'll pay on January 14th"}
LANGUAGES = ["zh-TW", "zh-CN", "en-US"]


def account(language: str):  # type: ignore[no-untyped-def]
    changes = {"currency": "CNY"} if language == "zh-CN" else {}
    return facts(language, today=TODAY, **changes)


def asks(session) -> list[str]:  # type: ignore[no-untyped-def]
    return [u.text for u in session.said if u.act == acts.ASK_PAYMENT]


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_impossible_day_is_asked_for_again_and_nothing_is_recorded(language):
    outcome, session = run([*VERIFIED[language], IMPOSSIBLE[language]], account(language))

    assert asks(session)[1:] == [ASKED_AGAIN[language]]
    assert session.said[-1].text == ASKED_AGAIN[language]  # the question is the last thing said
    assert outcome.promise is None
    assert outcome.disposition is Disposition.HUNG_UP  # the borrower left; not a refusal
    assert outcome.escalation is None
    assert outcome.guard_blocks == 0  # the pack's guard let every sentence through


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_yes_to_the_question_agrees_to_the_day_the_bot_named(language):
    outcome, _ = run([*VERIFIED[language], IMPOSSIBLE[language], YES[language]], account(language))

    assert outcome.disposition is Disposition.PROMISE_TO_PAY
    assert outcome.promise is not None
    assert outcome.promise.due_date == date(2026, 1, 13)
    assert outcome.promise.amount_minor == account(language).balance_minor


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_real_day_after_the_question_becomes_the_promise_date(language):
    lines = [*VERIFIED[language], IMPOSSIBLE[language], REAL_DAY[language]]
    outcome, _ = run(lines, account(language))

    assert outcome.disposition is Disposition.PROMISE_TO_PAY
    assert outcome.promise is not None
    assert outcome.promise.due_date == date(2026, 1, 14)


@pytest.mark.parametrize("language", LANGUAGES)
def test_impossible_days_past_the_retries_go_to_a_person_as_unclear_answers_do(language):
    lines = [*VERIFIED[language], *[IMPOSSIBLE[language]] * (DATE_ASKS + 1)]
    outcome, session = run(lines, account(language))

    assert asks(session)[1:] == [ASKED_AGAIN[language]] * DATE_ASKS
    assert outcome.promise is None
    assert outcome.disposition is Disposition.ESCALATED
    assert outcome.escalation == "low_confidence"


def test_a_bare_impossible_day_is_read_as_an_answer_about_the_day():
    outcome, session = run([*VERIFIED["en-US"], "April 31"], account("en-US"))

    assert asks(session)[1:] == [ASKED_AGAIN["en-US"]]
    assert outcome.promise is None
