"""The names of what the bot means by each sentence; simulators and audits match on these."""

from __future__ import annotations

GREET_DISCLOSE = "greet_disclose"  # hello, the company, and that this is an automated agent
ASK_FOR_PARTY = "ask_for_party"  # slots: name
VERIFY_IDENTITY = "verify_identity"  # slots: identity_kind
VERIFICATION_FAILED = "verification_failed"
DISCLOSURE = "disclosure"  # the jurisdiction's legal disclosure
STATE_DEBT = "state_debt"  # slots: amount_minor, currency, dpd
ASK_PAYMENT = "ask_payment"  # slots: amount_minor, due_date
OFFER_PLAN = "offer_plan"  # slots: months, first_payment_minor, amount_minor
OFFER_SETTLEMENT = "offer_settlement"  # slots: amount_minor, due_date, balance_minor
COUNTER_OFFER = "counter_offer"  # slots: amount_minor, due_date
CONFIRM_PROMISE = "confirm_promise"  # slots: amount_minor, due_date
CONFIRM_PLAN = "confirm_plan"  # slots: months, first_payment_minor
ASK_CLARIFY = "ask_clarify"
EMPATHY = "empathy"
ESCALATE = "escalate"
CALLBACK_ACK = "callback_ack"
STOP_ACK = "stop_ack"
THIRD_PARTY_MESSAGE = "third_party_message"
WRONG_NUMBER_APOLOGY = "wrong_number_apology"
VOICEMAIL_MESSAGE = "voicemail_message"
ABUSE_WARNING = "abuse_warning"
REPROMPT = "reprompt"
CLOSING = "closing"
# Said instead of a sentence the utterance guard blocked; it reveals nothing and asks nothing.
SAFE_LINE = "safe_line"

ALL_ACTS = (
    GREET_DISCLOSE,
    ASK_FOR_PARTY,
    VERIFY_IDENTITY,
    VERIFICATION_FAILED,
    DISCLOSURE,
    STATE_DEBT,
    ASK_PAYMENT,
    OFFER_PLAN,
    OFFER_SETTLEMENT,
    COUNTER_OFFER,
    CONFIRM_PROMISE,
    CONFIRM_PLAN,
    ASK_CLARIFY,
    EMPATHY,
    ESCALATE,
    CALLBACK_ACK,
    STOP_ACK,
    THIRD_PARTY_MESSAGE,
    WRONG_NUMBER_APOLOGY,
    VOICEMAIL_MESSAGE,
    ABUSE_WARNING,
    REPROMPT,
    CLOSING,
    SAFE_LINE,
)

# Acts that reveal the debt: never said before verification, to a third party or to a machine.
DEBT_ACTS = frozenset(
    {
        DISCLOSURE,
        STATE_DEBT,
        ASK_PAYMENT,
        OFFER_PLAN,
        OFFER_SETTLEMENT,
        COUNTER_OFFER,
        CONFIRM_PROMISE,
        CONFIRM_PLAN,
    }
)
