"""A scripted call: the borrower's lines in order, None for silence, then hang-up."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date

from fairdial.conversation.engine import converse
from fairdial.conversation.facts import AccountFacts, OfferBounds
from fairdial.conversation.guarding import GuardContext, GuardDecision, SentenceGuard
from fairdial.conversation.outcome import ConversationOutcome
from fairdial.telephony.base import BotUtterance, HeardTurn

TODAY = date(2026, 3, 11)  # a Wednesday


class ScriptedSession:
    def __init__(self, lines: Sequence[str | None], answered_by: str = "human") -> None:
        self.lines = list(lines)
        self._answered_by = answered_by
        self._hung_up = False
        self.said: list[BotUtterance] = []
        self.clock = 0.0

    @property
    def answered_by(self) -> str:
        return self._answered_by

    @property
    def hung_up(self) -> bool:
        return self._hung_up

    async def say(self, utterance: BotUtterance) -> None:
        self.said.append(utterance)
        self.clock += 2.0

    async def listen(self, timeout_s: float = 8.0) -> HeardTurn | None:
        if not self.lines:
            self._hung_up = True
            return None
        line = self.lines.pop(0)
        self.clock += 1.0
        return None if line is None else HeardTurn(line, 1.0)

    async def hangup(self) -> None:
        self._hung_up = True

    def elapsed_seconds(self) -> float:
        return self.clock


def facts(language: str = "zh-TW", **changes: object) -> AccountFacts:
    base: dict[str, object] = {
        "account_ref": "ACC-1",
        "borrower_name": "王小明" if language.startswith("zh") else "John Smith",
        "identity_factor": "1985",
        "identity_factor_kind": "birth_year",
        # NT$12,050 in whole dollars; $12,050.00 in cents.
        "balance_minor": 12_050 if language.startswith("zh") else 1_205_000,
        "currency": "TWD" if language.startswith("zh") else "USD",
        "dpd": 45,
        "language": language,
        "jurisdiction": "TW" if language.startswith("zh") else "US-CA",
        # Neutral names: the greeting is heard before anyone is verified.
        "company_name": "安和金融服務" if language.startswith("zh") else "Harbor Financial",
        "today": TODAY,
        "bounds": OfferBounds(),
    }
    base.update(changes)
    return AccountFacts(**base)  # type: ignore[arg-type]


def run(
    lines: Sequence[str | None],
    account: AccountFacts | None = None,
    answered_by: str = "human",
    guard: SentenceGuard | None = None,
) -> tuple[ConversationOutcome, ScriptedSession]:
    session = ScriptedSession(lines, answered_by)
    outcome = asyncio.run(converse(session, account or facts(), guard=guard))
    return outcome, session


class BlockingGuard:
    """Blocks every sentence containing one of `words`; allows the rest. Records each context."""

    def __init__(self, *words: str) -> None:
        self.words = words
        self.contexts: list[GuardContext] = []

    def __call__(self, text: str, language: str, context: GuardContext) -> GuardDecision:
        self.contexts.append(context)
        hit = any(word in text for word in self.words)
        if not hit:
            return GuardDecision(True, (), (), (), "TEST", "1")
        return GuardDecision(False, ("threat",), ("test.word",), ("test source",), "TEST", "1")


def bot_acts(outcome: ConversationOutcome) -> list[str]:
    return [turn.act or "" for turn in outcome.turns if turn.speaker == "bot"]
