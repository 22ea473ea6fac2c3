"""Dials that fail mid-campaign: each is recorded, counted by the rules, and the day goes on.

A wrapper over the simulated channel breaks chosen accounts: one whose dial raises (the carrier
may have placed the call), one the carrier never received, one whose dial raises an error the
channel names as sending nothing, and one whose conversation fails. The four are under the
Massachusetts pack, which allows two counted calls in seven days.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from fairdial.audit.verify import verify
from fairdial.campaign.runner import RunOptions, run_campaign
from fairdial.campaign.settings import CampaignSettings
from fairdial.policy import Action, ContactPointInfo, Event, History, decide, load_pack
from fairdial.portfolio import import_portfolio
from fairdial.portfolio.generate import Mix, generate_portfolio
from fairdial.reporting.kpi import kpis
from fairdial.store import Store
from fairdial.store.models import Account, CallAttempt, ContactPoint
from fairdial.telephony.base import (
    BotUtterance,
    CallResult,
    Channel,
    DialOutcome,
    DialRequest,
    HeardTurn,
)
from fairdial.telephony.sim import SimChannel

START = date(2026, 3, 2)  # a Monday
DAYS = 3


@dataclass
class BrokenSession:
    """A person answers, and the bot's first sentence fails, as a dead speech engine would."""

    hangups: int = 0

    @property
    def answered_by(self) -> str:
        return "human"

    @property
    def hung_up(self) -> bool:
        return self.hangups > 0

    async def say(self, utterance: BotUtterance) -> None:
        raise RuntimeError("speech engine gone")

    async def listen(self, timeout_s: float = 8.0) -> HeardTurn | None:
        return None

    async def hangup(self) -> None:
        self.hangups += 1

    def elapsed_seconds(self) -> float:
        return 0.0


class LinesTaken(Exception):
    """What the channel raises, having sent nothing, when it has no line to dial on."""


@dataclass
class BreakingChannel:
    """The simulated channel, except for four accounts: one raises, one is never placed, one
    raises an error that says it sent nothing, and one answers into a session that fails."""

    inner: Channel
    raising: str
    unplaced: str
    refused: str
    broken: str
    name: str = "sim"
    not_placed_errors: tuple[type[Exception], ...] = (LinesTaken,)
    dials: dict[str, list[datetime]] = field(default_factory=lambda: defaultdict(list))

    async def dial(self, request: DialRequest) -> DialOutcome:
        self.dials[request.account_ref].append(request.at)
        if request.account_ref == self.raising:
            # The message quotes the number, as some libraries' messages do: it must stay out.
            raise ConnectionResetError(f"connection lost calling {request.number}")
        if request.account_ref == self.unplaced:
            return DialOutcome(CallResult.NOT_PLACED, 0.0)
        if request.account_ref == self.refused:
            raise LinesTaken(f"no line free to call {request.number}")
        if request.account_ref == self.broken:
            return DialOutcome(CallResult.CONVERSATION, 4.0, BrokenSession())
        return await self.inner.dial(request)


def _portfolio(store: Store, tmp_path) -> tuple[list[str], dict[str, str]]:  # type: ignore[no-untyped-def]
    """Twenty US accounts; the first four moved to Massachusetts, their numbers consented."""
    path = generate_portfolio(tmp_path / "p.csv", 20, seed=5, mix=Mix(mainland=0.0, us=1.0))
    assert import_portfolio(store, path, "csv").rejected == 0
    with store.transaction() as session:
        accounts = list(
            session.scalars(
                select(Account).where(Account.status == "delinquent").order_by(Account.id).limit(4)
            )
        )
        chosen = [account.id for account in accounts]
        session.execute(update(Account).where(Account.id.in_(chosen)).values(jurisdiction="US-MA"))
        borrowers = [account.borrower_id for account in accounts]
        session.execute(
            update(ContactPoint)
            .where(ContactPoint.borrower_id.in_(borrowers))
            .values(ai_voice_consent=True)
        )
        numbers = {
            account.ref: point.number
            for account in accounts
            for point in session.scalars(
                select(ContactPoint).where(ContactPoint.borrower_id == account.borrower_id)
            )
        }
        return [account.ref for account in accounts], numbers


def _attempts_by_day(store: Store, ref: str) -> dict[date, list[CallAttempt]]:
    by_day: dict[date, list[CallAttempt]] = defaultdict(list)
    with store.session() as session:
        query = (
            select(CallAttempt)
            .join(Account, CallAttempt.account_id == Account.id)
            .where(Account.ref == ref)
            .order_by(CallAttempt.id)
        )
        for attempt in session.scalars(query):
            by_day[attempt.planned_at.date()].append(attempt)
    return dict(by_day)


def test_failed_dials_are_recorded_counted_and_never_stop_the_day(
    store: Store, tmp_path, caplog: pytest.LogCaptureFixture
) -> None:
    (raising, unplaced, refused, broken), numbers = _portfolio(store, tmp_path)
    channels: list[BreakingChannel] = []

    def make_channel(lookup, seed):  # type: ignore[no-untyped-def]
        sim = SimChannel(lookup, seed)
        channels.append(BreakingChannel(sim, raising, unplaced, refused, broken))
        return channels[-1]

    options = RunOptions(
        days=DAYS, seed=1, start=START, settings=CampaignSettings(lines=4), channel=make_channel
    )
    with caplog.at_level(logging.INFO, logger="fairdial"):
        summary = run_campaign(store, options)

    assert summary.status == "finished" and len(summary.days) == DAYS
    dials = channels[0].dials
    assert len(dials) > 3  # the other accounts were called around the failures

    # The raising dial: recorded as unknown, not tried again that day, counted toward the cap
    # of two in seven days, so the third day's call is blocked by it.
    raised = _attempts_by_day(store, raising)
    assert sorted(raised) == [START + timedelta(days=n) for n in range(DAYS)]
    assert [len(day) for day in raised.values()] == [1, 1, 1]
    first, second, third = (day[0] for day in raised.values())
    assert (first.allowed, first.result, first.disposition) == (True, "unknown", "outcome_unknown")
    assert (second.allowed, second.result) == (True, "unknown")
    assert (third.allowed, third.result, third.reasons) == (False, None, ["attempt_cap"])
    assert len(dials[raising]) == 2

    # Never placed: retried within the day, and never counted, so never capped.
    unplaced_attempts = [a for day in _attempts_by_day(store, unplaced).values() for a in day]
    assert {(a.allowed, a.result, a.disposition) for a in unplaced_attempts} == {
        (True, "not_placed", "not_placed")
    }
    assert len(unplaced_attempts) == len(dials[unplaced]) > DAYS

    # Raised, but an error the channel names as sending nothing: not placed all the same.
    refused_attempts = [a for day in _attempts_by_day(store, refused).values() for a in day]
    assert {(a.allowed, a.result, a.disposition) for a in refused_attempts} == {
        (True, "not_placed", "not_placed")
    }
    assert len(refused_attempts) == len(dials[refused]) > DAYS

    # A conversation that failed counts as one: the quiet period after it blocks the next days.
    broken_days = list(_attempts_by_day(store, broken).values())
    assert [(a.result, a.disposition) for a in broken_days[0]] == [("conversation", "hung_up")]
    assert [day[0].reasons for day in broken_days[1:]] == [["conversation_quiet_period"]] * 2

    with store.session() as session:
        report = verify(session)
        figures = kpis(session, summary.campaign_id)
    assert report.ok, report.to_json()
    assert figures["attempts"] == summary.attempts == report.attempts_checked
    assert figures["attempts_not_placed"] == len(unplaced_attempts) + len(refused_attempts)
    assert figures["attempts_outcome_unknown"] == 2
    placed = figures["attempts"] - figures["attempts_not_placed"]
    assert figures["rpc_rate"] == round(figures["right_party_contacts"] / placed, 4)

    assert "dial failed, outcome unknown: ConnectionResetError" in caplog.text
    assert "dial not placed: LinesTaken" in caplog.text
    assert "conversation failed, call cut short: RuntimeError" in caplog.text
    assert numbers[raising] not in caplog.text
    assert numbers[refused] not in caplog.text


NOW = datetime(2026, 3, 9, 16, tzinfo=UTC)  # 11:00 in New York, a Monday


@pytest.mark.parametrize(
    ("result", "blocked"),
    [("unknown", True), ("no_answer", True), ("not_placed", False)],
)
def test_an_unknown_outcome_counts_toward_the_federal_cap_and_a_call_never_placed_does_not(
    result: str, blocked: bool
) -> None:
    point = ContactPointInfo("m1", "mobile", ("America/New_York",), ai_voice_consent=True)
    # Seven calls on the seven days before: the cap of 7 in 7 days is reached if they count.
    events = [Event("attempt", NOW - timedelta(days=n), "m1", ("D1",), result) for n in range(1, 7)]
    events.append(Event("attempt", NOW - timedelta(hours=3), "m1", ("D1",), result))
    history = History({"m1": point}, ("America/New_York",), events)

    decision = decide(load_pack("US"), history, Action("m1", ("D1",)), NOW)

    assert decision.allowed is not blocked
    assert ("attempt_cap" in decision.reasons) is blocked
