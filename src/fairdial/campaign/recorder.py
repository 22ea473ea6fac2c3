"""Writes what each attempt came to: attempt, conversation, commitments, holds, audit events.

Taking an attempt has two halves. `Recorder.take` runs on the event loop as the attempt ends:
the channel's measurements join the record and the account's history in memory learns of the
attempt, so the next decision about the account sees it. `Recorder.write` stores a batch of
taken records in one transaction, wherever the caller runs it (commits.py decides: on the loop
in batches for simulated calls, on a writer thread one by one for real ones).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, update

from fairdial.audit import AuditLog
from fairdial.audit.commitments import PAYLOAD_KEY as COMMITMENTS
from fairdial.audit.commitments import produced_by
from fairdial.audit.records import stamp
from fairdial.campaign.history import attempt_event, hold_event, misdirected_event
from fairdial.campaign.targets import Target
from fairdial.conversation.outcome import ConversationOutcome
from fairdial.dispositions import Disposition
from fairdial.policy import Decision
from fairdial.reporting.kpi import SUPERSEDED
from fairdial.store import Store
from fairdial.store.models import (
    CallAttempt,
    Campaign,
    ContactPoint,
    Conversation,
    Escalation,
    Hold,
    PaymentPlan,
    PlanInstallment,
    PromiseToPay,
    Turn,
)
from fairdial.store.models import Disposition as DispositionRow
from fairdial.telephony.base import CallResult

log = logging.getLogger("fairdial.campaign")


@dataclass
class AttemptRecord:
    """Everything one attempt produced, ready to be written."""

    target: Target
    decision: Decision
    planned_at: datetime
    channel: str
    result: CallResult | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    outcome: ConversationOutcome | None = None
    disposition: Disposition = Disposition.BLOCKED
    extra: dict[str, Any] = field(default_factory=dict)
    # The escalation a live hand-off already stored (a booked callback): the attempt's
    # escalation completes that row instead of adding a second one for the same hand-off.
    escalation_id: int | None = None


def remember(record: AttemptRecord) -> None:
    """Bring the target's in-memory history up to date with what the attempt added."""
    target = record.target
    if record.result is not None and record.started_at is not None:
        event = attempt_event(
            target.account_ref, target.contact_point_id, record.started_at, record.result
        )
        target.history.append(event)
    if record.disposition is Disposition.WRONG_NUMBER and record.ended_at is not None:
        target.history.append(misdirected_event(target.contact_point_id, record.ended_at))
    if record.outcome is not None and record.ended_at is not None:
        for kind in record.outcome.holds:
            target.history.append(hold_event(kind, record.ended_at))


class Recorder:
    """Takes finished attempts on the loop and writes them, in batches, to one campaign."""

    def __init__(
        self,
        store: Store,
        campaign_id: int,
        annotate: Callable[[AttemptRecord], None] | None = None,
    ) -> None:
        self._store = store
        self._annotate = annotate
        self._campaign_id = campaign_id

    def take(self, record: AttemptRecord) -> None:
        """Bring the record and its account's history up to date; nothing is stored yet.

        `annotate`, when given, first adds what the channel measured (e.g. latency).
        """
        if self._annotate is not None:
            self._annotate(record)
        remember(record)

    def write(self, batch: list[AttemptRecord]) -> None:
        """Store taken records in one transaction, in the order given, with their audit events."""
        if not batch:
            return
        with self._store.transaction() as session:
            audit = AuditLog(session)
            attempt_ids = self._insert_attempts(session, batch)
            self._insert_results(session, batch, attempt_ids)
            # Read back from the rows just written, so the trail holds what the store holds.
            produced = produced_by(session, attempt_ids)
            for record, attempt_id in zip(batch, attempt_ids, strict=True):
                self._audit(audit, record, attempt_id, produced.get(attempt_id, {}))
            audit.flush()
            session.execute(
                update(Campaign)
                .where(Campaign.id == self._campaign_id)
                .values(settings=_with_head(session, self._campaign_id, audit.head))
            )
        log.debug(
            "recorded attempts", extra={"campaign_id": self._campaign_id, "count": len(batch)}
        )

    def _insert_attempts(self, session: Any, batch: list[AttemptRecord]) -> list[int]:
        rows = [
            {
                "campaign_id": self._campaign_id,
                "account_id": r.target.account_id,
                "contact_point_id": r.target.contact_point_id,
                "channel": r.channel,
                "voice": "ai",
                "direction": "outbound",
                "planned_at": r.planned_at,
                "started_at": r.started_at,
                "ended_at": r.ended_at,
                "allowed": r.decision.allowed,
                "reasons": list(r.decision.reasons),
                "override": None,
                "pack_id": r.decision.pack_id,
                "pack_version": r.decision.pack_version,
                "result": r.result.value if r.result else None,
                "disposition": r.disposition.value,
            }
            for r in batch
        ]
        statement = insert(CallAttempt).returning(CallAttempt.id, sort_by_parameter_order=True)
        return list(session.scalars(statement, rows))

    def _insert_results(self, session: Any, batch: list[AttemptRecord], ids: list[int]) -> None:
        dispositions, conversations, turns_by_conversation = [], [], []
        promises, holds, escalations, misdirected = [], [], [], []
        booked: list[tuple[int, dict[str, Any]]] = []
        plans: list[tuple[dict[str, Any], list[tuple[Any, int]]]] = []

        for record, attempt_id in zip(batch, ids, strict=True):
            target, outcome = record.target, record.outcome
            if record.decision.allowed:
                dispositions.append(
                    {
                        "attempt_id": attempt_id,
                        "code": record.disposition.value,
                        "right_party": bool(outcome and outcome.right_party),
                        "decided_at": record.ended_at or record.planned_at,
                    }
                )
            if record.disposition is Disposition.WRONG_NUMBER:
                misdirected.append(target.contact_point_id)
            if outcome is None or record.started_at is None:
                continue
            ended = record.ended_at or record.started_at
            row = {
                "attempt_id": attempt_id,
                "language": target.facts.language,
                "script": f"collection/{target.facts.language}",
                "right_party": outcome.right_party,
                "started_at": record.started_at,
                "ended_at": ended,
                "summary": outcome.summary or None,
                "variant": outcome.variant or None,
                "concessions": outcome.concessions,
            }
            row["latency"] = record.extra.get("latency")  # voice calls only
            conversations.append(row)
            turns_by_conversation.append(
                [
                    {
                        "seq": seq,
                        "speaker": turn.speaker,
                        "text": turn.text,
                        "act": turn.act,
                        "intent": turn.intent,
                        "confidence": turn.confidence,
                        "at": record.started_at + timedelta(seconds=turn.offset_s),
                    }
                    for seq, turn in enumerate(outcome.turns, start=1)
                ]
            )
            common = {"account_id": target.account_id, "attempt_id": attempt_id}
            if outcome.promise is not None:
                promises.append(
                    {
                        **common,
                        "amount_minor": outcome.promise.amount_minor,
                        "currency": target.facts.currency,
                        "due_date": outcome.promise.due_date,
                        "status": "open",
                        "settlement": outcome.promise.settlement,
                        "created_at": ended,
                    }
                )
            if outcome.plan is not None:
                plan_row = {
                    **common,
                    "total_minor": outcome.plan.total_minor,
                    "currency": target.facts.currency,
                    "months": outcome.plan.months,
                    "status": "active",
                    "created_at": ended,
                }
                plans.append((plan_row, list(outcome.plan.installments)))
            for kind in outcome.holds:
                holds.append({**common, "kind": kind, "placed_at": ended, "contact_point_id": None})
            if outcome.escalation:
                escalation = {
                    **common,
                    "reason": outcome.escalation,
                    "priority": 1 if outcome.escalation == "distress" else 2,
                    "summary": outcome.summary or None,
                    "status": "open",
                    "created_at": ended,
                    "due_at": outcome.callback_due,
                }
                if record.escalation_id is not None:
                    booked.append((record.escalation_id, escalation))
                else:
                    escalations.append(escalation)

        if dispositions:
            session.execute(insert(DispositionRow), dispositions)
        if conversations:
            statement = insert(Conversation).returning(
                Conversation.id, sort_by_parameter_order=True
            )
            conversation_ids = list(session.scalars(statement, conversations))
            turn_rows = [
                {**turn, "conversation_id": cid}
                for cid, turns in zip(conversation_ids, turns_by_conversation, strict=True)
                for turn in turns
            ]
            if turn_rows:
                session.execute(insert(Turn), turn_rows)
        renewed = {row["account_id"] for row in promises} | {row["account_id"] for row, _ in plans}
        if renewed:
            # A new commitment replaces whatever the account still had open.
            session.execute(
                update(PromiseToPay)
                .where(PromiseToPay.account_id.in_(renewed), PromiseToPay.status == "open")
                .values(status=SUPERSEDED)
            )
            session.execute(
                update(PaymentPlan)
                .where(PaymentPlan.account_id.in_(renewed), PaymentPlan.status == "active")
                .values(status=SUPERSEDED)
            )
        if promises:
            session.execute(insert(PromiseToPay), promises)
        if plans:
            statement = insert(PaymentPlan).returning(PaymentPlan.id, sort_by_parameter_order=True)
            plan_ids = list(session.scalars(statement, [row for row, _ in plans]))
            installments = [
                {"plan_id": pid, "seq": seq, "due_date": due, "amount_minor": amount}
                for pid, (_, schedule) in zip(plan_ids, plans, strict=True)
                for seq, (due, amount) in enumerate(schedule, start=1)
            ]
            session.execute(insert(PlanInstallment), installments)
        if holds:
            session.execute(insert(Hold), holds)
        escalations += _complete_booked(session, booked)
        if escalations:
            session.execute(insert(Escalation), escalations)
        if misdirected:
            session.execute(
                update(ContactPoint)
                .where(ContactPoint.id.in_(misdirected))
                .values(status="misdirected")
            )

    def _audit(
        self,
        audit: AuditLog,
        record: AttemptRecord,
        attempt_id: int,
        commitments: dict[str, Any],
    ) -> None:
        decision, target = record.decision, record.target
        point = target.history.contact_points.get(target.contact_point_key)
        audit.append(
            "decision.allow" if decision.allowed else "decision.block",
            record.planned_at,
            {
                "attempt_id": attempt_id,
                "campaign_id": self._campaign_id,
                "reasons": list(decision.reasons),
                "flags": list(decision.flags),
                "sources": list(decision.sources),
                "next_allowed_at": decision.next_allowed_at,
                # What the attempt row says it became, so a later edit of the row shows; written
                # in the same transaction as the row. Ids and codes only, no personal data.
                "allowed": decision.allowed,
                "result": record.result.value if record.result else None,
                "disposition": record.disposition.value,
                "started_at": stamp(record.started_at),
                "ended_at": stamp(record.ended_at),
                "contact_point_id": target.contact_point_id,
                # The zones the gate judged by: a re-import may change them, and the re-check
                # must judge this call by what was known when it was placed.
                "timezones": list(point.timezones) if point is not None else [],
                "borrower_timezones": list(target.history.borrower_timezones),
                # The promises, plans, escalations and holds the attempt produced, so verify
                # finds one edited, deleted or added later (see fairdial.audit.commitments).
                COMMITMENTS: commitments,
            },
            subject=record.target.account_ref,
            pack_id=decision.pack_id,
            pack_version=decision.pack_version,
        )
        outcome = record.outcome
        if outcome is None:
            return
        for kind in outcome.holds:
            audit.append(
                "hold.placed",
                record.ended_at or record.planned_at,
                {"attempt_id": attempt_id, "hold": kind},
                subject=record.target.account_ref,
            )
        started = record.started_at or record.planned_at
        for event in outcome.guard_events:
            # The sentence itself is not kept here: only which rules stopped it, and why.
            audit.append(
                "guard.block",
                started + timedelta(seconds=float(event.get("offset_s") or 0.0)),
                {"attempt_id": attempt_id, **{k: v for k, v in event.items() if k != "offset_s"}},
                subject=record.target.account_ref,
                pack_id=event.get("pack_id"),
                pack_version=event.get("pack_version"),
            )


def _complete_booked(
    session: Any, booked: list[tuple[int, dict[str, Any]]]
) -> list[dict[str, Any]]:
    """Give each callback a hand-off booked its attempt and the call's final summary; the rows
    not found (booked in another store) come back to be inserted whole."""
    missing = []
    for escalation_id, escalation in booked:
        found = session.execute(
            update(Escalation)
            .where(
                Escalation.id == escalation_id,
                Escalation.account_id == escalation["account_id"],
            )
            .values(attempt_id=escalation["attempt_id"], summary=escalation["summary"])
        )
        if found.rowcount != 1:
            missing.append(escalation)
    return missing


def _with_head(session: Any, campaign_id: int, head: tuple[int, str]) -> dict[str, Any]:
    settings = dict(session.get(Campaign, campaign_id).settings or {})
    settings["audit_head"] = {"seq": head[0], "hash": head[1]}
    return settings
