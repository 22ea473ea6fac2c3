"""SIP call progress in the carrier-neutral words of `fairdial.telephony.events`.

A dial's fate is read from the INVITE's responses (RFC 3261 §21): provisional 180/183 while it
rings, 200 when answered, a final error when it never was, and a BYE once an answered call ends.

Limitations: final codes outside the table below (403, 5xx and the like) count as FAILED, which
the events module turns into NOT_IN_SERVICE; a congested trunk reads like a dead number there.
"""

from __future__ import annotations

from fairdial.telephony.events import CallEvent, CallEventKind

RINGING_CODES = frozenset({180, 181, 182, 183})  # 183 Session Progress: early media

FINAL_CODES: dict[int, CallEventKind] = {
    486: CallEventKind.BUSY,  # Busy Here
    600: CallEventKind.BUSY,  # Busy Everywhere
    603: CallEventKind.BUSY,  # Decline: the callee refused this call, the line works
    408: CallEventKind.NO_ANSWER,  # Request Timeout: nobody picked up in time
    480: CallEventKind.NO_ANSWER,  # Temporarily Unavailable: phone off or out of reach
    487: CallEventKind.CANCELED,  # Request Terminated: our CANCEL ended the ringing
    404: CallEventKind.FAILED,  # Not Found
    410: CallEventKind.FAILED,  # Gone: the number was disconnected
    484: CallEventKind.FAILED,  # Address Incomplete
    604: CallEventKind.FAILED,  # Does Not Exist Anywhere
}


def provisional_event(status_code: int, call_id: str) -> CallEvent | None:
    """RINGING for 18x responses; None for 100 Trying and anything else before an answer."""
    if status_code in RINGING_CODES:
        return CallEvent(CallEventKind.RINGING, call_id)
    return None


def ended_event(
    status_code: int, call_id: str, *, answered: bool, duration_s: float = 0.0
) -> CallEvent:
    """The final event of a call that ended with `status_code` as its last response."""
    if answered:
        # A BYE from either side; the status of the INVITE no longer matters.
        return CallEvent(CallEventKind.COMPLETED, call_id, duration_s=duration_s)
    return CallEvent(FINAL_CODES.get(status_code, CallEventKind.FAILED), call_id)
