"""The conversation follows the account's policy pack: recording notice and voicemail."""

import pytest

from fairdial.conversation import acts
from fairdial.conversation.engine import greeting_key
from fairdial.dispositions import Disposition
from fairdial.policy import load_pack
from tests.conversation.fakes import bot_acts, facts, run

EN_VERIFIED = ["yes, speaking", "1985"]


def first_line(outcome) -> str:
    return next(turn.text for turn in outcome.turns if turn.speaker == "bot")


@pytest.mark.parametrize("state", ["US-CA", "US-FL"])
def test_an_all_party_state_hears_the_recording_notice_first(state: str) -> None:
    outcome, _ = run(["wrong number"], facts("en-US", jurisdiction=state))

    assert first_line(outcome) == (
        "Hello, this is Harbor Financial. I'm an automated AI assistant, and this call is recorded."
    )


def test_a_one_party_state_is_greeted_without_the_notice() -> None:
    outcome, _ = run(["wrong number"], facts("en-US", jurisdiction="US-TX"))

    assert first_line(outcome) == "Hello, this is Harbor Financial. I'm an automated AI assistant."
    assert not any("recorded" in t.text for t in outcome.turns if t.speaker == "bot")


def test_a_borrower_whose_state_is_unknown_hears_the_notice() -> None:
    outcome, _ = run(["wrong number"], facts("en-US", jurisdiction="US"))

    assert first_line(outcome).endswith("and this call is recorded.")


@pytest.mark.parametrize(("language", "pack_id"), [("zh-TW", "TW"), ("zh-CN", "CN")])
def test_taiwan_and_china_greetings_say_the_call_is_recorded(language: str, pack_id: str) -> None:
    outcome, _ = run(["打錯了"], facts(language, jurisdiction=pack_id))

    assert first_line(outcome).endswith(("本通電話會全程錄音。", "本通电话会全程录音。"))


def test_a_chinese_speaking_borrower_in_texas_hears_no_notice() -> None:
    outcome, _ = run(["打錯了"], facts("zh-TW", jurisdiction="US-TX", currency="USD"))

    assert first_line(outcome) == "您好，這裡是安和金融服務，我是安和金融服務的AI智能語音客服。"


def test_a_pack_without_a_recording_section_announces() -> None:
    assert greeting_key(None) == "greet_disclose_recorded"
    assert greeting_key(load_pack("US-TX")) == "greet_disclose"


def test_a_taiwan_machine_gets_no_message() -> None:
    outcome, session = run([], facts("zh-TW", jurisdiction="TW"), answered_by="machine")

    assert outcome.disposition == Disposition.VOICEMAIL_NO_MESSAGE
    assert session.said == []
    assert outcome.turns == []
    assert session.hung_up


@pytest.mark.parametrize("pack_id", ["CN", "HK"])
def test_china_and_hong_kong_machines_get_no_message(pack_id: str) -> None:
    outcome, session = run([], facts("zh-CN", jurisdiction=pack_id), answered_by="machine")

    assert outcome.disposition == Disposition.VOICEMAIL_NO_MESSAGE
    assert session.said == []


@pytest.mark.parametrize("state", ["US-CA", "US-FL", "US-TX"])
def test_a_us_machine_gets_the_limited_content_message(state: str) -> None:
    account = facts("en-US", jurisdiction=state, callback_number="1-800-555-0100")

    outcome, session = run([], account, answered_by="machine")

    assert outcome.disposition == Disposition.VOICEMAIL_LEFT
    assert bot_acts(outcome) == [acts.VOICEMAIL_MESSAGE]
    message = session.said[0].text
    assert message == (
        "Hello, this is Harbor Financial. Please call us back at 1-800-555-0100. "
        "Any of our representatives can help you."
    )
    # Comment 2(j)-1: asking for a particular consumer is more than a limited-content message.
    assert "John Smith" not in message


def test_the_recording_notice_is_said_once() -> None:
    outcome, _ = run([*EN_VERIFIED, "I'll pay the full amount on the 20th"], facts("en-US"))

    spoken = [t.text for t in outcome.turns if t.speaker == "bot"]
    assert sum("this call is recorded" in text for text in spoken) == 1
    assert outcome.right_party
