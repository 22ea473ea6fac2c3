"""An escalated call offered to a person before the bot would hang up."""

from __future__ import annotations

import asyncio

from fairdial.conversation.engine import converse
from fairdial.conversation.outcome import ConversationOutcome
from fairdial.dispositions import Disposition
from tests.conversation.fakes import ScriptedSession, facts

DECEASED = ["他上個月過世了"]  # routed to a person before anyone is verified
WRONG_NUMBER = ["you have the wrong number"]


class FakeHandOff:
    """Records each outcome it is offered and answers as the carrier would."""

    def __init__(self, moved: bool = True, kind: str = "warm") -> None:
        self.moved = moved
        self.kind = kind
        self.offered: list[tuple[str | None, str, bool]] = []
        self.session: ScriptedSession | None = None

    async def __call__(self, outcome: ConversationOutcome) -> bool:
        assert self.session is not None
        self.offered.append((outcome.escalation, outcome.summary, self.session.hung_up))
        outcome.hand_off = self.kind
        return self.moved


def converse_with(
    lines: list[str], hand_off: FakeHandOff
) -> tuple[ConversationOutcome, ScriptedSession]:
    session = ScriptedSession(lines)
    hand_off.session = session
    outcome = asyncio.run(converse(session, facts(), hand_off=hand_off))
    return outcome, session


def test_an_escalation_is_offered_once_with_its_summary_while_the_line_is_up():
    hand_off = FakeHandOff()
    converse_with(DECEASED, hand_off)

    assert len(hand_off.offered) == 1
    escalation, summary, hung_up = hand_off.offered[0]
    assert escalation == "deceased"
    assert "account ACC-1" in summary
    assert "escalated: deceased" in summary
    assert hung_up is False


def test_a_call_moved_to_a_person_is_not_hung_up_by_the_bot():
    outcome, session = converse_with(DECEASED, FakeHandOff(moved=True, kind="warm"))

    assert session.hung_up is False
    assert outcome.hand_off == "warm"
    assert "escalated: deceased; hand-off warm" in outcome.summary


def test_a_call_nobody_took_is_hung_up_by_the_bot():
    outcome, session = converse_with(DECEASED, FakeHandOff(moved=False, kind="callback"))

    assert session.hung_up is True
    assert outcome.hand_off == "callback"
    assert "hand-off callback" in outcome.summary


def test_a_call_without_escalation_is_not_offered():
    hand_off = FakeHandOff()
    outcome, session = converse_with(WRONG_NUMBER, hand_off)

    assert outcome.disposition == Disposition.WRONG_NUMBER
    assert hand_off.offered == []
    assert outcome.hand_off is None
    assert session.hung_up is True


def test_a_failed_hand_off_ends_the_call_and_says_so():
    async def refusing(outcome: ConversationOutcome) -> bool:
        raise RuntimeError("carrier refused")

    session = ScriptedSession(DECEASED)
    outcome = asyncio.run(converse(session, facts(), hand_off=refusing))

    assert outcome.escalation == "deceased"
    assert outcome.hand_off == "failed"
    assert session.hung_up is True
