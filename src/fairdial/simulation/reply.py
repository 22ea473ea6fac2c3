"""What a simulated borrower says back, and how it reads the values the bot put in its acts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from fairdial.simulation.intents import Intent


@dataclass(frozen=True)
class Reply:
    intent: Intent
    text: str
    amount_minor: int | None = None
    due_date: date | None = None
    months: int | None = None
    detail: dict[str, object] = field(default_factory=dict)
    hang_up: bool = False


def slot_int(value: object, default: int) -> int:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return default


def slot_date(value: object) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None
