"""One hand-off, one escalation: the campaign's record completes the callback the desk booked."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from fairdial.campaign.recorder import AttemptRecord, Recorder
from fairdial.campaign.settings import CampaignSettings
from fairdial.campaign.targets import Target, load_targets
from fairdial.conversation.outcome import ConversationOutcome
from fairdial.dispositions import Disposition
from fairdial.policy import Decision
from fairdial.portfolio import import_portfolio
from fairdial.reporting.kpi import kpis
from fairdial.store.models import CallAttempt, Campaign, Escalation
from fairdial.telephony.base import CallResult
from fairdial.telephony.transfer import AgentPool, TransferDesk

TODAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 15, 0, 10, tzinfo=UTC)
DUE = datetime(2026, 3, 2, 16, 1, tzinfo=UTC)
PORTFOLIO = (
    "account_ref,name,birth_date,phone,phone_kind,balance,currency,dpd,language,jurisdiction,"
    "ai_voice_consent,synthetic\n"
    "acc-1,Test Borrower A,1985-06-01,+12125550101,mobile,1200,USD,45,en-US,US-NY,yes,no\n"
)


class NoTransfers:
    async def cold(self, call_id: str, agent: Any) -> bool:
        raise AssertionError("no agent is free: nothing is transferred")

    warm = cold


def target_and_campaign(store: Any, tmp_path: Path) -> tuple[Target, int]:
    portfolio = tmp_path / "p.csv"
    portfolio.write_text(PORTFOLIO, encoding="utf-8")
    assert import_portfolio(store, portfolio, "csv").accepted == 1
    with store.session() as session:
        (target,) = load_targets(session, TODAY, CampaignSettings())
    with store.transaction() as session:
        campaign = Campaign(
            name="c", channel="twilio", seed=None, start_date=TODAY, days=1, created_at=NOW
        )
        session.add(campaign)
        session.flush()
        return target, campaign.id


def escalated_call(target: Target, escalation_id: int | None) -> AttemptRecord:
    outcome = ConversationOutcome(
        disposition=Disposition.ESCALATED,
        right_party=True,
        escalation="request_human",
        hand_off="callback",
        callback_due=DUE,
        summary="account acc-1; disposition escalated; escalated: request_human; hand-off callback",
    )
    decision = Decision(True, (), (), None, (), "US-NY", "1", NOW)
    return AttemptRecord(
        target=target,
        decision=decision,
        planned_at=NOW,
        channel="twilio",
        result=CallResult.CONVERSATION,
        started_at=NOW,
        ended_at=NOW + timedelta(minutes=2),
        outcome=outcome,
        disposition=Disposition.ESCALATED,
        escalation_id=escalation_id,
    )


def callable_refs(store: Any) -> list[str]:
    with store.session() as session:
        return [t.account_ref for t in load_targets(session, TODAY, CampaignSettings())]


def test_a_booked_callback_is_the_attempts_one_escalation(store, tmp_path: Path) -> None:
    target, campaign_id = target_and_campaign(store, tmp_path)
    desk = TransferDesk(AgentPool((), timedelta(hours=1)), NoTransfers(), store)
    handed = asyncio.run(
        desk.hand_off(
            "CA1", language="en-US", summary="account acc-1; disposition escalated",
            reason="request_human", now=NOW, account_id=target.account_id,
        )
    )  # fmt: skip
    # Booked mid-call, before the attempt is recorded: no campaign calls the account meanwhile.
    assert callable_refs(store) == []

    Recorder(store, campaign_id).write([escalated_call(target, handed.escalation_id)])

    with store.session() as session:
        attempt_id = session.scalars(select(CallAttempt.id)).one()
        rows = session.scalars(select(Escalation)).all()
        assert len(rows) == 1
        row = rows[0]
        assert row.id == handed.escalation_id
        assert (row.attempt_id, row.status, row.reason) == (attempt_id, "open", "request_human")
        assert row.due_at.astimezone(UTC) == DUE
        assert row.summary.endswith("hand-off callback")
        assert kpis(session, campaign_id)["escalations"] == 1
    assert callable_refs(store) == []


def test_a_callback_booked_elsewhere_is_recorded_whole_with_its_due_time(
    store, tmp_path: Path
) -> None:
    target, campaign_id = target_and_campaign(store, tmp_path)

    Recorder(store, campaign_id).write([escalated_call(target, escalation_id=9_999)])

    with store.session() as session:
        rows = session.scalars(select(Escalation)).all()
        assert [(r.status, r.account_id, r.due_at.astimezone(UTC)) for r in rows] == [
            ("open", target.account_id, DUE)
        ]
        assert rows[0].attempt_id is not None
    assert callable_refs(store) == []


def test_an_escalation_without_a_booking_is_inserted_as_before(store, tmp_path: Path) -> None:
    target, campaign_id = target_and_campaign(store, tmp_path)
    record = escalated_call(target, escalation_id=None)
    record.outcome.callback_due = None  # type: ignore[union-attr]

    Recorder(store, campaign_id).write([record])

    with store.session() as session:
        rows = session.scalars(select(Escalation)).all()
        assert [(r.status, r.priority, r.due_at) for r in rows] == [("open", 2, None)]
