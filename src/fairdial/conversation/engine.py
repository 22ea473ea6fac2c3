"""The conversation engine: greet, find the borrower, verify, disclose, negotiate, route.

Every sentence passes the utterance guard of the account's policy pack before it is spoken
(see call.py); the debt is named only to the verified borrower. The pack also decides whether
the greeting says the call is recorded and what, if anything, is left on an answering machine.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from typing import NoReturn

from fairdial.conversation import acts, speech
from fairdial.conversation.call import ALWAYS_ROUTED, Call, CallOver, callback_text
from fairdial.conversation.facts import AccountFacts
from fairdial.conversation.guarding import SentenceGuard, pack_guard
from fairdial.conversation.identity import identity_matches
from fairdial.conversation.negotiation import Negotiation
from fairdial.conversation.outcome import ConversationOutcome
from fairdial.conversation.routing import ROUTES
from fairdial.conversation.script import Script, load_script
from fairdial.dispositions import Disposition
from fairdial.policy import load_pack
from fairdial.policy.packs import PolicyPack
from fairdial.telephony.base import CallSession

logger = logging.getLogger("fairdial.conversation")

VERIFY_TRIES = 2

# Told by a hand-off what it is about to do while the borrower is still on the line: "warm" or
# "cold" (a person takes the call now), "callback" (nobody is free) or "failed" (the transfer
# failed), the last two with the booked time in the borrower's own time zone, or None when no
# single local time is known.
Announce = Callable[[str, datetime | None], Awaitable[None]]

# Moves an escalated call to a person, announcing each step first; True when the call left the
# bot for the agent's line.
HandOff = Callable[[ConversationOutcome, Announce], Awaitable[bool]]

# Routes that make sense before the borrower is known: anyone may be in crisis, grieving or
# represented. A refusal or a stalled negotiation needs a verified borrower first.
_UNVERIFIED_ROUTES = frozenset(ROUTES) - {"refuse", "stalled", "low_confidence", "unverifiable"}


def greeting_key(pack: PolicyPack | None) -> str:
    """The greeting line: with the recording notice wherever the pack asks for it at first contact.

    A pack without a `recording` section gets the notice: saying it costs nothing, leaving it out
    where every party must consent is unlawful.
    """
    recording = pack.recording if pack is not None else None
    if recording is None or recording.announce_at_first_contact:
        return "greet_disclose_recorded"
    return "greet_disclose"


async def _find_party(call: Call) -> None:
    name = call.facts.borrower_name
    await call.say(greeting_key(call.pack), acts.GREET_DISCLOSE)
    if not name.strip():
        await call.route("unverifiable")  # nobody to ask for: any answer would be a guess
    await call.say("ask_for_party", acts.ASK_FOR_PARTY, name=name)
    while True:
        heard = await call.hear()
        intent = heard.intent
        if intent in ("confirm_identity", "affirm"):
            return
        if intent in ("ask_details", "ask_identity") and {"affirm", "confirm_identity"} & set(
            heard.also
        ):
            return  # "yes, what is it about?": the right person, asking why we call
        if intent == "deceased" or "deceased" in heard.also:
            await call.route("deceased")
        if intent == "wrong_number":
            await call.end(
                Disposition.WRONG_NUMBER, ("wrong_number_apology", acts.WRONG_NUMBER_APOLOGY)
            )
        if intent in ("third_party", "deny"):
            await _third_party(call)
        if await call.common(heard):
            continue
        if intent in _UNVERIFIED_ROUTES:
            await call.route(intent)
        await call.say("reintroduce", acts.GREET_DISCLOSE)
        await call.say("ask_for_party", acts.ASK_FOR_PARTY, name=name)


async def _third_party(call: Call) -> NoReturn:
    """Only the company name and a callback request: nothing about why we call."""
    call.listener.to = "third_party"
    await call.say("third_party_message", acts.THIRD_PARTY_MESSAGE)
    call.outcome.disposition = Disposition.THIRD_PARTY
    heard = await call.session.listen()
    if heard is not None:
        call.outcome.callback_at = callback_text(call.understood(heard.text))
    if call.session.hung_up:
        raise CallOver
    await call.end(Disposition.THIRD_PARTY, ("third_party_close", acts.CLOSING))


async def _verify(call: Call) -> None:
    kind = call.facts.identity_factor_kind
    if not call.facts.verifiable:
        await call.route("unverifiable")  # no birth year or ID on file: nothing to check
    for attempt in range(VERIFY_TRIES):
        key = "verify_identity" if attempt == 0 else "verify_identity_retry"
        await call.say(key, acts.VERIFY_IDENTITY, identity_kind=kind)
        heard = await call.hear()
        if identity_matches(call.last_text, call.facts.identity_factor, kind):
            call.outcome.right_party = True
            call.listener.verified = True
            call.unclear_in_row = 0
            call.outcome.turns[-1] = replace(
                call.outcome.turns[-1], intent="confirm_identity", confidence=1.0
            )
            return
        intent = heard.intent
        if intent in ("wrong_number", "third_party"):
            await _third_party(call)
        if intent in ALWAYS_ROUTED or intent == "abusive":
            await call.common(heard)
        if intent == "callback":
            await call.callback(heard)
        if intent in _UNVERIFIED_ROUTES:
            await call.route(intent)
    await call.end(
        Disposition.VERIFICATION_FAILED, ("verification_failed", acts.VERIFICATION_FAILED)
    )


async def _disclose(call: Call) -> None:
    facts = call.facts
    if facts.jurisdiction.upper().startswith("US"):
        key = "disclosure_us_first" if facts.first_contact else "disclosure_us_later"
    elif facts.lender_name:
        key = "disclosure_recorded"
    else:
        key = "disclosure_recorded_own"
    await call.say(key, acts.DISCLOSURE)
    await call.say(
        "state_debt",
        acts.STATE_DEBT,
        amount_minor=facts.balance_minor,
        currency=facts.currency,
        dpd=facts.dpd,
    )


async def _voicemail(call: Call) -> NoReturn:
    """A limited-content message where the pack allows one; otherwise hang up saying nothing."""
    rule = call.pack.voicemail if call.pack is not None else None
    if rule is not None and rule.allowed == "limited_content":
        await call.end(Disposition.VOICEMAIL_LEFT, ("voicemail_message", acts.VOICEMAIL_MESSAGE))
    await call.end(Disposition.VOICEMAIL_NO_MESSAGE)


async def _run(call: Call, hand_off: HandOff | None = None) -> ConversationOutcome:
    try:
        if call.session.answered_by == "machine":
            await _voicemail(call)
        await _find_party(call)
        await _verify(call)
        await _disclose(call)
        await Negotiation(call).run()
    except CallOver:
        pass
    outcome = call.outcome
    outcome.variant = call.variant
    outcome.summary = summarise(call.facts, outcome)
    moved = await _hand_off(call, hand_off)
    if not moved and not call.session.hung_up:
        await call.session.hangup()
    outcome.summary = summarise(call.facts, outcome)  # now with what the hand-off came to
    logger.info(
        "conversation ended",
        extra={
            "account_ref": call.facts.account_ref,
            "disposition": str(outcome.disposition),
            "escalation": outcome.escalation,
            "hand_off": outcome.hand_off,
            "guard_blocks": outcome.guard_blocks,
        },
    )
    return outcome


async def _hand_off(call: Call, hand_off: HandOff | None) -> bool:
    """Offer an escalated call, still up, to a person; True when it left the bot.

    The borrower hears what really happens, before it happens: that a colleague takes the call
    now, or when one will call back. A hand-off that fails, or never says what it did, leaves
    the borrower with the bot, which then closes the call itself: the escalation is stored
    either way, so a person follows it up.
    """
    outcome = call.outcome
    if hand_off is None or not outcome.escalation or call.session.hung_up:
        return False

    announced: list[str] = []

    async def announce(kind: str, due_at: datetime | None) -> None:
        announced.append(kind)
        await _announce(call, kind, due_at)

    try:
        moved = await hand_off(outcome, announce)
    except Exception as error:
        outcome.hand_off = "failed"
        # The class only: a carrier's message may quote the number it was asked to dial.
        logger.warning(
            "hand-off failed, ending the call: %s",
            type(error).__name__,
            extra={"account_ref": call.facts.account_ref, "escalation": outcome.escalation},
        )
        moved = False
    if moved or call.session.hung_up:
        return moved

    last = announced[-1] if announced else None
    if outcome.hand_off == "ended":
        return False  # the borrower hung up before the transfer: nobody is left to tell
    if last in ("warm", "cold"):
        # A colleague was promised and none came: say so rather than end in silence.
        await call.say("hand_off_failed_open", acts.ESCALATE)
    elif last is None and call.closing is not None:
        await call.say(*call.closing)
    return False


async def _announce(call: Call, kind: str, due_at: datetime | None) -> None:
    """Say what the hand-off is about to do. A call under a hold (attorney, deceased, dispute,
    bankruptcy) is promised no call-back time: its acknowledgement already said what follows."""
    if call.session.hung_up:
        return
    when = None
    if due_at is not None and not call.outcome.holds:
        when = speech.moment(due_at, call.lang)
    if kind in ("warm", "cold"):
        await call.say("escalate_now", acts.ESCALATE)
    elif kind == "failed" and when is not None:
        await call.say("hand_off_failed", acts.ESCALATE, callback_time=when)
    elif kind == "failed":
        await call.say("hand_off_failed_open", acts.ESCALATE)
    elif kind == "callback" and when is not None:
        await call.say("hand_off_callback", acts.ESCALATE, callback_time=when)
    elif kind == "callback" and call.closing is not None:
        await call.say(*call.closing)


def summarise(facts: AccountFacts, outcome: ConversationOutcome) -> str:
    """One line for the agent queue and reports: the account ref, never a name or number."""
    parts = [f"account {facts.account_ref}", f"disposition {outcome.disposition}"]
    parts.append("right party verified" if outcome.right_party else "right party not verified")
    if outcome.escalation:
        parts.append(f"escalated: {outcome.escalation}")
    if outcome.hand_off:
        parts.append(f"hand-off {outcome.hand_off}")
    if outcome.holds:
        parts.append("holds: " + ", ".join(outcome.holds))
    if outcome.promise:
        promise = outcome.promise
        kind = "settlement" if promise.settlement else "promise"
        parts.append(f"{kind} {promise.amount_minor} {facts.currency} minor by {promise.due_date}")
    if outcome.plan:
        first_due, first_amount = outcome.plan.installments[0]
        parts.append(
            f"plan {outcome.plan.months} months, first {first_amount} {facts.currency} minor "
            f"by {first_due}, total {outcome.plan.total_minor}"
        )
    if outcome.concessions:
        parts.append("concessions: " + ", ".join(c["kind"] for c in outcome.concessions))
    if outcome.guard_blocks:
        parts.append(f"guard blocks {outcome.guard_blocks}")
    if outcome.callback_at:
        parts.append(f"callback {outcome.callback_at}")
    return "; ".join(parts)


async def converse(
    session: CallSession,
    facts: AccountFacts,
    *,
    script: Script | None = None,
    guard: SentenceGuard | None = None,
    hand_off: HandOff | None = None,
) -> ConversationOutcome:
    """Hold one collection conversation on a connected call and report what came of it.

    `guard` defaults to the utterance guard under the policy pack of `facts.jurisdiction`; the
    same pack decides the recording notice and the voicemail. `hand_off`, when given, is
    offered a call that ends escalated while the borrower is still on the line, before the bot
    would hang up; the escalation's closing line then waits for what the hand-off announces.
    It records on the outcome what it did, and when it returns True the call now belongs to
    the agent's line and the bot leaves it up.
    """
    call = Call(
        session,
        facts,
        script or load_script(facts.language),
        guard or pack_guard(facts.jurisdiction),
        pack=load_pack(facts.jurisdiction),
        hands_off=hand_off is not None,
    )
    return await _run(call, hand_off)
