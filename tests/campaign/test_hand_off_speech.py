"""What the borrower hears around a live hand-off, through the dialler, the serve wiring and
the transfer desk: a colleague before the transfer, or when one will call back."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from fairdial.campaign.dialler import _hand_off
from fairdial.campaign.gate import Gate
from fairdial.campaign.recorder import AttemptRecord
from fairdial.conversation.engine import converse
from fairdial.conversation.outcome import ConversationOutcome
from fairdial.policy import ContactPointInfo, History
from fairdial.policy.guard import GuardContext, guard
from fairdial.policy.packs import load_pack
from fairdial.server.engines import TransferableSession
from fairdial.store.models import Account, Borrower, Escalation
from fairdial.telephony.base import BotUtterance
from fairdial.telephony.transfer import Agent, AgentPool, TransferDesk, TransferError
from fairdial.voice.normalize import for_speech
from tests.conversation.fakes import ScriptedSession, facts

AFTERNOON_IN_NEW_YORK = datetime(2026, 3, 11, 19, 29, 30, tzinfo=UTC)  # 15:29:30 EDT
MORNING_IN_EUROPE = datetime(2026, 3, 11, 6, 29, 30, tzinfo=UTC)  # 14:29:30 in Taipei


@dataclass(frozen=True)
class Case:
    language: str
    jurisdiction: str
    currency: str
    zone: str
    now: datetime
    lines: tuple[str, ...]
    connecting: str
    callback: str
    failed: str
    spoken_time: str  # how the voice layer reads the call-back time


CASES = {
    "en-US": Case(
        "en-US", "US-CA", "USD", "America/New_York", AFTERNOON_IN_NEW_YORK,
        ("yes, speaking", "1985", "put me through to a human"),
        "I'm connecting you with a member of our team now. Please hold.",
        "Everyone on our team is busy right now. A colleague will call you back on Wednesday, "
        "March 11 at 4:30 PM, so there's no need to hold. Goodbye.",
        "I'm sorry, I couldn't put you through. A colleague will call you back on Wednesday, "
        "March 11 at 4:30 PM, so there's no need to hold. Goodbye.",
        "Wednesday, March eleventh at four thirty P M,",
    ),
    "zh-TW": Case(
        "zh-TW", "TW", "TWD", "Asia/Taipei", MORNING_IN_EUROPE,
        ("我就是", "1985", "我要找真人"),
        "我現在幫您轉給專人，請稍候。",
        "目前專人都在忙線中，會在3月11日星期三下午3:30回電給您，謝謝，再見。",
        "不好意思，剛才沒有轉接成功，專人會在3月11日星期三下午3:30回電給您，謝謝，再見。",
        "三月十一日星期三下午三點三十分",
    ),
    "zh-CN": Case(
        "zh-CN", "CN", "CNY", "Asia/Shanghai", MORNING_IN_EUROPE,
        ("我就是", "1985", "我要找真人"),
        "我现在帮您转给专人，请稍候。",
        "目前专人都在忙线中，会在3月11日星期三下午3:30回电给您，谢谢，再见。",
        "不好意思，刚才没有转接成功，专人会在3月11日星期三下午3:30回电给您，谢谢，再见。",
        "三月十一日星期三下午三点三十分",
    ),
}  # fmt: skip


class LoggedSession(ScriptedSession):
    def __init__(self, lines: tuple[str, ...], log: list[str]) -> None:
        super().__init__(list(lines))
        self.log = log

    async def say(self, utterance: BotUtterance) -> None:
        self.log.append(utterance.text)
        await super().say(utterance)


@dataclass
class LoggedTransferer:
    """Cold transfers into the shared log; `fails` makes the agent's leg fail."""

    log: list[str]
    fails: bool = False
    calls: list[str] = field(default_factory=list)

    async def cold(self, call_id: str, agent: Agent) -> bool:
        self.log.append("<transfer>")
        if self.fails:
            raise TransferError("twilio refused the agent's call")
        return True

    async def warm(self, call_id: str, agent: Agent, summary: str, language: str) -> bool:
        raise AssertionError("the desk is set for cold transfers")


def one_account(store: Any, case: Case) -> int:
    with store.transaction() as session:
        borrower = Borrower(
            ref="b-1", language=case.language, created_at=case.now, updated_at=case.now
        )
        session.add(borrower)
        session.flush()
        account = Account(
            ref="ACC-1", borrower_id=borrower.id, source="test", product="card",
            currency=case.currency, balance_minor=12_050, principal_minor=12_050, dpd=45,
            jurisdiction=case.jurisdiction, created_at=case.now, updated_at=case.now,
        )  # fmt: skip
        session.add(account)
        session.flush()
        return account.id


def hand_off_call(
    store: Any, case: Case, *, agent_free: bool, fails: bool = False
) -> tuple[list[str], ConversationOutcome, AttemptRecord, TransferableSession]:
    log: list[str] = []
    agents = (Agent("desk-a", "+15550100"),) if agent_free else ()
    desk = TransferDesk(
        AgentPool(agents, timedelta(hours=1)), LoggedTransferer(log, fails), store, warm=False
    )
    scripted = LoggedSession(case.lines, log)
    session = TransferableSession(
        scripted, desk, "CA1", case.language, moved=lambda _call: None, clock=lambda: case.now
    )
    point = ContactPointInfo("cp1", "mobile", (case.zone,))
    target = SimpleNamespace(
        account_id=one_account(store, case),
        account_ref="ACC-1",
        pack_id=case.jurisdiction,
        contact_point_key="cp1",
        history=History(contact_points={"cp1": point}),
    )
    record = AttemptRecord(target=target, decision=None, planned_at=case.now, channel="twilio")  # type: ignore[arg-type]
    account = facts(case.language, jurisdiction=case.jurisdiction, currency=case.currency)
    gate = Gate()
    hand_off = _hand_off(session, record, lambda at: gate.convenient(target, at))  # type: ignore[arg-type]
    outcome = asyncio.run(converse(session, account, hand_off=hand_off))
    return log, outcome, record, session


def assert_all_pass_the_gate(case: Case, outcome: ConversationOutcome) -> None:
    pack = load_pack(case.jurisdiction)
    verified = GuardContext("borrower", True, True, True)
    for turn in outcome.turns:
        if turn.speaker == "bot" and turn.act == "escalate":
            assert guard(turn.text, case.language, pack, verified).allowed, turn.text
    assert outcome.guard_blocks == 0


@pytest.mark.parametrize("language", CASES)
def test_a_free_colleague_is_announced_before_the_transfer(sqlite_store, language):
    case = CASES[language]
    log, outcome, record, session = hand_off_call(sqlite_store, case, agent_free=True)

    assert log[-2:] == [case.connecting, "<transfer>"]
    assert outcome.hand_off == "cold"
    assert record.escalation_id is None  # nothing booked: the recorder stores the escalation
    assert session.hung_up is False
    assert_all_pass_the_gate(case, outcome)


@pytest.mark.parametrize("language", CASES)
def test_with_nobody_free_the_borrower_hears_when_a_colleague_calls_back(sqlite_store, language):
    case = CASES[language]
    log, outcome, record, session = hand_off_call(sqlite_store, case, agent_free=False)

    assert log[-1] == case.callback
    assert "<transfer>" not in log
    assert case.connecting not in log
    assert case.spoken_time in for_speech(log[-1], case.language)
    assert outcome.hand_off == "callback"
    due = case.now.replace(second=0) + timedelta(hours=1, minutes=1)
    assert outcome.callback_due == due
    with sqlite_store.session() as session_db:
        row = session_db.get(Escalation, record.escalation_id)
        assert (row.status, row.reason) == ("open", "request_human")
        assert row.due_at.replace(tzinfo=UTC) == due
    assert session.hung_up is True
    assert_all_pass_the_gate(case, outcome)


def test_a_callback_due_after_hours_is_promised_for_the_next_morning(sqlite_store):
    # 20:29:30 in New York: an hour later is past the 21:00 end of the US calling window.
    case = replace(CASES["en-US"], now=datetime(2026, 3, 12, 0, 29, 30, tzinfo=UTC))
    log, outcome, record, _session = hand_off_call(sqlite_store, case, agent_free=False)

    next_morning = datetime(2026, 3, 12, 12, 0, tzinfo=UTC)  # 08:00 EDT
    assert outcome.callback_due == next_morning
    assert log[-1] == (
        "Everyone on our team is busy right now. A colleague will call you back on Thursday, "
        "March 12 at 8:00 AM, so there's no need to hold. Goodbye."
    )
    with sqlite_store.session() as session_db:
        row = session_db.get(Escalation, record.escalation_id)
        assert row.due_at.replace(tzinfo=UTC) == next_morning


@pytest.mark.parametrize("language", CASES)
def test_a_failed_transfer_is_followed_by_a_booked_callback_and_its_time(sqlite_store, language):
    case = CASES[language]
    log, outcome, record, session = hand_off_call(sqlite_store, case, agent_free=True, fails=True)

    assert log[-3:] == [case.connecting, "<transfer>", case.failed]
    assert outcome.hand_off == "failed"
    assert record.escalation_id is not None
    assert session.hung_up is True
    assert_all_pass_the_gate(case, outcome)


def test_a_borrower_between_two_clocks_is_told_no_time_rather_than_a_wrong_one(sqlite_store):
    # A number whose area spans Central and Mountain time: 4:30 PM would be wrong for one of them.
    case = replace(CASES["en-US"], zone="America/Chicago")
    log: list[str] = []
    desk = TransferDesk(AgentPool((), timedelta(hours=1)), LoggedTransferer(log), sqlite_store)
    session = TransferableSession(
        LoggedSession(case.lines, log), desk, "CA1", "en-US", lambda _call: None, lambda: case.now
    )
    point = ContactPointInfo("cp1", "mobile", ("America/Chicago", "America/Denver"))
    target = SimpleNamespace(
        account_id=one_account(sqlite_store, case),
        contact_point_key="cp1",
        history=History(contact_points={"cp1": point}),
    )
    record = AttemptRecord(target=target, decision=None, planned_at=case.now, channel="twilio")  # type: ignore[arg-type]
    account = facts("en-US", jurisdiction="US-CA")

    outcome = asyncio.run(
        converse(session, account, hand_off=_hand_off(session, record, lambda _at: None))
    )

    assert (
        log[-1]
        == "A member of our team will contact you soon. Thank you for your patience. Goodbye."
    )
    assert outcome.hand_off == "callback"
    assert record.escalation_id is not None  # booked all the same, with its due time stored
