"""A small mixed portfolio (Taiwan, mainland China, US states) through whole campaigns."""

import threading
from collections import defaultdict
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, func, select

from fairdial.audit.verify import verify
from fairdial.campaign import runner
from fairdial.campaign.commits import ThreadCommits
from fairdial.campaign.runner import RunOptions, run_campaign
from fairdial.campaign.settings import CampaignSettings
from fairdial.portfolio import import_portfolio
from fairdial.portfolio.generate import generate_portfolio
from fairdial.reporting.kpi import kpis
from fairdial.store.models import (
    Account,
    AuditEvent,
    CallAttempt,
    ContactPoint,
    Conversation,
    Escalation,
    Hold,
    PaymentPlan,
    PromiseToPay,
    Turn,
)
from fairdial.store.models import Disposition as DispositionRow

START = date(2026, 3, 2)  # a Monday


def _load(store, tmp_path, accounts=150, seed=7):
    path = generate_portfolio(tmp_path / "portfolio.csv", accounts, seed=seed)
    report = import_portfolio(store, path, "csv")
    assert report.rejected == 0
    return report


def _run(store, days=3, seed=1, start=START, lines=8):
    options = RunOptions(days=days, seed=seed, start=start, settings=CampaignSettings(lines=lines))
    return run_campaign(store, options)


def _attempts(store):
    with store.session() as session:
        rows = session.execute(
            select(CallAttempt, Account.ref, ContactPoint.timezones)
            .join(Account, CallAttempt.account_id == Account.id)
            .join(ContactPoint, CallAttempt.contact_point_id == ContactPoint.id)
            .order_by(CallAttempt.id)
        ).all()
    return rows


def test_a_campaign_keeps_every_rule_and_records_everything(store, tmp_path):
    _load(store, tmp_path)
    summary = _run(store)
    assert summary.attempts > 150

    with store.session() as session:
        report = verify(session)
        figures = kpis(session, summary.campaign_id)
        conversations = session.scalar(select(func.count()).select_from(Conversation))
        turns = session.scalar(select(func.count()).select_from(Turn))
        promises = session.scalar(select(func.count()).select_from(PromiseToPay))

    assert report.ok, report.to_json()
    assert report.attempts_checked == figures["attempts"] == summary.attempts
    assert figures["promises"] == promises > 0
    assert conversations > 0 and turns > conversations * 3
    assert figures["rpc_rate"] == round(figures["right_party_contacts"] / figures["attempts"], 4)


def test_attempts_fall_inside_local_calling_hours_and_in_order(sqlite_store, tmp_path):
    _load(sqlite_store, tmp_path)
    _run(sqlite_store)
    last_end: dict[str, datetime] = {}
    placed = 0
    for attempt, ref, zones in _attempts(sqlite_store):
        if not attempt.allowed:
            assert attempt.result is None and attempt.reasons
            continue
        placed += 1
        for zone in zones:
            local = attempt.started_at.astimezone(ZoneInfo(zone)).time()
            assert time(8, 0) <= local <= time(21, 0), (ref, zone, local)
        # Each account's calls follow one another: none starts before the previous ended.
        if ref in last_end:
            assert attempt.started_at >= last_end[ref], ref
        last_end[ref] = attempt.ended_at
    assert placed > 0


def test_the_same_seed_gives_the_same_campaign(tmp_path):
    from tests.conftest import make_store

    outcomes = []
    for name in ("one", "two"):
        folder = tmp_path / name
        folder.mkdir()
        store = make_store(folder)
        _load(store, folder, accounts=80)
        _run(store, days=2, seed=5)
        outcomes.append(
            [(ref, a.planned_at, a.result, a.disposition) for a, ref, _ in _attempts(store)]
        )
        store.close()
    assert outcomes[0] == outcomes[1]
    assert len(outcomes[0]) > 80


def test_holds_block_later_attempts_with_their_reason(sqlite_store, tmp_path):
    _load(sqlite_store, tmp_path, accounts=40)
    with sqlite_store.transaction() as session:
        account = session.scalars(select(Account).order_by(Account.id)).first()
        session.add(
            Hold(
                account_id=account.id,
                kind="cease",
                placed_at=datetime(2026, 2, 1, tzinfo=UTC),
            )
        )
        held_id = account.id
    _run(sqlite_store, days=2)
    with sqlite_store.session() as session:
        mine = session.scalars(select(CallAttempt).where(CallAttempt.account_id == held_id)).all()
    assert len(mine) == 2  # one blocked record per planned day
    assert all(not a.allowed and "cease" in a.reasons and a.result is None for a in mine)


def test_the_gate_holds_across_separate_runs(sqlite_store, tmp_path):
    """A conversation on day one keeps a US account quiet in a run started the next day."""
    _load(sqlite_store, tmp_path, accounts=120)
    _run(sqlite_store, days=1)
    _run(sqlite_store, days=2, start=date(2026, 3, 3))
    with sqlite_store.session() as session:
        report = verify(session)
        blocked = session.scalars(select(CallAttempt.reasons).where(CallAttempt.allowed.is_(False)))
        reasons = {reason for row in blocked for reason in row}
    assert report.ok, report.to_json()
    assert "conversation_quiet_period" in reasons


@pytest.mark.parametrize("lines", [1, 40])
def test_no_account_is_called_more_than_the_daily_limit(sqlite_store, tmp_path, lines):
    _load(sqlite_store, tmp_path, accounts=60)
    summary = _run(sqlite_store, days=1, lines=lines)
    with sqlite_store.session() as session:
        assert verify(session).ok
    by_account: dict[str, int] = defaultdict(int)
    for attempt, ref, _ in _attempts(sqlite_store):
        by_account[ref] += attempt.allowed
    assert summary.attempts == sum(by_account.values())
    assert max(by_account.values()) <= CampaignSettings().max_attempts_per_day


def test_a_renewed_promise_replaces_the_lapsed_one(sqlite_store, tmp_path):
    _load(sqlite_store, tmp_path, accounts=150)
    _run(sqlite_store, days=1)
    # Three weeks later every promise of the first day is past its date and the account is
    # called again; whoever promises anew replaces the old promise.
    _run(sqlite_store, days=2, start=date(2026, 3, 23))
    with sqlite_store.session() as session:
        rows = session.execute(
            select(PromiseToPay.account_id, PromiseToPay.status, PromiseToPay.amount_minor)
        ).all()
        balances = dict(session.execute(select(Account.id, Account.balance_minor)).all())
        figures = kpis(session)
    standing: dict[int, int] = defaultdict(int)
    for account_id, status, _ in rows:
        standing[account_id] += status != "superseded"
    assert any(status == "superseded" for _, status, _ in rows)
    assert max(standing.values()) == 1
    owed = sum(balances[a] for a in standing)
    promised = sum(amount for a, status, amount in rows if status != "superseded")
    assert promised <= owed
    assert figures["promises"] == len(rows)


def _stored(store) -> dict[str, list[tuple]]:
    """Every row a campaign writes, in id order, as the store hands it back."""
    models = {
        "attempts": CallAttempt,
        "dispositions": DispositionRow,
        "conversations": Conversation,
        "turns": Turn,
        "promises": PromiseToPay,
        "plans": PaymentPlan,
        "holds": Hold,
        "escalations": Escalation,
        "audit": AuditEvent,
    }
    found = {}
    with store.session() as session:
        for name, model in models.items():
            columns = [column.key for column in model.__table__.columns]
            key = model.__table__.primary_key.columns.values()[0]
            rows = session.scalars(select(model).order_by(key)).all()
            found[name] = [tuple(getattr(row, column) for column in columns) for row in rows]
    return found


def _inserting_threads(store) -> list[str]:
    """The name of the thread that ran each INSERT of an attempt row, in order."""
    threads: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("INSERT INTO CALL_ATTEMPT"):
            threads.append(threading.current_thread().name)

    event.listen(store.engine, "before_cursor_execute", note)
    return threads


def test_a_simulated_campaign_is_written_on_the_thread_that_runs_it(tmp_path):
    from tests.conftest import make_store

    store = make_store(tmp_path)
    _load(store, tmp_path, accounts=200)
    threads = _inserting_threads(store)
    summary = _run(store, days=3)
    store.close()

    # The lines never wait for the store, so the seed alone decides the calls.
    assert summary.attempts > 200
    assert len(threads) >= summary.attempts
    assert set(threads) == {threading.current_thread().name}


def test_the_writer_thread_stores_what_the_loop_would(tmp_path, monkeypatch):
    from tests.conftest import make_store

    stored = []
    for name in ("loop", "writer"):
        folder = tmp_path / name
        folder.mkdir()
        store = make_store(folder)
        _load(store, folder, accounts=200)
        if name == "writer":
            # On one line, waiting for each commit cannot change which call comes next.
            monkeypatch.setattr(
                runner,
                "commits_for",
                lambda store, campaign_id, _real_time, annotate: ThreadCommits(
                    store, campaign_id, annotate
                ),
            )
        threads = _inserting_threads(store)
        summary = _run(store, days=3, lines=1)
        stored.append(_stored(store))
        with store.session() as session:
            assert verify(session).ok
        store.close()

    assert summary.attempts > 100
    assert len(threads) == len(stored[1]["attempts"])
    assert {name.split("_")[0] for name in threads} == {"fairdial-commits"}
    assert stored[0] == stored[1]
