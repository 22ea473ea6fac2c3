"""Policy packs: one jurisdiction's contact rules, read from YAML, each number with its source.

`US-XX` packs start from the federal `US` pack and add the state's own rules; a state with no
file of its own gets the federal rules unchanged and is taken to need only one party's consent to
record a call. Parsed packs are cached.

Besides what the decision engine reads, a pack says how calls are recorded (`recording`), what
may be left on a voicemail (`voicemail`), why third parties are called (`third_party`) and which
personal-data law applies (`personal_data`); the conversation reads these.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from fairdial.policy.history import ATTEMPT_RESULTS, CONTACT_POINT_KINDS, NOT_PLACED_RESULT
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
    purpose: str = "locate_only"
    reveal_debt: bool = False


@dataclass(frozen=True, slots=True)
class HarassmentRule:
    results: frozenset[str]
    count: int
    minutes: int
    source: str


@dataclass(frozen=True, slots=True)
class RecordingRule:
    """How long call recordings are kept, and whether the borrower must hear that they are made."""

    retention_days: int
    retention_source: str
    all_party_consent: bool
    consent_source: str
    announce_at_first_contact: bool


VOICEMAIL_KINDS: tuple[str, ...] = ("limited_content", "none")


@dataclass(frozen=True, slots=True)
class VoicemailRule:
    """What may be left on an answering machine: a limited-content message, or nothing at all."""

    allowed: str
    content: tuple[str, ...]
    source: str
    # (count, minutes) of the pack's harassment alarm, when that alarm counts voicemails.
    max_per_number_window: tuple[int, int] | None


@dataclass(frozen=True, slots=True)
class PersonalDataRule:
    """The personal-data law of the jurisdiction and what fairdial does to keep to it."""

    law: str
    share_with_third_parties: bool
    handling: str
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
    # Read by the conversation, not by the decision engine; None in a pack file without them.
    recording: RecordingRule | None = None
    voicemail: VoicemailRule | None = None
    personal_data: PersonalDataRule | None = None

    def hold_source(self, kind: str) -> str:
        return self.holds.get(kind, "hold recorded on the account")


def pack_ids() -> list[str]:
    """Every built-in pack id: US, US-<state> for each state and DC, TW, CN, HK."""
    return ["US", *(f"US-{state}" for state in US_STATES), *OTHER_PACKS]


@cache
def load_pack(pack_id: str) -> PolicyPack:
    """The built-in pack `pack_id`; raises PackError naming the id when there is none."""
    if pack_id not in _KNOWN:
        raise PackError(_unknown(pack_id))

    raw = _builtin_raw(pack_id)
    if raw is None:
        # A state with no rules of its own beyond the federal ones.
        raw = {
            "id": pack_id,
            "extends": "US",
            "name": f"United States, {pack_id[3:]}",
            # Every all-party-consent state has a file; the rest record on one party's consent.
            "recording": {"announce_at_first_contact": False},
        }
    return _build(_merge(raw), origin=pack_id)


def _unknown(pack_id: str) -> str:
    """Why `pack_id` names no pack, listing the packs there are (the states by their rule)."""
    message = f"unknown policy pack {pack_id!r}"
    if pack_id.upper() in _KNOWN:
        return f"{message}: pack ids are upper case, as in {pack_id.upper()!r}"
    known = (
        f"known packs are US, US-<state> (each state and DC, e.g. US-NY), {', '.join(OTHER_PACKS)}"
    )
    if pack_id.upper().startswith("US-"):
        return f"{message}: {pack_id[3:]!r} is not a US state or DC; {known}"
    return f"{message}; {known}"


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
# Sections a child pack merges key by key rather than replacing whole.
_SECTIONS = frozenset({"recording", "voicemail", "personal_data"})


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
        if key in _SECTIONS and isinstance(value, dict):
            # A state changes one fact of a section (say, all-party consent) and keeps the rest.
            value = {**(merged.get(key) or {}), **value}
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
            purpose=_third_party_purpose(third),
            reveal_debt=_never_true(third, "reveal_debt", "third_party"),
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
        recording=_recording(raw.get("recording")),
        voicemail=_voicemail(raw.get("voicemail"), harassment),
        personal_data=_personal_data(raw.get("personal_data")),
    )


def _recording(raw: dict[str, Any] | None) -> RecordingRule | None:
    if raw is None:
        return None
    days = int(raw["retention_days"])
    if days < 1:
        raise PackError("recording.retention_days must be at least 1")
    all_party = bool(raw["all_party_consent"])
    announce = bool(raw.get("announce_at_first_contact", all_party))
    if all_party and not announce:
        # Where every party must consent, a recorded call without the notice is unlawful.
        raise PackError("recording: all-party consent needs announce_at_first_contact")
    return RecordingRule(
        retention_days=days,
        retention_source=_source(raw["retention_source"]),
        all_party_consent=all_party,
        consent_source=_source(raw["consent_source"]),
        announce_at_first_contact=announce,
    )


def _voicemail(
    raw: dict[str, Any] | None, harassment: dict[str, Any] | None
) -> VoicemailRule | None:
    if raw is None:
        return None
    allowed = str(raw["allowed"])
    if allowed not in VOICEMAIL_KINDS:
        raise PackError(f"voicemail.allowed {allowed!r} must be one of {list(VOICEMAIL_KINDS)}")
    content = tuple(str(item) for item in raw.get("content", []))
    if allowed == "none" and content:
        raise PackError("voicemail: a pack that allows no message lists no message content")

    window: tuple[int, int] | None = None
    per_number = raw.get("max_per_number_window")
    if per_number is not None:
        if per_number != "harassment" or harassment is None:
            raise PackError("voicemail.max_per_number_window may only name the harassment rule")
        window = (int(harassment["count"]), int(harassment["minutes"]))
    return VoicemailRule(
        allowed=allowed,
        content=content,
        source=_source(raw["source"]),
        max_per_number_window=window,
    )


def _personal_data(raw: dict[str, Any] | None) -> PersonalDataRule | None:
    if raw is None:
        return None
    return PersonalDataRule(
        law=" ".join(str(raw["law"]).split()),
        share_with_third_parties=_never_true(raw, "share_with_third_parties", "personal_data"),
        handling=" ".join(str(raw["handling"]).split()),
        source=_source(raw["source"]),
    )


def _third_party_purpose(raw: dict[str, Any]) -> str:
    purpose = str(raw.get("purpose", "locate_only"))
    if purpose != "locate_only":
        raise PackError(f"third_party.purpose {purpose!r}: only 'locate_only' is supported")
    return purpose


def _never_true(raw: dict[str, Any], key: str, where: str) -> bool:
    """A flag the conversation cannot honour when true: saying so beats pretending."""
    if bool(raw.get(key, False)):
        raise PackError(f"{where}.{key}: fairdial never does this; the guard blocks it")
    return False


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
    if NOT_PLACED_RESULT in results:
        never_rang = f"{NOT_PLACED_RESULT!r} is a call that never rang, which no rule counts"
        raise PackError(f"{where}: {never_rang}")
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
