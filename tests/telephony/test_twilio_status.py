import pytest

from fairdial.telephony.base import CallResult
from fairdial.telephony.events import AnsweredBy, CallEvent, CallEventKind
from fairdial.telephony.twilio.status import parse_status, status_result

CALL = "CA9c4b0a6ff4a64d1a8cd0a59d2a3b0e11"


@pytest.mark.parametrize(
    ("call_status", "answered_by", "result"),
    [
        ("busy", None, CallResult.BUSY),
        ("no-answer", None, CallResult.NO_ANSWER),
        ("canceled", None, CallResult.NO_ANSWER),
        ("failed", None, CallResult.NOT_IN_SERVICE),
        ("completed", None, CallResult.ANSWERED_DROPPED),
        ("completed", "human", CallResult.ANSWERED_DROPPED),
        ("completed", "machine_start", CallResult.VOICEMAIL),
        ("completed", "machine_end_beep", CallResult.VOICEMAIL),
        ("completed", "fax", CallResult.VOICEMAIL),
        ("in-progress", "human", CallResult.CONVERSATION),
        ("in-progress", "unknown", CallResult.CONVERSATION),
        ("in-progress", "machine_end_silence", CallResult.VOICEMAIL),
        ("in-progress", None, CallResult.CONVERSATION),
        ("queued", None, None),
        ("initiated", None, None),
        ("ringing", None, None),
    ],
)
def test_call_status_maps_to_the_attempt_result(
    call_status: str, answered_by: str | None, result: CallResult | None
) -> None:
    params = {"CallSid": CALL, "CallStatus": call_status}
    if answered_by:
        params["AnsweredBy"] = answered_by
    assert status_result(params) == result


def test_a_completed_callback_keeps_who_answered_and_how_long() -> None:
    params = {
        "CallSid": CALL,
        "CallStatus": "completed",
        "AnsweredBy": "machine_end_other",
        "CallDuration": "41",
    }
    assert parse_status(params) == CallEvent(
        CallEventKind.COMPLETED, CALL, answered_by=AnsweredBy.MACHINE, duration_s=41.0
    )


def test_an_undocumented_status_or_missing_call_is_not_an_event() -> None:
    assert parse_status({"CallSid": CALL, "CallStatus": "exploded"}) is None
    assert parse_status({"CallStatus": "busy"}) is None
