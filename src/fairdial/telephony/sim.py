"""A channel whose calls reach simulated borrowers, on a simulated clock.

Every account keeps one persona and a memory for the whole campaign. Each dial draws its random
streams from the seed, the account, its dial count and the borrower's local day, so a campaign
replays exactly whatever order the calls are placed in.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from fairdial.conversation.facts import AccountFacts
from fairdial.simulation.borrower import SimBorrower
from fairdial.simulation.intents import Intent, TruthTurn
from fairdial.simulation.lexicon import lexicon_for
from fairdial.simulation.memory import BorrowerMemory
from fairdial.simulation.personas import persona_for
from fairdial.simulation.reach import local_time, pick_up
from fairdial.simulation.reply import Reply
from fairdial.simulation.seeding import derive_rng
from fairdial.telephony.base import BotUtterance, CallResult, DialOutcome, DialRequest, HeardTurn

logger = logging.getLogger("fairdial.telephony")

FactsLookup = Callable[[str], tuple[AccountFacts, dict[str, object]]]

# Acts that tell the listener about the debt; said to anyone but the debtor they disclose it.
DEBT_ACTS = frozenset(
    {
        "disclosure",
        "state_debt",
        "ask_payment",
        "offer_plan",
        "offer_settlement",
        "counter_offer",
        "confirm_promise",
        "confirm_plan",
    }
)
_MACHINE_RECORD_LIMIT_S = 120.0
_SILENCES_BEFORE_LEAVING = 3


def speaking_seconds(text: str) -> float:
    """About 4 Chinese characters or 2.5 English words a second, plus a breath."""
    cjk = 0
    words = 0
    in_word = False
    for char in text:
        if char >= "\u3000":
            cjk += 1
            in_word = False
        elif char.isalnum():
            if not in_word:
                words += 1
            in_word = True
        else:
            in_word = False
    return 0.2 + cjk / 4.0 + words / 2.5


@dataclass(frozen=True)
class SpokenTurn:
    speaker: str  # "bot" or "borrower"
    text: str
    offset_s: float
    act: str | None = None


class SimSession:
    """A connected simulated call. `truth` holds what each reply meant; the bot never reads it."""

    def __init__(
        self,
        borrower: SimBorrower | None,
        language: str,
        answered_by: str,
        greeting: str = "",
    ) -> None:
        self._borrower = borrower
        self._language = language
        self._answered_by = answered_by
        self._hung_up = False
        self._clock = 0.0
        self._silences = 0
        self._last_act: str | None = None
        self._pending: Reply | None = borrower.opening() if borrower else None
        self._greeting = greeting
        self.truly_machine = borrower is None
        self.speaker = borrower.speaker if borrower else "machine"
        self.stance = borrower.stance.value if borrower else None
        self.truth: list[TruthTurn] = []
        self.transcript: list[SpokenTurn] = []
        self.ended_by: str | None = None  # "borrower", "bot" or "machine"
        self.message_left = False
        self.disclosed_to_non_debtor = False

    @property
    def answered_by(self) -> str:
        return self._answered_by

    @property
    def hung_up(self) -> bool:
        return self._hung_up

    def elapsed_seconds(self) -> float:
        return self._clock

    async def say(self, utterance: BotUtterance) -> None:
        if self._hung_up:
            return
        self.transcript.append(SpokenTurn("bot", utterance.text, self._clock, utterance.act))
        self._clock += speaking_seconds(utterance.text)
        self._last_act = utterance.act
        if utterance.act in DEBT_ACTS and self.speaker != "borrower":
            self.disclosed_to_non_debtor = True

        if self._borrower is None:
            self.message_left = self.message_left or utterance.act == "voicemail_message"
            if self._clock > _MACHINE_RECORD_LIMIT_S:
                self._end("machine")
            return
        self._pending = self._borrower.react(utterance)

    async def listen(self, timeout_s: float = 8.0) -> HeardTurn | None:
        """The next reply; `seconds` covers the borrower's pause before speaking and the speech."""
        await asyncio.sleep(0)
        if self._hung_up:
            return None
        if self._borrower is None:
            return self._machine_listen(timeout_s)

        reply, self._pending = self._pending, None
        if reply is None:
            self._silence(timeout_s)
            return None

        self._silences = 0
        pause = self._borrower.rng.uniform(0.3, 1.4)
        if reply.intent == Intent.UNCLEAR:
            pause += 0.8
        spoken = speaking_seconds(reply.text)
        self._clock += pause
        self._record(reply)
        self._clock += spoken
        if reply.hang_up:
            self._end("borrower")
        return HeardTurn(reply.text, pause + spoken)

    async def hangup(self) -> None:
        if not self._hung_up:
            self._end("bot")

    def _machine_listen(self, timeout_s: float) -> HeardTurn | None:
        if self._greeting:
            text, self._greeting = self._greeting, ""
            seconds = speaking_seconds(text) + 0.8  # the tone after the greeting
            self.transcript.append(SpokenTurn("borrower", text, self._clock))
            self._clock += seconds
            return HeardTurn(text, seconds)
        self._clock += timeout_s
        if self._clock > _MACHINE_RECORD_LIMIT_S:
            self._end("machine")
        return None

    def _silence(self, timeout_s: float) -> None:
        self._clock += timeout_s
        self._silences += 1
        self.truth.append(TruthTurn(self._clock, self._last_act, Intent.SILENCE, ""))
        if self._silences >= _SILENCES_BEFORE_LEAVING:
            self._end("borrower")

    def _record(self, reply: Reply) -> None:
        self.transcript.append(SpokenTurn("borrower", reply.text, self._clock))
        self.truth.append(
            TruthTurn(
                offset_s=self._clock,
                in_reply_to=self._last_act,
                intent=reply.intent,
                text=reply.text,
                amount_minor=reply.amount_minor,
                due_date=reply.due_date,
                months=reply.months,
                detail=reply.detail,
            )
        )

    def _end(self, by: str) -> None:
        self._hung_up = True
        self.ended_by = by


class SimChannel:
    """Places calls to simulated borrowers; `facts_for` gives an account's facts and raw fields."""

    name = "sim"

    def __init__(
        self,
        facts_for: FactsLookup,
        seed: int,
        amd_error_rate: float = 0.02,
        keep_sessions: bool = False,
    ) -> None:
        self._facts_for = facts_for
        self._seed = seed
        self._amd_error_rate = amd_error_rate
        self._memories: dict[str, BorrowerMemory] = {}
        self.sessions: dict[str, SimSession] = {}  # by attempt ref, when keep_sessions
        self._keep_sessions = keep_sessions

    def memory(self, account_ref: str) -> BorrowerMemory:
        """The borrower behind an account, created on first use from the account's own data."""
        memory = self._memories.get(account_ref)
        if memory is None:
            facts, attributes = self._facts_for(account_ref)
            rng = derive_rng(self._seed, "persona", account_ref)
            persona = persona_for(facts, attributes, rng)
            memory = BorrowerMemory(facts=facts, attributes=attributes, persona=persona)
            self._memories[account_ref] = memory
        return memory

    async def dial(self, request: DialRequest) -> DialOutcome:
        memory = self.memory(request.account_ref)
        facts = memory.facts
        local = local_time(request.at, facts.jurisdiction)
        day = local.date()
        key = (request.account_ref, memory.dials, day.isoformat())
        memory.dials += 1

        pickup = pick_up(memory, local, derive_rng(self._seed, "dial", *key))
        memory.dials_by_day[day] = memory.dials_by_day.get(day, 0) + 1
        if pickup.result not in {CallResult.CONVERSATION, CallResult.VOICEMAIL}:
            logger.debug(
                "sim dial ended",
                extra={"attempt": request.attempt_ref, "result": pickup.result.value},
            )
            return DialOutcome(pickup.result, pickup.ring_seconds)

        rng = derive_rng(self._seed, "call", *key)
        misjudged = rng.random() < self._amd_error_rate
        if pickup.machine:
            greeting = rng.choice(lexicon_for(facts.language).CORES["voicemail_greeting"])
            judged = "human" if misjudged else "machine"
            session = SimSession(None, facts.language, judged, greeting=greeting)
        else:
            memory.conversations += 1
            borrower = SimBorrower(memory, rng, day)
            session = SimSession(borrower, facts.language, "machine" if misjudged else "human")

        if self._keep_sessions:
            self.sessions[request.attempt_ref] = session
        return DialOutcome(pickup.result, pickup.ring_seconds, session)
