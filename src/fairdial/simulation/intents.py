"""What a simulated borrower meant by a reply: the ground truth the bot never sees."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class Intent(StrEnum):
    HELLO = "hello"
    ASK_WHO = "ask_who"
    ACK = "ack"
    CONFIRM_PARTY = "confirm_party"
    WRONG_NUMBER = "wrong_number"
    THIRD_PARTY = "third_party"
    IDENTITY_ANSWER = "identity_answer"
    REFUSE_IDENTITY = "refuse_identity"
    PROMISE = "promise"  # the full amount asked for, by a date
    PARTIAL_OFFER = "partial_offer"  # less than asked, by a date
    PLAN_REQUEST = "plan_request"  # instalments, months when said
    ACCEPT = "accept"  # yes to the amount and date the bot put forward
    ACCEPT_PLAN = "accept_plan"
    DECLINE = "decline"
    CONFIRM = "confirm"  # yes to the bot's read-back of a promise or plan
    ALREADY_PROMISED = "already_promised"  # points back to a promise made on an earlier call
    HARDSHIP = "hardship"
    DISPUTE = "dispute"
    ALREADY_PAID = "already_paid"
    ABUSE = "abuse"
    STOP_CALLING = "stop_calling"
    CALLBACK = "callback"
    REFUSE = "refuse"
    REQUEST_HUMAN = "request_human"
    DISTRESS = "distress"
    UNCLEAR = "unclear"
    ASK_REPEAT = "ask_repeat"
    GOODBYE = "goodbye"
    SILENCE = "silence"


@dataclass(frozen=True)
class TruthTurn:
    """One borrower reply with its meaning; `detail` holds the rest (hardship kind, factor...)."""

    offset_s: float
    in_reply_to: str | None  # the bot's act the reply answered
    intent: Intent
    text: str
    amount_minor: int | None = None
    due_date: date | None = None
    months: int | None = None
    detail: dict[str, object] = field(default_factory=dict)
