"""The campaign's view of the compliance gate: one question, may this account be called now."""

from __future__ import annotations

from datetime import datetime

from fairdial.campaign.planning import DayPlan, plan_day
from fairdial.campaign.targets import Target
from fairdial.policy import Action, Decision, PolicyPack, decide, load_pack, next_convenient


class Gate:
    """Asks the account's policy pack about an AI-voice call to its chosen number."""

    def __init__(self) -> None:
        self._packs: dict[str, PolicyPack] = {}
        self.decisions = 0

    def pack(self, pack_id: str) -> PolicyPack:
        if pack_id not in self._packs:
            self._packs[pack_id] = load_pack(pack_id)
        return self._packs[pack_id]

    def decide(self, target: Target, at: datetime) -> Decision:
        self.decisions += 1
        return decide(self.pack(target.pack_id), target.history, self._action(target), at)

    def convenient(self, target: Target, at: datetime) -> datetime | None:
        """The first instant from `at` inside the account's calling hours (a time promised to
        the borrower, which caps and quiet periods do not push later)."""
        return next_convenient(self.pack(target.pack_id), target.history, self._action(target), at)

    def plan_day(self, target: Target, day_start: datetime) -> DayPlan:
        """The account's first allowed instant in the local day starting at `day_start`."""
        plan = plan_day(self.pack(target.pack_id), target.history, self._action(target), day_start)
        self.decisions += 1 if plan.ready_at is not None else 2
        return plan

    @staticmethod
    def _action(target: Target) -> Action:
        return Action(contact_point=target.contact_point_key, debts=(target.account_ref,))
