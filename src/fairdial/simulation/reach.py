"""Whether a dialled borrower answers: persona, hour of day, weekday and the campaign so far."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from fairdial.simulation.memory import BorrowerMemory
from fairdial.simulation.personas import Reach, Stance
from fairdial.telephony.base import CallResult

_ZONES = {
    "TW": "Asia/Taipei",
    "CN": "Asia/Shanghai",
    "HK": "Asia/Hong_Kong",
    "US": "America/New_York",
    "US-CA": "America/Los_Angeles",
    "US-WA": "America/Los_Angeles",
    "US-OR": "America/Los_Angeles",
    "US-NV": "America/Los_Angeles",
    "US-AZ": "America/Phoenix",
    "US-CO": "America/Denver",
    "US-UT": "America/Denver",
    "US-TX": "America/Chicago",
    "US-IL": "America/Chicago",
    "US-MN": "America/Chicago",
    "US-HI": "Pacific/Honolulu",
    "US-AK": "America/Anchorage",
}

# Share of a persona's answer rate reached at each local hour; people at work pick up less.
_HOUR_FACTOR = {
    **dict.fromkeys(range(0, 8), 0.3),
    8: 0.6,
    9: 0.6,
    10: 0.65,
    11: 0.7,
    12: 0.95,
    13: 0.85,
    14: 0.65,
    15: 0.65,
    16: 0.7,
    17: 0.85,
    18: 1.1,
    19: 1.2,
    20: 1.15,
    21: 0.9,
    22: 0.6,
    23: 0.4,
}


@dataclass(frozen=True)
class Pickup:
    result: CallResult
    ring_seconds: float
    machine: bool = False  # a voicemail box answered


def local_time(at: datetime, jurisdiction: str) -> datetime:
    """`at` in the borrower's zone when known; naive times are taken as already local."""
    zone = _ZONES.get(jurisdiction) or _ZONES.get(jurisdiction.split("-")[0])
    if at.tzinfo is None or zone is None:
        return at
    return at.astimezone(ZoneInfo(zone))


def answer_chance(memory: BorrowerMemory, local: datetime) -> float:
    persona = memory.persona
    chance = persona.answer_rate * _HOUR_FACTOR[local.hour]
    if local.weekday() >= 5:
        chance *= 1.1
    today = local.date()
    chance *= 0.75 ** memory.dials_by_day.get(today, 0)  # repeat calls the same day get ignored
    if persona.reach == Reach.NO_ANSWER:
        chance *= 1 + 0.25 * len(memory.dials_by_day)  # worn down over the days
    if memory.committed:
        chance *= 0.6  # someone who promised sees no reason to talk again
    if memory.asked_to_stop or persona.stance == Stance.ANGRY:
        chance *= 0.7
    return min(0.95, chance)


def pick_up(memory: BorrowerMemory, local: datetime, rng: random.Random) -> Pickup:
    """The fate of one dial before any conversation."""
    persona = memory.persona
    if persona.reach == Reach.NOT_IN_SERVICE:
        return Pickup(CallResult.NOT_IN_SERVICE, rng.uniform(1.5, 4.0))
    busy = 0.35 if persona.reach == Reach.BUSY else 0.02
    if rng.random() < busy:
        return Pickup(CallResult.BUSY, rng.uniform(1.0, 3.5))
    if rng.random() < answer_chance(memory, local):
        return Pickup(CallResult.CONVERSATION, rng.uniform(3.0, 18.0))
    if persona.has_voicemail:
        return Pickup(CallResult.VOICEMAIL, rng.uniform(18.0, 30.0), machine=True)
    return Pickup(CallResult.NO_ANSWER, rng.uniform(30.0, 45.0))
