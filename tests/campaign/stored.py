"""What a campaign test reads back from the store."""

from __future__ import annotations

from sqlalchemy import select

from fairdial.store import Store
from fairdial.store.models import Account, CallAttempt


def attempts_by_account(store: Store) -> dict[str, list[CallAttempt]]:
    """Every stored attempt, in order, under its account's reference."""
    found: dict[str, list[CallAttempt]] = {}
    with store.session() as session:
        rows = session.execute(
            select(CallAttempt, Account.ref)
            .join(Account, CallAttempt.account_id == Account.id)
            .order_by(CallAttempt.id)
        ).all()
    for attempt, ref in rows:
        found.setdefault(ref, []).append(attempt)
    return found
