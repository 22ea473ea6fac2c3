"""Call events in the carrier's neutral words, and the attempt result each one decides.

Every adapter translates its provider's progress messages (Twilio's CallStatus, an Asterisk
dial status, an AudioSocket hang-up) into these events, so the dialler, the records and the
compliance counting read one vocabulary whichever carrier placed the call.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from fairdial.telephony.base import CallResult

if TYPE_CHECKING:
    from fairdial.voice.transport import AudioTransport


class CallEventKind(StrEnum):
    INITIATED = "initiated"
    RINGING = "ringing"
    ANSWERED = "answered"
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    CANCELED = "canceled"  # we withdrew the call before anyone answered
    FAILED = "failed"  # the network could not route the call at all
    COMPLETED = "completed"  # an answered call ended
    DTMF = "dtmf"


class AnsweredBy(StrEnum):
    """Who picked up, as the carrier's answering-machine detection judged it."""

    HUMAN = "human"
    MACHINE = "machine"
    UNKNOWN = "unknown"  # detection off, or it could not decide


FINAL_KINDS = frozenset(
    {
        CallEventKind.BUSY,
        CallEventKind.NO_ANSWER,
        CallEventKind.CANCELED,
        CallEventKind.FAILED,
        CallEventKind.COMPLETED,
    }
)


@dataclass(frozen=True)
class CallEvent:
    """One step of a call's progress; `call_id` is the provider's own id (CallSid, UUID)."""

    kind: CallEventKind
    call_id: str
    answered_by: AnsweredBy | None = None
    digit: str | None = None
    duration_s: float | None = None

    @property
    def final(self) -> bool:
        return self.kind in FINAL_KINDS


# Results a final event decides by itself, whoever answered.
UNANSWERED_RESULTS: dict[CallEventKind, CallResult] = {
    CallEventKind.BUSY: CallResult.BUSY,
    CallEventKind.NO_ANSWER: CallResult.NO_ANSWER,
    # A call we withdrew while it rang is, for the borrower, a call that rang unanswered.
    CallEventKind.CANCELED: CallResult.NO_ANSWER,
    # Carriers report a number that does not exist or cannot be routed as a failed call.
    CallEventKind.FAILED: CallResult.NOT_IN_SERVICE,
}


def dial_result(event: CallEvent) -> CallResult | None:
    """The result of a dial as this event shows it, or None while the call is still in progress.

    An answer gives the provisional result the dialler starts a session with; once a session
    ran, the conversation decides the final result (message left, conversation or dropped).
    A call completed before any session means the line was picked up and dropped at once.
    """
    unanswered = UNANSWERED_RESULTS.get(event.kind)
    if unanswered is not None:
        return unanswered

    machine = event.answered_by is AnsweredBy.MACHINE
    if event.kind is CallEventKind.ANSWERED:
        return CallResult.VOICEMAIL if machine else CallResult.CONVERSATION
    if event.kind is CallEventKind.COMPLETED:
        return CallResult.VOICEMAIL if machine else CallResult.ANSWERED_DROPPED
    return None


@dataclass(frozen=True)
class AnsweredCall:
    """What an answer hands the dialler: the call's audio, who picked up, and how to end it.

    The voice pipeline wraps `transport` in its session; `hang_up` ends the call at the
    carrier, which a closed audio stream alone does not guarantee.
    """

    call_id: str
    attempt_ref: str
    language: str
    transport: AudioTransport
    answered_by: AnsweredBy
    hang_up: Callable[[], Awaitable[None]]

    @property
    def session_answered_by(self) -> str:
        """'machine' or 'human' for `CallSession.answered_by`; undecided counts as human."""
        return "machine" if self.answered_by is AnsweredBy.MACHINE else "human"
