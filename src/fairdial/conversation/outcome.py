"""What a conversation leaves behind for the records: transcript, disposition, commitments."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from fairdial.dispositions import Disposition


@dataclass(frozen=True)
class TranscriptTurn:
    speaker: str  # "bot" or "borrower"
    text: str
    offset_s: float  # seconds since the call connected
    act: str | None = None  # the bot's purpose for the sentence
    intent: str | None = None  # what the bot understood from the borrower
    confidence: float | None = None


@dataclass(frozen=True)
class Promise:
    amount_minor: int
    due_date: date
    settlement: bool = False  # paying this amount settles the account for less than the balance


@dataclass(frozen=True)
class Plan:
    months: int
    installments: tuple[tuple[date, int], ...]  # (due date, amount in minor units)

    @property
    def total_minor(self) -> int:
        return sum(amount for _, amount in self.installments)


@dataclass
class ConversationOutcome:
    """The call's result.

    `concessions` lists what the bot gave ground on, in order: each a dict with `kind`
    ("settlement_offered", "plan_offered", "amount_countered" or "date_countered") and the
    amounts in minor units and ISO dates it named. `guard_events` lists every sentence the
    utterance guard blocked: `act`, `to`, `reasons`, `matches`, `sources`, `pack_id`,
    `pack_version` and `offset_s`, never the sentence itself.
    """

    disposition: Disposition
    right_party: bool
    turns: list[TranscriptTurn] = field(default_factory=list)
    promise: Promise | None = None
    plan: Plan | None = None
    holds: list[str] = field(default_factory=list)  # hold kinds to place, e.g. "cease"
    escalation: str | None = None  # reason for a human hand-off, e.g. "hardship"
    # What the live hand-off came to: "warm", "cold", "callback", "ended" (the borrower hung up
    # first) or "failed"; None when none was tried.
    hand_off: str | None = None
    # When a person is to call back, as booked by the hand-off ("callback" or "failed").
    callback_due: datetime | None = None
    summary: str = ""
    callback_at: str | None = None  # what the borrower asked for, as understood
    guard_blocks: int = 0
    guard_events: list[dict[str, Any]] = field(default_factory=list)
    concessions: list[dict[str, Any]] = field(default_factory=list)
    variant: str = ""  # the script variant the call ended in, e.g. "m2" or "hardship"
