"""Promises, plans, escalations and holds changed behind the audit trail's back, on both stores.

Each test runs the same short campaign (30 generated accounts, three days from Monday 2 March
2026), changes one row with plain SQL as someone with database access could, and verifies.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text, update
from typer.testing import CliRunner

from fairdial.audit.chain import GENESIS, event_hash
from fairdial.audit.verify import verify
from fairdial.campaign.runner import RunOptions, run_campaign
from fairdial.campaign.settings import CampaignSettings
from fairdial.cli import _register, app
from fairdial.portfolio import import_portfolio
from fairdial.portfolio.generate import generate_portfolio
from fairdial.store import Store
from fairdial.store.models import (
    AuditEvent,
    CallAttempt,
    Campaign,
    Escalation,
    Hold,
    PaymentPlan,
    PlanInstallment,
    PromiseToPay,
)
from tests.conftest import make_store

_register()


@pytest.fixture
def ran(store: Store, tmp_path: Path) -> Store:
    portfolio = generate_portfolio(tmp_path / "portfolio.csv", 30, seed=3)
    assert import_portfolio(store, portfolio, "csv").rejected == 0
    settings = CampaignSettings(lines=8)
    run_campaign(store, RunOptions(days=3, seed=1, start=date(2026, 3, 2), settings=settings))
    return store


def _sql(store: Store, statement: str, **values: object) -> None:
    with store.engine.begin() as connection:
        connection.execute(text(statement), values)


def _problems(store: Store) -> list[str]:
    with store.session() as session:
        report = verify(session)
    assert report.chain_problems == []
    return [str(problem) for problem in report.record_problems]


def _first(store: Store, model: type) -> tuple[int, int]:
    """The id of the first row of a kind and the sequence number of its attempt's decision."""
    with store.session() as session:
        row = session.scalars(select(model).order_by(model.id)).first()
        assert row is not None, f"the campaign made no {model.__tablename__}"
        return row.id, _decision_seq(session, row.attempt_id)


def _decision_seq(session, attempt_id: int) -> int:
    for event in session.scalars(select(AuditEvent).where(AuditEvent.kind == "decision.allow")):
        if event.payload["attempt_id"] == attempt_id:
            return event.seq
    raise AssertionError(f"no decision for attempt {attempt_id}")


def test_an_untouched_store_records_every_commitment_and_verifies(ran):
    with ran.session() as session:
        recorded = {"promises": set(), "plans": set(), "escalations": set(), "holds": set()}
        for event in session.scalars(select(AuditEvent).where(AuditEvent.kind == "decision.allow")):
            for kind, rows in event.payload["commitments"].items():
                recorded[kind] |= {row["id"] for row in rows}
        stored = {
            kind: set(session.scalars(select(model.id)))
            for kind, model in (
                ("promises", PromiseToPay),
                ("plans", PaymentPlan),
                ("escalations", Escalation),
                ("holds", Hold),
            )
        }
        report = verify(session)

    assert all(stored.values()), stored
    assert recorded == stored
    assert report.ok, report.to_json()


def test_a_changed_promise_amount_is_detected(ran):
    promise_id, seq = _first(ran, PromiseToPay)
    _sql(ran, "UPDATE promise_to_pay SET amount_minor = 1 WHERE id = :id", id=promise_id)

    assert _problems(ran) == [
        f"promise {promise_id}: amount_minor differs from the audit trail (event {seq})"
    ]


def test_a_changed_promise_due_date_is_detected(ran):
    promise_id, seq = _first(ran, PromiseToPay)
    _sql(
        ran,
        "UPDATE promise_to_pay SET due_date = :due WHERE id = :id",
        id=promise_id,
        due=date(2026, 6, 30),
    )

    assert _problems(ran) == [
        f"promise {promise_id}: due_date differs from the audit trail (event {seq})"
    ]


def test_a_deleted_promise_is_detected(ran):
    promise_id, seq = _first(ran, PromiseToPay)
    with ran.session() as session:
        attempt_id = session.get(PromiseToPay, promise_id).attempt_id
    _sql(ran, "DELETE FROM promise_to_pay WHERE id = :id", id=promise_id)

    assert _problems(ran) == [
        f"promise {promise_id} is missing from the store (attempt {attempt_id}, event {seq})"
    ]


def _insert_promise(store: Store, account_id: int, attempt_id: int | None) -> int:
    with store.transaction() as session:
        promise = PromiseToPay(
            account_id=account_id,
            attempt_id=attempt_id,
            amount_minor=500_00,
            currency="USD",
            due_date=date(2026, 3, 20),
            status="open",
            settlement=False,
            created_at=datetime(2026, 3, 3, 1, 0, tzinfo=UTC),
        )
        session.add(promise)
        session.flush()
        return promise.id


def test_a_promise_added_under_an_attempt_is_detected(ran):
    with ran.session() as session:
        attempt = session.scalars(
            select(CallAttempt).where(CallAttempt.result == "conversation").order_by(CallAttempt.id)
        ).first()
        attempt_id, account_id = attempt.id, attempt.account_id
        seq = _decision_seq(session, attempt_id)
    added = _insert_promise(ran, account_id, attempt_id)

    assert _problems(ran) == [
        f"promise {added} is not in the audit trail: attempt {attempt_id} did not record it "
        f"(event {seq})"
    ]


def test_a_promise_added_without_an_attempt_is_detected(ran):
    with ran.session() as session:
        account_id = session.scalars(select(CallAttempt.account_id)).first()
    added = _insert_promise(ran, account_id, None)

    assert _problems(ran) == [f"promise {added} names no attempt, so no decision recorded it"]


def test_a_changed_plan_instalment_is_detected(ran):
    plan_id, seq = _first(ran, PaymentPlan)
    _sql(
        ran,
        "UPDATE plan_installment SET amount_minor = amount_minor + 100 "
        "WHERE plan_id = :id AND seq = 2",
        id=plan_id,
    )

    assert _problems(ran) == [
        f"plan {plan_id}: installment 2 amount_minor differs from the audit trail (event {seq})"
    ]


def test_a_deleted_plan_instalment_is_detected(ran):
    plan_id, seq = _first(ran, PaymentPlan)
    with ran.session() as session:
        last = max(
            session.scalars(select(PlanInstallment.seq).where(PlanInstallment.plan_id == plan_id))
        )
    _sql(
        ran, "DELETE FROM plan_installment WHERE plan_id = :id AND seq = :seq", id=plan_id, seq=last
    )

    assert _problems(ran) == [
        f"plan {plan_id}: installment {last} is missing from the store (event {seq})"
    ]


def test_a_changed_escalation_reason_is_detected(ran):
    escalation_id, seq = _first(ran, Escalation)
    _sql(ran, "UPDATE escalation SET reason = 'callback' WHERE id = :id", id=escalation_id)

    assert _problems(ran) == [
        f"escalation {escalation_id}: reason differs from the audit trail (event {seq})"
    ]


def test_later_status_changes_are_not_tampering(ran):
    _sql(ran, "UPDATE promise_to_pay SET status = 'kept'")
    _sql(ran, "UPDATE payment_plan SET status = 'completed'")
    _sql(ran, "UPDATE escalation SET status = 'closed'")

    assert _problems(ran) == []


def test_decisions_written_before_commitments_were_recorded_still_verify(ran):
    """An older store's decisions carry no commitments: their rows are not compared."""
    with ran.transaction() as session:
        prev = GENESIS
        for event in session.scalars(select(AuditEvent).order_by(AuditEvent.seq)):
            payload = {k: v for k, v in event.payload.items() if k != "commitments"}
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
        session.execute(
            update(Campaign).values(settings={"audit_head": {"seq": event.seq, "hash": prev}})
        )
    promise_id, _ = _first(ran, PromiseToPay)
    _sql(ran, "UPDATE promise_to_pay SET amount_minor = 1 WHERE id = :id", id=promise_id)

    assert _problems(ran) == []


def test_audit_verify_exits_1_naming_the_promise(tmp_path):
    store = make_store(tmp_path)
    try:
        ran = store
        portfolio = generate_portfolio(tmp_path / "portfolio.csv", 30, seed=3)
        import_portfolio(ran, portfolio, "csv")
        settings = CampaignSettings(lines=8)
        run_campaign(ran, RunOptions(days=3, seed=1, start=date(2026, 3, 2), settings=settings))
        promise_id, seq = _first(ran, PromiseToPay)
        _sql(ran, "UPDATE promise_to_pay SET amount_minor = 1 WHERE id = :id", id=promise_id)
    finally:
        store.close()
    url = f"sqlite:///{(tmp_path / 'fairdial.db').as_posix()}"

    result = CliRunner().invoke(
        app, ["audit", "verify", "--json", "--db", url, "--home", str(tmp_path)]
    )

    assert result.exit_code == 1
    assert json.loads(result.output)["record_problems"] == [
        f"promise {promise_id}: amount_minor differs from the audit trail (event {seq})"
    ]
