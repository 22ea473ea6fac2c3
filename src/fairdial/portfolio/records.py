"""What one validated portfolio row becomes: a borrower, an account and its contact points."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class BorrowerRecord:
    ref: str
    language: str
    name: str | None = None
    national_id: str | None = None
    birth_date: str | None = None
    synthetic: bool = False


@dataclass(frozen=True)
class ContactRecord:
    """A phone number in E.164 with what the lender told us about it."""

    number: str
    kind: str
    timezones: tuple[str, ...]
    place: str | None = None
    ai_voice_consent: bool = False
    consent_source: str | None = None


@dataclass(frozen=True)
class AccountRecord:
    ref: str
    source: str
    product: str
    currency: str
    balance_minor: int
    dpd: int
    jurisdiction: str
    status: str
    principal_minor: int | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PortfolioRow:
    """One accepted row: `line` is where it starts in the file (the header is line 1)."""

    line: int
    borrower: BorrowerRecord
    account: AccountRecord
    contacts: tuple[ContactRecord, ...] = ()
    # (column, reason) pairs: the row is kept but someone should look at it.
    warnings: tuple[tuple[str | None, str], ...] = ()


@dataclass(frozen=True)
class RowProblem:
    """Why a row was rejected (or warned about). Never holds a personal value."""

    line: int
    column: str | None
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "reason": self.reason}


# A warning, not a rejection: a credit balance is real, but there is nothing to collect.
NO_POSITIVE_BALANCE = "overdue with no positive balance"


class RowRejected(ValueError):
    """A field of a row failed validation; `column` names the file's column."""

    def __init__(self, column: str | None, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


def status_for(dpd: int) -> str:
    return "delinquent" if dpd > 0 else "current"
