from datetime import date

import pytest

from fairdial.conversation.understanding import INTENTS, public, understand

TODAY = date(2026, 3, 11)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("我就是", "confirm_identity"),
        ("是我啦", "confirm_identity"),
        ("yes speaking", "confirm_identity"),
        ("打錯了啦", "wrong_number"),
        ("沒有這個人喔", "wrong_number"),
        ("wrong number", "wrong_number"),
        ("我是他太太，他不在", "third_party"),
        ("他去上班了欸", "third_party"),
        ("she's not home right now", "third_party"),
        ("你哪位？", "ask_identity"),
        ("who is this", "ask_identity"),
        ("我欠多少", "ask_details"),
        ("what is this about", "ask_details"),
        ("好啦我明天還", "promise_to_pay"),
        ("I'll pay it on friday", "promise_to_pay"),
        ("可以分期嗎", "request_plan"),
        ("可以分六期吗", "request_plan"),
        ("can I get a payment plan", "request_plan"),
        ("我上禮拜就匯了啊", "already_paid"),
        ("I already paid that", "already_paid"),
        ("這不是我借的", "dispute"),
        ("I don't owe you anything", "dispute"),
        ("我被裁員了", "hardship"),
        ("I'm in the hospital", "hardship"),
        ("晚點再打給我", "callback"),
        ("I'm driving, call me back", "callback"),
        ("我要跟真人講", "request_human"),
        ("let me talk to a real person", "request_human"),
        ("不要再打來了", "stop_contact"),
        ("stop calling me", "stop_contact"),
        ("找我律師", "attorney"),
        ("talk to my attorney", "attorney"),
        ("我已經聲請更生了", "bankruptcy"),
        ("I filed for bankruptcy", "bankruptcy"),
        ("他上個月過世了", "deceased"),
        ("he passed away", "deceased"),
        ("我不會還", "refuse"),
        ("I'm not paying", "refuse"),
        ("靠北喔", "abusive"),
        ("f*** off you idiot", "abusive"),
        ("我不想活了", "distress"),
        ("I want to kill myself", "distress"),
        ("好喔", "affirm"),
        ("ok sure", "affirm"),
        ("不要", "deny"),
        ("nope", "deny"),
        ("蛤？", "unclear"),
        ("asdf qwerty", "unclear"),
        ("", "unclear"),
    ],
)
def test_intents(text, intent):
    assert understand(text, "zh-TW", TODAY).intent == intent


def test_every_label_is_public():
    assert len(INTENTS) == 22


def test_hardship_wins_and_keeps_the_plan_request():
    result = understand("I lost my job, can I pay 500 a month?", "en-US", TODAY)
    assert result.intent == "hardship"
    assert "request_plan" in result.also
    assert result.entities["hardship"] == "job_loss"
    assert result.entities["amount"] == 50_000
    assert result.entities["per_month"] is True


def test_distress_wins_over_abuse():
    assert understand("幹 我真的不想活了", "zh-TW", TODAY).intent == "distress"


def test_entities_in_a_promise():
    result = understand("我下禮拜五先還三千塊", "zh-TW", TODAY)
    assert result.entities["date"] == date(2026, 3, 20)
    assert result.entities["amount"] == 3000  # TWD has no minor digits
    assert result.entities["currency"] == "TWD"


def test_amount_in_minor_units_of_the_call_currency():
    result = understand("我下禮拜五先還三千塊", "zh-TW", TODAY, currency="USD")
    assert result.entities["amount"] == 300_000


def test_simplified_and_mixed_language():
    result = understand("ok 我下个月5号pay你五千", "zh-CN", TODAY)
    assert result.intent == "promise_to_pay"
    assert result.entities["date"] == date(2026, 4, 5)
    assert result.entities["amount"] == 500_000


def test_half_needs_the_balance():
    result = understand("I can pay half by the 15th", "en-US", TODAY, balance_minor=100_000)
    assert result.entities["amount"] == 50_000
    assert result.entities["date"] == date(2026, 3, 15)


@pytest.mark.parametrize(
    ("text", "kind"),
    [("我生病住院", "illness"), ("颱風把房子淹了", "disaster"), ("my mom died", "bereavement"),
     ("I'm broke", "other")],
)  # fmt: skip
def test_hardship_kinds(text, kind):
    result = understand(text, "en-US", TODAY)
    assert result.intent == "hardship"
    assert result.entities["hardship"] == kind


def test_callback_time():
    result = understand("明天晚上七點再打給我", "zh-TW", TODAY)
    assert result.intent == "callback"
    assert result.entities["date"] == date(2026, 3, 13 - 1)
    assert result.entities["time"] == "19:00"


def test_payday_becomes_a_date_only_when_known():
    said = "等我發薪日就還"
    assert understand(said, "zh-TW", TODAY, payday=25).entities["date"] == date(2026, 3, 25)
    assert understand(said, "zh-TW", TODAY, payday=5).entities["date"] == date(2026, 4, 5)
    assert "date" not in understand(said, "zh-TW", TODAY).entities


def test_a_named_day_beats_payday():
    result = understand("后天发工资就还", "zh-CN", TODAY, payday=25)
    assert result.entities["date"] == date(2026, 3, 13)


@pytest.mark.parametrize(
    "text", ["我真的不想活了 你們再打啊", "乾脆一了百了", "I just want to end it all lol", "想死"]
)
def test_distress_words_always_escalate(text):
    assert understand(text, "zh-TW", TODAY).intent == "distress"


def test_not_broke_is_not_hardship():
    result = understand("不是沒錢啦 我只是忘了 明天繳", "zh-TW", TODAY)
    assert result.intent == "promise_to_pay"
    assert "hardship" not in result.entities


def test_currency_named_in_the_text_wins():
    result = understand("I can send 200 USD tomorrow", "zh-TW", TODAY)
    assert result.entities["currency"] == "USD"
    assert result.entities["amount"] == 20_000


def test_public_shape_in_major_units():
    shown = public(understand("好啦 我明天匯五千過去", "zh-TW", TODAY))
    assert shown["intent"] == "promise_to_pay"
    assert shown["entities"] == {
        "amount": 5000, "currency": "TWD", "date": "2026-03-12", "time": None, "months": None,
        "hardship": None,
    }  # fmt: skip
    assert shown["also"] == ["affirm"]  # it opens with 好啦
    assert 0.5 <= shown["confidence"] <= 1.0


def test_a_yes_before_a_question_is_kept():
    result = understand("對啊，找我什麼事", "zh-TW", TODAY)
    assert result.intent == "ask_details"
    assert "affirm" in result.also
    assert "affirm" not in understand("什麼事？", "zh-TW", TODAY).also


def test_public_keeps_cents():
    shown = public(understand("I can do $75.50 this friday", "en-US", TODAY))
    assert shown["entities"]["amount"] == 75.5
    assert shown["entities"]["date"] == "2026-03-13"


NEW_YEAR = date(2026, 1, 10)  # 2026 is not a leap year


@pytest.mark.parametrize(
    ("text", "lang", "amount"),
    [
        ("I'll pay on February 30", "en-US", None),
        ("I'll pay on February 30th", "en-US", None),
        ("I'll pay on February 29th", "en-US", None),
        ("I'll pay on April 31st", "en-US", None),
        ("我2月30號還一萬", "zh-TW", 10_000),
        ("我4月31號還一萬", "zh-TW", 10_000),
        ("我2月30号还一万", "zh-CN", 1_000_000),
        ("我4月31号还一万", "zh-CN", 1_000_000),
    ],
)
def test_an_impossible_date_is_a_promise_without_a_date(text, lang, amount):
    result = understand(text, lang, NEW_YEAR)
    assert result.intent == "promise_to_pay"
    assert "date" not in result.entities
    assert result.entities.get("amount") == amount  # the day is never read as money


def test_an_impossible_date_is_null_in_public():
    shown = public(understand("I'll pay on February 30", "en-US", NEW_YEAR))
    assert shown["entities"]["date"] is None
    assert shown["entities"]["amount"] is None
    assert shown["entities"]["currency"] is None


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("I'll pay on February 28", "en-US", date(2026, 2, 28)),
        ("我2月28號還一萬", "zh-TW", date(2026, 2, 28)),
        ("我2月28号还一万", "zh-CN", date(2026, 2, 28)),
    ],
)
def test_the_last_real_day_of_february_is_kept(text, lang, expected):
    result = understand(text, lang, NEW_YEAR)
    assert result.intent == "promise_to_pay"
    assert result.entities["date"] == expected


@pytest.mark.parametrize(
    ("text", "lang"),
    [("I'll pay tomorrow", "en-US"), ("我明天還", "zh-TW"), ("我明天还", "zh-CN")],
)
def test_tomorrow_on_the_calendar_last_day_is_no_date(text, lang):
    result = understand(text, lang, date(9999, 12, 31))
    assert result.intent == "promise_to_pay"
    assert "date" not in result.entities


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("I'll pay 1e308 dollars", "en-US"),
        ("I'll pay $0.001 tomorrow", "en-US"),
        ("I'll pay 99999999999999999999999999999999 dollars", "en-US"),
        ("I'll pay -500 dollars", "en-US"),
        ("我明天還九千九百九十九兆兆元", "zh-TW"),
        ("我明天還-500元", "zh-TW"),
        ("我明天還負五百元", "zh-TW"),
        ("我明天还1e308元", "zh-CN"),
        ("我明天还0.001元", "zh-CN"),
        ("我明天还99999999999999999999999999999999元", "zh-CN"),
        ("我明天还九千九百九十九兆兆元", "zh-CN"),
        ("我明天还负五百元", "zh-CN"),
    ],
)
def test_an_absurd_amount_is_no_amount(text, lang):
    result = understand(text, lang, NEW_YEAR)
    assert "amount" not in result.entities
    assert public(result)["entities"]["amount"] is None


@pytest.mark.parametrize(
    ("text", "lang", "major"),
    [
        ("I can pay $0.50 today", "en-US", 0.5),
        ("I can pay a thousand dollars today", "en-US", 1000),
        ("我今天還1.5萬", "zh-TW", 15_000),
        ("我今天還兩萬三", "zh-TW", 23_000),
        ("我今天还1.5万", "zh-CN", 15_000),
        ("我今天还两万三", "zh-CN", 23_000),
    ],
)
def test_real_neighbours_of_absurd_amounts(text, lang, major):
    shown = public(understand(text, lang, NEW_YEAR))
    assert shown["entities"]["amount"] == major
    assert shown["entities"]["date"] == "2026-01-10"
