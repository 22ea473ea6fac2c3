"""Policy packs: one jurisdiction's contact rules, read from YAML, each number with its source.

`US-XX` packs start from the federal `US` pack and add the state's own rules; a state with no
file of its own gets the federal rules unchanged. Parsed packs are cached.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from fairdial.policy.history import ATTEMPT_RESULTS, CONTACT_POINT_KINDS
from fairdial.policy.reasons import CAP_CODES, HOLD_KINDS, Reason
from fairdial.policy.zones import zone

US_STATES: tuple[str, ...] = (
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN",
    "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH",
    "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT",
    "VT", "VA", "WA", "WV", "WI", "WY",
)  # fmt: skip
OTHER_PACKS: tuple[str, ...] = ("TW", "CN", "HK")


class PackError(ValueError):
    """A pack id that does not exist, or a pack file that does not read as a policy pack."""


@dataclass(frozen=True, slots=True)
class Window:
    start: time
    end: time
    source: str


@dataclass(frozen=True, slots=True)
class CapRule:
    """At most `limit` counted attempts in `days` calendar days, per debt or per borrower."""

    code: str
    scope: str
    limit: int
    days: int
    counts: frozenset[str]
    consent_excludes: bool
    source: str


@dataclass(frozen=True, slots=True)
class QuietPeriod:
    days: int
    inbound_is_conversation: bool
    source: str


@dataclass(frozen=True, slots=True)
class ThirdPartyRule:
    limit: int
    counts: frozenset[str]
    source: str


@dataclass(frozen=True, slots=True)
class HarassmentRule:
    results: frozenset[str]
    count: int
    minutes: int
    source: str


@dataclass(frozen=True, slots=True)
class Override:
    lifts: frozenset[str]
    source: str


@dataclass(frozen=True, slots=True)
class PolicyPack:
    """A jurisdiction's rules as the decision engine reads them."""

    id: str
    name: str
    version: str
    default_timezone: str | None
    window: Window
    caps: tuple[CapRule, ...]
    quiet_period: QuietPeriod | None
    consent_days: int
    consent_source: str | None
    holds: dict[str, str]
    ai_voice_kinds: frozenset[str]
    ai_voice_source: str | None
    third_party: ThirdPartyRule | None
    harassment: HarassmentRule | None
    overrides: dict[str, Override]
    inconvenient_source: str
    limitations: tuple[str, ...]
    # What an allowed decision cites: the rules every borrower call is checked against.
    gate_sources: tuple[str, ...]

    def hold_source(self, kind: str) -> str:
        return self.holds.get(kind, "hold recorded on the account")


def pack_ids() -> list[str]:
    """Every built-in pack id: US, US-<state> for each state and DC, TW, CN, HK."""
    return ["US", *(f"US-{state}" for state in US_STATES), *OTHER_PACKS]


@cache
def load_pack(pack_id: str) -> PolicyPack:
    """The built-in pack `pack_id`; raises PackError naming the id when there is none."""
    if pack_id not in _KNOWN:
        raise PackError(f"unknown policy pack {pack_id!r}; known packs are US, US-XX, TW, CN, HK")

    raw = _builtin_raw(pack_id)
    if raw is None:
        # A state with no rules of its own beyond the federal ones.
        raw = {"id": pack_id, "extends": "US", "name": f"United States, {pack_id[3:]}"}
    return _build(_merge(raw), origin=pack_id)


def load_pack_file(path: str | Path) -> PolicyPack:
    """A pack from your own YAML file, usually `extends:` a built-in pack to change a number."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PackError(f"cannot read policy pack file: {exc}") from exc
    if not isinstance(raw, dict):
        raise PackError("a policy pack file must hold a mapping")
    return _build(_merge(raw), origin=str(path))


_KNOWN = frozenset(pack_ids())


def _builtin_raw(pack_id: str) -> dict[str, Any] | None:
    resource = resources.files("fairdial.policy").joinpath("packs", f"{pack_id}.yaml")
    if not resource.is_file():
        return None
    raw = yaml.safe_load(resource.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise PackError(f"pack {pack_id}: file must hold a mapping")
    return raw


def _merge(raw: dict[str, Any]) -> dict[str, Any]:
    """Resolve `extends`: child keys replace the parent's; `add_caps` and `limitations` add."""
    parent_id = raw.get("extends")
    if parent_id is None:
        return raw

    parent = _builtin_raw(parent_id)
    if parent is None:
        raise PackError(f"pack {raw.get('id')}: extends unknown pack {parent_id!r}")
    merged = dict(_merge(parent))
    for key, value in raw.items():
        if key in ("extends", "add_caps", "limitations"):
            continue
        merged[key] = value
    merged["caps"] = [*merged.get("caps", []), *raw.get("add_caps", [])]
    merged["limitations"] = [*merged.get("limitations", []), *raw.get("limitations", [])]
    if "version" in raw and "version" in parent and raw["version"] != parent["version"]:
        merged["version"] = f"{raw['version']}+{parent_id}.{parent['version']}"
    return merged


def _build(raw: dict[str, Any], origin: str) -> PolicyPack:
    try:
        return _build_unchecked(raw)
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, PackError):
            raise
        raise PackError(f"pack {origin}: {exc!r}") from exc


def _build_unchecked(raw: dict[str, Any]) -> PolicyPack:
    default_tz = raw.get("default_timezone")
    if default_tz is not None:
        zone(default_tz)

    window = raw["window"]
    caps = tuple(_cap(item) for item in raw.get("caps", []))
    quiet = raw.get("quiet_period")
    consent = raw.get("consent") or {}
    ai_voice = raw.get("ai_voice") or {}
    third = raw.get("third_party")
    harassment = raw.get("harassment")

    overrides: dict[str, Override] = {}
    for name, item in (raw.get("overrides") or {}).items():
        lifts = frozenset(item["lifts"])
        _check_subset(lifts, frozenset(Reason), f"override {name} lifts")
        # A hold or a missing consent is never something an operator may talk their way past.
        _check_subset(
            lifts, frozenset(Reason) - HOLD_KINDS - {"no_ai_voice_consent"}, f"override {name}"
        )
        overrides[name] = Override(lifts=lifts, source=_source(item["source"]))

    holds = {kind: _source(src) for kind, src in (raw.get("holds") or {}).items()}
    _check_subset(frozenset(holds), HOLD_KINDS, "holds")
    ai_kinds = frozenset(ai_voice.get("contact_point_kinds", []))
    _check_subset(ai_kinds, CONTACT_POINT_KINDS, "ai_voice.contact_point_kinds")

    window_rule = Window(
        start=time.fromisoformat(window["start"]),
        end=time.fromisoformat(window["end"]),
        source=_source(window["source"]),
    )
    if window_rule.start >= window_rule.end:
        raise PackError("window start must be before window end")
    quiet_rule = (
        None
        if quiet is None
        else QuietPeriod(
            days=int(quiet["days"]),
            inbound_is_conversation=bool(quiet.get("inbound_is_conversation", True)),
            source=_source(quiet["source"]),
        )
    )
    ai_source = _source(ai_voice["source"]) if "source" in ai_voice else None
    gate_sources = [window_rule.source, *(cap.source for cap in caps)]
    if quiet_rule is not None:
        gate_sources.append(quiet_rule.source)
    if ai_source is not None:
        gate_sources.append(ai_source)

    return PolicyPack(
        id=str(raw["id"]),
        name=str(raw.get("name", raw["id"])),
        version=str(raw["version"]),
        default_timezone=default_tz,
        window=window_rule,
        caps=caps,
        quiet_period=quiet_rule,
        consent_days=int(consent.get("days", 0)),
        consent_source=_source(consent["source"]) if "source" in consent else None,
        holds=holds,
        ai_voice_kinds=ai_kinds,
        ai_voice_source=ai_source,
        third_party=None
        if third is None
        else ThirdPartyRule(
            limit=int(third["limit"]),
            counts=_results(third["counts"], "third_party.counts"),
            source=_source(third["source"]),
        ),
        harassment=None
        if harassment is None
        else HarassmentRule(
            results=_results(harassment["results"], "harassment.results"),
            count=int(harassment["count"]),
            minutes=int(harassment["minutes"]),
            source=_source(harassment["source"]),
        ),
        overrides=overrides,
        inconvenient_source=_source(raw["inconvenient"])
        if "inconvenient" in raw
        else "a time or place the borrower named as inconvenient, recorded on the account",
        gate_sources=tuple(dict.fromkeys(gate_sources)),
        limitations=tuple(str(item) for item in raw.get("limitations", [])),
    )


def _cap(item: dict[str, Any]) -> CapRule:
    if item["code"] not in CAP_CODES:
        raise PackError(f"cap code {item['code']!r} is not one of {sorted(CAP_CODES)}")
    if item["scope"] not in ("debt", "borrower"):
        raise PackError(f"cap scope {item['scope']!r} must be 'debt' or 'borrower'")
    limit, days = int(item["limit"]), int(item["days"])
    if limit < 1 or days < 1:
        raise PackError("cap limit and days must be at least 1")
    return CapRule(
        code=item["code"],
        scope=item["scope"],
        limit=limit,
        days=days,
        counts=_results(item["counts"], "caps.counts"),
        consent_excludes=bool(item.get("consent_excludes", False)),
        source=_source(item["source"]),
    )


def _results(values: list[str], where: str) -> frozenset[str]:
    results = frozenset(values)
    _check_subset(results, ATTEMPT_RESULTS, where)
    return results


def _check_subset(values: frozenset[str], allowed: frozenset[str], where: str) -> None:
    unknown = sorted(values - allowed)
    if unknown:
        raise PackError(f"{where}: unknown values {unknown}")


def _source(raw: dict[str, Any] | str) -> str:
    """One line naming the rule and when its text was last read, or that it was not."""
    if isinstance(raw, str):
        return f"{raw} (not re-read)"
    cite = " ".join(str(raw["cite"]).split())
    read = raw.get("read")
    return f"{cite}, read {read}" if read else f"{cite} (not re-read)"
