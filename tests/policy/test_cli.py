import json
from pathlib import Path

from typer.testing import CliRunner

import fairdial.cli.policy  # noqa: F401  registers the command group
from fairdial.cli import app

SCENARIOS = Path(__file__).parent / "scenarios"
runner = CliRunner()


def test_check_prints_the_decision_and_exits_zero_when_blocked() -> None:
    result = runner.invoke(
        app, ["policy", "check", str(SCENARIOS / "hold-cease-blocks-until-released.json")]
    )

    assert result.exit_code == 0
    decision = json.loads(result.stdout)
    assert decision["allowed"] is False
    assert decision["reasons"] == ["cease"]


def test_check_of_an_invalid_scenario_exits_two_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"pack": "US", "at": "yesterday"}', encoding="utf-8")

    result = runner.invoke(app, ["policy", "check", str(path)])

    assert result.exit_code == 2
    assert "at: not an ISO 8601 time with offset" in result.output
    assert "Traceback" not in result.output


def test_packs_lists_ids_and_versions() -> None:
    result = runner.invoke(app, ["policy", "packs"])

    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 55
    assert lines[0].split("\t")[:2] == ["US", "2026.12.1"]


def test_a_file_with_cases_prints_one_decision_per_case_or_the_one_asked_for() -> None:
    path = SCENARIOS / "regf-14b2i-1.json"
    expected = [case["expect"]["allowed"] for case in json.loads(path.read_text())["cases"]]

    every = runner.invoke(app, ["policy", "check", str(path)])
    second = runner.invoke(app, ["policy", "check", str(path), "--case", "2"])
    too_far = runner.invoke(app, ["policy", "check", str(path), "--case", "99"])

    assert [decision["allowed"] for decision in json.loads(every.stdout)] == expected
    assert json.loads(second.stdout)["allowed"] == expected[1]
    assert too_far.exit_code == 2 and f"holds {len(expected)}" in too_far.output


def test_check_of_a_year_9999_instant_or_a_binary_file_exits_two_without_traceback(
    tmp_path: Path,
) -> None:
    far = json.loads((SCENARIOS / "hold-cease-blocks-until-released.json").read_text("utf-8"))
    far.pop("cases", None)
    far["at"] = "9999-12-31T23:00:00-05:00"
    far_path = tmp_path / "far.json"
    far_path.write_text(json.dumps(far), encoding="utf-8")
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe{\x00}\x00")

    far_result = runner.invoke(app, ["policy", "check", str(far_path)])
    binary_result = runner.invoke(app, ["policy", "check", str(binary)])

    assert far_result.exit_code == 2
    assert "far.json: at: 9999-12-31T23:00:00-05:00 is not between" in far_result.output
    assert binary_result.exit_code == 2
    assert "binary.json: $: not UTF-8 text (byte 0)" in binary_result.output
    assert "Traceback" not in far_result.output + binary_result.output
