"""The guard with the conversation's state: who is listening and what was already disclosed."""

import json

import pytest

from fairdial.policy import load_pack
from fairdial.policy.guard import (
    GUARD_REASONS,
    SAFE_LINES,
    GuardContext,
    GuardError,
    guard,
    limitations,
    safe_line,
)
from fairdial.policy.utterance.citations import REQUIRED_KEYS, citations
from fairdial.policy.utterance.rules import load_rule_set

THIRD_PARTY = GuardContext(to="third_party")
VOICEMAIL = GuardContext(to="voicemail")


@pytest.mark.parametrize(
    ("text", "language", "pack_id"),
    [
        ("He owes us $300.", "en-US", "US"),
        ("We can help you set up a payment plan.", "en-US", "US"),
        ("Please tell her the loan is past due.", "en-US", "US-MA"),
        ("This is John from the legal department.", "en-US", "US"),
        ("請轉告他盡快處理卡費。", "zh-TW", "TW"),
        ("他積欠本行新台幣三萬元。", "zh-TW", "TW"),
        ("他的贷款已经逾期了。", "zh-CN", "CN"),
        ("请提醒他还款。", "zh-CN", "CN"),
    ],
)
def test_the_debt_is_never_mentioned_to_a_third_party(
    text: str, language: str, pack_id: str
) -> None:
    decision = guard(text, language, load_pack(pack_id), THIRD_PARTY)

    assert decision.reasons == ("third_party_disclosure",)
    assert decision.matches == ("third_party.debt_mention",)


@pytest.mark.parametrize(
    ("text", "language", "pack_id"),
    [
        ("May I speak with Bill Jones?", "en-US", "US"),
        ("Could you ask him to call us back at 800-555-0100?", "en-US", "US"),
        ("請問陳先生在家嗎？", "zh-TW", "TW"),
        ("請問您方便什麼時候接聽電話？", "zh-TW", "TW"),
        ("请问他什么时候方便接电话？", "zh-CN", "CN"),
    ],
)
def test_locating_the_borrower_through_a_third_party_passes(
    text: str, language: str, pack_id: str
) -> None:
    assert guard(text, language, load_pack(pack_id), THIRD_PARTY).allowed is True


def test_the_us_third_party_source_is_1692c_b() -> None:
    decision = guard("He owes us $300.", "en-US", load_pack("US"), THIRD_PARTY)

    assert any("1692c(b)" in source for source in decision.sources)


@pytest.mark.parametrize(
    ("text", "language", "pack_id"),
    [
        (
            "Hi, this is Alex from First Lending. Please call us back at 800-555-0100.",
            "en-US",
            "US",
        ),
        ("This message is for Maria Lopez. Please ask for Alex at 800-555-0100.", "en-US", "US"),
        ("您好，這裡是王小姐，請回電 02-2345-6789，謝謝。", "zh-TW", "TW"),
        ("您好，请您方便时回电 400-123-4567。", "zh-CN", "CN"),
    ],
)
def test_a_limited_content_voicemail_passes(text: str, language: str, pack_id: str) -> None:
    assert guard(text, language, load_pack(pack_id), VOICEMAIL).allowed is True


@pytest.mark.parametrize(
    ("text", "language", "pack_id"),
    [
        ("Please call us about your overdue account.", "en-US", "US"),
        ("This is an attempt to collect a debt.", "en-US", "US"),
        ("Please call our recovery team at 800-555-0100.", "en-US", "US"),
        ("您的貸款已逾期，請盡快回電。", "zh-TW", "TW"),
        ("关于您的欠款，请回电。", "zh-CN", "CN"),
    ],
)
def test_a_voicemail_never_reveals_the_debt(text: str, language: str, pack_id: str) -> None:
    decision = guard(text, language, load_pack(pack_id), VOICEMAIL)

    assert decision.reasons == ("third_party_disclosure",)
    assert decision.matches == ("voicemail.limited_content",)


def test_a_us_voicemail_cites_the_limited_content_message() -> None:
    decision = guard("You owe $40.", "en-US", load_pack("US"), VOICEMAIL)

    assert any("1006.2(j)" in source for source in decision.sources)


def test_the_debt_waits_for_right_party_verification() -> None:
    context = GuardContext(verified=False)

    blocked = guard("Your balance is $1,250.", "en-US", load_pack("US"), context)
    asked = guard("Am I speaking with Maria Lopez?", "en-US", load_pack("US"), context)
    chinese = guard("您本期應繳金額為三千元。", "zh-TW", load_pack("TW"), context)

    assert blocked.reasons == ("unverified_disclosure",)
    assert asked.allowed is True
    assert chinese.reasons == ("unverified_disclosure",)


@pytest.mark.parametrize("pack_id", ["US", "US-MA", "US-WA", "US-TX"])
def test_a_us_debt_statement_needs_the_debt_collector_disclosure_first(pack_id: str) -> None:
    decision = guard("You owe $500.", "en-US", load_pack(pack_id), GuardContext(disclosed=False))

    assert decision.reasons == ("missing_disclosure",)
    assert decision.matches == ("disclosure.debt_collector",)
    assert any("1692e(11)" in source for source in decision.sources)


def test_the_disclosure_in_the_same_sentence_counts_only_when_it_comes_first() -> None:
    context = GuardContext(disclosed=False)
    pack = load_pack("US")

    first = guard("This is an attempt to collect a debt. You owe $500.", "en-US", pack, context)
    later = guard(
        "This communication is from a debt collector. Your balance is $80.", "en-US", pack, context
    )
    after = guard("You owe $500. This is an attempt to collect a debt.", "en-US", pack, context)

    assert first.allowed is True
    assert later.allowed is True
    assert after.reasons == ("missing_disclosure",)


def test_the_debt_collector_disclosure_is_a_us_rule_only() -> None:
    context = GuardContext(disclosed=False)

    assert guard("您欠款五千元。", "zh-TW", load_pack("TW"), context).allowed is True
    assert guard("您欠款五百美元。", "zh-TW", load_pack("US"), context).reasons == (
        "missing_disclosure",
    )
    assert guard(
        "這是一通催收債務的電話，您欠款五百美元。", "zh-TW", load_pack("US"), context
    ).allowed


def test_lines_without_the_debt_need_no_disclosure() -> None:
    context = GuardContext(disclosed=False, ai_disclosed=False)

    decision = guard("Hello, may I speak with Maria?", "en-US", load_pack("US"), context)

    assert decision.allowed is True


@pytest.mark.parametrize(
    ("text", "language", "pack_id"),
    [
        ("Your balance is $1,250.", "en-US", "US"),
        ("您本期應繳金額為三千元。", "zh-TW", "TW"),
        ("您的账单已经逾期。", "zh-CN", "CN"),
        ("你嘅卡數已經逾期。", "zh-HK", "HK"),
    ],
)
def test_every_pack_needs_the_automated_agent_disclosure_before_the_debt(
    text: str, language: str, pack_id: str
) -> None:
    decision = guard(text, language, load_pack(pack_id), GuardContext(ai_disclosed=False))

    assert decision.reasons == ("missing_disclosure",)
    assert decision.matches == ("disclosure.automated_agent",)


def test_an_automated_agent_disclosure_earlier_in_the_sentence_counts() -> None:
    context = GuardContext(ai_disclosed=False)

    english = guard(
        "I'm an automated assistant, and your balance is $1,250.", "en-US", load_pack("US"), context
    )
    chinese = guard("我是智能語音客服，您本期應繳金額為三千元。", "zh-TW", load_pack("TW"), context)

    assert english.allowed is True
    assert chinese.allowed is True


def test_several_reasons_are_all_reported_with_their_rules() -> None:
    context = GuardContext(to="third_party")

    decision = guard(
        "Tell him he owes $300 or we'll send the police.", "en-US", load_pack("US"), context
    )

    assert decision.reasons == ("threat", "false_urgency", "third_party_disclosure")
    assert decision.matches == (
        "threat.arrest",
        "false_urgency.deadline",
        "third_party.debt_mention",
    )
    assert len(decision.sources) == 3


def test_full_width_letters_and_curly_quotes_are_matched_like_plain_text() -> None:
    pack = load_pack("US")

    assert guard("You’ll be ARRESTED.", "en-US", pack).reasons == ("threat",)
    assert guard("ＹＯＵ ＩＤＩＯＴ", "en-US", pack).reasons == ("abusive_language",)


@pytest.mark.parametrize("language", sorted(SAFE_LINES))
@pytest.mark.parametrize("pack_id", ["US", "US-MA", "TW", "CN", "HK"])
@pytest.mark.parametrize(
    "context",
    [
        GuardContext(),
        GuardContext(to="third_party"),
        GuardContext(to="voicemail"),
        GuardContext(disclosed=False, ai_disclosed=False, verified=False),
    ],
)
def test_the_safe_line_passes_in_every_context(
    language: str, pack_id: str, context: GuardContext
) -> None:
    assert guard(SAFE_LINES[language], language, load_pack(pack_id), context).allowed is True


def test_safe_line_follows_the_script_of_the_tag() -> None:
    assert safe_line("zh-Hans") == SAFE_LINES["zh-CN"]
    assert safe_line("zh-Hant-TW") == SAFE_LINES["zh-TW"]
    assert safe_line("en-GB") == SAFE_LINES["en-US"]


def test_the_decision_reads_as_json() -> None:
    decision = guard("You'll be arrested.", "en-US", load_pack("US"))

    data = json.loads(json.dumps(decision.as_dict()))

    assert data["allowed"] is False
    assert data["reasons"] == ["threat"]
    assert data["matches"] == ["threat.arrest"]
    assert data["pack_id"] == "US"
    assert data["pack_version"] == load_pack("US").version


def test_an_allowed_decision_names_the_pack_and_nothing_else() -> None:
    decision = guard("This call may be recorded.", "en-US", load_pack("TW"))

    assert decision.as_dict() == {
        "allowed": True,
        "reasons": [],
        "matches": [],
        "sources": [],
        "pack_id": "TW",
        "pack_version": load_pack("TW").version,
    }


def test_unknown_language_and_recipient_are_refused() -> None:
    with pytest.raises(GuardError, match="fr-FR"):
        guard("Bonjour", "fr-FR", load_pack("US"))
    with pytest.raises(GuardError, match="email"):
        GuardContext(to="email")


def test_every_rule_serves_a_source_cited_in_every_jurisdiction() -> None:
    for key in ("en", "zh"):
        for rule in load_rule_set(key).rules:
            assert rule.serves in REQUIRED_KEYS, rule.id
            assert rule.reason in GUARD_REASONS
    for jurisdiction in ("US", "TW", "CN", "HK"):
        assert citations(jurisdiction).sources.keys() >= REQUIRED_KEYS


def test_each_jurisdiction_states_its_limitations() -> None:
    for pack_id in ("US", "TW", "CN", "HK"):
        assert limitations(load_pack(pack_id))
    assert any("court" in line for line in limitations(load_pack("US")))
