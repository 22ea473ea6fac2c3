"""When, on a given day, an account may first be called: one question to its policy pack."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from fairdial.policy import Action, Decision, History, PolicyPack, decide


@dataclass(frozen=True)
class DayPlan:
    """The first instant of the day the account may be called, or the decision that blocks it.

    A blocked day's decision is taken at local noon, so that its reasons name what really stands
    in the way rather than the night hours.
    """

    ready_at: datetime | None
    decision: Decision


def plan_day(pack: PolicyPack, history: History, action: Action, day_start: datetime) -> DayPlan:
    day_end = day_start + timedelta(days=1)
    decision = decide(pack, history, action, day_start)
    ready = day_start if decision.allowed else decision.next_allowed_at
    if ready is not None and ready < day_end:
        return DayPlan(ready, decision)
    noon = day_start + timedelta(hours=12)
    return DayPlan(None, decide(pack, history, action, noon))
