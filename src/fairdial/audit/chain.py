"""A hash chain over audit events, so that an edited or deleted event is detected.

Each event's hash covers its own fields and the previous event's hash. Editing an event breaks
its own hash; deleting one breaks the link of the event after it; deleting the newest ones is
caught by the head recorded with each campaign (see `fairdial.audit.verify`). A chain rebuilt
from an edited event onwards verifies by itself; anchors kept outside the store catch it (see
`fairdial.audit.anchor`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from fairdial.store.models import AuditEvent

GENESIS = "0" * 64


def event_hash(
    seq: int,
    at: datetime,
    kind: str,
    subject: str | None,
    pack_id: str | None,
    pack_version: str | None,
    payload: dict[str, Any],
    prev_hash: str,
) -> str:
    body = json.dumps(
        [
            seq,
            at.astimezone(UTC).isoformat(),
            kind,
            subject,
            pack_id,
            pack_version,
            payload,
            prev_hash,
        ],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(body.encode()).hexdigest()


class AuditLog:
    """Appends events to the chain; `flush` writes what was appended in the caller's session.

    One writer at a time: on PostgreSQL a transaction-scoped advisory lock serialises writers
    (hold the same transaction until the last flush); SQLite serialises writers by itself.
    """

    _LOCK_ID = 0x6661697264  # an arbitrary constant that names fairdial's audit chain

    def __init__(self, session: Session) -> None:
        self._session = session
        self._pending: list[dict[str, Any]] = []
        self.lock()
        last = session.execute(
            select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
        ).first()
        self._seq, self._head = (last[0], last[1]) if last else (0, GENESIS)

    def lock(self) -> None:
        """Take the writer's lock for the session's current transaction (again after a commit)."""
        if self._session.get_bind().dialect.name == "postgresql":
            self._session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": self._LOCK_ID})

    @property
    def head(self) -> tuple[int, str]:
        return self._seq, self._head

    def append(
        self,
        kind: str,
        at: datetime,
        payload: dict[str, Any],
        *,
        subject: str | None = None,
        pack_id: str | None = None,
        pack_version: str | None = None,
    ) -> int:
        """Chain one event and return its sequence number."""
        # Round-trip the payload through JSON so the hash covers exactly what the store keeps.
        payload = json.loads(json.dumps(payload, ensure_ascii=False, default=str))
        seq = self._seq + 1
        digest = event_hash(seq, at, kind, subject, pack_id, pack_version, payload, self._head)
        self._pending.append(
            {
                "seq": seq,
                "at": at,
                "kind": kind,
                "subject": subject,
                "pack_id": pack_id,
                "pack_version": pack_version,
                "payload": payload,
                "prev_hash": self._head,
                "hash": digest,
            }
        )
        self._seq, self._head = seq, digest
        return seq

    def flush(self) -> None:
        if self._pending:
            self._session.execute(insert(AuditEvent), self._pending)
            self._pending = []


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    problem: str

    def __str__(self) -> str:
        return f"audit event {self.seq}: {self.problem}"


def _events(session: Session, batch: int = 5000) -> Iterator[AuditEvent]:
    after = 0
    while True:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.seq > after).order_by(AuditEvent.seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        after = rows[-1].seq
        session.expunge_all()


def verify_chain(session: Session) -> tuple[list[ChainProblem], int, str]:
    """Recompute every link; return the problems found, the last seq and the head hash."""
    problems: list[ChainProblem] = []
    expected_seq, prev = 1, GENESIS
    for event in _events(session):
        if event.seq != expected_seq:
            missing = f"events {expected_seq}..{event.seq - 1} are missing"
            problems.append(ChainProblem(event.seq, missing))
        if event.prev_hash != prev:
            problems.append(ChainProblem(event.seq, "does not link to the event before it"))
        recomputed = event_hash(
            event.seq,
            event.at,
            event.kind,
            event.subject,
            event.pack_id,
            event.pack_version,
            event.payload,
            event.prev_hash,
        )
        if recomputed != event.hash:
            problems.append(ChainProblem(event.seq, "was changed after it was written"))
        expected_seq, prev = event.seq + 1, event.hash
    return problems, expected_seq - 1, prev
