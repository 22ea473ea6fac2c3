"""What a simulated borrower remembers between calls of one campaign."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from fairdial.conversation.facts import AccountFacts
from fairdial.simulation.personas import Persona


@dataclass
class AgreedPromise:
    amount_minor: int
    due_date: date
    made_on: date
    will_keep: bool  # drawn when agreed, so benchmarks can score kept rates


@dataclass
class AgreedPlan:
    months: int
    first_payment_minor: int
    made_on: date
    will_keep: bool


@dataclass
class BorrowerMemory:
    """Per-account state the channel keeps: the persona and everything agreed so far."""

    facts: AccountFacts
    attributes: dict[str, object]
    persona: Persona
    dials: int = 0
    conversations: int = 0
    dials_by_day: dict[date, int] = field(default_factory=dict)
    promise: AgreedPromise | None = None
    plan: AgreedPlan | None = None
    asked_to_stop: bool = False
    callback_asked: bool = False
    absent_told: int = 0  # calls on which a relative said the borrower was out
    told_wrong_number: bool = False

    @property
    def committed(self) -> bool:
        return self.promise is not None or self.plan is not None
