"""Writing validated rows to the store in chunks: insert what is new, update what changed.

Borrowers are matched by reference, accounts by reference, contact points by the lookup hash of
their number within one borrower. Each chunk costs a handful of queries whatever its size, and
encrypted fields are compared after decryption (their ciphertext differs on every write).
Contact points missing from a file are left alone: other sources may have added them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from fairdial.portfolio.records import AccountRecord, BorrowerRecord, ContactRecord, PortfolioRow
from fairdial.store.crypto import FieldCipher
from fairdial.store.models import Account, Borrower, ContactPoint

CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"

_BORROWER_FIELDS = ("name", "national_id", "birth_date", "language", "synthetic")
_ACCOUNT_FIELDS = (
    "borrower_id",
    "source",
    "product",
    "currency",
    "balance_minor",
    "principal_minor",
    "dpd",
    "jurisdiction",
    "status",
    "attributes",
)
# The import owns what the lender states about a number; owner_verified and status are learnt
# on calls and are never reset by a later import.
_CONTACT_FIELDS = ("kind", "place", "timezones", "ai_voice_consent", "consent_source")


def _borrower_values(record: BorrowerRecord) -> dict[str, Any]:
    return {f: getattr(record, f) for f in _BORROWER_FIELDS}


def _account_values(record: AccountRecord, borrower_id: int) -> dict[str, Any]:
    values = {f: getattr(record, f) for f in _ACCOUNT_FIELDS if f != "borrower_id"}
    values["borrower_id"] = borrower_id
    values["attributes"] = dict(record.attributes)
    return values


def _contact_values(record: ContactRecord) -> dict[str, Any]:
    values = {f: getattr(record, f) for f in _CONTACT_FIELDS}
    values["timezones"] = list(record.timezones)
    return values


def _differs(stored: Any, wanted: dict[str, Any]) -> bool:
    return any(getattr(stored, key) != value for key, value in wanted.items())


class PortfolioWriter:
    """Upserts chunks of rows within one session; remembers what this import already wrote."""

    def __init__(self, session: Session, cipher: FieldCipher, now: datetime) -> None:
        self._session = session
        self._cipher = cipher
        self._now = now
        self._borrower_ids: dict[str, int] = {}
        self._contacts_done: set[tuple[int, str]] = set()

    def write(self, rows: list[PortfolioRow]) -> list[str]:
        """Store a chunk; returns created/updated/unchanged for each row, in order."""
        changed_borrowers = self._write_borrowers(rows)
        created, changed_accounts = self._write_accounts(rows)
        changed_contacts = self._write_contacts(rows)

        outcomes = []
        for index, row in enumerate(rows):
            if row.account.ref in created:
                outcomes.append(CREATED)
            elif (
                row.account.ref in changed_accounts
                or index in changed_borrowers
                or index in changed_contacts
            ):
                outcomes.append(UPDATED)
            else:
                outcomes.append(UNCHANGED)
        return outcomes

    def _write_borrowers(self, rows: list[PortfolioRow]) -> set[int]:
        """Insert or update each borrower first met in this chunk; returns the rows that did."""
        first: dict[str, int] = {}
        for index, row in enumerate(rows):
            if row.borrower.ref not in self._borrower_ids:
                first.setdefault(row.borrower.ref, index)
        if not first:
            return set()

        columns = [getattr(Borrower, f) for f in _BORROWER_FIELDS]
        query = select(Borrower.id, Borrower.ref, *columns).where(Borrower.ref.in_(first))
        stored = {r.ref: r for r in self._session.execute(query)}

        changed: set[int] = set()
        inserts, updates = [], []
        for ref, index in first.items():
            wanted = _borrower_values(rows[index].borrower)
            existing = stored.get(ref)
            if existing is None:
                inserts.append(
                    {"ref": ref, **wanted, "created_at": self._now, "updated_at": self._now}
                )
                changed.add(index)
                continue
            self._borrower_ids[ref] = existing.id
            if _differs(existing, wanted):
                updates.append({"id": existing.id, **wanted, "updated_at": self._now})
                changed.add(index)

        if inserts:
            returned = self._session.execute(
                insert(Borrower).returning(Borrower.id, Borrower.ref), inserts
            )
            self._borrower_ids.update({r.ref: r.id for r in returned})
        if updates:
            self._session.execute(update(Borrower), updates)
        return changed

    def _write_accounts(self, rows: list[PortfolioRow]) -> tuple[set[str], set[str]]:
        refs = [row.account.ref for row in rows]
        columns = [getattr(Account, f) for f in _ACCOUNT_FIELDS]
        query = select(Account.id, Account.ref, *columns).where(Account.ref.in_(refs))
        stored = {r.ref: r for r in self._session.execute(query)}

        created: set[str] = set()
        changed: set[str] = set()
        inserts, updates = [], []
        for row in rows:
            wanted = _account_values(row.account, self._borrower_ids[row.borrower.ref])
            existing = stored.get(row.account.ref)
            if existing is None:
                inserts.append(
                    {
                        "ref": row.account.ref,
                        **wanted,
                        "created_at": self._now,
                        "updated_at": self._now,
                    }
                )
                created.add(row.account.ref)
            elif _differs(existing, wanted):
                updates.append({"id": existing.id, **wanted, "updated_at": self._now})
                changed.add(row.account.ref)

        if inserts:
            self._session.execute(insert(Account), inserts)
        if updates:
            self._session.execute(update(Account), updates)
        return created, changed

    def _write_contacts(self, rows: list[PortfolioRow]) -> set[int]:
        borrower_ids = {self._borrower_ids[row.borrower.ref] for row in rows if row.contacts}
        if not borrower_ids:
            return set()
        columns = [getattr(ContactPoint, f) for f in _CONTACT_FIELDS]
        query = select(
            ContactPoint.id, ContactPoint.borrower_id, ContactPoint.number_hash, *columns
        ).where(ContactPoint.borrower_id.in_(borrower_ids))
        stored = {(r.borrower_id, r.number_hash): r for r in self._session.execute(query)}

        changed: set[int] = set()
        inserts, updates = [], []
        for index, row in enumerate(rows):
            borrower_id = self._borrower_ids[row.borrower.ref]
            for contact in row.contacts:
                key = (borrower_id, self._cipher.lookup_hash(contact.number))
                if key in self._contacts_done:
                    continue
                self._contacts_done.add(key)
                wanted = _contact_values(contact)
                existing = stored.get(key)
                if existing is None:
                    inserts.append(
                        {
                            "borrower_id": borrower_id,
                            "number": contact.number,
                            "number_hash": key[1],
                            **wanted,
                            "owner_verified": False,
                            "status": "active",
                            "created_at": self._now,
                        }
                    )
                    changed.add(index)
                elif _differs(existing, wanted):
                    updates.append({"id": existing.id, **wanted})
                    changed.add(index)

        if inserts:
            self._session.execute(insert(ContactPoint), inserts)
        if updates:
            self._session.execute(update(ContactPoint), updates)
        return changed
