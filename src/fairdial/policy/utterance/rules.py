"""Per-language pattern rules, compiled into one regular expression per reason.

`lang/<key>.yaml` holds the rules and the detectors (debt mention, collection hint, the
debt-collector and automated-agent disclosures) for one language; `scan` reports which of them a
normalised sentence contains, leaving the conversation's state to the guard.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

REASONS: tuple[str, ...] = (
    "threat",
    "abusive_language",
    "false_representation",
    "false_urgency",
)
DETECTORS: tuple[str, ...] = ("debt", "collection_hint", "collector_disclosure", "ai_disclosure")


class RuleError(ValueError):
    """A rule file that does not read as utterance rules."""


@dataclass(frozen=True, slots=True)
class PatternRule:
    id: str
    reason: str
    serves: str


@dataclass(frozen=True, slots=True)
class Scan:
    """What one sentence contains; positions are offsets in the normalised text, -1 for none."""

    hits: tuple[PatternRule, ...]
    debt_at: int
    collection_hint: bool
    collector_at: int
    ai_at: int


class RuleSet:
    """The compiled rules of one language."""

    def __init__(self, key: str, rules: tuple[PatternRule, ...], raw: dict[str, Any]) -> None:
        self.key = key
        self.rules = rules
        self._by_group = {f"r{index}": rule for index, rule in enumerate(rules)}
        self._order = {rule.id: index for index, rule in enumerate(rules)}
        self._reasons: list[re.Pattern[str]] = []
        for reason in REASONS:
            groups = [
                f"(?P<r{index}>{_alternation(raw['rules'][index]['patterns'])})"
                for index, rule in enumerate(rules)
                if rule.reason == reason
            ]
            if groups:
                self._reasons.append(_compile("|".join(groups), f"{key} {reason}"))
        detectors = raw["detectors"]
        self._debt = _compile(_alternation(detectors["debt"]), f"{key} debt")
        self._hint = _compile(_alternation(detectors["collection_hint"]), f"{key} hint")
        self._collector = _compile(
            _alternation(detectors["collector_disclosure"]), f"{key} collector"
        )
        self._ai = _compile(_alternation(detectors["ai_disclosure"]), f"{key} ai")

    def scan(self, text: str) -> Scan:
        """`text` must already be normalised for this language (see `normalize`)."""
        fired: dict[str, PatternRule] = {}
        for pattern in self._reasons:
            for match in pattern.finditer(text):
                rule = self._by_group[match.lastgroup or ""]
                fired.setdefault(rule.id, rule)

        return Scan(
            hits=tuple(sorted(fired.values(), key=lambda rule: self._order[rule.id])),
            debt_at=_position(self._debt, text),
            collection_hint=self._hint.search(text) is not None,
            collector_at=_position(self._collector, text),
            ai_at=_position(self._ai, text),
        )


@cache
def load_rule_set(key: str) -> RuleSet:
    """The rules of `lang/<key>.yaml`, compiled once per process."""
    resource = resources.files("fairdial.policy.utterance").joinpath("lang", f"{key}.yaml")
    if not resource.is_file():
        raise RuleError(f"no utterance rules for language {key!r}")
    raw = yaml.safe_load(resource.read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or not isinstance(raw.get("rules"), list):
        raise RuleError(f"lang/{key}.yaml: must hold a mapping with a list of rules")

    rules: list[PatternRule] = []
    for item in raw["rules"]:
        rule = PatternRule(id=str(item["id"]), reason=str(item["reason"]), serves=item["serves"])
        if rule.reason not in REASONS:
            raise RuleError(f"lang/{key}.yaml: rule {rule.id}: unknown reason {rule.reason!r}")
        if not item.get("patterns"):
            raise RuleError(f"lang/{key}.yaml: rule {rule.id} has no patterns")
        rules.append(rule)
    missing = [name for name in DETECTORS if not raw.get("detectors", {}).get(name)]
    if missing:
        raise RuleError(f"lang/{key}.yaml: detectors missing {missing}")
    return RuleSet(key, tuple(rules), raw)


def _alternation(patterns: list[str]) -> str:
    return "|".join(f"(?:{pattern})" for pattern in patterns)


def _compile(pattern: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise RuleError(f"{where}: {exc}") from exc


def _position(pattern: re.Pattern[str], text: str) -> int:
    match = pattern.search(text)
    return -1 if match is None else match.start()
