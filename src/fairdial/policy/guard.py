"""The utterance guard: may the bot say this sentence, and if not, why and under which rule.

    decision = guard("We will send the police.", "en-US", load_pack("US"))
    decision.allowed, decision.reasons   # False, ("threat",)

Every sentence the bot is about to speak passes here. Pattern rules per language live in
`utterance/lang/*.yaml` (Simplified Chinese is folded to Traditional first, so one Chinese set
serves zh-TW, zh-HK and zh-CN); the rule each check serves, per jurisdiction, lives in
`utterance/sources.yaml`. The conversation's state (`GuardContext`) turns a mention of the debt
into a block when the listener is not the verified borrower or a required disclosure is missing.

Limitations:
    Patterns catch the wording the bot's scripts and a language model are likely to produce, not
    every possible paraphrase; a blocked list is no proof that an unlisted phrasing is fair.
    Negated mentions ("no one will arrest you") are blocked on purpose: the bot has no reason
    to raise them. A sentence that must name a court or an attorney as information the law
    requires is out of scope and is blocked. Whether a disclosure came earlier in the call is
    the caller's word (`GuardContext`); within one sentence, a disclosure counts only if it comes
    before the debt is mentioned. Each jurisdiction's unverified citations are listed under
    `limitations` in sources.yaml (see `limitations()`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from fairdial.policy.packs import PolicyPack
from fairdial.policy.utterance.citations import Citations, citations, jurisdiction_of
from fairdial.policy.utterance.normalize import normalize
from fairdial.policy.utterance.rules import Scan, load_rule_set

logger = logging.getLogger(__name__)

GUARD_REASONS: tuple[str, ...] = (
    "threat",
    "abusive_language",
    "false_representation",
    "false_urgency",
    "third_party_disclosure",
    "unverified_disclosure",
    "missing_disclosure",
)
RECIPIENTS: tuple[str, ...] = ("borrower", "third_party", "voicemail")

# What the conversation says instead of a blocked sentence: it reveals nothing and pressures no
# one, so it passes in every context (the tests hold it to that).
SAFE_LINES: dict[str, str] = {
    "en-US": "Sorry, let me put that another way. When would be a good time to talk?",
    "zh-TW": "不好意思，我換個方式說。請問您什麼時候方便通話？",
    "zh-HK": "不好意思，我換個方式說。請問您什麼時候方便通話？",
    "zh-CN": "不好意思，我换个方式说。请问您什么时候方便通话？",
}


class GuardError(ValueError):
    """A language, recipient or policy pack the guard has no rules for."""


@dataclass(frozen=True)
class GuardContext:
    """Where the conversation stands when the sentence would be spoken."""

    to: str = "borrower"
    disclosed: bool = True
    ai_disclosed: bool = True
    verified: bool = True

    def __post_init__(self) -> None:
        if self.to not in RECIPIENTS:
            raise GuardError(f"unknown recipient {self.to!r}; expected one of {RECIPIENTS}")


@dataclass(frozen=True)
class GuardDecision:
    """Allowed, or blocked with reason codes, the ids of the rules that fired and their sources."""

    allowed: bool
    reasons: tuple[str, ...]
    matches: tuple[str, ...]
    sources: tuple[str, ...]
    pack_id: str
    pack_version: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "allowed": self.allowed,
            "reasons": list(self.reasons),
            "matches": list(self.matches),
            "sources": list(self.sources),
            "pack_id": self.pack_id,
            "pack_version": self.pack_version,
        }


def guard(
    text: str, language: str, pack: PolicyPack, context: GuardContext = GuardContext()
) -> GuardDecision:
    """Decide whether the bot may say `text` to `context.to` under `pack`, in `language`."""
    scan = _scan(text, rule_language(language))
    cites = _citations(pack.id)

    fired = [(rule.reason, rule.id, cites.cite(rule.serves)) for rule in scan.hits]
    fired.extend(_context_checks(scan, context, cites))
    if not fired:
        return GuardDecision(True, (), (), (), pack.id, pack.version)

    reasons = tuple(dict.fromkeys(reason for reason, _, _ in fired))
    # Never the sentence itself in a log line: it may hold a name or an amount.
    logger.debug("utterance blocked", extra={"reasons": reasons, "pack_id": pack.id})
    return GuardDecision(
        allowed=False,
        reasons=reasons,
        matches=tuple(dict.fromkeys(rule_id for _, rule_id, _ in fired)),
        sources=tuple(dict.fromkeys(source for _, _, source in fired)),
        pack_id=pack.id,
        pack_version=pack.version,
    )


def rule_language(language: str) -> str:
    """The rule set for a language tag: `en` for en-*, `zh` for zh-* (either script)."""
    primary = language.split("-", 1)[0].lower()
    if primary not in ("en", "zh"):
        raise GuardError(f"no utterance rules for language {language!r}; use en-* or zh-*")
    return primary


def safe_line(language: str) -> str:
    """The fallback sentence for a language tag, in the script the tag implies."""
    if language in SAFE_LINES:
        return SAFE_LINES[language]
    if rule_language(language) == "en":
        return SAFE_LINES["en-US"]
    simplified = any(part in language.lower() for part in ("hans", "cn", "sg", "my"))
    return SAFE_LINES["zh-CN" if simplified else "zh-TW"]


def limitations(pack: PolicyPack) -> tuple[str, ...]:
    """What the guard's sources for this pack's jurisdiction leave unverified."""
    return _citations(pack.id).limitations


def _context_checks(
    scan: Scan, context: GuardContext, cites: Citations
) -> list[tuple[str, str, str]]:
    reveals = scan.debt_at >= 0 or scan.collection_hint
    if context.to == "voicemail":
        if not reveals:
            return []
        return [("third_party_disclosure", "voicemail.limited_content", cites.cite("voicemail"))]
    if context.to == "third_party":
        if not reveals:
            return []
        return [("third_party_disclosure", "third_party.debt_mention", cites.cite("third_party"))]

    fired = []
    if reveals and not context.verified:
        fired.append(
            (
                "unverified_disclosure",
                "verification.debt_before_verification",
                cites.cite("verification"),
            )
        )
    if scan.debt_at < 0:
        return fired

    if (
        cites.jurisdiction == "US"
        and not context.disclosed
        and _before(scan.debt_at, scan.collector_at)
    ):
        fired.append(
            (
                "missing_disclosure",
                "disclosure.debt_collector",
                cites.cite("collector_disclosure"),
            )
        )
    if not context.ai_disclosed and _before(scan.debt_at, scan.ai_at):
        fired.append(
            ("missing_disclosure", "disclosure.automated_agent", cites.cite("ai_disclosure"))
        )
    return fired


def _before(debt_at: int, disclosure_at: int) -> bool:
    """The debt comes up before the disclosure (or with none) within the sentence."""
    return disclosure_at < 0 or debt_at < disclosure_at


@lru_cache(maxsize=8192)
def _scan(text: str, rule_key: str) -> Scan:
    # Scripted lines repeat across thousands of calls; the scan depends only on text and language.
    return load_rule_set(rule_key).scan(normalize(text, chinese=rule_key == "zh"))


@lru_cache(maxsize=256)
def _citations(pack_id: str) -> Citations:
    try:
        return citations(jurisdiction_of(pack_id))
    except ValueError as exc:
        raise GuardError(str(exc)) from exc
