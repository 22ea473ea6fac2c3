from datetime import date

import pytest

from fairdial.conversation import acts, rules
from fairdial.conversation.negation import negated_payment_intent, without_negated_payment
from fairdial.conversation.text import normalise
from fairdial.conversation.understanding import understand
from fairdial.dispositions import Disposition

from .fakes import TODAY, bot_acts, facts, run

ZH_VERIFIED = ["我就是", "1985"]
EN_VERIFIED = ["yes, speaking", "1985"]
PAYING = ("promise_to_pay", "already_paid")

EN_US = [
    ("I can't pay, period", "hardship"),
    ("I can't pay", "hardship"),
    ("there's no way I can pay", "hardship"),
    ("I don't have the money", "hardship"),
    ("sorry, I cannot pay you", "hardship"),
    ("we just can't make the payment", "hardship"),
    ("I really don't have any money", "hardship"),
    ("I won't be able to pay this month", "hardship"),
    ("there is no way we could pay that", "hardship"),
    ("I'm not sure I can pay anything", "hardship"),
    ("I won't pay", "refuse"),
    ("I'm not going to pay you", "refuse"),
    ("I will never pay this", "refuse"),
    ("no way I'm paying you people", "refuse"),
    ("I can't pay today but I can pay Friday", "promise_to_pay"),
    ("I couldn't pay last month, but I'll pay tomorrow", "promise_to_pay"),
    ("I can't pay it all at once", "request_plan"),
    ("I can't pay it today", "deny"),
]

ZH_TW = [
    ("現在不可能繳", "hardship"),
    ("我付不出來", "hardship"),
    ("我沒辦法還", "hardship"),
    ("我真的沒有能力繳", "hardship"),
    ("這個月還不起", "hardship"),
    ("目前沒錢還", "hardship"),
    ("我現在無法繳款", "hardship"),
    ("錢真的拿不出來", "hardship"),
    ("不是不還，只是現在沒錢", "hardship"),
    ("不可能還", "refuse"),
    ("我不會還", "refuse"),
    ("我不想付了", "refuse"),
    ("我就是不繳", "refuse"),
    ("今天不行但是禮拜五可以還", "promise_to_pay"),
    ("今天付不出來，禮拜一會付", "promise_to_pay"),
    ("這禮拜沒辦法，下禮拜二一定還", "promise_to_pay"),
    ("一次還不了那麼多，可以分期嗎", "request_plan"),
]

ZH_CN = [
    ("我没钱还", "hardship"),
    ("我没办法还", "hardship"),
    ("我付不出来", "hardship"),
    ("现在不可能还", "hardship"),
    ("我还不上了", "hardship"),
    ("我没能力付", "hardship"),
    ("真的还不起", "hardship"),
    ("目前实在拿不出钱", "hardship"),
    ("这个月缴不出来", "hardship"),
    ("我不会还", "refuse"),
    ("我就是不还", "refuse"),
    ("我不想付钱", "refuse"),
    ("我绝对不会给你们", "refuse"),
    ("今天不行，但是周五可以还", "promise_to_pay"),
    ("这周付不出来，下周一还", "promise_to_pay"),
    ("今天没办法，明天一定还", "promise_to_pay"),
    ("一次还不了那么多，能分期吗", "request_plan"),
]


@pytest.mark.parametrize(
    ("text", "lang", "intent"),
    [(text, "en-US", intent) for text, intent in EN_US]
    + [(text, "zh-TW", intent) for text, intent in ZH_TW]
    + [(text, "zh-CN", intent) for text, intent in ZH_CN],
)
def test_negated_payment_intents(text, lang, intent):
    heard = understand(text, lang, TODAY)
    assert heard.intent == intent
    if intent != "promise_to_pay":
        # Not even a second reading: the engine must never act on a payment that was not said.
        assert not set(PAYING) & set(heard.also)


@pytest.mark.parametrize(
    ("text", "blanked"),
    [
        ("i can't pay, period", "i  , period"),
        ("i can't pay today but i can pay friday", "i   today but i can pay friday"),
        ("i won't be able to pay you", "i  "),
        ("我沒辦法還給你", "我 "),
        ("現在不可能繳", "現在 "),
        ("我付不出來啦", "我 啦"),
        ("今天不行但是禮拜五可以還", "今天不行但是禮拜五可以還"),
    ],
)
def test_negated_payments_are_blanked(text, blanked):
    assert without_negated_payment(text) == blanked


@pytest.mark.parametrize(
    "text",
    ["I can't pay, period", "现在不可能缴", "我沒辦法還", "I don't have the money", "我还不了"],
)
def test_paying_rules_do_not_read_a_negated_payment(text):
    found = rules.scores(normalise(text))
    assert not set(PAYING) & set(found)
    assert found["hardship"] == 0.85


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("i can't pay", "hardship"),
        ("i won't pay", "refuse"),
        ("i can't pay and i won't pay", "hardship"),
        ("不是不想還,是真的失業了", None),
        ("我一次還不了全部", None),
        ("今天沒辦法還", "deny"),
        ("我沒有要還", "refuse"),
        ("i'll pay on friday", None),
    ],
)
def test_what_a_negated_payment_says(text, said):
    assert negated_payment_intent(normalise(text)) == said


def test_a_promise_after_a_refused_day_keeps_its_day():
    for text, lang in [
        ("今天不行，但是周五可以还", "zh-CN"),
        ("今天不行但是禮拜五可以還", "zh-TW"),
        ("I can't pay today but I can pay Friday", "en-US"),
    ]:
        assert understand(text, lang, TODAY).entities["date"] == date(2026, 3, 13), text


def test_a_day_turned_down_after_the_promise_is_not_the_promise():
    heard = understand("I'll pay Friday but not today", "en-US", TODAY)
    assert heard.entities["date"] == date(2026, 3, 13)


@pytest.mark.parametrize(
    ("lines", "language"),
    [
        ([*EN_VERIFIED, "I can't pay, period"], "en-US"),
        ([*ZH_VERIFIED, "現在不可能繳"], "zh-TW"),
        ([*ZH_VERIFIED, "我没钱还"], "zh-CN"),
    ],
)
def test_inability_goes_to_the_hardship_path(lines, language):
    outcome, _ = run(lines, facts(language))
    assert outcome.disposition == Disposition.HARDSHIP
    assert outcome.escalation == "hardship"
    assert outcome.promise is None
    assert bot_acts(outcome)[-2:] == [acts.EMPATHY, acts.ESCALATE]
    assert outcome.turns[-3].intent == "hardship"


@pytest.mark.parametrize(
    ("lines", "language"),
    [
        ([*EN_VERIFIED, "I won't pay"], "en-US"),
        ([*ZH_VERIFIED, "不可能還"], "zh-TW"),
        ([*ZH_VERIFIED, "我就是不还"], "zh-CN"),
    ],
)
def test_unwillingness_is_a_refusal(lines, language):
    outcome, _ = run(lines, facts(language))
    assert outcome.disposition == Disposition.REFUSED
    assert outcome.escalation is None
    assert outcome.promise is None


@pytest.mark.parametrize(
    ("lines", "language", "amount"),
    [
        ([*EN_VERIFIED, "I can't pay today but I can pay Friday", "yes"], "en-US", 1_205_000),
        ([*ZH_VERIFIED, "今天不行但是禮拜五可以還", "好"], "zh-TW", 12_050),
        ([*ZH_VERIFIED, "今天不行，但是周五可以还", "好"], "zh-CN", 12_050),
    ],
)
def test_a_promise_for_another_day_is_recorded_for_that_day(lines, language, amount):
    outcome, _ = run(lines, facts(language))
    assert outcome.disposition == Disposition.PROMISE_TO_PAY
    assert outcome.promise is not None
    assert outcome.promise.amount_minor == amount
    assert outcome.promise.due_date == date(2026, 3, 13)


def test_a_day_turned_down_climbs_the_offer_ladder():
    outcome, session = run([*EN_VERIFIED, "I can't pay it today", "ok"], facts("en-US"))
    assert acts.OFFER_PLAN in [utterance.act for utterance in session.said]
    assert outcome.disposition == Disposition.PAYMENT_PLAN
    assert outcome.escalation is None
