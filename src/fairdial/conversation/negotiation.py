"""Negotiation with the verified borrower: climb the offer ladder inside the lender's bounds.

The bot asks for the full balance, offers a settlement when the product allows one, then plans;
it counters a late date or a too-small amount, and logs every concession in the outcome. It
records only an amount the borrower said or agreed to: a promise that names no usable amount
("-500", "something", or none at all) is asked about again, never filled in with the balance.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import NoReturn

from fairdial.conversation import acts, offers
from fairdial.conversation.call import Call
from fairdial.conversation.outcome import Plan, Promise
from fairdial.conversation.understanding import Understanding
from fairdial.dispositions import Disposition

MAX_NEGOTIATION_TURNS = 8
# How often the bot asks again for a day the calendar has (the borrower named February 30)
# before the call goes to a person, as an answer it cannot make out would.
DATE_ASKS = 2
# How often the bot asks for an amount it can write down before the call goes to a person.
AMOUNT_ASKS = 2


@dataclass(frozen=True)
class Ask:
    """An amount by a date that the bot has put to the borrower and awaits an answer on."""

    kind: str  # "full", "counter" or "settlement"
    amount_minor: int
    due_date: date


class Negotiation:
    def __init__(self, call: Call) -> None:
        self.call = call
        self.facts = call.facts
        self.plan_offered = False
        self.settlement_offered = False
        self.countered = False
        self.partial: Promise | None = None  # a part payment kept in case the plan is declined
        self.pending: Ask | Plan | None = None
        self.date_asks = 0
        self.amount_asks = 0
        self.day_asked_for: Ask | Plan | None = None  # the offer the bot last asked a day for

    def concede(self, kind: str, **details: object) -> None:
        record: dict[str, object] = {"kind": kind}
        for key, value in details.items():
            record[key] = value.isoformat() if isinstance(value, date) else value
        self.call.outcome.concessions.append(record)

    # -- the loop ---------------------------------------------------------------------------

    async def run(self) -> NoReturn:
        call = self.call
        due = offers.ask_date(self.facts)
        await self.ask(Ask("full", self.facts.balance_minor, due))
        for _ in range(MAX_NEGOTIATION_TURNS):
            heard = await call.hear()
            intent = heard.intent
            if intent == "deceased":
                intent = "hardship"  # the verified borrower is alive: a bereavement in the family
            if intent == "unclear" and heard.entities.keys() & {
                "amount",
                "no_such_date",
                "amount_unusable",
            }:
                # A bare "500", "-500" or "April 31" answers the amount or the day just asked.
                intent = "promise_to_pay"
                call.unclear_in_row = 0
            if intent in ("hardship", "dispute", "already_paid", "refuse"):
                await call.route(intent)
            if intent != "promise_to_pay" and await call.common(heard):
                continue
            await self.answer(intent, heard)
        await call.route("stalled")

    async def answer(self, intent: str, heard: Understanding) -> None:
        call = self.call
        if intent == "ask_details":
            await call.say(
                "state_debt",
                acts.STATE_DEBT,
                amount_minor=self.facts.balance_minor,
                currency=self.facts.currency,
                dpd=self.facts.dpd,
            )
            await self.repeat_pending()
        elif intent == "ask_identity":
            await call.say("reintroduce", acts.GREET_DISCLOSE)
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
            await call.say("ask_clarify", acts.ASK_CLARIFY)

    # -- what the bot puts forward ----------------------------------------------------------

    async def ask(self, ask: Ask) -> None:
        self.pending = ask
        key = {"full": "ask_payment", "settlement": "offer_settlement"}.get(ask.kind)
        if key is None:
            raise ValueError(f"an ask of kind {ask.kind!r} is said by counter(), not ask()")
        act = acts.OFFER_SETTLEMENT if ask.kind == "settlement" else acts.ASK_PAYMENT
        await self.call.say(
            key,
            act,
            amount_minor=ask.amount_minor,
            due_date=ask.due_date,
            balance_minor=self.facts.balance_minor,
        )

    async def offer_settlement(self) -> None:
        amount = offers.settlement_amount(self.facts)
        if amount is None:
            raise ValueError("no settlement is allowed for this account")
        self.settlement_offered = True
        due = offers.ask_date(self.facts)
        self.concede(
            "settlement_offered",
            amount_minor=amount,
            balance_minor=self.facts.balance_minor,
            floor_pct=self.facts.bounds.settlement_floor_pct,
            due_date=due,
        )
        await self.ask(Ask("settlement", amount, due))

    async def offer(self, plan: Plan) -> None:
        self.pending = plan
        self.plan_offered = True
        first_due, first_amount = plan.installments[0]
        later = plan.installments[1][1] if plan.months > 1 else first_amount
        self.concede(
            "plan_offered",
            months=plan.months,
            first_payment_minor=first_amount,
            total_minor=plan.total_minor,
            due_date=first_due,
        )
        await self.call.say(
            "offer_plan",
            acts.OFFER_PLAN,
            months=plan.months,
            first_payment_minor=first_amount,
            amount_minor=self.facts.balance_minor,
            due_date=first_due,
            installment_minor=later,
        )

    async def counter(self, ask: Ask, asked_minor: int | None, asked_date: date | None) -> None:
        self.countered = True
        self.pending = ask
        too_small = asked_minor is not None and asked_minor < ask.amount_minor
        if too_small:
            self.concede(
                "amount_countered",
                asked_minor=asked_minor,
                offered_minor=ask.amount_minor,
                due_date=ask.due_date,
            )
        else:
            self.concede(
                "date_countered",
                asked_date=asked_date,
                offered_date=ask.due_date,
                amount_minor=ask.amount_minor,
            )
        await self.call.say(
            "counter_offer_amount" if too_small else "counter_offer_date",
            acts.COUNTER_OFFER,
            amount_minor=ask.amount_minor,
            due_date=ask.due_date,
        )

    async def ask_rest(self, offered_minor: int, due: date) -> None:
        """The borrower offered nearly all of it: too little would be left for a plan, so the bot
        asks for the whole balance by their day, once."""
        self.countered = True
        self.pending = Ask("counter", self.facts.balance_minor, due)
        self.concede(
            "rest_countered",
            asked_minor=offered_minor,
            offered_minor=self.facts.balance_minor,
            due_date=due,
        )
        await self.call.say(
            "counter_offer_rest",
            acts.COUNTER_OFFER,
            amount_minor=self.facts.balance_minor,
            due_date=due,
        )

    async def repeat_pending(self) -> None:
        pending = self.pending
        if isinstance(pending, Plan):
            await self.offer(pending)
        elif pending is not None and pending.kind == "counter":
            await self.call.say(
                "ask_payment",
                acts.ASK_PAYMENT,
                amount_minor=pending.amount_minor,
                due_date=pending.due_date,
            )
        elif pending is not None:
            await self.ask(pending)

    # -- what the borrower puts forward -----------------------------------------------------

    async def plan_from(self, heard: Understanding) -> None:
        months = heard.entities.get("months")
        amount = heard.entities.get("amount")
        monthly = amount if heard.entities.get("per_month") and isinstance(amount, int) else None
        first = amount if isinstance(amount, int) and monthly is None else None
        if first is not None and first < offers.min_first_payment(self.facts):
            first = None  # the plan's own floor applies
        if first is not None and first >= self.facts.balance_minor:
            first = None  # "I can't pay all of it" names the balance, not a first payment
        count = offers.plan_months(self.facts, months if isinstance(months, int) else None, monthly)
        await self.offer(offers.build_plan(self.facts, count, first))

    async def promise_from(self, heard: Understanding) -> None:
        amount = heard.entities.get("amount")
        due = heard.entities.get("date")
        if heard.entities.get("per_month") and isinstance(amount, int):
            await self.plan_from(heard)
            return
        if due is None and heard.entities.get("no_such_date"):
            await self.ask_date_again(amount if isinstance(amount, int) else None)
            return
        pending = self.pending
        said_amount = amount if isinstance(amount, int) else None
        said_date = due if isinstance(due, date) else None
        if said_amount is None and not self.agreed(heard):
            await self.ask_amount(said_date)
            return
        if isinstance(pending, Plan) and amount is None:
            await self.confirm_plan(pending)
        if isinstance(pending, Ask) and pending.kind == "settlement":
            await self.settle(said_amount, said_date, pending)
            return
        if isinstance(pending, Ask):
            said_amount = said_amount if said_amount is not None else pending.amount_minor
            said_date = said_date or pending.due_date
        await self.decide(said_amount, said_date)

    def agreed(self, heard: Understanding) -> bool:
        """True when a promise without an amount takes up the one the bot put forward: a yes
        ("好啦，我明天就還"), a pointer at it ("I can pay that on Friday"), or a new day for the
        sum the bot asked a day for."""
        if heard.entities.get("amount_unusable"):
            return False  # "yes, I'll pay -500": the figure they named is not one to record
        pending = self.pending
        if isinstance(pending, Plan):
            return True  # paying on a day answers the plan just offered
        if pending is None:
            return False
        if pending is self.day_asked_for:
            return True  # the bot named the sum and asked only for another day
        said_yes = heard.intent == "affirm" or "affirm" in heard.also
        return said_yes or bool(heard.entities.get("amount_as_asked"))

    async def ask_amount(self, due: date | None) -> None:
        """The borrower named no sum the bot may write down: ask for one, naming the amount on
        the table by their day (else the bot's), so a plain yes agrees to something real. After
        AMOUNT_ASKS the call goes to a person, as an answer it cannot make out would."""
        self.amount_asks += 1
        if self.amount_asks > AMOUNT_ASKS:
            await self.call.route("low_confidence")
        pending = self.pending
        if isinstance(pending, Plan):
            due, amount = pending.installments[0]  # a yes confirms the plan it starts
        elif pending is None:
            amount = self.facts.balance_minor
            due = due or offers.ask_date(self.facts)
            self.pending = Ask("counter", amount, due)
        else:
            amount = pending.amount_minor
            due = due or pending.due_date
            self.pending = replace(pending, due_date=due)
        await self.call.say("ask_amount", acts.ASK_PAYMENT, amount_minor=amount, due_date=due)

    async def ask_date_again(self, amount: int | None) -> None:
        """The borrower promised for a day that does not exist: ask for the day again, naming
        the amount and the bot's own date, so a plain yes agrees to something real."""
        self.date_asks += 1
        if self.date_asks > DATE_ASKS:
            await self.call.route("low_confidence")
        pending = self.pending
        if isinstance(pending, Plan):
            due, amount = pending.installments[0]
        elif pending is None:
            due = offers.ask_date(self.facts)
            amount = amount if amount is not None else self.facts.balance_minor
            self.pending = Ask("counter", amount, due)
        else:
            due = pending.due_date
            if amount is not None and amount != pending.amount_minor:
                self.pending = Ask("counter", amount, due)
            amount = amount if amount is not None else pending.amount_minor
        self.day_asked_for = self.pending
        await self.call.say("ask_date_again", acts.ASK_PAYMENT, amount_minor=amount, due_date=due)

    async def accept_pending(self) -> None:
        pending = self.pending
        if isinstance(pending, Plan):
            await self.confirm_plan(pending)
        if pending is None:
            await self.call.say("ask_clarify", acts.ASK_CLARIFY)
            return
        if pending.kind == "settlement":
            await self.settle(None, None, pending)
            return
        await self.decide(pending.amount_minor, pending.due_date)

    async def settle(self, amount: int | None, due: date | None, offered: Ask) -> None:
        """An answer to the settlement offer: the offer or more stands; less is a part payment."""
        if amount is not None and amount < offered.amount_minor:
            await self.decide(amount, due)
            return
        chosen = min(amount or offered.amount_minor, self.facts.balance_minor)
        when = due or offered.due_date
        latest = offers.latest_date(self.facts)
        if when > latest:
            await self.counter(Ask("settlement", chosen, latest), chosen, when)
            return
        settled = chosen < self.facts.balance_minor
        await self.confirm_promise(Promise(chosen, max(when, self.facts.today), settled))

    async def decide(self, amount: int | None, due: date | None) -> None:
        decision = offers.judge_promise(self.facts, amount, due, self.countered)
        if decision.kind == "accept":
            await self.confirm_promise(Promise(decision.amount_minor, decision.due_date))
        if decision.kind == "counter":
            countered = Ask("counter", decision.amount_minor, decision.due_date)
            await self.counter(countered, amount, due)
            return
        if decision.kind == "counter_rest":
            await self.ask_rest(decision.amount_minor, decision.due_date)
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

    async def declined(self) -> None:
        """One rung down the ladder: settlement, then a plan, then the longest plan."""
        pending = self.pending
        bounds = self.facts.bounds
        if isinstance(pending, Plan):
            if self.partial is not None:
                await self.confirm_promise(self.partial)
            if pending.months < bounds.max_plan_months:
                await self.offer(offers.build_plan(self.facts, bounds.max_plan_months))
                return
            await self.call.route("refuse")
        if not self.settlement_offered and offers.settlement_amount(self.facts) is not None:
            await self.offer_settlement()
            return
        if not self.plan_offered:
            await self.offer(
                offers.build_plan(self.facts, offers.plan_months(self.facts, None, None))
            )
            return
        await self.call.route("refuse")

    # -- agreement ----------------------------------------------------------------------------

    async def confirm_promise(self, promise: Promise) -> NoReturn:
        call = self.call
        call.outcome.promise = promise
        slots = {"amount_minor": promise.amount_minor, "due_date": promise.due_date}
        key = "confirm_settlement" if promise.settlement else "confirm_promise"
        await call.say(key, acts.CONFIRM_PROMISE, **slots)
        await call.end(Disposition.PROMISE_TO_PAY, ("closing_promise", acts.CLOSING), **slots)

    async def confirm_plan(self, plan: Plan) -> NoReturn:
        call = self.call
        call.outcome.plan = plan
        first_due, first_amount = plan.installments[0]
        slots = {
            "months": plan.months,
            "first_payment_minor": first_amount,
            "due_date": first_due,
            "amount_minor": plan.total_minor,
        }
        await call.say("confirm_plan", acts.CONFIRM_PLAN, **slots)
        await call.end(Disposition.PAYMENT_PLAN, ("closing_plan", acts.CLOSING), **slots)
