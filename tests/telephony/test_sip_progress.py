from __future__ import annotations

import asyncio

import pytest

from fairdial.telephony.base import CallResult
from fairdial.telephony.events import CallEventKind, dial_result

pytest.importorskip("pjsua2", reason="pjsua2-python is not installed")

from fairdial.telephony.sip import (
    SipChannel,
    SipConfig,
    SipConfigError,
    ended_event,
    provisional_event,
)
from fairdial.telephony.sip.progress import FinalResponse, unanswered_result
from tests.telephony.sip_peer import RefusingResponder, StatusResponder
from tests.telephony.test_sip_channel import _config, _keep, _request

pytestmark = pytest.mark.usefixtures("pjsua2_left_nothing")


@pytest.mark.parametrize(
    ("status", "result"),
    [
        (486, CallResult.BUSY),
        (600, CallResult.BUSY),
        (408, CallResult.NO_ANSWER),
        (480, CallResult.NO_ANSWER),
        (487, CallResult.NO_ANSWER),
        (603, CallResult.NO_ANSWER),
        (404, CallResult.NOT_IN_SERVICE),
        (410, CallResult.NOT_IN_SERVICE),
        (484, CallResult.NOT_IN_SERVICE),
        (604, CallResult.NOT_IN_SERVICE),
    ],
)
@pytest.mark.parametrize("rang", [True, False])
def test_responses_about_the_number_or_the_person_decide_whether_it_rang_or_not(
    status: int, result: CallResult, rang: bool
) -> None:
    assert unanswered_result(status, rang=rang) is result


@pytest.mark.parametrize("status", [403, 488, 500, 502, 503, 504, 606])
def test_trunk_and_network_refusals_are_not_placed_before_ringing_and_unknown_after(
    status: int,
) -> None:
    assert unanswered_result(status, rang=False) is CallResult.NOT_PLACED
    assert unanswered_result(status, rang=True) is CallResult.UNKNOWN


def test_a_call_we_withdrew_is_unanswered_whether_or_not_it_was_reported_ringing() -> None:
    assert unanswered_result(None, rang=True) is CallResult.NO_ANSWER
    assert unanswered_result(None, rang=False) is CallResult.NO_ANSWER


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (486, CallEventKind.BUSY),
        (480, CallEventKind.NO_ANSWER),
        (487, CallEventKind.CANCELED),
        (404, CallEventKind.FAILED),
        (503, CallEventKind.FAILED),
    ],
)
def test_an_unanswered_end_carries_its_status_code(status: int, kind: CallEventKind) -> None:
    event = ended_event(status, "c1", answered=False)

    assert isinstance(event, FinalResponse)
    assert (event.kind, event.status_code, event.call_id) == (kind, status, "c1")
    assert event.final


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


# Real calls on loopback: one per kind of refusal, each as PJSUA2 reports it.


def _dial_each(targets: list[str]) -> list[CallResult]:
    """Dial each target in turn from one started user agent; the results in order."""

    async def scenario() -> list[CallResult]:
        async with SipChannel(_config(), session_factory=_keep) as channel:
            return [(await channel.dial(_request(target))).result for target in targets]

    return asyncio.run(asyncio.wait_for(scenario(), 30))


def test_a_trunk_refusing_before_any_ringing_leaves_the_call_not_placed() -> None:
    with (
        RefusingResponder(503, "Service Unavailable") as down,
        RefusingResponder(403, "Forbidden") as forbidden,
    ):
        results = _dial_each([down.uri("+15550100"), forbidden.uri("+15550101")])
        assert (down.invites, forbidden.invites) == (1, 1)

    assert results == [CallResult.NOT_PLACED, CallResult.NOT_PLACED]


def test_a_trunk_failing_after_the_phone_rang_leaves_the_outcome_unknown() -> None:
    with StatusResponder(503, "Service Unavailable") as trunk:
        results = _dial_each([trunk.uri("+15550100")])
        assert trunk.invites == 1

    assert results == [CallResult.UNKNOWN]


def test_a_request_uri_pjsua_refuses_sends_nothing_and_is_not_placed() -> None:
    with StatusResponder(200, "OK") as trunk:
        results = _dial_each([f"sip:+1 555 0100@127.0.0.1:{trunk.port}"])
        assert trunk.invites == 0

    assert results == [CallResult.NOT_PLACED]


def test_a_user_agent_not_running_places_nothing() -> None:
    async def scenario() -> list[CallResult]:
        channel = SipChannel(_config(), session_factory=_keep)
        before = await channel.dial(_request("sip:+15550100@127.0.0.1:9"))
        async with channel:
            pass
        after = await channel.dial(_request("sip:+15550100@127.0.0.1:9"))
        return [before.result, after.result]

    results = asyncio.run(asyncio.wait_for(scenario(), 30))

    assert results == [CallResult.NOT_PLACED, CallResult.NOT_PLACED]
