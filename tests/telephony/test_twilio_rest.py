import asyncio

import pytest

from fairdial.telephony.twilio.rest import (
    TwilioConfigError,
    TwilioCredentials,
    TwilioError,
    TwilioRestClient,
)
from fairdial.telephony.twilio.twiml import connect_stream
from tests.telephony.fake_twilio_rest import ACCOUNT_SID, AUTH_TOKEN, FakeTwilioRest
from tests.telephony.servers import serving

TWIML = connect_stream("wss://calls.example.org/twilio/stream", {"dial": "k-7"})


def test_connect_stream_twiml_carries_the_url_and_parameters_escaped() -> None:
    twiml = connect_stream("wss://h.example.org/s?a=1&b=2", {"dial": 'k"1'})
    assert twiml == (
        '<?xml version="1.0" encoding="UTF-8"?><Response><Connect>'
        '<Stream url="wss://h.example.org/s?a=1&amp;b=2">'
        '<Parameter name="dial" value="k&quot;1"/>'
        "</Stream></Connect></Response>"
    )


def test_credentials_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT_SID)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", AUTH_TOKEN)
    assert TwilioCredentials.from_env() == TwilioCredentials(ACCOUNT_SID, AUTH_TOKEN)

    monkeypatch.delenv("TWILIO_AUTH_TOKEN")
    with pytest.raises(TwilioConfigError, match="TWILIO_AUTH_TOKEN"):
        TwilioCredentials.from_env()


def test_create_call_and_hang_up_against_the_fake() -> None:
    async def scenario() -> None:
        fake = FakeTwilioRest()
        async with serving(fake.app()) as url:
            client = TwilioRestClient(TwilioCredentials(ACCOUNT_SID, AUTH_TOKEN), base_url=url)
            sid = await client.create_call(
                to="+15005550006",
                from_="+15005550009",
                twiml=TWIML,
                status_callback="https://calls.example.org/twilio/status?dial=k-7",
                machine_detection="Enable",
                ring_timeout_s=25,
            )
            call = fake.calls[sid]
            assert call.field("To") == "+15005550006"
            assert call.field("From") == "+15005550009"
            assert call.field("Twiml") == TWIML
            assert (
                call.field("StatusCallback") == "https://calls.example.org/twilio/status?dial=k-7"
            )
            assert call.field("StatusCallbackMethod") == "POST"
            assert call.fields("StatusCallbackEvent") == [
                "initiated",
                "ringing",
                "answered",
                "completed",
            ]
            assert call.field("MachineDetection") == "Enable"
            assert call.field("Timeout") == "25"

            call.status = "in-progress"
            assert await client.hang_up(sid) is True
            assert call.status == "completed"
            # Hanging up a call that has ended already is normal.
            assert await client.hang_up(sid) is False
            assert fake.hang_ups == [sid, sid]
            await client.aclose()

    asyncio.run(scenario())


def test_twilio_errors_carry_status_and_code() -> None:
    async def scenario() -> None:
        fake = FakeTwilioRest()
        async with serving(fake.app()) as url:
            wrong = TwilioRestClient(TwilioCredentials(ACCOUNT_SID, "not-the-token"), base_url=url)
            with pytest.raises(TwilioError) as refused:
                await wrong.create_call(to="+15005550006", from_="+15005550009", twiml=TWIML)
            assert (refused.value.status, refused.value.code) == (401, 20003)
            await wrong.aclose()

            client = TwilioRestClient(TwilioCredentials(ACCOUNT_SID, AUTH_TOKEN), base_url=url)
            with pytest.raises(TwilioError) as unknown:
                await client.hang_up("CA" + "0" * 32)
            assert (unknown.value.status, unknown.value.code) == (404, 20404)
            await client.aclose()

    asyncio.run(scenario())
