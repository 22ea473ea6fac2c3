"""Campaign KPIs computed from the records, never from counters kept on the side."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from fairdial.money import to_major
from fairdial.reporting.latency import latency_figures, stored_turns
from fairdial.store.models import (
    CallAttempt,
    Conversation,
    Escalation,
    Hold,
    PaymentPlan,
    PromiseToPay,
)

CONNECTED = ("conversation", "answered_dropped")
# Allowed attempts the carrier never received: no phone rang, so no rate is taken over them.
NOT_PLACED = "not_placed"
# Attempts the carrier may have placed without telling us: counted as placed calls.
OUTCOME_UNKNOWN = "unknown"
SUPERSEDED = "superseded"  # a later promise or plan on the same account replaced it


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _major(total_minor: int | None, currency: str) -> float:
    return float(to_major(int(total_minor or 0), currency))


def _standing(status: Any, amount: Any) -> Any:
    return case((status == SUPERSEDED, 0), else_=amount)


def _scoped(query: Any, column: Any, campaign_id: int | None) -> Any:
    return query if campaign_id is None else query.where(column == campaign_id)


def kpis(session: Session, campaign_id: int | None = None) -> dict[str, Any]:
    """Attempts, contact and promise rates, commitments, hand-offs and blocks, as plain numbers.

    `attempts` are those the gate allowed; rates are per placed attempt (those the carrier may
    have received, so not `attempts_not_placed`) and per right-party contact (PTP rate). When
    voice calls recorded their latency, `voice_*_ms` give its median and p95 per part.
    """
    attempt_rows = session.execute(
        _scoped(
            select(CallAttempt.id, CallAttempt.allowed, CallAttempt.result, CallAttempt.reasons),
            CallAttempt.campaign_id,
            campaign_id,
        )
    ).all()
    allowed = [row for row in attempt_rows if row.allowed]
    blocked = [row for row in attempt_rows if not row.allowed]
    attempt_ids = select(CallAttempt.id)
    attempt_ids = _scoped(attempt_ids, CallAttempt.campaign_id, campaign_id)

    rpc = session.scalar(
        select(func.count())
        .select_from(Conversation)
        .where(Conversation.right_party.is_(True), Conversation.attempt_id.in_(attempt_ids))
    )
    # Every promise and plan made counts; only those still standing count towards the amounts,
    # so a borrower who promises again after missing a date is not owed twice in the report.
    promises = session.execute(
        select(
            PromiseToPay.currency,
            func.count(),
            func.sum(_standing(PromiseToPay.status, PromiseToPay.amount_minor)),
        )
        .where(PromiseToPay.attempt_id.in_(attempt_ids))
        .group_by(PromiseToPay.currency)
    ).all()
    plans = session.execute(
        select(
            PaymentPlan.currency,
            func.count(),
            func.sum(_standing(PaymentPlan.status, PaymentPlan.total_minor)),
        )
        .where(PaymentPlan.attempt_id.in_(attempt_ids))
        .group_by(PaymentPlan.currency)
    ).all()
    escalations = session.execute(
        select(Escalation.reason, func.count())
        .where(Escalation.attempt_id.in_(attempt_ids))
        .group_by(Escalation.reason)
    ).all()
    holds = session.execute(
        select(Hold.kind, func.count()).where(Hold.attempt_id.in_(attempt_ids)).group_by(Hold.kind)
    ).all()

    rpc = rpc or 0
    promise_count = sum(count for _, count, _ in promises)
    plan_count = sum(count for _, count, _ in plans)
    blocked_by_reason: Counter[str] = Counter()
    for row in blocked:
        blocked_by_reason.update(row.reasons or ["unspecified"])
    results = Counter(row.result for row in allowed)
    placed = len(allowed) - results[NOT_PLACED]

    figures = {
        "campaign_id": campaign_id,
        "attempts": len(allowed),
        "attempts_blocked": len(blocked),
        "attempts_not_placed": results[NOT_PLACED],
        "attempts_outcome_unknown": results[OUTCOME_UNKNOWN],
        "results": dict(sorted(results.items())),
        "connects": sum(results[r] for r in CONNECTED),
        "connect_rate": _ratio(sum(results[r] for r in CONNECTED), placed),
        "right_party_contacts": rpc,
        "rpc_rate": _ratio(rpc, placed),
        "promises": promise_count,
        "ptp_rate": _ratio(promise_count, rpc),
        "amount_promised": {cur: _major(total, cur) for cur, _, total in promises},
        "plans": plan_count,
        "plan_rate": _ratio(plan_count, rpc),
        "amount_in_plans": {cur: _major(total, cur) for cur, _, total in plans},
        "escalations": sum(count for _, count in escalations),
        "escalations_by_reason": dict(sorted(escalations)),
        "holds_placed": sum(count for _, count in holds),
        "holds_by_kind": dict(sorted(holds)),
        "blocked_by_reason": dict(sorted(blocked_by_reason.items())),
    }
    figures.update(latency_figures(stored_turns(session, campaign_id)))
    return figures
