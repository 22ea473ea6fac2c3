"""Where a turn sends the call when it is not about paying: hand-offs, holds and endings."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from fairdial.conversation import acts
from fairdial.dispositions import Disposition


@dataclass(frozen=True)
class Route:
    """Lines to say (script key, act), then the call ends with this disposition and hold.

    `closing` is the last line of a route that ends by promising a person's follow-up. When the
    call can be handed to a person live, the hand-off says what really happens instead (a
    colleague now, or a call back at a time), so the closing is only said when it cannot.
    """

    lines: tuple[tuple[str, str], ...]
    disposition: Disposition
    hold: str | None = None
    escalation: str | None = None
    closing: tuple[str, str] | None = None


_FOLLOW_UP = ("escalate", acts.ESCALATE)
_STALLED = ("stalled", acts.ESCALATE)

ROUTES: dict[str, Route] = {
    "distress": Route(
        (("empathy_distress", acts.EMPATHY),),
        Disposition.ESCALATED,
        escalation="distress",
        closing=_FOLLOW_UP,
    ),
    "hardship": Route(
        (("empathy_hardship", acts.EMPATHY),),
        Disposition.HARDSHIP,
        escalation="hardship",
        closing=_FOLLOW_UP,
    ),
    "dispute": Route((("dispute_ack", acts.ESCALATE),), Disposition.DISPUTE, "dispute", "dispute"),
    "attorney": Route(
        (("attorney_ack", acts.ESCALATE),), Disposition.ESCALATED, "attorney", "attorney"
    ),
    "bankruptcy": Route(
        (("bankruptcy_ack", acts.ESCALATE),), Disposition.ESCALATED, "bankruptcy", "bankruptcy"
    ),
    "deceased": Route(
        (("deceased_ack", acts.ESCALATE),), Disposition.ESCALATED, "deceased", "deceased"
    ),
    "request_human": Route(
        (), Disposition.ESCALATED, escalation="request_human", closing=_FOLLOW_UP
    ),
    "already_paid": Route(
        (("already_paid_ack", acts.ESCALATE),),
        Disposition.ALREADY_PAID,
        escalation="payment_check",
    ),
    "stop_contact": Route((("stop_ack", acts.STOP_ACK),), Disposition.STOP_CONTACT, "cease"),
    "refuse": Route((("refuse_ack", acts.CLOSING),), Disposition.REFUSED),
    "low_confidence": Route(
        (), Disposition.ESCALATED, escalation="low_confidence", closing=_STALLED
    ),
    "stalled": Route((), Disposition.ESCALATED, escalation="negotiation_stalled", closing=_STALLED),
    # The account holds no name or no identity factor to check: whoever answers stays
    # unverified, so a person takes the account over rather than the bot naming the debt.
    "unverifiable": Route(
        (("identity_unverifiable", acts.ESCALATE),),
        Disposition.ESCALATED,
        escalation="identity_unverifiable",
        closing=_FOLLOW_UP,
    ),
}

# Before the borrower is verified, acknowledgements that name the debt are replaced by a
# neutral hand-off line: the person on the phone may not be the borrower.
DEBT_NEUTRAL = {
    "dispute_ack": "escalate",
    "already_paid_ack": "escalate",
    "bankruptcy_ack": "escalate",
    "attorney_ack": "escalate",
    "refuse_ack": "closing",
}

# "Don't call this number / me at work": the contact point is refused, not only the call.
_THIS_MEDIUM = re.compile(
    r"這支|這隻|这支|這個號碼|这个号码|這個電話|这个电话|手機|手机|公司|上班|this number|"
    r"this phone|my (?:cell|mobile|work)|"
    r"at work|my job|this line"
)


def refuses_medium(text: str) -> bool:
    """True when a stop request names this number or this kind of contact, not only the call."""
    return bool(_THIS_MEDIUM.search(unicodedata.normalize("NFKC", text).casefold()))
