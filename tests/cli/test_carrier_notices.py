"""What `fairdial run --carrier` tells the operator before its first call: how long it waits
for calling hours, or why it has nobody to call. No line names a borrower or a number."""

import asyncio
import logging
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from fairdial.campaign.clock import RealTimeClock
from fairdial.campaign.runner import RunOptions, run_campaign_async
from fairdial.campaign.settings import CampaignSettings
from fairdial.cli.campaign import _campaign_notices
from fairdial.portfolio.generate import generate_portfolio
from fairdial.portfolio.importer import import_portfolio
from fairdial.store.models import Account, Borrower, CallAttempt
from fairdial.telephony.base import CallResult, DialOutcome, DialRequest

TAIPEI = ZoneInfo("Asia/Taipei")


@pytest.fixture
def portfolio_store(sqlite_store, tmp_path):
    import_portfolio(sqlite_store, generate_portfolio(tmp_path / "p.csv", 40, seed=3), "csv")
    return sqlite_store


def test_a_real_line_run_on_synthetic_borrowers_says_why_it_calls_nobody(portfolio_store, capsys):
    with portfolio_store.session() as session:
        owed = session.scalar(
            select(func.count()).where(Account.status == "delinquent", Account.balance_minor > 0)
        )

    with _campaign_notices():
        summary = asyncio.run(run_campaign_async(portfolio_store, RunOptions(real_time=True)))

    assert summary.attempts == 0 and owed > 0
    assert (
        f"no account has a real number: the {owed} accounts with a balance belong to synthetic "
        "borrowers, who are never dialled on real lines"
    ) in capsys.readouterr().err.splitlines()


def test_a_real_line_run_before_calling_hours_says_until_when_it_waits(
    portfolio_store, capsys, monkeypatch
):
    with portfolio_store.transaction() as session:
        taiwan = select(Account.borrower_id).where(Account.jurisdiction == "TW")
        session.execute(update(Borrower).where(Borrower.id.in_(taiwan)).values(synthetic=False))
    # Half past two at night in Taipei, today: Taiwan's calling hours open at 08:00.
    night = datetime.combine(datetime.now(TAIPEI).date(), time(2, 30), TAIPEI)
    monkeypatch.setattr(RealTimeClock, "now", lambda self: night.astimezone(UTC))
    opening = datetime.combine(night.date(), time(8, 0), TAIPEI).astimezone(UTC)

    async def run_until_told() -> None:
        stop = asyncio.Event()
        running = asyncio.create_task(
            run_campaign_async(portfolio_store, RunOptions(real_time=True), stop=stop)
        )
        for _ in range(200):
            if any("waiting until" in r.getMessage() for r in caught):
                break
            await asyncio.sleep(0.05)
        stop.set()
        summary = await asyncio.wait_for(running, 10)
        assert (summary.attempts, summary.status) == (0, "interrupted")

    caught: list[logging.LogRecord] = []
    listener = _Collect(caught)
    logging.getLogger("fairdial.campaign").addHandler(listener)
    try:
        with _campaign_notices():
            asyncio.run(run_until_told())
    finally:
        logging.getLogger("fairdial.campaign").removeHandler(listener)

    expected = f"waiting until 08:00 Asia/Taipei ({opening:%H:%M} UTC) for the next account"
    assert expected in capsys.readouterr().err.splitlines()
    with portfolio_store.session() as session:
        assert session.scalar(select(func.count()).select_from(CallAttempt)) == 0


def test_no_wait_is_announced_once_calling_hours_are_open(portfolio_store, caplog, monkeypatch):
    with portfolio_store.transaction() as session:
        taiwan = select(Account.borrower_id).where(Account.jurisdiction == "TW")
        session.execute(update(Borrower).where(Borrower.id.in_(taiwan)).values(synthetic=False))
    noon = datetime.combine(datetime.now(TAIPEI).date(), time(12, 0), TAIPEI)
    monkeypatch.setattr(RealTimeClock, "now", lambda self: noon.astimezone(UTC))

    async def run() -> None:
        stop = asyncio.Event()
        stop.set()  # no call is placed: only the start-up lines are wanted
        await run_campaign_async(portfolio_store, RunOptions(real_time=True), stop=stop)

    with caplog.at_level(logging.INFO, logger="fairdial.campaign"):
        asyncio.run(run())

    messages = [record.getMessage() for record in caplog.records]
    assert "campaign started" in messages
    assert not any(message.startswith("waiting until") for message in messages)


class _NobodyAnswers:
    """A carrier on which every phone rings out after twenty seconds."""

    name = "sim"

    async def dial(self, request: DialRequest) -> DialOutcome:
        return DialOutcome(CallResult.NO_ANSWER, ring_seconds=20)


def test_lines_idle_for_retries_say_once_when_calls_resume(portfolio_store, caplog, monkeypatch):
    with portfolio_store.transaction() as session:
        taiwan = select(Account.borrower_id).where(Account.jurisdiction == "TW")
        session.execute(update(Borrower).where(Borrower.id.in_(taiwan)).values(synthetic=False))
    # The machine's clock, moved on by each wait as if the time had passed. A long wait takes
    # a moment of real time too, in which the other line ends its call and goes idle as well.
    moment = [datetime.combine(datetime.now(TAIPEI).date(), time(12, 0), TAIPEI).astimezone(UTC)]

    async def time_passes(self: RealTimeClock, when: datetime) -> None:
        await asyncio.sleep(0.2 if when - moment[0] >= timedelta(minutes=1) else 0)
        moment[0] = max(moment[0], when)

    monkeypatch.setattr(RealTimeClock, "now", lambda self: moment[0])
    monkeypatch.setattr(RealTimeClock, "wait_until", time_passes)
    options = RunOptions(
        real_time=True,
        channel=lambda lookup, seed: _NobodyAnswers(),
        settings=CampaignSettings(lines=2),
    )

    with caplog.at_level(logging.INFO, logger="fairdial.campaign"), _campaign_notices():
        summary = asyncio.run(run_campaign_async(portfolio_store, options))

    with portfolio_store.session() as session:
        first_ended = session.scalar(select(func.min(CallAttempt.ended_at)))
        retried = session.scalar(
            select(func.count(func.distinct(CallAttempt.account_id)))
            .where(CallAttempt.allowed.is_(True))
            .having(func.count() > 1)
        )
    assert summary.attempts > 2 and retried
    # Called at noon, no answer: the first retry comes after the wrap-up and the retry gap.
    settings = options.settings
    resumes = first_ended.replace(tzinfo=UTC) + settings.wrap_up + settings.retry_gap
    idle = [r.getMessage() for r in caplog.records if r.getMessage().startswith("lines idle")]
    assert idle[0] == f"lines idle until {resumes:%H:%M} UTC: no account may be called sooner"
    # Two lines go idle until each of these times: each is said once, in the order they come.
    assert idle == sorted(set(idle))


def test_simulated_lines_wait_without_a_word(portfolio_store, caplog):
    options = RunOptions(days=2, seed=1, start=date(2026, 3, 2), settings=CampaignSettings(lines=2))

    with caplog.at_level(logging.INFO, logger="fairdial.campaign"):
        summary = asyncio.run(run_campaign_async(portfolio_store, options))

    # Their days are spent waiting for calling hours and retries, in no time at all.
    assert summary.attempts > 40
    assert not [r for r in caplog.records if r.getMessage().startswith("lines idle")]


class _Collect(logging.Handler):
    def __init__(self, into: list[logging.LogRecord]) -> None:
        super().__init__(logging.INFO)
        self._into = into

    def emit(self, record: logging.LogRecord) -> None:
        self._into.append(record)
