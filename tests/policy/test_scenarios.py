"""Every scenario file under scenarios/ is decided and compared with its `expect` block."""

from pathlib import Path

import pytest

from fairdial.policy import decide, load_scenario
from fairdial.policy.scenario import expected

SCENARIOS = sorted((Path(__file__).parent / "scenarios").glob("*.json"))


def test_there_are_scenarios_for_the_official_examples() -> None:
    names = {path.name.split("-")[1] for path in SCENARIOS if path.name.startswith("regf-")}

    assert {"14b2ii", "14b2i", "14b3i", "14b3ii", "6b1", "6b1i"} <= names


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda path: path.stem)
def test_scenario_decision_matches_expectation(path: Path) -> None:
    expect = expected(path)
    assert expect, "every scenario file states the decision it expects"

    decision = decide(*load_scenario(path)).as_dict()

    assert {key: decision[key] for key in expect} == expect
