"""Who a simulated borrower is: how reachable, and what they want from the call.

A persona is drawn once per account from the account's own data, so a campaign meets the same
person on every attempt. `Reach` shapes the dial outcome; `Stance` shapes the conversation.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from fairdial.conversation.facts import AccountFacts
from fairdial.simulation.amounts import minor_per_unit


class Reach(StrEnum):
    NORMAL = "normal"
    NO_ANSWER = "no_answer"  # rarely picks up, more often on later days
    BUSY = "busy"
    VOICEMAIL = "voicemail"  # a machine takes most calls
    NOT_IN_SERVICE = "not_in_service"


class Stance(StrEnum):
    WILLING = "willing"
    PARTIAL = "partial"
    PLAN_SEEKER = "plan_seeker"
    HARDSHIP = "hardship"
    DISPUTER = "disputer"
    ALREADY_PAID = "already_paid"
    ANGRY = "angry"
    STOP = "stop"
    CALLBACK = "callback"
    REFUSER = "refuser"
    DISTRESS = "distress"
    WRONG_PARTY = "wrong_party"  # the number now belongs to someone else
    THIRD_PARTY = "third_party"  # a relative or colleague usually answers


HARDSHIP_KINDS = ("job_loss", "illness", "disaster", "bereavement")
DISPUTE_KINDS = ("amount_wrong", "not_my_loan", "fees")

_REACH_WEIGHTS = {
    Reach.NORMAL: 0.78,
    Reach.NO_ANSWER: 0.12,
    Reach.BUSY: 0.03,
    Reach.VOICEMAIL: 0.06,
    Reach.NOT_IN_SERVICE: 0.01,
}

_STANCE_WEIGHTS = {
    Stance.WILLING: 0.26,
    Stance.PARTIAL: 0.13,
    Stance.PLAN_SEEKER: 0.11,
    Stance.HARDSHIP: 0.08,
    Stance.DISPUTER: 0.04,
    Stance.ALREADY_PAID: 0.04,
    Stance.ANGRY: 0.04,
    Stance.STOP: 0.03,
    Stance.CALLBACK: 0.08,
    Stance.REFUSER: 0.06,
    Stance.DISTRESS: 0.005,
    Stance.WRONG_PARTY: 0.04,
    Stance.THIRD_PARTY: 0.06,
}

# A stance that the conversation can end in once a stall (callback, absent borrower) is past.
_SETTLING = (Stance.WILLING, Stance.PARTIAL, Stance.PLAN_SEEKER, Stance.HARDSHIP, Stance.REFUSER)

# Balances, in major units, under which paying in full is easy and over which it is hard.
_SMALL_BALANCE = {"USD": 500, "TWD": 15_000, "CNY": 3_000, "HKD": 4_000}
_LARGE_BALANCE = {"USD": 5_000, "TWD": 150_000, "CNY": 30_000, "HKD": 40_000}


@dataclass(frozen=True)
class Persona:
    """A borrower's fixed traits; what changes between calls lives in `BorrowerMemory`."""

    reach: Reach
    stance: Stance
    settles_to: Stance  # the stance met once a callback or an absent borrower is behind us
    answer_rate: float  # chance of picking up at a good hour
    has_voicemail: bool
    identity_accuracy: float  # chance of giving the true factor when asked
    identity_refusal: float  # chance of refusing to answer the check
    mumble_rate: float  # chance a reply comes out unclear
    hangup_rate: float  # chance of hanging up on any turn when displeased
    partial_share: float  # of the amount asked, for partial payers
    plan_months: int
    hardship_kind: str
    dispute_kind: str
    keeps_promises: float  # chance a promise made is paid in time
    chattiness: float  # chance of an opener or a filler around a reply


def unwillingness(facts: AccountFacts, attributes: dict[str, object]) -> float:
    """0 for a fresh, small, performing account; grows with default flags, dpd and size."""
    score = 0.0
    if str(attributes.get("default", "0")).strip() in {"1", "1.0", "True", "true"}:
        score += 1.0
    if "charged off" in str(attributes.get("loan_status", "")).lower():
        score += 1.0
    score += min(2.0, max(0, facts.dpd) / 90)
    units = facts.balance_minor / minor_per_unit(facts.currency)
    large = _LARGE_BALANCE.get(facts.currency.upper(), 5_000)
    if units > large:
        score += 0.4
    return score


def _stance_weights(facts: AccountFacts, attributes: dict[str, object]) -> dict[Stance, float]:
    u = unwillingness(facts, attributes)
    weights = dict(_STANCE_WEIGHTS)
    weights[Stance.WILLING] *= math.exp(-0.9 * u)
    weights[Stance.PARTIAL] *= 1 + 0.35 * u
    weights[Stance.HARDSHIP] *= 1 + 0.6 * u
    weights[Stance.REFUSER] *= 1 + 0.8 * u
    weights[Stance.ANGRY] *= 1 + 0.3 * u
    weights[Stance.STOP] *= 1 + 0.3 * u
    weights[Stance.DISTRESS] *= 1 + 0.3 * u

    units = facts.balance_minor / minor_per_unit(facts.currency)
    currency = facts.currency.upper()
    if units < _SMALL_BALANCE.get(currency, 500):
        weights[Stance.WILLING] *= 1.7
        weights[Stance.PLAN_SEEKER] *= 0.5
    elif units > _LARGE_BALANCE.get(currency, 5_000):
        weights[Stance.WILLING] *= 0.6
        weights[Stance.PLAN_SEEKER] *= 1.5
    return weights


_T = TypeVar("_T")


def _weighted(rng: random.Random, weights: dict[_T, float]) -> _T:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[key] for key in keys])[0]


def persona_for(facts: AccountFacts, attributes: dict[str, object], rng: random.Random) -> Persona:
    """Draw the borrower behind an account; `attributes` are the source data set's raw fields."""
    reach = _weighted(rng, _REACH_WEIGHTS)
    stance = _weighted(rng, _stance_weights(facts, attributes))
    settle_weights = {key: _STANCE_WEIGHTS[key] for key in _SETTLING}
    settles_to = _weighted(rng, settle_weights)
    u = unwillingness(facts, attributes)

    answer_rate = {
        Reach.NORMAL: rng.uniform(0.45, 0.85),
        Reach.NO_ANSWER: rng.uniform(0.03, 0.15),
        Reach.BUSY: rng.uniform(0.2, 0.5),
        Reach.VOICEMAIL: rng.uniform(0.05, 0.2),
        Reach.NOT_IN_SERVICE: 0.0,
    }[reach]
    angry = stance in {Stance.ANGRY, Stance.STOP}
    return Persona(
        reach=reach,
        stance=stance,
        settles_to=settles_to,
        answer_rate=answer_rate,
        has_voicemail=reach == Reach.VOICEMAIL or rng.random() < 0.35,
        identity_accuracy=rng.uniform(0.85, 0.98),
        identity_refusal=rng.uniform(0.01, 0.12 if angry else 0.05),
        mumble_rate=rng.choice((0.01, 0.03, 0.05, 0.15)),
        hangup_rate=rng.uniform(0.25, 0.6) if angry else rng.uniform(0.0, 0.05),
        partial_share=rng.choice((0.2, 0.25, 0.3, 0.4, 0.5, 0.6)),
        plan_months=rng.choice((3, 3, 6, 6, 6, 10, 12, 12, 18, 24)),
        hardship_kind=rng.choice(HARDSHIP_KINDS),
        dispute_kind=rng.choice(DISPUTE_KINDS),
        keeps_promises=max(0.1, min(0.95, rng.uniform(0.6, 0.95) - 0.12 * u)),
        chattiness=rng.uniform(0.2, 0.7),
    )
