"""SIP call progress in the carrier-neutral words of `fairdial.telephony.events`, and what the
final response of a call nobody answered says about the borrower's phone.

A dial's fate is read from the INVITE's responses (RFC 3261 §21): provisional 180/183 while it
rings, 200 when answered, a final error when it never was, and a BYE once an answered call ends.

Only some final responses speak of the number or the person: busy, no answer, no such number.
The others (403, most of 4xx, 5xx, 606) say the trunk or the network did not carry the call, and
what the borrower's phone did depends on how far the call got: before the far end reported it
ringing (180/183) it had not rung, after that nobody can say.

Limitations: a far end that never sends 180 or 183 makes every call it ends with such a code
read as not placed. A call we cancel reads as unanswered even when nothing ever answered our
INVITE, not even 100 Trying (a trunk that is down): PJSUA2 does not tell the channel so.
"""

from __future__ import annotations

from dataclasses import dataclass

from fairdial.telephony.base import CallResult
from fairdial.telephony.events import CallEvent, CallEventKind

RINGING_CODES = frozenset({180, 181, 182, 183})  # 183 Session Progress: early media

# Final responses that say what became of the call, whether or not it rang first.
RESULTS_BY_CODE: dict[int, CallResult] = {
    # §21.4.24 Busy Here, §21.6.1 Busy Everywhere: the callee's line is taken.
    486: CallResult.BUSY,
    600: CallResult.BUSY,
    # §21.4.9 Request Timeout: the far end could not reach the user in time.
    408: CallResult.NO_ANSWER,
    # §21.4.18 Temporarily Unavailable: the callee's system was reached, the phone is off or away.
    480: CallResult.NO_ANSWER,
    # §21.4.25 Request Terminated: the ringing was ended by a CANCEL, ours at the ring timeout.
    487: CallResult.NO_ANSWER,
    # §21.6.2 Decline: the callee's device was reached and the call turned down, as a person
    # pressing "decline" on a ringing phone does; that call counts as one that rang unanswered.
    603: CallResult.NO_ANSWER,
    # §21.4.5 Not Found, §21.4.6 Gone (disconnected), §21.4.22 Address Incomplete,
    # §21.6.3 Does Not Exist Anywhere: there is no such number.
    404: CallResult.NOT_IN_SERVICE,
    410: CallResult.NOT_IN_SERVICE,
    484: CallResult.NOT_IN_SERVICE,
    604: CallResult.NOT_IN_SERVICE,
}

# How each result reads as a progress event; every other final response is a call not carried.
_EVENT_KINDS = {
    CallResult.BUSY: CallEventKind.BUSY,
    CallResult.NO_ANSWER: CallEventKind.NO_ANSWER,
    CallResult.NOT_IN_SERVICE: CallEventKind.FAILED,
}
REQUEST_TERMINATED = 487


@dataclass(frozen=True)
class FinalResponse(CallEvent):
    """The end of a call nobody answered, with the status code of the response that ended it."""

    status_code: int = 0


def provisional_event(status_code: int, call_id: str) -> CallEvent | None:
    """RINGING for 18x responses; None for 100 Trying and anything else before an answer."""
    if status_code in RINGING_CODES:
        return CallEvent(CallEventKind.RINGING, call_id)
    return None


def ended_event(
    status_code: int, call_id: str, *, answered: bool, duration_s: float = 0.0
) -> CallEvent:
    """The final event of a call that ended with `status_code` as its last response.

    An unanswered call's event is a `FinalResponse`, so whoever follows the call can tell
    what the code said with `unanswered_result`.
    """
    if answered:
        # A BYE from either side; the status of the INVITE no longer matters.
        return CallEvent(CallEventKind.COMPLETED, call_id, duration_s=duration_s)
    if status_code == REQUEST_TERMINATED:
        return FinalResponse(CallEventKind.CANCELED, call_id, status_code=status_code)
    known = RESULTS_BY_CODE.get(status_code)
    kind = _EVENT_KINDS[known] if known is not None else CallEventKind.FAILED
    return FinalResponse(kind, call_id, status_code=status_code)


def unanswered_result(status_code: int | None, *, rang: bool) -> CallResult:
    """The attempt result of a call that ended unanswered.

    `status_code` is the final response's, or None when we withdrew the call ourselves (ring
    timeout, hang-up, shutdown); `rang` says whether the far end reported it ringing (18x) or
    answered before it ended.
    """
    if status_code is None:
        # As the 487 our CANCEL draws: the phone may have rung, so it counts as unanswered.
        return CallResult.NO_ANSWER
    known = RESULTS_BY_CODE.get(status_code)
    if known is not None:
        return known
    # §21.4 Request Failure (403 Forbidden: the trunk will not carry the call for us, 488 and
    # the like), §21.5 Server Failure (500, 502, 503 Service Unavailable: overloaded or down,
    # 504), §21.6.4 606 Not Acceptable: the call was refused on its way, not by the borrower.
    # Refused before any 18x, the phone never rang: nothing counts. Refused after, it may have.
    return CallResult.UNKNOWN if rang else CallResult.NOT_PLACED
