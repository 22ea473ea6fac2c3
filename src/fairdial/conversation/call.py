"""One call as the conversation phases share it: speaking through the guard, hearing, endings.

The phases (engine.py) and the negotiation (negotiation.py) drive a `Call`; it owns the
transcript, the outcome and what the guard must know about the listener.
"""

from __future__ import annotations

from datetime import date
from typing import NoReturn

from fairdial.conversation import acts, speech
from fairdial.conversation.facts import AccountFacts
from fairdial.conversation.guarding import (
    GuardDecision,
    Listener,
    SentenceGuard,
    fallback_line,
    guard_event,
)
from fairdial.conversation.outcome import ConversationOutcome, TranscriptTurn
from fairdial.conversation.routing import DEBT_NEUTRAL, ROUTES, refuses_medium
from fairdial.conversation.script import Script, crisis_line
from fairdial.conversation.understanding import Understanding, understand
from fairdial.dispositions import Disposition
from fairdial.policy.packs import PolicyPack
from fairdial.telephony.base import BotUtterance, CallSession

LISTEN_TIMEOUT_S = 8.0

# Intents that end the call the same way wherever they come up.
ALWAYS_ROUTED = ("distress", "stop_contact", "request_human", "attorney", "bankruptcy")

# Slots a simulator or an audit may read from an utterance; names stay out of the rest.
_PUBLIC_SLOTS = frozenset(
    {"amount_minor", "currency", "dpd", "due_date", "months", "first_payment_minor",
     "balance_minor", "name", "identity_kind"}
)  # fmt: skip


# Slots said as numbers of things ("四十五天", "分六期") rather than as digits.
_COUNTS = frozenset({"dpd", "months"})


class CallOver(Exception):
    """Unwinds the conversation once the call has ended, for whatever reason."""


class Call:
    def __init__(
        self,
        session: CallSession,
        facts: AccountFacts,
        script: Script,
        guard: SentenceGuard,
        pack: PolicyPack | None = None,
        hands_off: bool = False,
    ) -> None:
        self.session = session
        self.facts = facts
        self.script = script
        self.guard = guard
        # The account's policy pack: the recording notice and the voicemail follow it.
        self.pack = pack
        self.lang = facts.language
        self.variant = facts.segment or ""
        self.outcome = ConversationOutcome(disposition=Disposition.HUNG_UP, right_party=False)
        machine = session.answered_by == "machine"
        self.listener = Listener(to="voicemail" if machine else "borrower")
        self.unclear_in_row = 0
        self.warned = False
        self.last_text = ""
        # A person can take the call live: an escalation's closing waits for the hand-off.
        self.hands_off = hands_off
        self.closing: tuple[str, str] | None = None  # the closing left for the hand-off

    # -- speaking ---------------------------------------------------------------------------

    def values(self, template: str, slots: dict[str, object]) -> dict[str, object]:
        facts = self.facts
        values: dict[str, object] = {
            "company": facts.company_name,
            "name": facts.borrower_name,
            "lender": facts.lender_name or facts.company_name,
            "dpd": speech.count(facts.dpd, self.lang),
            "callback_number": facts.callback_number or self.script.line("callback_number_unknown"),
        }
        if "{identity_kind}" in template:  # an account without a factor is never asked one
            values["identity_kind"] = self.script.identity_kind(facts.identity_factor_kind)
        if "{crisis_line}" in template:
            values["crisis_line"] = crisis_line(facts.jurisdiction, self.lang)
        for key, value in slots.items():
            if key == "identity_kind":
                continue  # the slot carries the kind's id; the sentence says it in words
            if key.endswith("_minor") and isinstance(value, int):
                values[key[: -len("_minor")]] = speech.amount(value, facts.currency, self.lang)
            elif isinstance(value, date):
                values[key] = speech.day(value, self.lang)
            elif key in _COUNTS and isinstance(value, int):
                values[key] = speech.count(value, self.lang)
            else:
                values[key] = value
        return values

    async def say(self, key: str, act: str, **slots: object) -> None:
        """Say one scripted line, unless the guard blocks it: then the safe line instead.

        A blocked line that would have named the debt ends the call with a hand-off, since the
        conversation cannot go on without it.
        """
        template = self.script.template(key, self.variant)
        text = template.format_map(self.values(template, slots))
        decision = self.guard(text, self.lang, self.listener.context())
        if not decision.allowed:
            await self._blocked(act, decision)
            return

        public = {
            name: value.isoformat() if isinstance(value, date) else value
            for name, value in slots.items()
            if name in _PUBLIC_SLOTS
        }
        await self._speak(text, act, public)
        if act == acts.GREET_DISCLOSE:
            self.listener.ai_disclosed = True
        elif act == acts.DISCLOSURE:
            self.listener.disclosed = True

    async def _speak(self, text: str, act: str, public: dict[str, object]) -> None:
        self.outcome.turns.append(
            TranscriptTurn("bot", text, self.session.elapsed_seconds(), act=act)
        )
        await self.session.say(BotUtterance(text, act, public))

    async def _blocked(self, act: str, decision: GuardDecision) -> None:
        outcome = self.outcome
        outcome.guard_blocks += 1
        offset = self.session.elapsed_seconds()
        outcome.guard_events.append(guard_event(act, decision, self.listener.to, offset))
        await self._speak(fallback_line(self.lang), acts.SAFE_LINE, {})
        if act not in acts.DEBT_ACTS:
            return
        outcome.escalation = outcome.escalation or "guard_block"
        await self.end(Disposition.ESCALATED, *self.escalation_closing(("escalate", acts.ESCALATE)))

    async def end(
        self, disposition: Disposition, *lines: tuple[str, str], **slots: object
    ) -> NoReturn:
        for key, act in lines:
            await self.say(key, act, **slots)
        self.outcome.disposition = disposition
        raise CallOver

    # -- hearing ----------------------------------------------------------------------------

    async def hear(self) -> Understanding:
        """The next borrower turn; silence gets one re-prompt, a hang-up ends the call."""
        for attempt in range(2):
            heard = await self.session.listen(LISTEN_TIMEOUT_S)
            if heard is not None:
                break
            if self.session.hung_up:
                raise CallOver
            if attempt == 0:
                await self.say("reprompt", acts.REPROMPT)
        else:
            silent = Disposition.UNCLEAR if self.outcome.right_party else Disposition.NO_RESPONSE
            await self.end(silent, ("silence_end", acts.CLOSING))

        return self.understood(heard.text)

    def understood(self, text: str) -> Understanding:
        facts = self.facts
        result = understand(
            text,
            self.lang,
            facts.today,
            balance_minor=facts.balance_minor,
            currency=facts.currency,
        )
        self.outcome.turns.append(
            TranscriptTurn(
                "borrower",
                text,
                self.session.elapsed_seconds(),
                intent=result.intent,
                confidence=result.confidence,
            )
        )
        self.last_text = text
        self.unclear_in_row = self.unclear_in_row + 1 if result.intent == "unclear" else 0
        return result

    # -- routing ----------------------------------------------------------------------------

    async def route(self, intent: str) -> NoReturn:
        route = ROUTES[intent]
        lines = route.lines
        if route.closing is not None:
            lines += self.escalation_closing(route.closing)
        if not self.outcome.right_party:
            lines = tuple((DEBT_NEUTRAL.get(key, key), act) for key, act in lines)
        if intent == "hardship":
            self.variant = "hardship"
        if route.hold:
            self.outcome.holds.append(route.hold)
        if intent == "stop_contact" and refuses_medium(self.last_text):
            self.outcome.holds.append("medium_refused")
        if route.escalation:
            self.outcome.escalation = route.escalation
        await self.end(route.disposition, *lines)

    def escalation_closing(self, line: tuple[str, str]) -> tuple[tuple[str, str], ...]:
        """The lines that close an escalated call now: none when a hand-off will close it."""
        if not self.hands_off:
            return (line,)
        self.closing = line
        return ()

    async def common(self, heard: Understanding) -> bool:
        """Handle what any phase handles alike; False when the phase must decide."""
        intent = heard.intent
        if intent in ALWAYS_ROUTED:
            await self.route(intent)
        if intent == "abusive":
            if self.warned:
                ended = Disposition.REFUSED if self.outcome.right_party else Disposition.HUNG_UP
                await self.end(ended, ("abuse_end", acts.CLOSING))
            self.warned = True
            await self.say("abuse_warning", acts.ABUSE_WARNING)
            return True
        if intent == "callback":
            await self.callback(heard)
        if intent == "unclear":
            if self.unclear_in_row >= 2:
                await self.route("low_confidence")
            await self.say("ask_clarify", acts.ASK_CLARIFY)
            return True
        return False

    async def callback(self, heard: Understanding) -> NoReturn:
        when = heard.entities.get("date")
        clock = heard.entities.get("time")
        self.outcome.callback_at = callback_text(heard)
        if self.outcome.callback_at is None:
            await self.end(Disposition.CALLBACK, ("callback_ack_open", acts.CALLBACK_ACK))
        spoken = speech.day(when, self.lang) if isinstance(when, date) else ""
        spoken = f"{spoken} {clock}".strip() if clock else spoken
        await self.say("callback_ack", acts.CALLBACK_ACK, callback_time=spoken)
        await self.end(Disposition.CALLBACK)


def callback_text(heard: Understanding) -> str | None:
    """The time the other side named for a call back, as '2026-03-12 19:00', or None."""
    when = heard.entities.get("date")
    clock = heard.entities.get("time")
    parts = [when.isoformat() if isinstance(when, date) else None, clock]
    return " ".join(str(part) for part in parts if part) or None
