import random
from collections import Counter

from fairdial.simulation.personas import Reach, Stance, persona_for
from tests.simulation.support import make_facts

WILLING = {Stance.WILLING}
RELUCTANT = {Stance.REFUSER, Stance.HARDSHIP, Stance.PARTIAL}


def _stances(attributes: dict, draws: int = 3000, **facts_kwargs) -> Counter:
    facts = make_facts(**facts_kwargs)
    rng = random.Random(11)
    return Counter(persona_for(facts, attributes, rng).stance for _ in range(draws))


def _share(counts: Counter, stances: set) -> float:
    return sum(counts[s] for s in stances) / sum(counts.values())


def test_defaulted_borrowers_are_less_willing():
    performing = _stances({"default": 0})
    defaulted = _stances({"default": 1})
    assert _share(defaulted, WILLING) < _share(performing, WILLING) - 0.08
    assert _share(defaulted, RELUCTANT) > _share(performing, RELUCTANT) + 0.05


def test_charged_off_loans_are_less_willing():
    current = _stances({"loan_status": "Current"})
    charged_off = _stances({"loan_status": "Charged Off"})
    assert _share(charged_off, WILLING) < _share(current, WILLING) - 0.08


def test_days_past_due_push_towards_hardship_and_refusal():
    early = _stances({}, dpd=5)
    late = _stances({}, dpd=150)
    assert _share(late, {Stance.HARDSHIP, Stance.REFUSER}) > _share(
        early, {Stance.HARDSHIP, Stance.REFUSER}
    )
    assert _share(late, WILLING) < _share(early, WILLING)


def test_small_balances_are_paid_in_full_more_often():
    small = _stances({}, balance_minor=8_000)  # TWD 8,000
    large = _stances({}, balance_minor=500_000)  # TWD 500,000
    assert _share(small, WILLING) > _share(large, WILLING) + 0.1


def test_every_behaviour_occurs_and_rare_ones_stay_rare():
    counts = _stances({}, draws=20_000)
    assert set(counts) == set(Stance)
    assert counts[Stance.DISTRESS] / 20_000 < 0.02
    facts = make_facts()
    rng = random.Random(2)
    reach = Counter(persona_for(facts, {}, rng).reach for _ in range(5000))
    assert reach[Reach.NOT_IN_SERVICE] / 5000 < 0.03
    assert reach[Reach.NORMAL] / 5000 > 0.6


def test_not_in_service_numbers_never_answer():
    facts = make_facts()
    rng = random.Random(4)
    dead = [
        p for p in (persona_for(facts, {}, rng) for _ in range(3000)) if p.reach == "not_in_service"
    ]
    assert dead
    assert all(p.answer_rate == 0.0 for p in dead)
