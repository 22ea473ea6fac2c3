"""The compliance gate: policy packs per jurisdiction and the decision engine that reads them.

    pack = load_pack("US-NY")
    decision = decide(pack, history, action, at)

See SCENARIOS.md for the scenario format, the reason codes and the flags.
"""

from __future__ import annotations

import logging

from fairdial.policy.engine import Decision, PolicyInputError, decide, next_convenient
from fairdial.policy.history import Action, ContactPointInfo, Event, History
from fairdial.policy.packs import PackError, PolicyPack, load_pack, load_pack_file, pack_ids
from fairdial.policy.reasons import HOLD_KINDS, Flag, Reason
from fairdial.policy.scenario import ScenarioError, load_scenario, scenario_cases

logger = logging.getLogger(__name__)

__all__ = [
    "HOLD_KINDS",
    "Action",
    "ContactPointInfo",
    "Decision",
    "Event",
    "Flag",
    "History",
    "PackError",
    "PolicyInputError",
    "PolicyPack",
    "Reason",
    "ScenarioError",
    "decide",
    "load_pack",
    "load_pack_file",
    "load_scenario",
    "next_convenient",
    "pack_ids",
    "scenario_cases",
]
