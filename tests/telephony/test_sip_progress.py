from __future__ import annotations

import pytest

from fairdial.telephony.base import CallResult
from fairdial.telephony.events import CallEventKind, dial_result

pytest.importorskip("pjsua2", reason="pjsua2-python is not installed")

from fairdial.telephony.sip import SipConfig, SipConfigError, ended_event, provisional_event


@pytest.mark.parametrize(
    ("status", "result"),
    [
        (486, CallResult.BUSY),
        (600, CallResult.BUSY),
        (603, CallResult.BUSY),
        (408, CallResult.NO_ANSWER),
        (480, CallResult.NO_ANSWER),
        (487, CallResult.NO_ANSWER),
        (404, CallResult.NOT_IN_SERVICE),
        (410, CallResult.NOT_IN_SERVICE),
        (484, CallResult.NOT_IN_SERVICE),
        (604, CallResult.NOT_IN_SERVICE),
        (503, CallResult.NOT_IN_SERVICE),
    ],
)
def test_final_response_before_answer_decides_the_result(status: int, result: CallResult) -> None:
    assert dial_result(ended_event(status, "c1", answered=False)) is result


def test_bye_after_answer_is_completed_whatever_the_code() -> None:
    event = ended_event(200, "c1", answered=True, duration_s=12.5)

    assert event.kind is CallEventKind.COMPLETED
    assert event.duration_s == 12.5
    assert dial_result(event) is CallResult.ANSWERED_DROPPED


def test_ringing_and_early_media_both_read_as_ringing() -> None:
    assert provisional_event(180, "c1").kind is CallEventKind.RINGING  # type: ignore[union-attr]
    assert provisional_event(183, "c1").kind is CallEventKind.RINGING  # type: ignore[union-attr]
    assert provisional_event(100, "c1") is None


def test_config_builds_request_uris_and_refuses_other_codecs() -> None:
    config = SipConfig(
        user="bot", domain="trunk.test", target_uri="sip:{number}@{domain};user=phone"
    )

    assert config.id_uri == "sip:bot@trunk.test"
    assert config.request_uri("+15550100") == "sip:+15550100@trunk.test;user=phone"
    assert config.request_uri("sip:agent@pbx.test") == "sip:agent@pbx.test"
    with pytest.raises(SipConfigError):
        SipConfig(user="bot", domain="trunk.test", codecs=("opus/48000",))
    with pytest.raises(SipConfigError):
        SipConfig(user="bot", domain="trunk.test", registrar="sip:trunk.test")
