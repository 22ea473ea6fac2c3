"""A simulated borrower on one call: reacts to what the bot meant, never to its wording.

Each bot act is answered by the call's stance (the persona's, adjusted by what earlier calls
left in memory). Replies carry their meaning as `Reply` fields; the session logs them as truth.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, time, timedelta

from fairdial.simulation.amounts import round_spoken
from fairdial.simulation.dates import pick_date
from fairdial.simulation.intents import Intent
from fairdial.simulation.memory import AgreedPlan, AgreedPromise, BorrowerMemory
from fairdial.simulation.personas import Stance
from fairdial.simulation.reply import Reply, slot_date, slot_int
from fairdial.simulation.speech import Voice
from fairdial.telephony.base import BotUtterance

_NEGOTIATION = frozenset(
    {
        "state_debt",
        "ask_payment",
        "offer_plan",
        "offer_settlement",
        "counter_offer",
        "confirm_promise",
        "confirm_plan",
    }
)
_WILLING_TO_DEAL = {Stance.WILLING, Stance.PARTIAL, Stance.PLAN_SEEKER, Stance.HARDSHIP}
# Yes-replies whose amount, date or months come from the bot's own offer, not from the words.
_IMPLIED = frozenset({Intent.ACCEPT, Intent.ACCEPT_PLAN, Intent.CONFIRM})
_MAX_TURNS = 30  # past this many bot sentences a borrower loses patience and hangs up
_DISPLEASED = {Stance.ANGRY, Stance.STOP, Stance.REFUSER}


class SimBorrower:
    """Whoever picks up an account's phone on one call: the borrower, a relative or a stranger."""

    def __init__(self, memory: BorrowerMemory, rng: random.Random, today: date) -> None:
        self.memory = memory
        self.persona = memory.persona
        self.facts = memory.facts
        self.rng = rng
        self.today = today
        self.voice = Voice(self.facts.language, rng, self.persona.chattiness, today)
        self.stance = self._call_stance()
        self.speaker = self._speaker()
        self._turns = 0
        self._last: Reply | None = None  # the last meaningful reply, repeated on a clarify
        self._rounds = 0  # negotiation rounds on this call
        self._gave_wrong_factor = False
        self._when: tuple[str, int, int] | None = None  # the callback time once named
        self._handlers: dict[str, Callable[[dict[str, object]], Reply | None]] = {
            "greet_disclose": self._on_greet,
            "ask_for_party": self._on_ask_for_party,
            "verify_identity": self._on_verify,
            "verification_failed": self._on_verification_failed,
            "disclosure": self._on_disclosure,
            "state_debt": self._on_state_debt,
            "ask_payment": self._on_ask_payment,
            "offer_plan": self._on_offer_plan,
            "counter_offer": self._on_counter_offer,
            # A settlement names an amount and a date, as a counter-offer does.
            "offer_settlement": self._on_counter_offer,
            "confirm_promise": self._on_confirm_promise,
            "confirm_plan": self._on_confirm_plan,
            "ask_clarify": self._on_clarify,
            "reprompt": self._on_clarify,
            "empathy": self._on_empathy,
            "escalate": lambda slots: self._say(Intent.ACK, "ack"),
            "safe_line": lambda slots: self._say(Intent.ACK, "ack"),
            "third_party_message": self._on_third_party_message,
            "abuse_warning": self._on_abuse_warning,
            "voicemail_message": self._on_voicemail_message,
            "callback_ack": self._on_farewell,
            "stop_ack": self._on_farewell,
            "wrong_number_apology": self._on_farewell,
            "closing": self._on_farewell,
        }

    # The call as a whole

    def _call_stance(self) -> Stance:
        memory, persona = self.memory, self.persona
        if memory.asked_to_stop:
            return Stance.STOP
        if persona.stance == Stance.CALLBACK and memory.callback_asked:
            return persona.settles_to
        if persona.stance == Stance.THIRD_PARTY and self.rng.random() < 0.25:
            return persona.settles_to  # this time the borrower picks up themself
        return persona.stance

    def _speaker(self) -> str:
        if self.stance == Stance.WRONG_PARTY:
            return "wrong_party"
        if self.stance == Stance.THIRD_PARTY:
            return "third_party"
        return "borrower"

    def opening(self) -> Reply:
        """What the caller hears first when a person picks up."""
        return self._say(Intent.HELLO, "hello")

    def react(self, utterance: BotUtterance) -> Reply | None:
        """The reply to one bot sentence, or None to stay silent."""
        self._turns += 1
        if self._turns > _MAX_TURNS:
            return replace(self._say(Intent.GOODBYE, "goodbye"), hang_up=True)

        handler = self._handlers.get(utterance.act, self._on_unknown)
        if self.speaker != "borrower" and utterance.act in _NEGOTIATION:
            handler = self._on_ask_for_party  # only the debtor negotiates; others repeat themselves
        reply = handler(dict(utterance.slots))
        if reply is None:
            return None

        if reply.intent not in {Intent.UNCLEAR, Intent.ASK_REPEAT, Intent.GOODBYE}:
            self._last = reply
        if self.rng.random() < self.persona.mumble_rate and not reply.hang_up:
            return Reply(Intent.UNCLEAR, self.voice.mumble())
        return reply

    # Greeting, right party and identity

    def _on_greet(self, slots: dict[str, object]) -> Reply | None:
        if self.stance in {Stance.ANGRY, Stance.STOP} and self.rng.random() < 0.3:
            return self._displeased(self._say(Intent.ABUSE, "abuse"))
        if self.rng.random() < 0.25:
            return self._say(Intent.ASK_WHO, "ask_who")
        return self._say(Intent.ACK, "ack")

    def _on_ask_for_party(self, slots: dict[str, object]) -> Reply | None:
        if self.speaker == "wrong_party":
            self.memory.told_wrong_number = True
            return self._say(Intent.WRONG_NUMBER, "wrong_number")
        if self.speaker == "third_party":
            self.memory.absent_told += 1
            who = self.voice.who()
            return self._say(Intent.THIRD_PARTY, "third_party", who=who, detail={"who": who})
        if self.rng.random() < 0.08:
            return self._say(Intent.ASK_WHO, "ask_who")
        return self._say(Intent.CONFIRM_PARTY, "confirm_party")

    def _on_verify(self, slots: dict[str, object]) -> Reply | None:
        if self.speaker != "borrower":
            return self._on_ask_for_party(slots)
        if self.rng.random() < self.persona.identity_refusal:
            return self._say(Intent.REFUSE_IDENTITY, "refuse_identity")
        correct = self.rng.random() < self.persona.identity_accuracy
        return self._identity_answer(str(slots.get("identity_kind", "")), correct)

    def _identity_answer(self, asked_kind: str, correct: bool) -> Reply:
        kind = self.facts.identity_factor_kind
        if asked_kind and asked_kind != kind:
            correct = False  # the bot asked for a factor this account does not hold
        value = self.facts.identity_factor if correct else self._wrong_factor(kind)
        self._gave_wrong_factor = not correct
        spoken = self.voice.factor(kind, value)
        key = "identity.id_last4" if kind == "id_last4" else "identity.birth_year"
        detail = {"value": value, "correct": correct}
        return self._say(Intent.IDENTITY_ANSWER, key, factor=spoken, detail=detail)

    def _wrong_factor(self, kind: str) -> str:
        true = self.facts.identity_factor
        if kind == "birth_year" and true.isdigit():
            return str(int(true) + self.rng.choice((-10, -2, -1, 1, 2, 10)))
        wrong = f"{self.rng.randrange(10_000):04d}"
        if wrong == true:
            wrong = f"{(int(wrong) + 1) % 10_000:04d}"
        return wrong

    def _on_verification_failed(self, slots: dict[str, object]) -> Reply | None:
        roll = self.rng.random()
        if self._gave_wrong_factor and roll < 0.6:
            return self._identity_answer("", correct=True)
        if roll < 0.8:
            return self._say(Intent.CONFIRM_PARTY, "confirm_party")
        return replace(self._say(Intent.GOODBYE, "goodbye"), hang_up=True)

    def _on_disclosure(self, slots: dict[str, object]) -> Reply | None:
        if self.stance == Stance.STOP and self.rng.random() < 0.5:
            return self._stop()
        return self._say(Intent.ACK, "ack")

    # The debt and the negotiation

    def _on_state_debt(self, slots: dict[str, object]) -> Reply | None:
        asked = slot_int(slots.get("amount_minor"), self.facts.balance_minor)
        if self.memory.committed:
            return self._already_promised()
        if self.stance == Stance.WILLING:
            if self.rng.random() < 0.5:
                return self._promise(asked, None)
            return self._say(Intent.ACK, "ack")
        if self.stance == Stance.PARTIAL and self.rng.random() < 0.5:
            return self._say(Intent.ACK, "ack")
        return self._stance_reply(asked, None)

    def _on_ask_payment(self, slots: dict[str, object]) -> Reply | None:
        asked = slot_int(slots.get("amount_minor"), self.facts.balance_minor)
        proposed = slot_date(slots.get("due_date"))
        if self.memory.committed:
            return self._already_promised()
        return self._stance_reply(asked, proposed)

    def _on_offer_plan(self, slots: dict[str, object]) -> Reply | None:
        months = slot_int(slots.get("months"), 0)
        self._rounds += 1
        if self.stance in {Stance.PLAN_SEEKER, Stance.PARTIAL, Stance.HARDSHIP}:
            wanted = self.persona.plan_months
            if months >= wanted or (months >= wanted // 2 and self.rng.random() < 0.6):
                return self._say(
                    Intent.ACCEPT_PLAN,
                    "accept_plan",
                    months=self.voice.months_word(months),
                    months_value=months,
                )
            if self._rounds >= 3:
                return self._say(
                    Intent.ACCEPT_PLAN, "accept_plan", months=months, months_value=months
                )
            return self._plan_request(wanted)
        if self.stance == Stance.WILLING:
            if self.rng.random() < 0.3:
                return self._say(
                    Intent.ACCEPT_PLAN, "accept_plan", months=months, months_value=months
                )
            return self._promise(
                slot_int(slots.get("amount_minor"), self.facts.balance_minor), None
            )
        if self.stance == Stance.REFUSER:
            return self._displeased(self._say(Intent.DECLINE, "decline"))
        return self._stance_reply(
            slot_int(slots.get("amount_minor"), self.facts.balance_minor), None
        )

    def _on_counter_offer(self, slots: dict[str, object]) -> Reply | None:
        amount = slot_int(slots.get("amount_minor"), self.facts.balance_minor)
        due = slot_date(slots.get("due_date"))
        self._rounds += 1
        if self.stance in _DISPLEASED:
            return self._displeased(self._say(Intent.DECLINE, "decline"))
        if self.stance not in _WILLING_TO_DEAL:
            return self._stance_reply(amount, due)
        affordable = self.facts.balance_minor * self.persona.partial_share * 1.6
        if self.stance == Stance.PARTIAL and amount > affordable and self._rounds < 3:
            return self._partial(amount, due)
        if self.rng.random() < 0.85:
            return self._say(Intent.ACCEPT, "accept", amount_value=amount, due_value=due)
        return self._say(Intent.DECLINE, "decline")

    def _on_confirm_promise(self, slots: dict[str, object]) -> Reply | None:
        amount = slot_int(slots.get("amount_minor"), 0)
        due = slot_date(slots.get("due_date"))
        if amount and due:
            keep = self.rng.random() < self.persona.keeps_promises
            self.memory.promise = AgreedPromise(amount, due, self.today, keep)
        return self._say(Intent.CONFIRM, "confirm", amount_value=amount or None, due_value=due)

    def _on_confirm_plan(self, slots: dict[str, object]) -> Reply | None:
        months = slot_int(slots.get("months"), 0)
        first = slot_int(slots.get("first_payment_minor"), 0)
        if months:
            keep = self.rng.random() < self.persona.keeps_promises
            self.memory.plan = AgreedPlan(months, first, self.today, keep)
        return self._say(Intent.CONFIRM, "confirm", months_value=months or None)

    def _stance_reply(self, asked: int, proposed: date | None) -> Reply | None:
        """The borrower's answer to being asked for money, by stance."""
        stance = self.stance
        if stance == Stance.WILLING:
            latest = self.today + timedelta(days=self.facts.bounds.max_promise_days)
            if proposed and proposed <= latest and self.rng.random() < 0.6:
                return self._say(Intent.ACCEPT, "accept", amount_value=asked, due_value=proposed)
            return self._promise(asked, proposed)
        if stance == Stance.PARTIAL:
            return self._partial(asked, proposed)
        if stance == Stance.PLAN_SEEKER:
            return self._plan_request(self.persona.plan_months)
        if stance == Stance.HARDSHIP:
            return self._hardship()
        if stance == Stance.DISPUTER:
            return self._dispute(asked)
        if stance == Stance.ALREADY_PAID:
            return self._already_paid()
        if stance == Stance.ANGRY:
            return self._displeased(self._say(Intent.ABUSE, "abuse"))
        if stance == Stance.STOP:
            return self._stop()
        if stance == Stance.CALLBACK:
            return self._callback()
        if stance == Stance.DISTRESS:
            return self._say(Intent.DISTRESS, "distress")
        if stance == Stance.REFUSER:
            return self._displeased(self._say(Intent.REFUSE, "refuse"))
        return self._on_ask_for_party({})  # a relative or a stranger was never the debtor

    # Replies that carry a meaning worth spelling out

    def _promise(self, asked: int, proposed: date | None) -> Reply:
        due = proposed or pick_date(self.today, self.rng, self.facts.bounds.max_promise_days + 3)
        return self._money(Intent.PROMISE, "promise", asked, due, full=True)

    def _partial(self, asked: int, proposed: date | None) -> Reply:
        share = round_spoken(int(asked * self.persona.partial_share), self.facts.currency, self.rng)
        due = proposed or pick_date(self.today, self.rng, self.facts.bounds.max_promise_days)
        return self._money(Intent.PARTIAL_OFFER, "partial_offer", share, due)

    def _plan_request(self, months: int) -> Reply:
        return self._say(
            Intent.PLAN_REQUEST,
            "plan_request",
            months=self.voice.months_word(months),
            months_value=months,
        )

    def _hardship(self) -> Reply:
        if self._last and self._last.intent == Intent.HARDSHIP and self.rng.random() < 0.5:
            return self._plan_request(self.persona.plan_months)
        if self.rng.random() < 0.1:
            return self._say(Intent.REQUEST_HUMAN, "request_human")
        kind = self.persona.hardship_kind
        return self._say(Intent.HARDSHIP, f"hardship.{kind}", detail={"kind": kind})

    def _dispute(self, asked: int) -> Reply:
        if self.rng.random() < 0.15:
            return self._say(Intent.REQUEST_HUMAN, "request_human")
        kind = self.persona.dispute_kind
        spoken, _ = self.voice.amount(asked, self.facts.currency, full=True)
        return self._say(Intent.DISPUTE, f"dispute.{kind}", amount=spoken, detail={"kind": kind})

    def _already_paid(self) -> Reply:
        paid_on = self.today - timedelta(days=self.rng.randint(1, 9))
        return self._say(
            Intent.ALREADY_PAID,
            "already_paid",
            date=self.voice.past_day(paid_on),
            due_value=paid_on,
        )

    def _already_promised(self) -> Reply:
        promise, plan = self.memory.promise, self.memory.plan
        if promise is not None:
            amount, due = promise.amount_minor, promise.due_date
        else:
            assert plan is not None
            amount, due = plan.first_payment_minor, plan.made_on + timedelta(days=30)
        return self._money(Intent.ALREADY_PROMISED, "already_promised", amount, due)

    def _money(
        self, intent: Intent, key: str, amount_minor: int, due: date, *, full: bool = False
    ) -> Reply:
        """A reply naming an amount and a date, with both kept as what the borrower meant."""
        spoken, amount = self.voice.amount(amount_minor, self.facts.currency, full=full)
        return self._say(
            intent, key, amount=spoken, date=self.voice.day(due), amount_value=amount, due_value=due
        )

    def _stop(self) -> Reply:
        self.memory.asked_to_stop = True
        return self._displeased(self._say(Intent.STOP_CALLING, "stop_calling"))

    def _callback(self) -> Reply:
        if self._when is not None and self.rng.random() < 0.5:
            return replace(self._say(Intent.GOODBYE, "goodbye"), hang_up=True)
        self._when = self._when or self.voice.when()
        phrase, days, hour = self._when
        self.memory.callback_asked = True
        at = datetime.combine(self.today + timedelta(days=days), time(hour))
        return self._say(Intent.CALLBACK, "callback", when=phrase, detail={"at": at.isoformat()})

    # Housekeeping acts

    def _on_clarify(self, slots: dict[str, object]) -> Reply | None:
        if self._last is None:
            return self._say(Intent.ASK_REPEAT, "ask_repeat")
        if self._last.intent in {Intent.IDENTITY_ANSWER}:
            return self._identity_answer("", bool(self._last.detail.get("correct")))
        return self._reword(self._last)

    def _reword(self, reply: Reply) -> Reply:
        """The same meaning, said again in fresh words (a clarify must not change the truth)."""
        key = _KEY_FOR.get(reply.intent)
        if key is None:
            return reply
        if reply.intent in {Intent.HARDSHIP, Intent.DISPUTE}:
            key = f"{key}.{reply.detail['kind']}"
        params: dict[str, object] = {"who": reply.detail.get("who", ""), "when": ""}
        if reply.amount_minor is not None:
            full = reply.intent == Intent.PROMISE
            params["amount"], _ = self.voice.amount(reply.amount_minor, self.facts.currency, full)
        if reply.due_date is not None:
            past = reply.due_date < self.today
            params["date"] = (self.voice.past_day if past else self.voice.day)(reply.due_date)
        if reply.months is not None:
            params["months"] = self.voice.months_word(reply.months)
        if reply.intent == Intent.CALLBACK and self._when is not None:
            params["when"] = self._when[0]
        text = self.voice.line(key, **{"amount": "", "date": "", "months": "", **params})
        return replace(reply, text=text)

    def _on_empathy(self, slots: dict[str, object]) -> Reply | None:
        if self.stance == Stance.DISTRESS and self.rng.random() < 0.4:
            return self._say(Intent.DISTRESS, "distress")
        if self.stance == Stance.HARDSHIP and self.rng.random() < 0.3:
            return self._say(Intent.REQUEST_HUMAN, "request_human")
        return self._say(Intent.ACK, "ack")

    def _on_third_party_message(self, slots: dict[str, object]) -> Reply | None:
        return self._say(Intent.ACK, "ack")

    def _on_abuse_warning(self, slots: dict[str, object]) -> Reply | None:
        if self.rng.random() < self.persona.hangup_rate * 1.5:
            return replace(self._say(Intent.ABUSE, "abuse"), hang_up=True)
        return self._say(Intent.ACK, "ack")

    def _on_voicemail_message(self, slots: dict[str, object]) -> Reply | None:
        return self._say(Intent.ASK_REPEAT, "ask_repeat")

    def _on_farewell(self, slots: dict[str, object]) -> Reply | None:
        return replace(self._say(Intent.GOODBYE, "goodbye"), hang_up=True)

    def _on_unknown(self, slots: dict[str, object]) -> Reply | None:
        if self.rng.random() < 0.3:
            return None
        return self._say(Intent.ASK_REPEAT, "ask_repeat")

    # Building replies

    def _displeased(self, reply: Reply) -> Reply:
        if self.rng.random() < self.persona.hangup_rate:
            return replace(reply, hang_up=True)
        return reply

    def _say(
        self,
        intent: Intent,
        key: str,
        *,
        amount_value: int | None = None,
        due_value: date | None = None,
        months_value: int | None = None,
        detail: dict[str, object] | None = None,
        **params: object,
    ) -> Reply:
        defaults = {"amount": "", "date": "", "months": "", "who": "", "when": "", "factor": ""}
        text, named = self.voice.compose(key, **{**defaults, **params})
        if intent not in _IMPLIED:
            # the truth holds only what the words carry: "I can only pay 5000" names no date
            # a promise is to the full amount asked even when said as "I'll clear it all"
            full = intent == Intent.PROMISE
            amount_value = amount_value if "amount" in named or full else None
            due_value = due_value if "date" in named else None
            months_value = months_value if "months" in named else None
        return Reply(intent, text, amount_value, due_value, months_value, detail or {})


_KEY_FOR = {
    Intent.PROMISE: "promise",
    Intent.PARTIAL_OFFER: "partial_offer",
    Intent.PLAN_REQUEST: "plan_request",
    Intent.HARDSHIP: "hardship",
    Intent.DISPUTE: "dispute",
    Intent.ALREADY_PAID: "already_paid",
    Intent.ALREADY_PROMISED: "already_promised",
    Intent.ABUSE: "abuse",
    Intent.STOP_CALLING: "stop_calling",
    Intent.CALLBACK: "callback",
    Intent.REFUSE: "refuse",
    Intent.REQUEST_HUMAN: "request_human",
    Intent.DISTRESS: "distress",
    Intent.WRONG_NUMBER: "wrong_number",
    Intent.THIRD_PARTY: "third_party",
    Intent.CONFIRM_PARTY: "confirm_party",
    Intent.REFUSE_IDENTITY: "refuse_identity",
    Intent.ACCEPT_PLAN: "accept_plan",
    Intent.DECLINE: "decline",
    Intent.CONFIRM: "confirm",
    Intent.ACK: "ack",
    Intent.ASK_WHO: "ask_who",
    Intent.HELLO: "hello",
    Intent.ACCEPT: "accept",
}
