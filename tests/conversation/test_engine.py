import json
from datetime import date

import pytest

from fairdial.conversation import acts
from fairdial.conversation.facts import OfferBounds
from fairdial.conversation.outcome import ConversationOutcome
from fairdial.conversation.script import ScriptError, crisis_line, load_script, parse_script
from fairdial.dispositions import Disposition
from fairdial.policy import load_pack
from fairdial.policy.guard import SAFE_LINES, GuardContext, guard

from .fakes import TODAY, BlockingGuard, bot_acts, facts, run

D = Disposition

ZH_VERIFIED = ["我就是", "1985"]
EN_VERIFIED = ["yes, speaking", "1985"]


def debt_acts_before_verification(outcome: ConversationOutcome) -> list[str]:
    """Debt acts said before the borrower's identity answer matched."""
    said: list[str] = []
    for turn in outcome.turns:
        if (
            turn.speaker == "borrower"
            and turn.intent == "confirm_identity"
            and turn.confidence == 1.0
        ):
            return said
        if turn.speaker == "bot" and turn.act in acts.DEBT_ACTS:
            said.append(turn.act)
    return said


def assert_no_debt_words(outcome: ConversationOutcome) -> None:
    bot_text = " ".join(turn.text for turn in outcome.turns if turn.speaker == "bot")
    assert not set(bot_acts(outcome)) & acts.DEBT_ACTS
    for word in ("帳款", "欠", "債", "一萬兩千", "debt", "owe", "$12,050", "balance"):
        assert word not in bot_text


def test_full_promise_zh_tw():
    outcome, session = run([*ZH_VERIFIED, "好啦，我明天就還"])
    assert outcome.disposition == Disposition.PROMISE_TO_PAY
    assert outcome.right_party
    assert outcome.promise is not None and outcome.promise.amount_minor == 12_050
    assert outcome.promise.due_date.isoformat() == "2026-03-12"
    assert bot_acts(outcome)[:3] == [acts.GREET_DISCLOSE, acts.ASK_FOR_PARTY, acts.VERIFY_IDENTITY]
    assert acts.STATE_DEBT in bot_acts(outcome)
    assert "一萬兩千零五十元" in " ".join(t.text for t in outcome.turns)
    assert debt_acts_before_verification(outcome) == []
    assert session.said[-1].act == acts.CLOSING
    assert "ACC-1" in outcome.summary and "王小明" not in outcome.summary


def test_greeting_says_company_and_ai():
    outcome, _ = run(["我就是", None, None])
    greeting = outcome.turns[0].text
    assert "安和金融服務" in greeting and "AI" in greeting


def test_us_first_contact_mini_miranda_after_verification():
    outcome, session = run([*EN_VERIFIED, "I'll pay the full amount on the 20th"], facts("en-US"))
    disclosure = next(u for u in session.said if u.act == acts.DISCLOSURE)
    assert "attempt to collect a debt" in disclosure.text
    assert outcome.promise is not None and outcome.promise.due_date.isoformat() == "2026-03-20"
    state = next(u for u in session.said if u.act == acts.STATE_DEBT)
    assert "$12,050" in state.text
    assert state.slots == {"amount_minor": 1_205_000, "currency": "USD", "dpd": 45}


def test_us_later_contact_disclosure():
    _, session = run([*EN_VERIFIED, None, None], facts("en-US", first_contact=False))
    disclosure = next(u for u in session.said if u.act == acts.DISCLOSURE)
    assert disclosure.text == "This communication is from a debt collector."


def test_late_date_is_countered_with_latest_date_en():
    outcome, session = run([*EN_VERIFIED, "I can pay it all next month", "ok"], facts("en-US"))
    counter = next(u for u in session.said if u.act == acts.COUNTER_OFFER)
    assert counter.slots["due_date"] == "2026-03-25"
    assert outcome.promise is not None and outcome.promise.due_date.isoformat() == "2026-03-25"


def test_plan_request_zh_tw():
    outcome, session = run([*ZH_VERIFIED, "可以分六期嗎", "好"])
    assert outcome.disposition == Disposition.PAYMENT_PLAN
    assert outcome.plan is not None and outcome.plan.months == 6
    assert outcome.plan.total_minor == 12_050
    offer = next(u for u in session.said if u.act == acts.OFFER_PLAN)
    assert offer.slots["months"] == 6 and offer.slots["amount_minor"] == 12_050


def test_plan_months_capped_by_bounds():
    account = facts("en-US", bounds=OfferBounds(max_plan_months=4))
    outcome, _ = run([*EN_VERIFIED, "can I spread it over 10 months", "yes"], account)
    assert outcome.plan is not None and outcome.plan.months == 4


def test_small_offer_countered_then_plan_then_partial_promise():
    outcome, session = run(
        [*EN_VERIFIED, "I can only do 500 by friday", "500", "no"], facts("en-US")
    )
    said = [u.act for u in session.said]
    assert said.count(acts.COUNTER_OFFER) == 1
    counter = next(u for u in session.said if u.act == acts.COUNTER_OFFER)
    assert counter.slots["amount_minor"] == 120_500
    assert acts.OFFER_PLAN in said
    assert outcome.promise is None  # 500 is below the floor: never accepted
    assert said.count(acts.OFFER_PLAN) == 2  # declined at 6 months, then the longest plan
    assert outcome.disposition == Disposition.HUNG_UP


def test_partial_at_floor_declined_plan_becomes_promise():
    outcome, _ = run([*ZH_VERIFIED, "我禮拜五先還五千", "不要"])
    assert outcome.disposition == Disposition.PROMISE_TO_PAY
    assert outcome.promise is not None and outcome.promise.amount_minor == 5_000


@pytest.mark.parametrize(
    ("lines", "language", "disposition", "escalation", "holds"),
    [
        ([*ZH_VERIFIED, "我被裁員了，真的沒辦法"], "zh-TW", D.HARDSHIP, "hardship", []),
        ([*EN_VERIFIED, "I lost my job, can I pay 500 a month?"], "en-US", D.HARDSHIP, "hardship",
         []),
        ([*ZH_VERIFIED, "這筆不是我借的"], "zh-TW", D.DISPUTE, "dispute", ["dispute"]),
        ([*EN_VERIFIED, "that's not my debt"], "en-US", D.DISPUTE, "dispute", ["dispute"]),
        ([*ZH_VERIFIED, "你去找我的律師"], "zh-TW", D.ESCALATED, "attorney", ["attorney"]),
        ([*EN_VERIFIED, "talk to my lawyer"], "en-US", D.ESCALATED, "attorney", ["attorney"]),
        ([*ZH_VERIFIED, "我在辦更生"], "zh-TW", D.ESCALATED, "bankruptcy", ["bankruptcy"]),
        ([*EN_VERIFIED, "I filed bankruptcy"], "en-US", D.ESCALATED, "bankruptcy", ["bankruptcy"]),
        ([*ZH_VERIFIED, "我要找真人"], "zh-TW", D.ESCALATED, "request_human", []),
        ([*EN_VERIFIED, "put me through to a human"], "en-US", D.ESCALATED, "request_human", []),
        ([*ZH_VERIFIED, "我已經還了啦"], "zh-TW", D.ALREADY_PAID, "payment_check", []),
        ([*EN_VERIFIED, "I already paid it"], "en-US", D.ALREADY_PAID, "payment_check", []),
        ([*ZH_VERIFIED, "我不想活了"], "zh-TW", D.ESCALATED, "distress", []),
        ([*EN_VERIFIED, "i just want to die"], "en-US", D.ESCALATED, "distress", []),
        ([*ZH_VERIFIED, "不要再打來了"], "zh-TW", D.STOP_CONTACT, None, ["cease"]),
        ([*EN_VERIFIED, "don't call this number again"], "en-US", D.STOP_CONTACT, None,
         ["cease", "medium_refused"]),
        ([*ZH_VERIFIED, "我不會還"], "zh-TW", D.REFUSED, None, []),
        ([*EN_VERIFIED, "I'm not paying"], "en-US", D.REFUSED, None, []),
        ([*ZH_VERIFIED, "阿災", "嗯嗯呃"], "zh-TW", D.ESCALATED, "low_confidence", []),
        ([*EN_VERIFIED, "blorp", "zzz"], "en-US", D.ESCALATED, "low_confidence", []),
    ],
)  # fmt: skip
def test_routing(lines, language, disposition, escalation, holds):
    outcome, _ = run(lines, facts(language))
    assert outcome.disposition == disposition
    assert outcome.escalation == escalation
    assert outcome.holds == holds
    assert outcome.right_party
    if escalation:
        assert f"escalated: {escalation}" in outcome.summary


@pytest.mark.parametrize(
    ("lines", "language"),
    [(["他不在喔，我是他太太", "晚上七點吧"], "zh-TW"),
     (["she's not home, I'm her sister", "after 6pm"], "en-US")],
)  # fmt: skip
def test_third_party_hears_nothing_about_the_debt(lines, language):
    outcome, _ = run(lines, facts(language))
    assert outcome.disposition == Disposition.THIRD_PARTY
    assert not outcome.right_party
    assert acts.THIRD_PARTY_MESSAGE in bot_acts(outcome)
    assert outcome.callback_at in ("19:00", "after 18:00")
    assert_no_debt_words(outcome)


@pytest.mark.parametrize(
    ("line", "language"), [("打錯了", "zh-TW"), ("wrong number, no one by that name", "en-US")]
)
def test_wrong_number(line, language):
    outcome, _ = run([line], facts(language))
    assert outcome.disposition == Disposition.WRONG_NUMBER
    assert bot_acts(outcome)[-1] == acts.WRONG_NUMBER_APOLOGY
    assert_no_debt_words(outcome)


@pytest.mark.parametrize("language", ["zh-TW", "en-US", "zh-CN"])
def test_a_us_machine_gets_only_a_limited_content_message(language):
    # A Chinese-speaking borrower in California: the US pack allows a limited-content message.
    account = facts(language, jurisdiction="US-CA", currency="USD", balance_minor=1_205_000)
    outcome, session = run([], account, answered_by="machine")
    assert outcome.disposition == Disposition.VOICEMAIL_LEFT
    assert bot_acts(outcome) == [acts.VOICEMAIL_MESSAGE]
    assert_no_debt_words(outcome)
    assert session.hung_up


@pytest.mark.parametrize("language", ["zh-TW", "zh-CN"])
def test_a_taiwan_or_mainland_machine_hears_nothing(language):
    account = facts(language, jurisdiction="TW" if language == "zh-TW" else "CN")
    outcome, session = run([], account, answered_by="machine")
    assert outcome.disposition == Disposition.VOICEMAIL_NO_MESSAGE
    assert bot_acts(outcome) == []
    assert session.hung_up


@pytest.mark.parametrize("language", ["zh-TW", "en-US"])
def test_failed_verification_ends_without_debt(language):
    outcome, _ = run(["yes", "1990", "1991"], facts(language))
    assert outcome.disposition == Disposition.VERIFICATION_FAILED
    assert bot_acts(outcome).count(acts.VERIFY_IDENTITY) == 2
    assert not outcome.right_party
    assert_no_debt_words(outcome)


def test_deceased_before_verification():
    outcome, _ = run(["他上個月過世了"])
    assert outcome.holds == ["deceased"]
    assert outcome.escalation == "deceased"
    assert_no_debt_words(outcome)


def test_stop_before_verification_reveals_nothing():
    outcome, _ = run(["stop calling me"], facts("en-US"))
    assert outcome.disposition == Disposition.STOP_CONTACT
    assert outcome.holds == ["cease"]
    assert_no_debt_words(outcome)


def test_dispute_before_verification_uses_neutral_words():
    outcome, _ = run(["是", "我不會告訴你，這不是我借的", "1990"])
    assert_no_debt_words(outcome)


@pytest.mark.parametrize(
    ("lines", "language", "when"),
    [([*ZH_VERIFIED, "我在開會，明天晚上七點再打"], "zh-TW", "2026-03-12 19:00"),
     ([*EN_VERIFIED, "I'm busy, call me back after 6pm"], "en-US", "after 18:00")],
)  # fmt: skip
def test_callback(lines, language, when):
    outcome, session = run(lines, facts(language))
    assert outcome.disposition == Disposition.CALLBACK
    assert outcome.callback_at == when
    assert session.said[-2].act == acts.CALLBACK_ACK or session.said[-1].act == acts.CALLBACK_ACK


@pytest.mark.parametrize(
    ("lines", "language"),
    [([*ZH_VERIFIED, "幹你娘", "白癡喔"], "zh-TW"),
     ([*EN_VERIFIED, "shut up idiot", "f*** you"], "en-US")],
)  # fmt: skip
def test_abuse_warned_once_then_ended(lines, language):
    outcome, _ = run(lines, facts(language))
    assert bot_acts(outcome).count(acts.ABUSE_WARNING) == 1
    assert outcome.disposition == Disposition.REFUSED
    assert outcome.promise is None


def test_silence_reprompts_once_then_ends():
    outcome, session = run([None, None, "我就是"])
    assert bot_acts(outcome).count(acts.REPROMPT) == 1
    assert outcome.disposition == Disposition.NO_RESPONSE
    assert session.lines == ["我就是"]  # never listened again


def test_hang_up_mid_call_is_recorded():
    outcome, _ = run(ZH_VERIFIED)  # nothing more: the fake hangs up
    assert outcome.disposition == Disposition.HUNG_UP
    assert outcome.right_party


def test_transcript_offsets_and_intents():
    outcome, _ = run([*ZH_VERIFIED, "好"])
    offsets = [turn.offset_s for turn in outcome.turns]
    assert offsets == sorted(offsets) and offsets[-1] > 0
    borrower = [turn for turn in outcome.turns if turn.speaker == "borrower"]
    assert [turn.intent for turn in borrower] == ["confirm_identity", "confirm_identity", "affirm"]
    assert all(turn.confidence is not None for turn in borrower)


def test_acts_come_from_the_fixed_list():
    for lines in ([*ZH_VERIFIED, "可以分期嗎", "不要", "不要"], ["他不在"], ["蛤", "?", "..."]):
        outcome, _ = run(lines)
        assert set(bot_acts(outcome)) <= set(acts.ALL_ACTS)


def test_zh_cn_script_runs():
    outcome, session = run(["我就是", "1985", "好的"], facts("zh-CN", currency="CNY"))
    assert outcome.disposition == Disposition.PROMISE_TO_PAY
    assert "出生年份" in session.said[2].text
    assert "确认" in session.said[-1].text or "确认" in session.said[-2].text
    assert outcome.promise is not None and outcome.promise.due_date > TODAY


# -- the utterance guard ---------------------------------------------------------------------


def test_a_blocked_sentence_is_replaced_by_the_safe_line_and_recorded():
    guard = BlockingGuard("AI智能語音客服")
    outcome, session = run([*ZH_VERIFIED, "好啦，我明天就還"], guard=guard)
    assert session.said[0].act == acts.SAFE_LINE
    assert session.said[0].text == SAFE_LINES["zh-TW"]
    assert outcome.guard_blocks == 1
    assert outcome.guard_events == [
        {
            "act": acts.GREET_DISCLOSE,
            "to": "borrower",
            "reasons": ["threat"],
            "matches": ["test.word"],
            "sources": ["test source"],
            "pack_id": "TEST",
            "pack_version": "1",
            "offset_s": 0.0,
        }
    ]
    assert outcome.disposition == Disposition.PROMISE_TO_PAY  # a greeting is not worth the call


def test_a_blocked_debt_sentence_ends_the_call_with_a_hand_off():
    outcome, session = run([*ZH_VERIFIED, "好"], guard=BlockingGuard("一萬兩千"))
    said = [u.act for u in session.said]
    assert said[-3:] == [acts.DISCLOSURE, acts.SAFE_LINE, acts.ESCALATE]
    assert outcome.disposition == Disposition.ESCALATED
    assert outcome.escalation == "guard_block"
    assert [event["act"] for event in outcome.guard_events] == [acts.STATE_DEBT]
    assert "guard blocks 1" in outcome.summary


def test_the_guard_knows_who_is_listening():
    guard = BlockingGuard()
    run(["他不在喔，我是他太太", "晚上七點吧"], guard=guard)
    assert [(c.to, c.verified, c.ai_disclosed) for c in guard.contexts] == [
        ("borrower", False, False),  # the greeting itself
        ("borrower", False, True),
        ("third_party", False, True),
        ("third_party", False, True),
    ]

    voicemail = BlockingGuard()
    run([], facts("en-US"), answered_by="machine", guard=voicemail)
    assert [c.to for c in voicemail.contexts] == ["voicemail"]

    us = BlockingGuard()
    run([*EN_VERIFIED, "I'll pay the full amount on the 20th"], facts("en-US"), guard=us)
    disclosed = [c.disclosed for c in us.contexts]
    first_verified = [c.verified for c in us.contexts].index(True)
    assert not any(disclosed[: first_verified + 1])  # the mini-Miranda itself goes out undisclosed
    assert all(disclosed[first_verified + 1 :])


def test_the_real_guard_blocks_a_company_name_that_reveals_collection():
    outcome, session = run(["我就是", None, None], facts(company_name="好還資產管理"))
    assert session.said[0].act == acts.SAFE_LINE
    assert outcome.guard_events[0]["act"] == acts.GREET_DISCLOSE
    assert outcome.guard_events[0]["reasons"] == ["unverified_disclosure"]
    assert outcome.guard_events[0]["pack_id"] == "TW"
    assert "好還" not in json.dumps(outcome.guard_events, ensure_ascii=False)


@pytest.mark.parametrize("language", ["zh-TW", "zh-CN", "en-US"])
@pytest.mark.parametrize("variant", ["", "first_reminder", "m2", "m3_plus", "hardship"])
def test_every_line_passes_the_real_guard_where_it_is_said(language, variant):
    script = load_script(language)
    pack = load_pack("TW" if language == "zh-TW" else "CN" if language == "zh-CN" else "US-CA")
    account = facts(language, lender_name="Example Bank", callback_number="0800-000-123")
    values = {
        "company": account.company_name, "name": account.borrower_name, "lender": "Example Bank",
        "dpd": "45", "identity_kind": "1985", "callback_number": "0800-000-123",
        "amount": "$1,205", "first_payment": "$201", "installment": "$200",
        "due_date": "Friday, March 13", "months": "6", "callback_time": "tomorrow",
        "crisis_line": crisis_line(pack.id, language),
    }  # fmt: skip
    verified = GuardContext("borrower", disclosed=True, ai_disclosed=True, verified=True)
    for key in script.lines:
        text = script.line(key, variant, **values)
        assert guard(text, language, pack, verified).allowed, key
    for key in ("greet_disclose", "reintroduce", "ask_for_party", "verify_identity",
                "verify_identity_retry", "verification_failed", "third_party_message",
                "third_party_close", "wrong_number_apology", "empathy_distress", "escalate",
                "escalate_now", "deceased_ack", "stop_ack", "reprompt", "silence_end",
                "closing", "abuse_warning", "abuse_end", "callback_ack_open"):  # fmt: skip
        unverified = GuardContext("third_party", disclosed=False, ai_disclosed=True, verified=False)
        assert guard(script.line(key, variant, **values), language, pack, unverified).allowed, key


# -- scripts, variants and facts ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("dpd", "variant", "words"),
    [(10, "first_reminder", "提醒"), (45, "m2", "需要請您處理"), (90, "m3_plus", "比較久了")],
)
def test_the_segment_picks_the_script_variant(dpd, variant, words):
    account = facts(dpd=dpd)
    assert account.segment == variant
    outcome, session = run([*ZH_VERIFIED, "好"], account)
    state = next(u for u in session.said if u.act == acts.STATE_DEBT)
    assert words in state.text
    assert outcome.variant == variant


def test_a_segment_given_by_the_lender_wins_over_dpd():
    assert facts(dpd=10, segment="m3_plus").segment == "m3_plus"


@pytest.mark.parametrize(
    ("jurisdiction", "language", "number"),
    [("TW", "zh-TW", "1925"), ("CN", "zh-CN", "12356"), ("HK", "zh-TW", "18111"),
     ("US-CA", "en-US", "988"), ("US", "zh-TW", "988")],
)  # fmt: skip
def test_distress_names_the_crisis_line_of_the_jurisdiction(jurisdiction, language, number):
    currency = {"TW": "TWD", "CN": "CNY", "HK": "HKD"}.get(jurisdiction, "USD")
    account = facts(language, jurisdiction=jurisdiction, currency=currency)
    verified = EN_VERIFIED if language == "en-US" else ZH_VERIFIED
    distress = "i just want to die" if language == "en-US" else "我不想活了"
    outcome, session = run([*verified, distress], account)
    empathy = next(u for u in session.said if u.act == acts.EMPATHY)
    assert number in empathy.text
    assert outcome.escalation == "distress"


def test_a_jurisdiction_without_a_crisis_line_is_an_error():
    with pytest.raises(ScriptError, match="no crisis line"):
        crisis_line("ZZ", "en-US")


def test_the_payday_sets_the_date_asked_for():
    outcome, session = run([*ZH_VERIFIED, "好"], facts(payday=13))
    ask = next(u for u in session.said if u.act == acts.ASK_PAYMENT)
    assert ask.slots["due_date"] == "2026-03-13"
    assert "3月13日星期五" in ask.text
    assert outcome.promise is not None and outcome.promise.due_date == date(2026, 3, 13)


def test_counts_and_amounts_are_said_in_words():
    _, session = run([*ZH_VERIFIED, "好"], facts("zh-CN", currency="CNY", balance_minor=1_205_000))
    state = next(u for u in session.said if u.act == acts.STATE_DEBT)
    assert "一万两千零五十元" in state.text and "四十五天" in state.text


def test_the_three_scripts_have_the_same_lines():
    keys = {language: set(load_script(language).lines) for language in ("zh-TW", "zh-CN", "en-US")}
    assert keys["zh-TW"] == keys["zh-CN"] == keys["en-US"]
    for language in keys:
        script = load_script(language)
        assert set(script.variants) == {"first_reminder", "m2", "m3_plus", "hardship"}
        assert all(variant.tone for variant in script.variants.values())


def test_a_variant_may_only_override_base_lines():
    text = (
        "language: xx\nlines:\n  a: A\nvariants:\n  m2:\n    tone: firm\n    lines:\n      b: B\n"
    )
    with pytest.raises(ScriptError, match="unknown lines: b"):
        parse_script(text)
    script = parse_script(text.replace("      b: B", "      a: firmer A"))
    assert script.line("a", "m2") == "firmer A"
    assert script.line("a", "m3_plus") == "A"


def test_a_settlement_is_never_below_the_floor():
    account = facts("en-US", balance_minor=1_000_001, bounds=OfferBounds(settlement_floor_pct=0.55))
    outcome, session = run([*EN_VERIFIED, "no", "I can pay that on friday"], account)
    offer = next(u for u in session.said if u.act == acts.OFFER_SETTLEMENT)
    assert offer.slots["amount_minor"] == 550_100 >= 1_000_001 * 0.55
    assert outcome.promise is not None and outcome.promise.settlement
    assert outcome.promise.amount_minor == 550_100
    assert outcome.promise.due_date == date(2026, 3, 13)
    assert outcome.concessions[0]["kind"] == "settlement_offered"


@pytest.mark.parametrize(
    ("language", "opening"),
    [("zh-TW", "對啊，找我什麼事"), ("en-US", "yes, what is this about?")],
)
def test_yes_and_a_question_goes_on_to_verification(language, opening):
    outcome, _ = run([opening, "1985", "ok" if language == "en-US" else "好"], facts(language))
    assert bot_acts(outcome)[:3] == [acts.GREET_DISCLOSE, acts.ASK_FOR_PARTY, acts.VERIFY_IDENTITY]
    assert outcome.right_party
    assert debt_acts_before_verification(outcome) == []
