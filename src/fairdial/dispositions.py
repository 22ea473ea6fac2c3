"""The fixed vocabulary of attempt outcomes used by records, reports and the audit."""

from enum import StrEnum


class Disposition(StrEnum):
    BLOCKED = "blocked"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    NOT_IN_SERVICE = "not_in_service"
    NOT_PLACED = "not_placed"  # the call certainly never left: no phone rang
    OUTCOME_UNKNOWN = "outcome_unknown"  # the carrier gave no account of a call that may have rung
    VOICEMAIL_LEFT = "voicemail_left"
    VOICEMAIL_NO_MESSAGE = "voicemail_no_message"
    HUNG_UP = "hung_up"
    NO_RESPONSE = "no_response"  # someone answered but never spoke, before verification
    WRONG_NUMBER = "wrong_number"
    THIRD_PARTY = "third_party"
    VERIFICATION_FAILED = "verification_failed"
    PROMISE_TO_PAY = "promise_to_pay"
    PAYMENT_PLAN = "payment_plan"
    ALREADY_PAID = "already_paid"
    DISPUTE = "dispute"
    HARDSHIP = "hardship"
    CALLBACK = "callback"
    STOP_CONTACT = "stop_contact"
    REFUSED = "refused"
    ESCALATED = "escalated"
    UNCLEAR = "unclear"


RIGHT_PARTY = frozenset(
    {
        Disposition.PROMISE_TO_PAY,
        Disposition.PAYMENT_PLAN,
        Disposition.ALREADY_PAID,
        Disposition.DISPUTE,
        Disposition.HARDSHIP,
        Disposition.CALLBACK,
        Disposition.STOP_CONTACT,
        Disposition.REFUSED,
        Disposition.ESCALATED,
        Disposition.UNCLEAR,
    }
)
