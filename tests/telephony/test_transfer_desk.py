"""The transfer desk announces each step before it happens and books one callback on failure."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fairdial.store import open_store
from fairdial.store.models import Account, Borrower, Escalation
from fairdial.telephony.transfer import (
    Agent,
    AgentPool,
    Convenient,
    HandOff,
    TransferDesk,
    TransferError,
)

NOW = datetime(2026, 3, 2, 15, 0, 10, tzinfo=UTC)
AGENT = Agent("desk-1", "+15005550010")


class Transferer:
    def __init__(self, log: list[str], fails: bool = False, moved: bool = True) -> None:
        self.log = log
        self.fails = fails
        self.moved = moved

    async def cold(self, call_id: str, agent: Agent) -> bool:
        self.log.append(f"cold {agent.name}")
        if self.fails:
            raise TransferError("twilio refused the transfer")
        return self.moved

    async def warm(self, call_id: str, agent: Agent, summary: str, language: str) -> bool:
        self.log.append(f"warm {agent.name}")
        return self.moved


def store_with_account(tmp_path: Path) -> tuple[Any, int]:
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with store.transaction() as session:
        borrower = Borrower(ref="b", language="en-US", created_at=NOW, updated_at=NOW)
        session.add(borrower)
        session.flush()
        account = Account(
            ref="a", borrower_id=borrower.id, source="t", product="card", currency="USD",
            balance_minor=1, principal_minor=1, dpd=5, jurisdiction="US", created_at=NOW,
            updated_at=NOW,
        )  # fmt: skip
        session.add(account)
        session.flush()
        return store, account.id


def hand_off(
    desk: TransferDesk, account_id: int, log: list[str], convenient: Convenient | None = None
) -> HandOff:
    async def announce(handed: HandOff) -> None:
        log.append(f"announce {handed.kind} {handed.due_at.isoformat() if handed.due_at else ''}")

    return asyncio.run(
        desk.hand_off(
            "CA1", language="en-US", summary="wants a person", reason="request_human",
            now=NOW, account_id=account_id, announce=announce, convenient=convenient,
        )
    )  # fmt: skip


def escalations(store: Any) -> list[tuple[str, str, datetime | None]]:
    with store.session() as session:
        rows = session.query(Escalation).order_by(Escalation.id).all()
        return [(row.status, row.reason, row.due_at) for row in rows]


def test_a_transfer_is_announced_before_it_is_sent(tmp_path: Path) -> None:
    store, account_id = store_with_account(tmp_path)
    log: list[str] = []
    desk = TransferDesk(AgentPool((AGENT,)), Transferer(log), store, warm=True)

    handed = hand_off(desk, account_id, log)

    assert log == ["announce warm ", "warm desk-1"]
    assert handed == HandOff("warm", AGENT)
    assert escalations(store) == []  # the campaign's record stores the escalation
    store.close()


def test_a_callback_is_booked_for_a_whole_minute_then_announced(tmp_path: Path) -> None:
    store, account_id = store_with_account(tmp_path)
    log: list[str] = []
    desk = TransferDesk(AgentPool((), timedelta(hours=1)), Transferer(log), store)

    handed = hand_off(desk, account_id, log)

    due = datetime(2026, 3, 2, 16, 1, tzinfo=UTC)
    assert log == [f"announce callback {due.isoformat()}"]
    assert (handed.kind, handed.due_at) == ("callback", due)
    assert escalations(store) == [("open", "request_human", due)]
    store.close()


def test_a_callback_is_never_promised_outside_the_borrowers_hours(tmp_path: Path) -> None:
    store, account_id = store_with_account(tmp_path)
    log: list[str] = []
    desk = TransferDesk(AgentPool((), timedelta(hours=1)), Transferer(log), store)
    opening = datetime(2026, 3, 3, 13, 0, 20, tzinfo=UTC)  # the next morning, 08:00:20 local
    asked: list[datetime] = []

    def convenient(proposed: datetime) -> datetime:
        asked.append(proposed)
        return opening

    handed = hand_off(desk, account_id, log, convenient)

    booked = datetime(2026, 3, 3, 13, 1, tzinfo=UTC)  # still a whole minute
    assert asked == [datetime(2026, 3, 2, 16, 1, tzinfo=UTC)]
    assert log == [f"announce callback {booked.isoformat()}"]
    assert handed.due_at == booked
    assert escalations(store) == [("open", "request_human", booked)]
    # No convenient time known: the pool's delay stands.
    assert hand_off(desk, account_id, [], lambda _: None).due_at == asked[0]
    store.close()


def test_a_failed_transfer_books_one_callback_and_announces_it_after_the_try(
    tmp_path: Path,
) -> None:
    store, account_id = store_with_account(tmp_path)
    log: list[str] = []
    desk = TransferDesk(AgentPool((AGENT,), timedelta(minutes=30)), Transferer(log, True), store)
    desk.warm = False

    handed = hand_off(desk, account_id, log)

    due = datetime(2026, 3, 2, 15, 31, tzinfo=UTC)
    assert log == ["announce cold ", "cold desk-1", f"announce failed {due.isoformat()}"]
    assert (handed.kind, handed.agent, handed.due_at) == ("failed", AGENT, due)
    assert escalations(store) == [("open", "request_human", due)]
    assert desk.log == [handed]
    store.close()


def test_a_borrower_gone_before_the_transfer_books_nothing(tmp_path: Path) -> None:
    store, account_id = store_with_account(tmp_path)
    log: list[str] = []
    desk = TransferDesk(AgentPool((AGENT,)), Transferer(log, moved=False), store, warm=False)

    handed = hand_off(desk, account_id, log)

    assert handed.kind == "ended"
    assert escalations(store) == []
    store.close()
