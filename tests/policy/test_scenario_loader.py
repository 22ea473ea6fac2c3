import copy
import json
import re
from datetime import date
from pathlib import Path

import pytest

from fairdial.policy import ScenarioError, load_scenario
from fairdial.policy.scenario import expected, scenario_cases

BASE = {
    "pack": "US-NY",
    "at": "2026-04-07T10:00:00-04:00",
    "contact_points": [
        {
            "id": "m1",
            "kind": "mobile",
            "timezones": ["America/New_York"],
            "place": None,
            "ai_voice_consent": True,
        }
    ],
    "borrower_timezones": ["America/New_York"],
    "events": [
        {
            "kind": "attempt",
            "at": "2026-04-06T10:00:00-04:00",
            "contact_point": "m1",
            "debts": ["D1"],
            "result": "no_answer",
        },
        {
            "kind": "consent",
            "at": "2026-04-06T10:01:00-04:00",
            "debts": ["D1"],
            "for_date": "2026-04-08",
        },
        {
            "kind": "inconvenient",
            "at": "2026-04-06T10:02:00-04:00",
            "days": ["mon"],
            "from": "15:00",
            "to": "17:00",
            "place": None,
        },
    ],
    "action": {
        "channel": "call",
        "contact_point": "m1",
        "debts": ["D1"],
        "voice": "ai",
        "to": "borrower",
        "override": None,
    },
}


def broken(path: list[object], value: object) -> dict[str, object]:
    data = copy.deepcopy(BASE)
    target: object = data
    for step in path[:-1]:
        target = target[step]  # type: ignore[index]
    target[path[-1]] = value  # type: ignore[index]
    return data


def test_a_valid_scenario_reads_into_engine_types() -> None:
    pack, history, action, at = load_scenario(BASE)

    assert pack.id == "US-NY"
    assert [event.kind for event in history.events] == ["attempt", "consent", "inconvenient"]
    assert history.events[2].from_time is not None and history.events[2].from_time.hour == 15
    assert action.debts == ("D1",)
    assert at.utcoffset() is not None


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (
            ["events", 2, "at"],
            "2026-04-06 10:00",
            r"^events\[2\]\.at: not an ISO 8601 time with offset",
        ),
        (["events", 0, "result"], "maybe", r"^events\[0\]\.result: must be one of"),
        (["events", 0, "contact_point"], "x9", r"^events\[0\]\.contact_point: no contact point"),
        (["events", 1, "for_date"], "Monday", r"^events\[1\]\.for_date: not an ISO 8601 date"),
        (["events", 2, "from"], "3pm", r"^events\[2\]\.from: not a local time"),
        (["events", 2, "days"], ["funday"], r"^events\[2\]\.days\[0\]: must be one of"),
        (
            ["contact_points", 0, "timezones"],
            ["Mars/Base"],
            r"^contact_points\[0\]\.timezones\[0\]",
        ),
        (["action", "override"], "because", r"^action\.override: not an override of pack US-NY"),
        (["action", "debts"], [], r"^action\.debts: name at least one debt"),
        (["pack"], "US-ZZ", r"^pack: unknown policy pack"),
        (["at"], 12, r"^at: not an ISO 8601 time with offset"),
        (["surprise"], 1, r"^surprise: unknown field"),
    ],
)
def test_bad_fields_are_named_by_their_json_path(
    path: list[object], value: object, message: str
) -> None:
    with pytest.raises(ScenarioError, match=message):
        load_scenario(broken(path, value))


def test_unreadable_file_is_a_scenario_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")

    with pytest.raises(ScenarioError, match=r"^\$: not valid JSON"):
        load_scenario(bad)
    with pytest.raises(ScenarioError, match=r"^\$: cannot read"):
        load_scenario(tmp_path / "missing.json")


def test_a_file_reads_like_the_same_mapping(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps(BASE), encoding="utf-8")

    assert load_scenario(path)[3] == load_scenario(BASE)[3]


def with_cases(*cases: dict[str, object]) -> dict[str, object]:
    data = copy.deepcopy(BASE)
    data["cases"] = list(cases)
    return data


def test_cases_replace_shared_fields_and_add_events() -> None:
    extra = {"kind": "misdirected", "at": "2026-04-06T11:00:00-04:00", "contact_point": "m1"}
    data = with_cases(
        {"at": "2026-04-09T10:00:00-04:00", "add_events": [extra], "expect": {"allowed": True}},
        {"events": [], "title": "no history"},
    )

    first, second = scenario_cases(data)

    assert first["at"] == "2026-04-09T10:00:00-04:00"
    assert [event["kind"] for event in first["events"]] == [
        "attempt",
        "consent",
        "inconvenient",
        "misdirected",
    ]
    assert expected(first) == {"allowed": True}
    assert second["events"] == [] and second["at"] == BASE["at"]
    assert load_scenario(second)[1].events == []


def test_a_file_without_cases_is_one_case() -> None:
    assert scenario_cases(BASE) == [BASE]


def test_a_file_with_cases_is_not_one_scenario() -> None:
    with pytest.raises(ScenarioError, match=r"^cases: this file holds 2 cases"):
        load_scenario(with_cases({}, {}))


@pytest.mark.parametrize(
    ("cases", "message"),
    [
        ([{"surprise": 1}], r"^cases\[0\]\.surprise: unknown field"),
        ([{}, "x"], r"^cases\[1\]: must be an object"),
        ([], r"^cases: list at least one case"),
    ],
)
def test_bad_cases_are_named_by_their_path(cases: list[object], message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        scenario_cases(with_cases(*cases))


def test_an_inconvenient_time_may_name_its_last_day() -> None:
    data = broken(["events", 2, "through"], "2026-12-31")
    bad = broken(["events", 2, "through"], "end of year")

    assert load_scenario(data)[1].events[2].through == date(2026, 12, 31)
    with pytest.raises(ScenarioError, match=r"^events\[2\]\.through: not an ISO 8601 date"):
        load_scenario(bad)


@pytest.mark.parametrize(
    ("path", "value", "where"),
    [
        (["at"], "9999-12-31T23:00:00-05:00", "at"),
        (["at"], "0001-01-01T01:00:00+05:00", "at"),
        (["at"], "2199-12-31T23:59:00-12:00", "at"),
        (["events", 0, "at"], "1969-12-31T23:59:59+00:00", r"events\[0\]\.at"),
    ],
)
def test_instants_outside_1970_to_2200_are_refused_with_their_path(
    path: list[object], value: str, where: str
) -> None:
    message = rf"^{where}: {re.escape(value)} is not between 1970-01-01 and 2200-01-01 \(UTC\)$"

    with pytest.raises(ScenarioError, match=message):
        load_scenario(broken(path, value))


def test_the_first_and_last_instants_of_the_range_are_accepted() -> None:
    assert load_scenario(broken(["at"], "1970-01-01T00:00:00+00:00"))[3].year == 1970
    assert load_scenario(broken(["at"], "2199-12-31T23:59:59+00:00"))[3].year == 2199


def test_a_file_that_is_not_utf8_is_a_scenario_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes('{"pack": "US", "note": "café"}'.encode("latin-1"))

    with pytest.raises(ScenarioError, match=r"^\$: not UTF-8 text \(byte 27\)"):
        load_scenario(path)
