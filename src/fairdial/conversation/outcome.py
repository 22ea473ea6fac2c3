"""What a conversation leaves behind for the records: transcript, disposition, commitments."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

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


@dataclass(frozen=True)
class Plan:
    months: int
    installments: tuple[tuple[date, int], ...]  # (due date, amount in minor units)

    @property
    def total_minor(self) -> int:
        return sum(amount for _, amount in self.installments)


@dataclass
class ConversationOutcome:
    disposition: Disposition
    right_party: bool
    turns: list[TranscriptTurn] = field(default_factory=list)
    promise: Promise | None = None
    plan: Plan | None = None
    holds: list[str] = field(default_factory=list)  # hold kinds to place, e.g. "cease"
    escalation: str | None = None  # reason for a human hand-off, e.g. "hardship"
    summary: str = ""
    callback_at: str | None = None  # what the borrower asked for, as understood
    guard_blocks: int = 0
