"""What each attempt committed the lender to, against what its decision event recorded.

Promises to pay, payment plans with their instalments, escalations and holds are the records a
dispute or a regulator asks about. The recorder writes, in each attempt's decision event and in
the same transaction as the rows, the fields of every such row the attempt produced
(`produced_by`); verify reads the rows again and compares. A row edited, deleted, or added under
an attempt after the fact no longer matches.

Only the fields fixed when the row was written are kept: a promise's status (kept, broken,
superseded), an escalation's status and summary, and a hold's release change by design later.

Limitations: decision events written before commitments were recorded carry no `commitments`
key and their attempts' rows are not compared; an escalation opened without an attempt (a
borrower whose record cannot be verified, a callback whose call was never recorded) is not
covered until an attempt completes it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdial.audit.records import RecordedDecision, RecordProblem, stamp
from fairdial.store.models import (
    CallAttempt,
    Escalation,
    Hold,
    PaymentPlan,
    PlanInstallment,
    PromiseToPay,
)

PAYLOAD_KEY = "commitments"
# The kinds of record, as the payload names them, and as a problem names one of them.
KINDS = {"promises": "promise", "plans": "plan", "escalations": "escalation", "holds": "hold"}

_PROMISE_FIELDS = ("account_id", "amount_minor", "currency", "due_date", "settlement", "created_at")
_PLAN_FIELDS = ("account_id", "total_minor", "currency", "months", "created_at")
_ESCALATION_FIELDS = ("account_id", "reason", "priority", "created_at", "due_at")
_HOLD_FIELDS = ("account_id", "contact_point_id", "kind", "placed_at")
_INSTALLMENT_FIELDS = ("due_date", "amount_minor")

Snapshot = dict[str, Any]


def produced_by(
    session: Session, attempt_ids: Iterable[int]
) -> dict[int, dict[str, list[Snapshot]]]:
    """The commitments each attempt has in the store, by attempt id; kinds with none left out."""
    wanted = list(attempt_ids)
    # Keyed as the rows name their attempt; the query leaves out rows that name none.
    found: dict[int | None, dict[str, list[Snapshot]]] = defaultdict(lambda: defaultdict(list))
    if not wanted:
        return {}

    promises = select(PromiseToPay).where(PromiseToPay.attempt_id.in_(wanted))
    for promise in session.scalars(promises.order_by(PromiseToPay.id)):
        found[promise.attempt_id]["promises"].append(_snapshot(promise, _PROMISE_FIELDS))

    plans = list(
        session.scalars(
            select(PaymentPlan).where(PaymentPlan.attempt_id.in_(wanted)).order_by(PaymentPlan.id)
        )
    )
    schedules = _installments(session, [plan.id for plan in plans])
    for plan in plans:
        snapshot = _snapshot(plan, _PLAN_FIELDS)
        snapshot["installments"] = schedules.get(plan.id, [])
        found[plan.attempt_id]["plans"].append(snapshot)

    escalations = select(Escalation).where(Escalation.attempt_id.in_(wanted))
    for escalation in session.scalars(escalations.order_by(Escalation.id)):
        found[escalation.attempt_id]["escalations"].append(
            _snapshot(escalation, _ESCALATION_FIELDS)
        )

    holds = select(Hold).where(Hold.attempt_id.in_(wanted))
    for hold in session.scalars(holds.order_by(Hold.id)):
        found[hold.attempt_id]["holds"].append(_snapshot(hold, _HOLD_FIELDS))

    return {key: dict(kinds) for key, kinds in found.items() if key is not None}


def check_commitments(
    session: Session, decisions: dict[int, list[RecordedDecision]]
) -> list[RecordProblem]:
    """Compare every attempt's commitments with its decision event; rows no attempt made too."""
    recorded = {
        attempt_id: mine[0]
        for attempt_id, mine in decisions.items()
        if mine and PAYLOAD_KEY in mine[0].payload
    }
    stored = produced_by(session, recorded)

    problems = []
    for attempt_id, decision in sorted(recorded.items()):
        was = decision.payload[PAYLOAD_KEY] or {}
        now = stored.get(attempt_id, {})
        for kind, name in KINDS.items():
            problems += _compare(
                name, attempt_id, decision.seq, was.get(kind, []), now.get(kind, [])
            )
    return problems + _without_attempt(session, decisions)


def _compare(
    name: str, attempt_id: int, seq: int, was: list[Snapshot], now: list[Snapshot]
) -> list[RecordProblem]:
    before = {row["id"]: row for row in was}
    after = {row["id"]: row for row in now}
    problems = []
    for row_id in sorted(before.keys() - after.keys()):
        problem = f"{name} {row_id} is missing from the store (attempt {attempt_id}, event {seq})"
        problems.append(RecordProblem(attempt_id, problem))
    for row_id in sorted(after.keys() - before.keys()):
        problem = (
            f"{name} {row_id} is not in the audit trail: attempt {attempt_id} did not record it "
            f"(event {seq})"
        )
        problems.append(RecordProblem(attempt_id, problem))
    for row_id in sorted(before.keys() & after.keys()):
        for difference in _differences(before[row_id], after[row_id]):
            # Fields are named, never their values: amounts and dates stay out of the report.
            problem = f"{name} {row_id}: {difference} (event {seq})"
            problems.append(RecordProblem(attempt_id, problem))
    return problems


def _differences(was: Snapshot, now: Snapshot) -> list[str]:
    changed = [
        f"{key} differs from the audit trail"
        for key in sorted(was.keys() | now.keys())
        if key != "installments" and was.get(key) != now.get(key)
    ]
    if "installments" not in was and "installments" not in now:
        return changed

    before = {item["seq"]: item for item in was.get("installments", [])}
    after = {item["seq"]: item for item in now.get("installments", [])}
    for seq in sorted(before.keys() | after.keys()):
        if seq not in after:
            changed.append(f"installment {seq} is missing from the store")
        elif seq not in before:
            changed.append(f"installment {seq} is not in the audit trail")
        else:
            changed += [
                f"installment {seq} {key} differs from the audit trail"
                for key in _INSTALLMENT_FIELDS
                if before[seq].get(key) != after[seq].get(key)
            ]
    return changed


def _without_attempt(
    session: Session, decisions: dict[int, list[RecordedDecision]]
) -> list[RecordProblem]:
    """Promises and plans that name no attempt in the store: only an attempt makes one.

    An attempt without a decision is reported by the attempt checks, and a trail with no
    decisions at all in one line there, so neither is repeated here for its rows.
    """
    if not decisions:
        return []
    attempts = set(session.scalars(select(CallAttempt.id)))
    problems = []
    for model, name in ((PromiseToPay, "promise"), (PaymentPlan, "plan")):
        query = select(model.id, model.attempt_id).order_by(model.id)
        for row_id, attempt_id in session.execute(query):
            if attempt_id is None:
                problem = f"{name} {row_id} names no attempt, so no decision recorded it"
            elif attempt_id not in attempts:
                problem = f"{name} {row_id} names attempt {attempt_id}, which is not in the store"
            else:
                continue
            problems.append(RecordProblem(attempt_id, problem))
    return problems


def _installments(session: Session, plan_ids: list[int]) -> dict[int, list[Snapshot]]:
    found: dict[int, list[Snapshot]] = defaultdict(list)
    if not plan_ids:
        return {}
    query = (
        select(PlanInstallment)
        .where(PlanInstallment.plan_id.in_(plan_ids))
        .order_by(PlanInstallment.plan_id, PlanInstallment.seq, PlanInstallment.id)
    )
    for item in session.scalars(query):
        kept = {name: _kept(getattr(item, name)) for name in _INSTALLMENT_FIELDS}
        found[item.plan_id].append({"seq": item.seq, **kept})
    return dict(found)


def _snapshot(row: Any, fields: tuple[str, ...]) -> Snapshot:
    """The row's fixed fields as the trail keeps them: JSON values that compare exactly."""
    return {"id": row.id, **{name: _kept(getattr(row, name)) for name in fields}}


def _kept(value: Any) -> Any:
    if isinstance(value, datetime):
        return stamp(value)
    if isinstance(value, date):
        return value.isoformat()
    return value
