"""Read the public scenario JSON format into the engine's types, naming the path of any bad field.

The format is documented in SCENARIOS.md; `expect`, `title` and `note` are carried for test files
and ignored by the engine.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from fairdial.policy.history import (
    ATTEMPT_RESULTS,
    CONTACT_POINT_KINDS,
    WEEKDAYS,
    Action,
    ContactPointInfo,
    Event,
    History,
)
from fairdial.policy.packs import PackError, PolicyPack, load_pack
from fairdial.policy.reasons import HOLD_KINDS
from fairdial.policy.zones import UnknownTimezoneError, zone

TOP_LEVEL = {"pack", "at", "contact_points", "borrower_timezones", "events", "action"}
DOCUMENTATION = {"title", "note", "expect", "source"}
# A case may replace any top-level field; `add_events` appends to the shared events.
CASE_FIELDS = TOP_LEVEL | DOCUMENTATION | {"add_events"}
VOICES = frozenset({"ai", "human", "prerecorded"})
RECIPIENTS = frozenset({"borrower", "third_party"})
# Instants outside this span are typing slips (a year 0001 or 9999), and near the ends of the
# calendar the engine's day arithmetic would step past what datetime can hold.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)

EVENT_FIELDS: dict[str, tuple[set[str], set[str]]] = {
    # kind: (required fields besides kind and at, optional fields)
    "attempt": ({"contact_point", "result"}, {"debts", "to"}),
    "consent": (set(), {"debts", "for_date"}),
    "consent_revoked": (set(), {"contact_point"}),
    "inconvenient": (set(), {"days", "from", "to", "place", "through"}),
    "misdirected": ({"contact_point"}, set()),
    "hold": ({"hold"}, set()),
    "hold_released": ({"hold"}, set()),
}


class ScenarioError(ValueError):
    """A scenario that cannot be read; the message starts with the JSON path of the bad field."""


Scenario = tuple[PolicyPack, History, Action, datetime]


def load_scenario(source: str | Path | dict[str, Any]) -> Scenario:
    """The pack, history, action and decision time a scenario file or mapping describes."""
    data = _read(source) if not isinstance(source, dict) else source
    if not isinstance(data, dict):
        raise ScenarioError("$: a scenario must be a JSON object")
    if "cases" in data:
        count = len(data["cases"]) if isinstance(data["cases"], list) else 0
        raise ScenarioError(f"cases: this file holds {count} cases; load them with scenario_cases")
    _no_unknown(data, TOP_LEVEL | DOCUMENTATION, "")

    pack_id = _string(data, "pack", "")
    try:
        pack = load_pack(pack_id)
    except PackError as exc:
        raise ScenarioError(f"pack: {exc}") from exc

    at = _instant(data, "at", "")
    contact_points = _contact_points(_list(data, "contact_points", ""))
    borrower_timezones = tuple(
        _timezone(value, f"borrower_timezones[{index}]")
        for index, value in enumerate(_list(data, "borrower_timezones", "", required=False))
    )
    events = [
        _event(item, f"events[{index}]", contact_points)
        for index, item in enumerate(_list(data, "events", "", required=False))
    ]
    action = _action(data.get("action"), "action", contact_points, pack)
    history = History(
        contact_points=contact_points, borrower_timezones=borrower_timezones, events=events
    )
    return pack, history, action, at


def scenario_cases(source: str | Path | dict[str, Any]) -> list[dict[str, Any]]:
    """Each case of a file as a plain scenario mapping; a file without `cases` is one case.

    A case's fields replace the shared ones, and its `add_events` follow the shared events, so
    one worked example can ask several questions of one history.
    """
    data = _read(source) if not isinstance(source, dict) else source
    if not isinstance(data, dict):
        raise ScenarioError("$: a scenario must be a JSON object")
    if "cases" not in data:
        return [data]

    shared = {name: value for name, value in data.items() if name != "cases"}
    _no_unknown(shared, TOP_LEVEL | DOCUMENTATION, "")
    result: list[dict[str, Any]] = []
    for index, case in enumerate(_list(data, "cases", "")):
        where = f"cases[{index}]"
        _object(case, where)
        _no_unknown(case, CASE_FIELDS, where)
        merged = {**shared, **{k: v for k, v in case.items() if k != "add_events"}}
        merged["events"] = [
            *_list(merged, "events", where, required=False),
            *_list(case, "add_events", where, required=False),
        ]
        result.append(merged)
    if not result:
        raise ScenarioError("cases: list at least one case")
    return result


def expected(source: str | Path | dict[str, Any]) -> dict[str, Any] | None:
    """The `expect` block of a scenario, for tests that compare a decision with it."""
    data = _read(source) if not isinstance(source, dict) else source
    value = data.get("expect") if isinstance(data, dict) else None
    return value if isinstance(value, dict) else None


def _read(path: str | Path) -> Any:
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ScenarioError(f"$: cannot read scenario file ({exc.strerror})") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            f"$: not UTF-8 text (byte {exc.start}); save the scenario as UTF-8 JSON"
        ) from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScenarioError(f"$: not valid JSON (line {exc.lineno}, column {exc.colno})") from exc


def _contact_points(items: list[Any]) -> dict[str, ContactPointInfo]:
    result: dict[str, ContactPointInfo] = {}
    for index, item in enumerate(items):
        where = f"contact_points[{index}]"
        _object(item, where)
        _no_unknown(item, {"id", "kind", "timezones", "place", "ai_voice_consent"}, where)
        cp_id = _string(item, "id", where)
        if cp_id in result:
            raise ScenarioError(f"{where}.id: duplicate contact point id")
        kind = _choice(item, "kind", where, CONTACT_POINT_KINDS, default="unknown")
        timezones = tuple(
            _timezone(value, f"{where}.timezones[{i}]")
            for i, value in enumerate(_list(item, "timezones", where, required=False))
        )
        consent = item.get("ai_voice_consent", False)
        if not isinstance(consent, bool):
            raise ScenarioError(f"{where}.ai_voice_consent: must be true or false")
        result[cp_id] = ContactPointInfo(
            id=cp_id,
            kind=kind,
            timezones=timezones,
            place=_optional_string(item, "place", where),
            ai_voice_consent=consent,
        )
    return result


def _event(item: Any, where: str, contact_points: dict[str, ContactPointInfo]) -> Event:
    _object(item, where)
    kind = _choice(item, "kind", where, frozenset(EVENT_FIELDS))
    required, optional = EVENT_FIELDS[kind]
    _no_unknown(item, {"kind", "at"} | required | optional, where)
    for name in sorted(required):
        if item.get(name) is None:
            raise ScenarioError(f"{where}.{name}: required for a {kind} event")

    contact_point = _optional_string(item, "contact_point", where)
    if contact_point is not None and contact_point not in contact_points:
        raise ScenarioError(f"{where}.contact_point: no contact point with that id")
    event = Event(kind=kind, at=_instant(item, "at", where), contact_point=contact_point)

    if kind == "attempt":
        return _replace(
            event,
            debts=_debts(item, where, required=False),
            result=_choice(item, "result", where, ATTEMPT_RESULTS),
            to=_choice(item, "to", where, RECIPIENTS, default="borrower"),
        )
    if kind == "consent":
        return _replace(
            event,
            debts=_debts(item, where, required=False),
            for_date=_date(item, "for_date", where),
        )
    if kind == "inconvenient":
        return _inconvenient(item, where, event)
    if kind in ("hold", "hold_released"):
        return _replace(event, hold=_choice(item, "hold", where, HOLD_KINDS))
    return event


def _inconvenient(item: dict[str, Any], where: str, event: Event) -> Event:
    days = tuple(
        _weekday(value, f"{where}.days[{i}]")
        for i, value in enumerate(_list(item, "days", where, required=False))
    )
    start, end = _clock(item, "from", where), _clock(item, "to", where)
    if (start is None) != (end is None):
        raise ScenarioError(f"{where}: give both from and to, or neither")
    if start is not None and start == end:
        raise ScenarioError(f"{where}.to: must differ from from")
    place = _optional_string(item, "place", where)
    if not days and start is None and place is None:
        raise ScenarioError(f"{where}: name days, a from/to span or a place")
    through = _date(item, "through", where)
    return _replace(event, days=days, from_time=start, to_time=end, place=place, through=through)


def _action(
    item: Any, where: str, contact_points: dict[str, ContactPointInfo], pack: PolicyPack
) -> Action:
    _object(item, where)
    _no_unknown(item, {"channel", "contact_point", "debts", "voice", "to", "override"}, where)
    channel = _choice(item, "channel", where, frozenset({"call"}), default="call")
    contact_point = _string(item, "contact_point", where)
    if contact_point not in contact_points:
        raise ScenarioError(f"{where}.contact_point: no contact point with that id")
    to = _choice(item, "to", where, RECIPIENTS, default="borrower")
    debts = _debts(item, where, required=to == "borrower")
    override = _optional_string(item, "override", where)
    if override is not None and override not in pack.overrides:
        known = ", ".join(sorted(pack.overrides)) or "none"
        raise ScenarioError(f"{where}.override: not an override of pack {pack.id} ({known})")
    return Action(
        contact_point=contact_point,
        debts=debts,
        channel=channel,
        voice=_choice(item, "voice", where, VOICES, default="ai"),
        to=to,
        override=override,
    )


def _replace(event: Event, **changes: Any) -> Event:
    values = {name: getattr(event, name) for name in Event.__slots__}  # type: ignore[attr-defined]
    values.update(changes)
    return Event(**values)


def _path(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def _object(item: Any, where: str) -> None:
    if not isinstance(item, dict):
        raise ScenarioError(f"{where}: must be an object")


def _no_unknown(item: dict[str, Any], known: set[str], where: str) -> None:
    for name in item:
        if name not in known:
            raise ScenarioError(f"{_path(where, name)}: unknown field")


def _string(item: dict[str, Any], name: str, where: str) -> str:
    value = item.get(name)
    if not isinstance(value, str) or not value:
        raise ScenarioError(f"{_path(where, name)}: must be a non-empty string")
    return value


def _optional_string(item: dict[str, Any], name: str, where: str) -> str | None:
    return None if item.get(name) is None else _string(item, name, where)


def _list(item: dict[str, Any], name: str, where: str, required: bool = True) -> list[Any]:
    value = item.get(name)
    if value is None and not required:
        return []
    if not isinstance(value, list):
        raise ScenarioError(f"{_path(where, name)}: must be a list")
    return value


def _choice(
    item: dict[str, Any], name: str, where: str, allowed: frozenset[str], default: str | None = None
) -> str:
    value = item.get(name, default)
    if value not in allowed:
        raise ScenarioError(f"{_path(where, name)}: must be one of {', '.join(sorted(allowed))}")
    return str(value)


def _debts(item: dict[str, Any], where: str, required: bool) -> tuple[str, ...]:
    values = _list(item, "debts", where, required=required)
    for index, value in enumerate(values):
        if not isinstance(value, str) or not value:
            raise ScenarioError(f"{_path(where, 'debts')}[{index}]: must be a non-empty string")
    if required and not values:
        raise ScenarioError(f"{_path(where, 'debts')}: name at least one debt")
    return tuple(values)


def _instant(item: dict[str, Any], name: str, where: str) -> datetime:
    value = item.get(name)
    problem = f"{_path(where, name)}: not an ISO 8601 time with offset"
    if not isinstance(value, str):
        raise ScenarioError(problem)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ScenarioError(problem) from exc
    if parsed.tzinfo is None:
        raise ScenarioError(problem)
    if not EARLIEST <= parsed < LATEST:
        raise ScenarioError(
            f"{_path(where, name)}: {value} is not between {EARLIEST.date()} and "
            f"{LATEST.date()} (UTC)"
        )
    return parsed


def _date(item: dict[str, Any], name: str, where: str) -> date | None:
    value = item.get(name)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise ScenarioError(f"{_path(where, name)}: not an ISO 8601 date (YYYY-MM-DD)") from exc


def _clock(item: dict[str, Any], name: str, where: str) -> time | None:
    value = item.get(name)
    if value is None:
        return None
    try:
        parsed = time.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise ScenarioError(f"{_path(where, name)}: not a local time (HH:MM)") from exc
    if parsed.tzinfo is not None:
        raise ScenarioError(f"{_path(where, name)}: a local time carries no offset")
    return parsed


def _weekday(value: Any, where: str) -> str:
    if value not in WEEKDAYS:
        raise ScenarioError(f"{where}: must be one of {', '.join(WEEKDAYS)}")
    return str(value)


def _timezone(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise ScenarioError(f"{where}: must be an IANA time zone name")
    try:
        zone(value)
    except UnknownTimezoneError as exc:
        raise ScenarioError(f"{where}: unknown time zone") from exc
    return value
