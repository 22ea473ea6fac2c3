"""`fairdial audit verify`: the chain is intact and no recorded attempt broke its policy pack."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdial.audit.anchor import AnchorProblem
from fairdial.audit.chain import ChainProblem, verify_chain
from fairdial.audit.commitments import check_commitments
from fairdial.audit.records import (
    RecordedDecision,
    RecordProblem,
    check_records,
    recorded_decisions,
)
from fairdial.campaign.history import history_for, point_key
from fairdial.policy import Action, History, PackError, PolicyPack, decide, load_pack
from fairdial.store.models import Account, AuditEvent, CallAttempt, Campaign, ContactPoint, Hold


@dataclass(frozen=True)
class Violation:
    attempt_id: int
    account_ref: str
    reasons: tuple[str, ...]

    def __str__(self) -> str:
        return f"attempt {self.attempt_id} ({self.account_ref}) broke: {', '.join(self.reasons)}"


@dataclass
class AuditReport:
    events: int = 0
    attempts_checked: int = 0
    chain_problems: list[ChainProblem] = field(default_factory=list)
    record_problems: list[RecordProblem] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    anchors_checked: int = 0
    anchor_problems: list[AnchorProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (
            self.chain_problems or self.record_problems or self.violations or self.anchor_problems
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "attempts_checked": self.attempts_checked,
            "chain_problems": [str(p) for p in self.chain_problems],
            "record_problems": [str(p) for p in self.record_problems],
            "violations": [str(v) for v in self.violations],
            "anchors_checked": self.anchors_checked,
            "anchor_problems": [str(p) for p in self.anchor_problems],
        }


def _check_heads(session: Session, last_seq: int) -> list[ChainProblem]:
    """Each finished campaign recorded the chain's head; the chain must still reach it."""
    problems = []
    for campaign in session.scalars(select(Campaign)):
        head = (campaign.settings or {}).get("audit_head")
        if not head:
            continue
        if head["seq"] > last_seq:
            problems.append(
                ChainProblem(head["seq"], f"missing: campaign {campaign.id} recorded it as written")
            )
            continue
        found = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == head["seq"]))
        if found != head["hash"]:
            problems.append(
                ChainProblem(head["seq"], f"differs from campaign {campaign.id}'s record")
            )
    return problems


def _known_before(
    history: History, point: str, decision: RecordedDecision | None, before: Any
) -> History:
    """The history as the gate saw it: events before the attempt, and the zones it used then.

    A re-import may move a borrower or change a number's zones; judging a past call by today's
    zones would report violations that were not. Decisions recorded before the zones were kept
    fall back to the zones in the store now.
    """
    points, borrower_zones = history.contact_points, history.borrower_timezones
    zones = decision.timezones if decision is not None else None
    if zones is not None and point in points:
        number_zones, borrower_zones = zones
        # The recorded borrower zones hold every zone of every number the gate saw, so the other
        # numbers add none: their current zones must not widen the window after the fact.
        points = {
            key: replace(info, timezones=number_zones if key == point else ())
            for key, info in points.items()
        }
    return History(
        contact_points=points,
        borrower_timezones=borrower_zones,
        events=[event for event in history.events if event.at < before],
    )


def recheck_attempts(
    session: Session, decisions: dict[int, list[RecordedDecision]] | None = None
) -> tuple[int, list[Violation]]:
    """Decide every placed attempt again, with only what was known before it was placed.

    Each attempt is judged by the pack it was recorded under and, where its decision event
    kept them, the time zones the gate used then, not the account's current jurisdiction or zones.

    Limitations: the pack is today's version of the recorded pack id; a number's kind, place and
    AI-voice consent are read from the store as they are now.
    """
    if decisions is None:
        decisions = recorded_decisions(session)
    attempts: dict[int, list[CallAttempt]] = defaultdict(list)
    for attempt in session.scalars(select(CallAttempt).order_by(CallAttempt.id)):
        attempts[attempt.account_id].append(attempt)
    holds: dict[int, list[Hold]] = defaultdict(list)
    for hold in session.scalars(select(Hold)):
        holds[hold.account_id].append(hold)
    # A hold deleted from the table still stands in the chain: judge calls by the chain's too.
    for account_id, chained in chained_holds(session).items():
        kept = {(hold.kind, hold.placed_at) for hold in holds[account_id]}
        for at, kind in chained:
            if (kind, at) not in kept:
                holds[account_id].append(Hold(account_id=account_id, kind=kind, placed_at=at))
    points: dict[int, list[ContactPoint]] = defaultdict(list)
    for row in session.scalars(select(ContactPoint)):
        points[row.borrower_id].append(row)

    packs: dict[str, PolicyPack | None] = {}
    checked, violations = 0, []
    for account in session.scalars(select(Account).where(Account.id.in_(list(attempts)))):
        mine = attempts[account.id]
        placed = [a for a in mine if a.allowed]
        history = history_for(account.ref, points[account.borrower_id], placed, holds[account.id])
        for attempt in mine:
            if not attempt.allowed:
                if attempt.result is not None:
                    violations.append(
                        Violation(attempt.id, account.ref, ("dialled_while_blocked",))
                    )
                continue
            checked += 1
            pack = _pack(packs, attempt.pack_id)
            if pack is None:
                violations.append(Violation(attempt.id, account.ref, ("unknown_pack",)))
                continue
            at = attempt.started_at or attempt.planned_at
            point = point_key(attempt.contact_point_id) if attempt.contact_point_id else ""
            action = Action(
                contact_point=point,
                debts=(account.ref,),
                voice=attempt.voice,
                override=attempt.override,
            )
            recorded = next(iter(decisions.get(attempt.id, [])), None)
            known = _known_before(history, point, recorded, at)
            decision = decide(pack, known, action, at)
            if not decision.allowed:
                violations.append(Violation(attempt.id, account.ref, tuple(decision.reasons)))
    return checked, violations


def _pack(packs: dict[str, PolicyPack | None], pack_id: str) -> PolicyPack | None:
    """The pack an attempt was recorded under; None when this release has no such pack."""
    if pack_id not in packs:
        try:
            packs[pack_id] = load_pack(pack_id)
        except PackError:
            packs[pack_id] = None
    return packs[pack_id]


def chained_holds(session: Session) -> dict[int, list[tuple[Any, str]]]:
    """Holds as the audit chain recorded them, by account id: the table alone can be edited."""
    by_ref: dict[str, list[tuple[Any, str]]] = defaultdict(list)
    for event in session.scalars(select(AuditEvent).where(AuditEvent.kind == "hold.placed")):
        if event.subject and event.payload.get("hold"):
            by_ref[event.subject].append((event.at, str(event.payload["hold"])))
    if not by_ref:
        return {}
    ids = session.execute(select(Account.ref, Account.id).where(Account.ref.in_(list(by_ref))))
    return {account_id: by_ref[ref] for ref, account_id in ids}


def _missing_holds(
    session: Session, chained: dict[int, list[tuple[Any, str]]]
) -> list[RecordProblem]:
    stored = {(hold.account_id, hold.kind) for hold in session.scalars(select(Hold))}
    return [
        RecordProblem(
            None,
            f"hold {kind} on account {account_id} (placed {at.isoformat()}) is missing from the "
            "store",
        )
        for account_id, holds in sorted(chained.items())
        for at, kind in holds
        if (account_id, kind) not in stored
    ]


def verify(session: Session) -> AuditReport:
    report = AuditReport()
    problems, last_seq, _ = verify_chain(session)
    report.events = last_seq
    report.chain_problems = problems + _check_heads(session, last_seq)
    decisions = recorded_decisions(session)
    report.record_problems = check_records(session, decisions)
    report.record_problems += check_commitments(session, decisions)
    report.record_problems += _missing_holds(session, chained_holds(session))
    report.attempts_checked, report.violations = recheck_attempts(session, decisions)
    return report
