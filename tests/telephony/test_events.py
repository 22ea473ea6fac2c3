import pytest

from fairdial.telephony.base import CallResult
from fairdial.telephony.events import FINAL_KINDS, AnsweredBy, CallEvent, CallEventKind, dial_result

MACHINE = AnsweredBy.MACHINE
HUMAN = AnsweredBy.HUMAN


@pytest.mark.parametrize(
    ("kind", "answered_by", "result"),
    [
        (CallEventKind.BUSY, None, CallResult.BUSY),
        (CallEventKind.NO_ANSWER, None, CallResult.NO_ANSWER),
        (CallEventKind.CANCELED, None, CallResult.NO_ANSWER),
        (CallEventKind.FAILED, None, CallResult.NOT_IN_SERVICE),
        (CallEventKind.ANSWERED, HUMAN, CallResult.CONVERSATION),
        (CallEventKind.ANSWERED, AnsweredBy.UNKNOWN, CallResult.CONVERSATION),
        (CallEventKind.ANSWERED, MACHINE, CallResult.VOICEMAIL),
        (CallEventKind.COMPLETED, HUMAN, CallResult.ANSWERED_DROPPED),
        (CallEventKind.COMPLETED, None, CallResult.ANSWERED_DROPPED),
        (CallEventKind.COMPLETED, MACHINE, CallResult.VOICEMAIL),
        (CallEventKind.INITIATED, None, None),
        (CallEventKind.RINGING, None, None),
        (CallEventKind.DTMF, None, None),
    ],
)
def test_each_event_decides_the_dial_result(
    kind: CallEventKind, answered_by: AnsweredBy | None, result: CallResult | None
) -> None:
    assert dial_result(CallEvent(kind, "call-1", answered_by=answered_by)) == result


def test_final_events_are_the_ones_that_end_a_call() -> None:
    assert (
        {kind for kind in CallEventKind if CallEvent(kind, "c").final}
        == FINAL_KINDS
        == {
            CallEventKind.BUSY,
            CallEventKind.NO_ANSWER,
            CallEventKind.CANCELED,
            CallEventKind.FAILED,
            CallEventKind.COMPLETED,
        }
    )


def test_every_unanswered_result_is_reachable() -> None:
    reached = {dial_result(CallEvent(kind, "c")) for kind in CallEventKind}
    assert {CallResult.BUSY, CallResult.NO_ANSWER, CallResult.NOT_IN_SERVICE} <= reached
