"""Each attempt against its decision event: one each way, and the row still says what was recorded.

The chain proves the events were not changed; these checks prove the store's attempt rows were
not changed, added or deleted behind the chain's back. A decision event carries what the attempt
became (result, disposition, times, number dialled) and the inputs of the gate that can change
later (the borrower's time zones), written in the same transaction as the attempt row.

Limitations: events written before the outcome fields existed are checked only on what they
carry (allowed, reasons, pack, campaign, planned time); conversations and turns are not
compared with the trail. Promises, plans, escalations and holds are compared in
`fairdial.audit.commitments`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdial.store.models import AuditEvent, CallAttempt, Campaign

DECISION_KINDS = ("decision.allow", "decision.block")

# Payload keys that record what the attempt became; all present, or none (older events).
OUTCOME_FIELDS = (
    "result",
    "disposition",
    "started_at",
    "ended_at",
    "contact_point_id",
    "allowed",
)
_MOMENTS = frozenset({"started_at", "ended_at"})
# Where decisions whose payload names no attempt id are kept; no attempt row has this id.
_NO_ATTEMPT = -1


def stamp(moment: datetime | None) -> str | None:
    """A moment as the trail keeps it: ISO 8601 in UTC, so a re-read compares exactly."""
    return None if moment is None else moment.astimezone(UTC).isoformat()


@dataclass(frozen=True)
class RecordProblem:
    attempt_id: int | None
    problem: str

    def __str__(self) -> str:
        return self.problem


@dataclass(frozen=True)
class RecordedDecision:
    """One decision event, as much of it as the checks and the re-check need."""

    seq: int
    kind: str
    at: datetime
    pack_id: str | None
    pack_version: str | None
    payload: dict[str, Any] = field(hash=False)

    @property
    def timezones(self) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
        """The dialled number's zones and the borrower's zones the gate used, if recorded."""
        if "timezones" not in self.payload or "borrower_timezones" not in self.payload:
            return None
        return tuple(self.payload["timezones"]), tuple(self.payload["borrower_timezones"])


def recorded_decisions(session: Session) -> dict[int, list[RecordedDecision]]:
    """Every decision event in the trail, by the attempt id its payload names."""
    found: dict[int, list[RecordedDecision]] = defaultdict(list)
    query = (
        select(
            AuditEvent.seq,
            AuditEvent.kind,
            AuditEvent.at,
            AuditEvent.pack_id,
            AuditEvent.pack_version,
            AuditEvent.payload,
        )
        .where(AuditEvent.kind.in_(DECISION_KINDS))
        .order_by(AuditEvent.seq)
    )
    for seq, kind, at, pack_id, pack_version, payload in session.execute(query):
        decision = RecordedDecision(seq, kind, at, pack_id, pack_version, payload or {})
        attempt_id = decision.payload.get("attempt_id")
        found[attempt_id if type(attempt_id) is int else _NO_ATTEMPT].append(decision)
    return dict(found)


def check_records(
    session: Session, decisions: dict[int, list[RecordedDecision]]
) -> list[RecordProblem]:
    """Pair every attempt with exactly one decision event and compare the two."""
    problems: list[RecordProblem] = []
    attempts = list(session.scalars(select(CallAttempt).order_by(CallAttempt.id)))
    known = {attempt.id for attempt in attempts}

    if attempts and not decisions:
        # One line instead of one per attempt: the whole trail is gone, not a record here or there.
        count = len(attempts)
        problems.append(
            RecordProblem(None, f"the audit trail holds no decisions, but {count} attempts exist")
        )
    else:
        for attempt in attempts:
            mine = decisions.get(attempt.id, [])
            if not mine:
                problems.append(
                    RecordProblem(
                        attempt.id, f"attempt {attempt.id} has no decision in the audit trail"
                    )
                )
                continue
            if len(mine) > 1:
                seqs = ", ".join(str(d.seq) for d in mine)
                problems.append(
                    RecordProblem(
                        attempt.id,
                        f"attempt {attempt.id} has {len(mine)} decisions in the audit trail "
                        f"(events {seqs})",
                    )
                )
            problems += _compare(attempt, mine[0])

    for attempt_id in sorted(set(decisions) - known):
        if attempt_id == _NO_ATTEMPT:
            problems += [
                RecordProblem(None, f"audit event {d.seq}: a decision that names no attempt")
                for d in decisions[attempt_id]
            ]
            continue
        problems.append(
            RecordProblem(attempt_id, f"decision for attempt {attempt_id} has no attempt")
        )

    problems += _check_campaigns(session, attempts, decisions)
    return problems


def _compare(attempt: CallAttempt, decision: RecordedDecision) -> list[RecordProblem]:
    payload = decision.payload
    recorded: dict[str, Any] = {
        "allowed": decision.kind == "decision.allow",
        "planned_at": decision.at,
        "pack_id": decision.pack_id,
        "pack_version": decision.pack_version,
        "campaign_id": payload.get("campaign_id"),
        "reasons": payload.get("reasons"),
    }
    if all(name in payload for name in OUTCOME_FIELDS):
        recorded.update({name: payload[name] for name in OUTCOME_FIELDS})

    problems = []
    for name, was in recorded.items():
        now = getattr(attempt, name)
        if name in _MOMENTS and was is not None:
            was = datetime.fromisoformat(was)
        if name == "reasons":
            now, was = list(now or []), list(was or [])
        if now != was:
            problem = (
                f"attempt {attempt.id}: {name} is {_shown(now)} but was recorded as {_shown(was)}"
            )
            problems.append(RecordProblem(attempt.id, problem))
    return problems


def _check_campaigns(
    session: Session, attempts: list[CallAttempt], decisions: dict[int, list[RecordedDecision]]
) -> list[RecordProblem]:
    """Every campaign with attempts recorded the chain's head, and the head covers its decisions.

    The recorder moves the head forward in the same transaction as each batch, so a head missing
    or older than the campaign's own decisions was edited afterwards.
    """
    heads = {c.id: (c.settings or {}).get("audit_head") for c in session.scalars(select(Campaign))}
    last_seq: dict[int, int] = {}
    for attempt in attempts:
        if attempt.campaign_id is None:
            continue
        seq = max((d.seq for d in decisions.get(attempt.id, [])), default=0)
        last_seq[attempt.campaign_id] = max(last_seq.get(attempt.campaign_id, 0), seq)

    problems = []
    for campaign_id, seq in sorted(last_seq.items()):
        head = heads.get(campaign_id)
        if campaign_id not in heads:
            problem = f"campaign {campaign_id} has attempts but no campaign record"
        elif not head:
            problem = f"campaign {campaign_id} has attempts but no recorded audit head"
        elif head["seq"] < seq:
            problem = (
                f"campaign {campaign_id} recorded the audit head at event {head['seq']}, "
                f"before its own decision at event {seq}"
            )
        else:
            continue
        problems.append(RecordProblem(None, problem))
    return problems


def _shown(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return stamp(value) or "none"
    if isinstance(value, list):
        return "[" + ", ".join(str(item) for item in value) + "]"
    return str(value)
