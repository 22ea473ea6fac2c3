"""An escalated call offered to a person before the bot would hang up, and what it says then."""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

from fairdial.conversation.engine import Announce, converse
from fairdial.conversation.outcome import ConversationOutcome
from fairdial.dispositions import Disposition
from fairdial.telephony.base import BotUtterance
from tests.conversation.fakes import ScriptedSession, facts

DECEASED = ["他上個月過世了"]  # routed to a person before anyone is verified
REQUEST_HUMAN = ["我就是", "1985", "我要找真人"]
WRONG_NUMBER = ["you have the wrong number"]
DUE = datetime(2026, 3, 11, 16, 30, tzinfo=ZoneInfo("Asia/Taipei"))


class LoggedSession(ScriptedSession):
    """A scripted borrower whose hearing of each sentence lands in a shared log."""

    def __init__(self, lines: list[str], log: list[str]) -> None:
        super().__init__(lines)
        self.log = log

    async def say(self, utterance: BotUtterance) -> None:
        self.log.append(utterance.text)
        await super().say(utterance)


class FakeHandOff:
    """Announces `steps` in order, logging each transfer, and answers as the desk would."""

    def __init__(self, *steps: str, moved: bool = False, kind: str = "callback") -> None:
        self.steps = steps
        self.moved = moved
        self.kind = kind
        self.offered: list[tuple[str | None, str, bool]] = []
        self.session: ScriptedSession | None = None
        self.log: list[str] = []

    async def __call__(self, outcome: ConversationOutcome, announce: Announce) -> bool:
        assert self.session is not None
        self.offered.append((outcome.escalation, outcome.summary, self.session.hung_up))
        for step in self.steps:
            await announce(step, DUE if step in ("callback", "failed") else None)
            if step in ("warm", "cold"):
                self.log.append(f"<{step} transfer>")
        outcome.hand_off = self.kind
        return self.moved


def converse_with(
    lines: list[str], hand_off: FakeHandOff
) -> tuple[ConversationOutcome, LoggedSession]:
    session = LoggedSession(lines, hand_off.log)
    hand_off.session = session
    outcome = asyncio.run(converse(session, facts(), hand_off=hand_off))
    return outcome, session


def test_an_escalation_is_offered_once_with_its_summary_while_the_line_is_up():
    hand_off = FakeHandOff("cold", moved=True, kind="cold")
    converse_with(DECEASED, hand_off)

    assert len(hand_off.offered) == 1
    escalation, summary, hung_up = hand_off.offered[0]
    assert escalation == "deceased"
    assert "account ACC-1" in summary
    assert "escalated: deceased" in summary
    assert hung_up is False


def test_a_call_moved_to_a_person_hears_so_before_the_transfer_and_is_not_hung_up():
    hand_off = FakeHandOff("warm", moved=True, kind="warm")
    outcome, session = converse_with(REQUEST_HUMAN, hand_off)

    assert hand_off.log[-2:] == ["我現在幫您轉給專人，請稍候。", "<warm transfer>"]
    assert session.hung_up is False
    assert outcome.hand_off == "warm"
    assert "escalated: request_human; hand-off warm" in outcome.summary


def test_a_callback_is_said_with_its_time_instead_of_a_closing_or_a_transfer():
    outcome, session = converse_with(REQUEST_HUMAN, FakeHandOff("callback"))

    said = "目前專人都在忙線中，會在3月11日星期三下午4:30回電給您，謝謝，再見。"
    assert session.said[-1].text == said
    spoken = [u.text for u in session.said]
    assert "我現在幫您轉給專人，請稍候。" not in spoken
    assert "我會請專人盡快跟您聯絡，謝謝您的耐心，再見。" not in spoken
    assert session.hung_up is True
    assert outcome.hand_off == "callback"


def test_a_failed_transfer_after_the_promise_of_a_colleague_says_when_one_calls_back():
    hand_off = FakeHandOff("cold", "failed", kind="failed")
    _, session = converse_with(REQUEST_HUMAN, hand_off)

    assert hand_off.log[-3:] == [
        "我現在幫您轉給專人，請稍候。",
        "<cold transfer>",
        "不好意思，剛才沒有轉接成功，專人會在3月11日星期三下午4:30回電給您，謝謝，再見。",
    ]
    assert session.hung_up is True


def test_a_hand_off_that_raises_after_the_promise_does_not_end_in_silence():
    async def refusing(outcome: ConversationOutcome, announce: Announce) -> bool:
        await announce("cold", None)
        raise RuntimeError("carrier refused")

    session = ScriptedSession(REQUEST_HUMAN)
    outcome = asyncio.run(converse(session, facts(), hand_off=refusing))

    assert [u.text for u in session.said[-2:]] == [
        "我現在幫您轉給專人，請稍候。",
        "不好意思，剛才沒有轉接成功，我會請專人盡快跟您聯絡，謝謝，再見。",
    ]
    assert outcome.hand_off == "failed"
    assert session.hung_up is True


def test_a_hand_off_that_fails_before_saying_anything_leaves_the_usual_closing():
    async def refusing(outcome: ConversationOutcome, announce: Announce) -> bool:
        raise RuntimeError("carrier refused")

    session = ScriptedSession(REQUEST_HUMAN)
    outcome = asyncio.run(converse(session, facts(), hand_off=refusing))

    assert session.said[-1].text == "我會請專人盡快跟您聯絡，謝謝您的耐心，再見。"
    assert outcome.escalation == "request_human"
    assert outcome.hand_off == "failed"
    assert session.hung_up is True


def test_a_call_under_a_hold_is_promised_no_call_back_time():
    # The deceased acknowledgement says no one will call again: a call-back time would not fit.
    outcome, session = converse_with(DECEASED, FakeHandOff("callback"))

    said = "很遺憾聽到這個消息，請節哀。我們會記錄下來，請專人處理，不會再打擾。"
    assert session.said[-1].text == said
    assert outcome.holds == ["deceased"]
    assert session.hung_up is True


def test_without_a_hand_off_an_escalation_promises_contact_not_a_transfer():
    session = ScriptedSession(REQUEST_HUMAN)
    outcome = asyncio.run(converse(session, facts()))

    assert session.said[-1].text == "我會請專人盡快跟您聯絡，謝謝您的耐心，再見。"
    assert outcome.hand_off is None


def test_a_call_without_escalation_is_not_offered():
    hand_off = FakeHandOff()
    outcome, session = converse_with(WRONG_NUMBER, hand_off)

    assert outcome.disposition == Disposition.WRONG_NUMBER
    assert hand_off.offered == []
    assert outcome.hand_off is None
    assert session.hung_up is True
