"""The conversation engine: greet, find the borrower, verify, disclose, negotiate, route."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date
from typing import NoReturn

from fairdial.conversation import acts, offers, speech
from fairdial.conversation.facts import AccountFacts
from fairdial.conversation.identity import identity_matches
from fairdial.conversation.outcome import ConversationOutcome, Plan, Promise, TranscriptTurn
from fairdial.conversation.routing import DEBT_NEUTRAL, ROUTES, refuses_medium
from fairdial.conversation.script import Script, load_script
from fairdial.conversation.text import normalise
from fairdial.conversation.understanding import Understanding, understand
from fairdial.dispositions import Disposition
from fairdial.telephony.base import BotUtterance, CallSession

logger = logging.getLogger("fairdial.conversation")

VERIFY_TRIES = 2
MAX_NEGOTIATION_TURNS = 8
LISTEN_TIMEOUT_S = 8.0

# Intents that end the call the same way wherever they come up.
_ALWAYS_ROUTED = ("distress", "stop_contact", "request_human", "attorney", "bankruptcy")


class _CallOver(Exception):
    """Unwinds the conversation once the call has ended, for whatever reason."""


class _Conversation:
    def __init__(self, session: CallSession, facts: AccountFacts, script: Script) -> None:
        self.session = session
        self.facts = facts
        self.script = script
        self.lang = facts.language
        self.outcome = ConversationOutcome(disposition=Disposition.HUNG_UP, right_party=False)
        self.unclear_in_row = 0
        self.warned = False
        self.plan_offered = False
        self.countered = False
        self.partial: Promise | None = None
        self.pending: tuple[str, int, date] | Plan | None = None

    # -- speaking and hearing ---------------------------------------------------------------

    def values(self, **extra: object) -> dict[str, object]:
        facts = self.facts
        values: dict[str, object] = {
            "company": facts.company_name,
            "name": facts.borrower_name,
            "lender": getattr(facts, "lender_name", None) or facts.company_name,
            "dpd": facts.dpd,
            "identity_kind": self.script.identity_kind(facts.identity_factor_kind),
            "callback_number": getattr(facts, "callback_number", None)
            or self.script.line("callback_number_unknown"),
        }
        for key, value in extra.items():
            if key == "identity_kind":
                continue  # the slot carries the kind's id; the sentence says it in words
            if key.endswith("_minor") and isinstance(value, int):
                values[key[: -len("_minor")]] = speech.amount(value, facts.currency, self.lang)
            elif isinstance(value, date):
                values[key] = speech.day(value, self.lang)
            else:
                values[key] = value
        return values

    async def say(self, key: str, act: str, **slots: object) -> None:
        text = self.script.line(key, **self.values(**slots))
        public = {
            name: value.isoformat() if isinstance(value, date) else value
            for name, value in slots.items()
            if name in ("amount_minor", "currency", "dpd", "due_date", "months",
                        "first_payment_minor", "name", "identity_kind")
        }  # fmt: skip
        self.outcome.turns.append(
            TranscriptTurn("bot", text, self.session.elapsed_seconds(), act=act)
        )
        await self.session.say(BotUtterance(text, act, public))

    async def end(
        self, disposition: Disposition, *lines: tuple[str, str], **slots: object
    ) -> NoReturn:
        for key, act in lines:
            await self.say(key, act, **slots)
        self.outcome.disposition = disposition
        raise _CallOver

    async def hear(self) -> Understanding:
        """The next borrower turn; silence gets one re-prompt, a hang-up ends the call."""
        for attempt in range(2):
            heard = await self.session.listen(LISTEN_TIMEOUT_S)
            if heard is not None:
                break
            if self.session.hung_up:
                raise _CallOver
            if attempt == 0:
                await self.say("reprompt", acts.REPROMPT)
        else:
            silent = Disposition.UNCLEAR if self.outcome.right_party else Disposition.HUNG_UP
            await self.end(silent, ("silence_end", acts.CLOSING))

        heard_text = heard.text
        result = understand(
            heard_text,
            self.lang,
            self.facts.today,
            balance_minor=self.facts.balance_minor,
            currency=self.facts.currency,
        )
        self.outcome.turns.append(
            TranscriptTurn(
                "borrower",
                heard_text,
                self.session.elapsed_seconds(),
                intent=result.intent,
                confidence=result.confidence,
            )
        )
        self.last_text = heard_text
        self.unclear_in_row = self.unclear_in_row + 1 if result.intent == "unclear" else 0
        return result

    # -- routing -----------------------------------------------------------------------------

    async def route(self, intent: str) -> NoReturn:
        route = ROUTES[intent]
        lines = route.lines
        if not self.outcome.right_party:
            lines = tuple((DEBT_NEUTRAL.get(key, key), act) for key, act in lines)
        if route.hold:
            self.outcome.holds.append(route.hold)
        if intent == "stop_contact" and refuses_medium(normalise(self.last_text)):
            self.outcome.holds.append("medium_refused")
        if route.escalation:
            self.outcome.escalation = route.escalation
        await self.end(route.disposition, *lines)

    async def common(self, heard: Understanding) -> bool:
        """Handle what any phase handles alike; False when the phase must decide."""
        intent = heard.intent
        if intent in _ALWAYS_ROUTED:
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
        parts = [when.isoformat() if isinstance(when, date) else None, clock]
        understood = " ".join(str(part) for part in parts if part)
        self.outcome.callback_at = understood or None
        if not understood:
            await self.end(Disposition.CALLBACK, ("callback_ack_open", acts.CALLBACK_ACK))
        spoken = speech.day(when, self.lang) if isinstance(when, date) else ""
        spoken = f"{spoken} {clock}".strip() if clock else spoken
        await self.say("callback_ack", acts.CALLBACK_ACK, callback_time=spoken)
        await self.end(Disposition.CALLBACK)

    # -- phases ------------------------------------------------------------------------------

    async def find_party(self) -> None:
        await self.say("greet_disclose", acts.GREET_DISCLOSE)
        await self.say("ask_for_party", acts.ASK_FOR_PARTY, name=self.facts.borrower_name)
        while True:
            heard = await self.hear()
            intent = heard.intent
            if intent in ("confirm_identity", "affirm"):
                return
            if intent == "deceased" or "deceased" in heard.also:
                await self.route("deceased")
            if intent == "wrong_number":
                await self.end(
                    Disposition.WRONG_NUMBER, ("wrong_number_apology", acts.WRONG_NUMBER_APOLOGY)
                )
            if intent in ("third_party", "deny"):
                await self.third_party()
            if await self.common(heard):
                continue
            if intent in ROUTES:
                await self.route(intent)
            await self.say("reintroduce", acts.GREET_DISCLOSE)
            await self.say("ask_for_party", acts.ASK_FOR_PARTY, name=self.facts.borrower_name)

    async def third_party(self) -> NoReturn:
        """Only the company name and a callback request: nothing about why we call."""
        await self.say("third_party_message", acts.THIRD_PARTY_MESSAGE)
        self.outcome.disposition = Disposition.THIRD_PARTY
        heard = await self.session.listen(LISTEN_TIMEOUT_S)
        if heard is not None:
            result = understand(heard.text, self.lang, self.facts.today)
            self.outcome.turns.append(
                TranscriptTurn("borrower", heard.text, self.session.elapsed_seconds(),
                               intent=result.intent, confidence=result.confidence)
            )  # fmt: skip
            when, clock = result.entities.get("date"), result.entities.get("time")
            parts = [when.isoformat() if isinstance(when, date) else None, clock]
            self.outcome.callback_at = " ".join(str(p) for p in parts if p) or None
        if self.session.hung_up:
            raise _CallOver
        await self.end(Disposition.THIRD_PARTY, ("third_party_close", acts.CLOSING))

    async def verify(self) -> None:
        kind = self.facts.identity_factor_kind
        for attempt in range(VERIFY_TRIES):
            key = "verify_identity" if attempt == 0 else "verify_identity_retry"
            await self.say(key, acts.VERIFY_IDENTITY, identity_kind=kind)
            heard = await self.hear()
            if identity_matches(self.last_text, self.facts.identity_factor, kind):
                self.outcome.right_party = True
                self.unclear_in_row = 0
                self.outcome.turns[-1] = replace(
                    self.outcome.turns[-1], intent="confirm_identity", confidence=1.0
                )
                return
            if heard.intent in ("wrong_number", "third_party"):
                await self.third_party()
            if heard.intent == "deceased":
                await self.route("deceased")
            if heard.intent in ("distress", "stop_contact", "request_human", "abusive"):
                await self.common(heard)
            if heard.intent == "callback":
                await self.callback(heard)
        await self.end(
            Disposition.VERIFICATION_FAILED, ("verification_failed", acts.VERIFICATION_FAILED)
        )

    async def disclose_and_ask(self) -> None:
        facts = self.facts
        if facts.jurisdiction.upper().startswith("US"):
            key = "disclosure_us_first" if facts.first_contact else "disclosure_us_later"
        elif getattr(facts, "lender_name", None):
            key = "disclosure_recorded"
        else:
            key = "disclosure_recorded_own"
        await self.say(key, acts.DISCLOSURE)
        await self.state_debt()
        due = offers.ask_date(facts)
        self.pending = ("ask", facts.balance_minor, due)
        await self.say(
            "ask_payment", acts.ASK_PAYMENT, amount_minor=facts.balance_minor, due_date=due
        )

    async def state_debt(self) -> None:
        facts = self.facts
        await self.say(
            "state_debt",
            acts.STATE_DEBT,
            amount_minor=facts.balance_minor,
            currency=facts.currency,
            dpd=facts.dpd,
        )

    async def repeat_pending(self) -> None:
        pending = self.pending
        if isinstance(pending, Plan):
            await self.offer(pending)
        elif pending is not None:
            _, amount, due = pending
            await self.say("ask_payment", acts.ASK_PAYMENT, amount_minor=amount, due_date=due)

    async def negotiate(self) -> None:
        for _ in range(MAX_NEGOTIATION_TURNS):
            heard = await self.hear()
            intent = heard.intent
            if intent == "deceased":
                intent = "hardship"  # the verified borrower is alive: a bereavement in the family
            if intent == "unclear" and "amount" in heard.entities:
                intent = "promise_to_pay"  # a bare "500" answers the amount just asked about
                self.unclear_in_row = 0
            if intent in ("hardship", "dispute", "already_paid", "refuse"):
                await self.route(intent)
            if intent != "promise_to_pay" and await self.common(heard):
                continue
            if intent == "ask_details":
                await self.state_debt()
                await self.repeat_pending()
            elif intent == "ask_identity":
                await self.say("reintroduce", acts.GREET_DISCLOSE)
                await self.repeat_pending()
            elif intent == "request_plan":
                await self.plan_from(heard)
            elif intent == "promise_to_pay":
                await self.promise_from(heard)
            elif intent in ("affirm", "confirm_identity"):
                await self.accept_pending()
            elif intent == "deny":
                await self.declined()
            else:
                await self.say("ask_clarify", acts.ASK_CLARIFY)
        await self.route("stalled")

    async def plan_from(self, heard: Understanding) -> None:
        months = heard.entities.get("months")
        amount = heard.entities.get("amount")
        monthly = amount if heard.entities.get("per_month") and isinstance(amount, int) else None
        first = amount if isinstance(amount, int) and monthly is None else None
        if first is not None and first < offers.min_first_payment(self.facts):
            first = None  # the plan's own floor applies
        count = offers.plan_months(self.facts, months if isinstance(months, int) else None, monthly)
        await self.offer(offers.build_plan(self.facts, count, first))

    async def offer(self, plan: Plan) -> None:
        self.pending = plan
        self.plan_offered = True
        first_due, first_amount = plan.installments[0]
        later = plan.installments[1][1] if plan.months > 1 else first_amount
        await self.say(
            "offer_plan",
            acts.OFFER_PLAN,
            months=plan.months,
            first_payment_minor=first_amount,
            amount_minor=self.facts.balance_minor,
            due_date=first_due,
            installment_minor=later,
        )

    async def promise_from(self, heard: Understanding) -> None:
        amount = heard.entities.get("amount")
        due = heard.entities.get("date")
        if heard.entities.get("per_month") and isinstance(amount, int):
            await self.plan_from(heard)
            return
        pending = self.pending
        if isinstance(pending, Plan) and amount is None:
            await self.confirm_plan(pending)
        if isinstance(pending, tuple):
            amount = amount if isinstance(amount, int) else pending[1]
            due = due if isinstance(due, date) else pending[2]
        await self.decide(
            amount if isinstance(amount, int) else None, due if isinstance(due, date) else None
        )

    async def decide(self, amount: int | None, due: date | None) -> None:
        decision = offers.judge_promise(self.facts, amount, due, self.countered)
        if decision.kind == "accept":
            await self.confirm_promise(Promise(decision.amount_minor, decision.due_date))
        if decision.kind == "counter":
            self.countered = True
            self.pending = ("counter", decision.amount_minor, decision.due_date)
            too_small = amount is not None and amount < decision.amount_minor
            await self.say(
                "counter_offer_amount" if too_small else "counter_offer_date",
                acts.COUNTER_OFFER,
                amount_minor=decision.amount_minor,
                due_date=decision.due_date,
            )
            return
        # A partial amount at or above the floor is kept as the fallback promise if the plan
        # that starts with it is declined.
        floor = offers.min_first_payment(self.facts)
        if amount is not None and amount >= floor:
            self.partial = Promise(decision.amount_minor, decision.due_date)
        count = offers.plan_months(self.facts, None, None)
        await self.offer(
            offers.build_plan(self.facts, count, decision.amount_minor, decision.due_date)
        )

    async def accept_pending(self) -> None:
        pending = self.pending
        if isinstance(pending, Plan):
            await self.confirm_plan(pending)
        if pending is None:
            await self.say("ask_clarify", acts.ASK_CLARIFY)
            return
        _, amount, due = pending
        await self.decide(amount, due)

    async def declined(self) -> None:
        pending = self.pending
        if isinstance(pending, Plan):
            if self.partial is not None:
                await self.confirm_promise(self.partial)
            if pending.months < self.facts.bounds.max_plan_months:
                longest = offers.build_plan(self.facts, self.facts.bounds.max_plan_months)
                await self.offer(longest)
                return
            await self.route("refuse")
        if not self.plan_offered:
            await self.offer(
                offers.build_plan(self.facts, offers.plan_months(self.facts, None, None))
            )
            return
        await self.route("refuse")

    async def confirm_promise(self, promise: Promise) -> NoReturn:
        self.outcome.promise = promise
        slots = {"amount_minor": promise.amount_minor, "due_date": promise.due_date}
        await self.say("confirm_promise", acts.CONFIRM_PROMISE, **slots)
        await self.end(Disposition.PROMISE_TO_PAY, ("closing_promise", acts.CLOSING), **slots)

    async def confirm_plan(self, plan: Plan) -> NoReturn:
        self.outcome.plan = plan
        first_due, first_amount = plan.installments[0]
        slots = {
            "months": plan.months,
            "first_payment_minor": first_amount,
            "due_date": first_due,
            "amount_minor": plan.total_minor,
        }
        await self.say("confirm_plan", acts.CONFIRM_PLAN, **slots)
        await self.end(Disposition.PAYMENT_PLAN, ("closing_plan", acts.CLOSING), **slots)

    async def run(self) -> ConversationOutcome:
        try:
            if self.session.answered_by == "machine":
                await self.end(
                    Disposition.VOICEMAIL_LEFT, ("voicemail_message", acts.VOICEMAIL_MESSAGE)
                )
            await self.find_party()
            await self.verify()
            await self.disclose_and_ask()
            await self.negotiate()
        except _CallOver:
            pass
        if not self.session.hung_up:
            await self.session.hangup()
        self.outcome.summary = summarise(self.facts, self.outcome)
        logger.info(
            "conversation ended",
            extra={
                "account_ref": self.facts.account_ref,
                "disposition": str(self.outcome.disposition),
                "escalation": self.outcome.escalation,
            },
        )
        return self.outcome


def summarise(facts: AccountFacts, outcome: ConversationOutcome) -> str:
    """One line for the agent queue and reports: the account ref, never a name or number."""
    parts = [f"account {facts.account_ref}", f"disposition {outcome.disposition}"]
    parts.append("right party verified" if outcome.right_party else "right party not verified")
    if outcome.escalation:
        parts.append(f"escalated: {outcome.escalation}")
    if outcome.holds:
        parts.append("holds: " + ", ".join(outcome.holds))
    if outcome.promise:
        promise = outcome.promise
        parts.append(f"promise {promise.amount_minor} {facts.currency} minor by {promise.due_date}")
    if outcome.plan:
        first_due, first_amount = outcome.plan.installments[0]
        parts.append(
            f"plan {outcome.plan.months} months, first {first_amount} {facts.currency} minor "
            f"by {first_due}, total {outcome.plan.total_minor}"
        )
    if outcome.callback_at:
        parts.append(f"callback {outcome.callback_at}")
    return "; ".join(parts)


async def converse(
    session: CallSession, facts: AccountFacts, *, script: Script | None = None
) -> ConversationOutcome:
    """Hold one collection conversation on a connected call and report what came of it."""
    return await _Conversation(session, facts, script or load_script(facts.language)).run()
