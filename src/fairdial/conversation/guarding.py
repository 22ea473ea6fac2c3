"""The seam between the conversation and the utterance guard: who is listening, and the check.

The engine asks `SentenceGuard` about every sentence before the session speaks it; the default
binds `fairdial.policy.guard` to the policy pack of the account's jurisdiction. Tests pass their
own callable with the same shape.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fairdial.policy import load_pack
from fairdial.policy.guard import SAFE_LINES, GuardContext, GuardDecision, guard, safe_line

__all__ = ["SAFE_LINES", "GuardContext", "GuardDecision", "Listener", "SentenceGuard"]

SentenceGuard = Callable[[str, str, GuardContext], GuardDecision]


def pack_guard(jurisdiction: str) -> SentenceGuard:
    """The guard under the policy pack for `jurisdiction`; an unknown pack fails here, loudly."""
    pack = load_pack(jurisdiction)

    def check(text: str, language: str, context: GuardContext) -> GuardDecision:
        return guard(text, language, pack, context)

    return check


@dataclass
class Listener:
    """What the guard needs to know about the call so far."""

    to: str = "borrower"  # "borrower", "third_party" or "voicemail"
    disclosed: bool = False  # the jurisdiction's collector disclosure has been said
    ai_disclosed: bool = False  # the bot has said it is an automated agent
    verified: bool = False

    def context(self) -> GuardContext:
        return GuardContext(self.to, self.disclosed, self.ai_disclosed, self.verified)


def fallback_line(language: str) -> str:
    return safe_line(language)


def guard_event(act: str, decision: GuardDecision, to: str, offset_s: float) -> dict[str, Any]:
    """A blocked sentence as the outcome records it: why, under which rule, never the words."""
    return {
        "act": act,
        "to": to,
        "reasons": list(decision.reasons),
        "matches": list(decision.matches),
        "sources": list(decision.sources),
        "pack_id": decision.pack_id,
        "pack_version": decision.pack_version,
        "offset_s": round(offset_s, 3),
    }
