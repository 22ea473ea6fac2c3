"""`verify` against a store changed behind the audit trail's back, and after a legitimate re-import.

Every test starts from a copy of the same short campaign: 30 generated accounts called for three
days from Monday 2 March 2026.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update

from fairdial.audit import AuditLog
from fairdial.audit.chain import GENESIS, event_hash
from fairdial.audit.verify import verify
from fairdial.campaign.runner import RunOptions, run_campaign
from fairdial.campaign.settings import CampaignSettings
from fairdial.portfolio import import_portfolio
from fairdial.portfolio.generate import generate_portfolio
from fairdial.store import Store
from fairdial.store.models import (
    Account,
    AuditEvent,
    CallAttempt,
    Campaign,
    ContactPoint,
    Hold,
)
from tests.conftest import make_store

# A US-CA account the campaign called four times in three days: fine in California, too often
# for the Massachusetts cap of two calls in seven days.
MOVED = "demo-5"


@pytest.fixture(scope="module")
def campaign_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("campaign")
    store = make_store(folder)
    portfolio = generate_portfolio(folder / "portfolio.csv", 30, seed=3)
    assert import_portfolio(store, portfolio, "csv").rejected == 0
    settings = CampaignSettings(lines=8)
    run_campaign(store, RunOptions(days=3, seed=1, start=date(2026, 3, 2), settings=settings))
    store.close()
    return folder


@pytest.fixture
def ran(campaign_folder: Path, tmp_path: Path) -> Iterator[Store]:
    """A store of its own holding the finished campaign, its key and its portfolio file."""
    folder = tmp_path / "copy"
    shutil.copytree(campaign_folder, folder)
    store = make_store(folder)
    yield store
    store.close()


def _sql(store: Store, *statements: str, **values: object) -> None:
    with store.engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement), values)


def _report(store: Store) -> dict:
    with store.session() as session:
        return verify(session).to_json()


def _attempt(store: Store, result: str) -> CallAttempt:
    with store.session() as session:
        return session.scalars(
            select(CallAttempt).where(CallAttempt.result == result).order_by(CallAttempt.id)
        ).first()


def _reimport(store: Store, ref: str, **changes: str) -> None:
    """Import the campaign's portfolio again with one account's columns changed."""
    folder = Path(store.engine.url.database).parent
    source = folder / "portfolio.csv"
    with source.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["account_ref"] == ref:
            row.update(changes)
    changed = folder / "portfolio-2.csv"
    with changed.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    report = import_portfolio(store, changed, "csv")
    assert (report.rejected, report.updated) == (0, 1)


def _strip_zones_and_rechain(store: Store) -> None:
    """Make the trail look as it did before decisions kept their zones: same events, re-hashed."""
    with store.transaction() as session:
        prev = GENESIS
        for event in session.scalars(select(AuditEvent).order_by(AuditEvent.seq)):
            payload = dict(event.payload)
            payload.pop("timezones", None)
            payload.pop("borrower_timezones", None)
            digest = event_hash(
                event.seq,
                event.at,
                event.kind,
                event.subject,
                event.pack_id,
                event.pack_version,
                payload,
                prev,
            )
            event.payload, event.prev_hash, event.hash = payload, prev, digest
            prev = digest
        head = {"seq": event.seq, "hash": prev}
        session.execute(update(Campaign).values(settings={"audit_head": head}))


def test_each_decision_records_what_its_attempt_became(ran):
    assert _report(ran)["ok"]

    with ran.session() as session:
        attempt = session.scalars(select(CallAttempt).where(CallAttempt.allowed)).first()
        point = session.get(ContactPoint, attempt.contact_point_id)
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.kind == "decision.allow")
        ).first()
    assert event.payload["attempt_id"] == attempt.id
    assert {key: event.payload[key] for key in ("result", "disposition", "allowed")} == {
        "result": attempt.result,
        "disposition": attempt.disposition,
        "allowed": True,
    }
    assert event.payload["started_at"] == attempt.started_at.isoformat()
    assert event.payload["contact_point_id"] == point.id
    assert event.payload["timezones"] == point.timezones == event.payload["borrower_timezones"]


def test_a_deleted_attempt_is_detected(ran):
    # One that placed no hold: a deleted hold is reported on its own, from the chain's copy.
    with ran.session() as session:
        attempt_id = session.scalars(
            select(CallAttempt.id)
            .where(CallAttempt.result == "conversation")
            .where(
                CallAttempt.id.not_in(select(Hold.attempt_id).where(Hold.attempt_id.is_not(None)))
            )
            .order_by(CallAttempt.id)
        ).first()
    assert attempt_id is not None
    _sql(
        ran,
        "DELETE FROM turn WHERE conversation_id IN "
        "(SELECT id FROM conversation WHERE attempt_id = :id)",
        "DELETE FROM plan_installment WHERE plan_id IN "
        "(SELECT id FROM payment_plan WHERE attempt_id = :id)",
        *(
            f"DELETE FROM {table} WHERE attempt_id = :id"
            for table in (
                "conversation",
                "disposition",
                "promise_to_pay",
                "payment_plan",
                "hold",
                "escalation",
            )
        ),
        "DELETE FROM call_attempt WHERE id = :id",
        id=attempt_id,
    )

    report = _report(ran)
    assert not report["ok"]
    assert report["chain_problems"] == []
    assert report["record_problems"] == [f"decision for attempt {attempt_id} has no attempt"]


def test_the_newest_decision_deleted_with_the_campaign_head_is_detected(ran):
    with ran.session() as session:
        last = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.kind.in_(("decision.allow", "decision.block")))
            .order_by(AuditEvent.seq.desc())
        ).first()
    # The chain still links and no campaign head points past its end: only the records show it.
    _sql(
        ran,
        "DELETE FROM audit_event WHERE seq >= :seq",
        "UPDATE campaign SET settings = '{}'",
        seq=last.seq,
    )

    report = _report(ran)
    assert report["chain_problems"] == []
    assert report["record_problems"] == [
        f"attempt {last.payload['attempt_id']} has no decision in the audit trail",
        "campaign 1 has attempts but no recorded audit head",
    ]


def test_an_empty_trail_with_attempts_fails(ran):
    with ran.session() as session:
        attempts = len(session.scalars(select(CallAttempt.id)).all())
    _sql(ran, "DELETE FROM audit_event", "UPDATE campaign SET settings = '{}'")

    report = _report(ran)
    assert not report["ok"]
    assert report["events"] == 0
    assert report["record_problems"] == [
        f"the audit trail holds no decisions, but {attempts} attempts exist",
        "campaign 1 has attempts but no recorded audit head",
    ]


def test_a_changed_result_is_detected(ran):
    # A conversation starts a quiet period; rewritten as unanswered, later calls look lawful.
    attempt_id = _attempt(ran, "conversation").id
    _sql(ran, "UPDATE call_attempt SET result = 'no_answer' WHERE id = :id", id=attempt_id)

    report = _report(ran)
    assert report["chain_problems"] == []
    assert report["record_problems"] == [
        f"attempt {attempt_id}: result is no_answer but was recorded as conversation"
    ]


def test_a_changed_start_and_pack_are_detected(ran):
    attempt = _attempt(ran, "no_answer")
    _sql(
        ran,
        "UPDATE call_attempt SET started_at = :at, pack_id = 'US' WHERE id = :id",
        at="2026-03-02 15:00:00.000000",
        id=attempt.id,
    )

    problems = _report(ran)["record_problems"]
    assert problems == [
        f"attempt {attempt.id}: pack_id is US but was recorded as {attempt.pack_id}",
        f"attempt {attempt.id}: started_at is 2026-03-02T15:00:00+00:00 "
        f"but was recorded as {attempt.started_at.isoformat()}",
    ]


def test_a_forged_or_repeated_decision_is_detected(ran):
    attempt = _attempt(ran, "no_answer")
    with ran.transaction() as session:
        log = AuditLog(session)
        for named in ({"attempt_id": attempt.id}, {"attempt_id": 9999}, {}):
            log.append(
                "decision.allow",
                attempt.planned_at,
                {**named, "campaign_id": 1, "reasons": []},
                pack_id=attempt.pack_id,
                pack_version=attempt.pack_version,
            )
        log.flush()
        forged, last = log.head[0] - 2, log.head[0]

    with ran.session() as session:
        first = session.scalar(
            select(AuditEvent.seq)
            .where(
                AuditEvent.kind == "decision.allow",
                AuditEvent.payload["attempt_id"].as_integer() == attempt.id,
            )
            .order_by(AuditEvent.seq)
        )
    problems = _report(ran)["record_problems"]
    assert problems == [
        f"attempt {attempt.id} has 2 decisions in the audit trail (events {first}, {forged})",
        f"audit event {last}: a decision that names no attempt",
        "decision for attempt 9999 has no attempt",
        # The forger did not move the campaign's head, which had to cover its decisions.
        f"campaign 1 recorded the audit head at event {forged - 1}, "
        f"before its own decision at event {forged}",
    ]


def test_a_reimport_does_not_turn_past_calls_into_violations(ran):
    _reimport(ran, MOVED, jurisdiction="US-MA", phone_timezones="Pacific/Honolulu")
    with ran.session() as session:
        account = session.scalars(select(Account).where(Account.ref == MOVED)).one()
        placed = session.scalars(
            select(CallAttempt).where(CallAttempt.account_id == account.id, CallAttempt.allowed)
        ).all()
    assert account.jurisdiction == "US-MA"
    assert len(placed) == 4 and {a.pack_id for a in placed} == {"US-CA"}

    report = _report(ran)
    assert report["ok"], report


def test_decisions_without_recorded_zones_are_judged_by_the_current_ones(ran):
    _strip_zones_and_rechain(ran)
    assert _report(ran)["ok"]

    _reimport(ran, MOVED, phone_timezones="Pacific/Honolulu")
    report = _report(ran)
    assert report["chain_problems"] == report["record_problems"] == []
    # The call at 08:00 in Los Angeles was 06:00 in Honolulu: judged by today's zones, it broke.
    assert report["violations"]
    assert all(f"({MOVED}) broke: outside_hours" in violation for violation in report["violations"])


def test_a_deleted_hold_still_stands_and_later_calls_break_it(ran):
    with ran.session() as session:
        hold = session.scalars(select(Hold).order_by(Hold.id)).first()
        assert hold is not None, "the campaign placed no hold to delete"
        kind, account_id = hold.kind, hold.account_id
    # The hold is deleted behind the store's back; a person closes the account's open case, so
    # nothing but the missing hold stands between the account and the dialler.
    _sql(
        ran,
        "DELETE FROM hold WHERE account_id = :account",
        "UPDATE escalation SET status = 'closed' WHERE account_id = :account",
        account=account_id,
    )

    missing = _report(ran)
    assert not missing["ok"]
    assert any(f"hold {kind} on account {account_id}" in p for p in missing["record_problems"])

    # Calls placed once the hold is gone are judged by the hold the chain still holds.
    run_campaign(ran, RunOptions(days=2, seed=2, start=date(2026, 3, 9)))
    with ran.session() as session:
        called_again = session.scalar(
            select(func.count())
            .select_from(CallAttempt)
            .where(CallAttempt.account_id == account_id, CallAttempt.allowed.is_(True))
            .where(CallAttempt.planned_at >= datetime(2026, 3, 9, tzinfo=UTC))
        )
    assert called_again > 0  # the live gate reads the table, where the hold is gone
    assert any(kind in v for v in _report(ran)["violations"])
