"""Which rule each guard check serves, per jurisdiction, read from `sources.yaml`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

# Keys every jurisdiction must cite; collector_disclosure is asked of US packs only.
REQUIRED_KEYS: frozenset[str] = frozenset(
    {
        "threat_criminal",
        "threat_lawsuit",
        "threat_seizure",
        "threat_violence",
        "threat_family",
        "threat_exposure",
        "abusive",
        "false_authority",
        "false_legal_status",
        "false_urgency",
        "third_party",
        "voicemail",
        "verification",
        "ai_disclosure",
    }
)


class CitationError(ValueError):
    """No sources for a jurisdiction, or a sources file that does not read."""


@dataclass(frozen=True, slots=True)
class Citations:
    jurisdiction: str
    sources: dict[str, str]
    limitations: tuple[str, ...]

    def cite(self, key: str) -> str:
        return self.sources[key]


def jurisdiction_of(pack_id: str) -> str:
    """US for `US` and `US-XX`; otherwise the part of the id before the first dash."""
    head = pack_id.split("-", 1)[0].upper()
    if head not in _raw():
        raise CitationError(f"no utterance rules for policy pack {pack_id!r}")
    return head


@cache
def citations(jurisdiction: str) -> Citations:
    raw = _raw().get(jurisdiction)
    if raw is None:
        raise CitationError(f"no utterance sources for jurisdiction {jurisdiction!r}")
    sources = {key: _line(value) for key, value in raw["sources"].items()}
    missing = sorted(REQUIRED_KEYS - sources.keys())
    if missing:
        raise CitationError(f"sources.yaml {jurisdiction}: missing {missing}")
    if jurisdiction == "US" and "collector_disclosure" not in sources:
        raise CitationError("sources.yaml US: missing collector_disclosure")
    return Citations(
        jurisdiction=jurisdiction,
        sources=sources,
        limitations=tuple(" ".join(str(item).split()) for item in raw.get("limitations", [])),
    )


@cache
def _raw() -> dict[str, Any]:
    resource = resources.files("fairdial.policy.utterance").joinpath("sources.yaml")
    raw = yaml.safe_load(resource.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise CitationError("sources.yaml must hold a mapping of jurisdictions")
    return raw


def _line(raw: dict[str, Any] | str) -> str:
    """One line naming the rule and when it was last read, the way policy packs cite."""
    if isinstance(raw, str):
        return f"{' '.join(raw.split())} (not re-read)"
    cite = " ".join(str(raw["cite"]).split())
    read = raw.get("read")
    return f"{cite}, read {read}" if read else f"{cite} (not re-read)"
