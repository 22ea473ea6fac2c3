"""Every scenario file under scenarios/ is decided and compared with its `expect` block.

A file with `cases` is one worked example asking several questions; each case is checked.
"""

import json
from pathlib import Path
from typing import Any

import pytest

from fairdial.policy import decide, load_scenario
from fairdial.policy.scenario import expected, scenario_cases

SCENARIOS = sorted((Path(__file__).parent / "scenarios").glob("*.json"))
CASES = [
    pytest.param(case, id=f"{path.stem}[{index}]" if len(cases) > 1 else path.stem)
    for path in SCENARIOS
    for cases in [scenario_cases(path)]
    for index, case in enumerate(cases)
]
OFFICIAL = {
    "14b2i-1", "14b2i-3", "14b2ii-1", "14b2ii-2", "14b3i-3", "14b3ii-1", "14b4-2",
    "6b1-1", "6b1-2", "6b1i-2",
}  # fmt: skip


def test_there_is_a_scenario_for_each_official_example() -> None:
    names = {path.stem.removeprefix("regf-") for path in SCENARIOS if path.stem.startswith("regf-")}

    assert names == OFFICIAL


@pytest.mark.parametrize("path", [p for p in SCENARIOS if p.stem.startswith("regf-")])
def test_official_examples_name_their_comment(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    comment = path.stem.removeprefix("regf-")

    assert data["source"].startswith("12 CFR 1006, Supplement I, comment ")
    assert _compact(data["source"]).find(comment) > 0


@pytest.mark.parametrize("case", CASES)
def test_scenario_decision_matches_expectation(case: dict[str, Any]) -> None:
    expect = expected(case)
    assert expect, "every scenario states the decision it expects"

    decision = decide(*load_scenario(case)).as_dict()

    assert {key: decision[key] for key in expect} == expect


def _compact(text: str) -> str:
    # "comment 14(b)(2)(ii)-1" -> "comment14b2ii-1", matching the file name's spelling.
    return "".join(ch for ch in text if ch not in "() ").lower()
