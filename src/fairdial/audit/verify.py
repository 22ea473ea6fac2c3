"""`fairdial audit verify`: the chain is intact and no recorded attempt broke its policy pack."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdial.audit.chain import ChainProblem, verify_chain
from fairdial.campaign.history import history_for, point_key
from fairdial.policy import Action, History, decide, load_pack
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
    violations: list[Violation] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.chain_problems and not self.violations

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "attempts_checked": self.attempts_checked,
            "chain_problems": [str(p) for p in self.chain_problems],
            "violations": [str(v) for v in self.violations],
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


def _slice(history: History, before: Any) -> History:
    return History(
        contact_points=history.contact_points,
        borrower_timezones=history.borrower_timezones,
        events=[event for event in history.events if event.at < before],
    )


def recheck_attempts(session: Session) -> tuple[int, list[Violation]]:
    """Decide every placed attempt again, with only what was known before it was placed."""
    attempts: dict[int, list[CallAttempt]] = defaultdict(list)
    for attempt in session.scalars(select(CallAttempt).order_by(CallAttempt.id)):
        attempts[attempt.account_id].append(attempt)
    holds: dict[int, list[Hold]] = defaultdict(list)
    for hold in session.scalars(select(Hold)):
        holds[hold.account_id].append(hold)
    points: dict[int, list[ContactPoint]] = defaultdict(list)
    for point in session.scalars(select(ContactPoint)):
        points[point.borrower_id].append(point)

    checked, violations = 0, []
    for account in session.scalars(select(Account).where(Account.id.in_(list(attempts)))):
        mine = attempts[account.id]
        placed = [a for a in mine if a.allowed]
        history = history_for(account.ref, points[account.borrower_id], placed, holds[account.id])
        pack = load_pack(account.jurisdiction)
        for attempt in mine:
            if not attempt.allowed:
                if attempt.result is not None:
                    violations.append(
                        Violation(attempt.id, account.ref, ("dialled_while_blocked",))
                    )
                continue
            checked += 1
            at = attempt.started_at or attempt.planned_at
            point = point_key(attempt.contact_point_id) if attempt.contact_point_id else ""
            action = Action(
                contact_point=point,
                debts=(account.ref,),
                voice=attempt.voice,
                override=attempt.override,
            )
            decision = decide(pack, _slice(history, at), action, at)
            if not decision.allowed:
                violations.append(Violation(attempt.id, account.ref, tuple(decision.reasons)))
    return checked, violations


def verify(session: Session) -> AuditReport:
    report = AuditReport()
    problems, last_seq, _ = verify_chain(session)
    report.events = last_seq
    report.chain_problems = problems + _check_heads(session, last_seq)
    report.attempts_checked, report.violations = recheck_attempts(session)
    return report
