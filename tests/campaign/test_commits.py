"""The writer thread of a real-time campaign: commits in order, off the loop, failures raised."""

import asyncio
import threading
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError

from fairdial.campaign.commits import InlineCommits, ThreadCommits, commits_for
from fairdial.campaign.gate import Gate
from fairdial.campaign.recorder import AttemptRecord, Recorder
from fairdial.campaign.settings import CampaignSettings
from fairdial.campaign.targets import load_targets
from fairdial.dispositions import Disposition
from fairdial.portfolio import import_portfolio
from fairdial.portfolio.generate import generate_portfolio
from fairdial.store.models import CallAttempt, Campaign
from fairdial.telephony.base import CallResult

DAY = date(2026, 3, 2)
AT = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def _records(store, tmp_path):  # type: ignore[no-untyped-def]
    import_portfolio(store, generate_portfolio(tmp_path / "p.csv", 3, seed=2), "csv")
    with store.session() as session:
        targets = load_targets(session, DAY, CampaignSettings())
    gate = Gate()
    blocked = AttemptRecord(targets[0], gate.decide(targets[0], AT), AT, "sim")
    placed = AttemptRecord(
        targets[1],
        gate.decide(targets[1], AT),
        AT,
        "sim",
        result=CallResult.BUSY,
        started_at=AT,
        ended_at=AT,
        disposition=Disposition.BUSY,
    )
    return blocked, placed


def _campaign(store) -> int:  # type: ignore[no-untyped-def]
    with store.transaction() as session:
        campaign = Campaign(name="t", channel="sim", seed=0, start_date=DAY, days=1)
        campaign.status, campaign.settings, campaign.created_at = "running", {}, AT
        session.add(campaign)
        session.flush()
        return campaign.id


def test_records_are_committed_in_order_on_the_writer_thread(sqlite_store, tmp_path):
    blocked, placed = _records(sqlite_store, tmp_path)
    commits = ThreadCommits(sqlite_store, _campaign(sqlite_store))
    writers: list[str] = []

    async def hand_over() -> None:
        commits.add_nowait(blocked)
        await commits.add(placed)
        writers.append(threading.current_thread().name)

    asyncio.run(hand_over())
    commits.close()

    with sqlite_store.session() as session:
        rows = session.execute(
            select(CallAttempt.account_id, CallAttempt.result).order_by(CallAttempt.id)
        ).all()
    assert rows == [(blocked.target.account_id, None), (placed.target.account_id, "busy")]
    assert writers == [threading.current_thread().name]  # the waiting happened on the loop
    # The account's history in memory knows the attempt as soon as it is handed over.
    assert [event.result for event in placed.target.history.events][-1] == "busy"


def test_a_failed_commit_is_raised_to_the_line_that_waits_for_it(sqlite_store, tmp_path):
    _, placed = _records(sqlite_store, tmp_path)
    commits = ThreadCommits(sqlite_store, campaign_id=999)  # no such campaign: the write fails

    with pytest.raises(IntegrityError, match="FOREIGN KEY"):
        asyncio.run(commits.add(placed))
    commits.close()  # the failure was raised once, to its waiter

    with sqlite_store.session() as session:
        assert session.scalars(select(CallAttempt)).all() == []


def test_a_failed_write_nobody_waited_for_is_raised_once_by_the_next_step(sqlite_store, tmp_path):
    blocked, _ = _records(sqlite_store, tmp_path)
    commits = ThreadCommits(sqlite_store, campaign_id=999)

    with pytest.raises(IntegrityError, match="FOREIGN KEY"):
        # Raised by the next hand-over when the writer failed already, else by the flush.
        commits.add_nowait(blocked)
        asyncio.run(commits.flush())
    commits.close()  # reported once: closing does not raise it again


def test_simulated_and_in_memory_stores_are_written_on_the_loop(sqlite_store, tmp_path):
    from tests.conftest import make_store

    memory = make_store(tmp_path, "sqlite://")
    assert isinstance(commits_for(sqlite_store, 1, real_time=False), InlineCommits)
    assert isinstance(commits_for(memory, 1, real_time=True), InlineCommits)
    assert isinstance(commits_for(sqlite_store, 1, real_time=True), ThreadCommits)
    memory.close()


def test_records_on_the_loop_are_written_a_batch_at_a_time(sqlite_store, tmp_path):
    blocked, placed = _records(sqlite_store, tmp_path)
    commits = InlineCommits(Recorder(sqlite_store, _campaign(sqlite_store)), batch_size=2)

    def stored() -> list[int]:
        with sqlite_store.session() as session:
            return list(session.scalars(select(CallAttempt.account_id).order_by(CallAttempt.id)))

    commits.add_nowait(blocked)
    assert stored() == []  # one record of a batch of two: taken, not stored yet
    asyncio.run(commits.add(placed))
    assert stored() == [blocked.target.account_id, placed.target.account_id]
    assert [event.result for event in placed.target.history.events][-1] == "busy"


def test_the_loop_takes_each_record_and_the_writer_only_stores_it(sqlite_store, tmp_path):
    _, placed = _records(sqlite_store, tmp_path)
    taken_on: list[str] = []
    writes = _inserting_threads(sqlite_store)

    def annotate(record: AttemptRecord) -> None:
        taken_on.append(threading.current_thread().name)
        record.extra["latency"] = {"turns": 0}

    commits = ThreadCommits(sqlite_store, _campaign(sqlite_store), annotate)
    asyncio.run(commits.add(placed))
    commits.close()

    assert taken_on == [threading.current_thread().name]
    assert [name.split("_")[0] for name in writes] == ["fairdial-commits"]


def _inserting_threads(store) -> list[str]:  # type: ignore[no-untyped-def]
    threads: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("INSERT INTO CALL_ATTEMPT"):
            threads.append(threading.current_thread().name)

    event.listen(store.engine, "before_cursor_execute", note)
    return threads
