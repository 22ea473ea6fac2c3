import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack

import pytest

from fairdial.telephony.twilio.rest import (
    CallPlacementUnknown,
    TwilioConfigError,
    TwilioCredentials,
    TwilioError,
    TwilioRestClient,
    TwilioUnreachable,
)
from fairdial.telephony.twilio.twiml import connect_stream
from tests.telephony.fake_twilio_rest import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    INVALID_NUMBER,
    DroppingFront,
    FakeTwilioRest,
)
from tests.telephony.servers import base_url, bound_socket, serving

TWIML = connect_stream("wss://calls.example.org/twilio/stream", {"dial": "k-7"})
BORROWER = "+15005550006"
OUR_NUMBER = "+15005550009"
CREDENTIALS = TwilioCredentials(ACCOUNT_SID, AUTH_TOKEN)
CREATE = f"POST /2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json HTTP/1.1"
LOOKUP = (
    f"GET /2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json?From=%2B15005550009&PageSize=1000 HTTP/1.1"
)


class Pauses:
    """Stands in for the client's sleep: records each pause and runs `then` at the first."""

    def __init__(self, then: Callable[[], Awaitable[None]] | None = None) -> None:
        self.seconds: list[float] = []
        self._then = then

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)
        if self._then is not None and len(self.seconds) == 1:
            await self._then()


async def place(client: TwilioRestClient, to: str = BORROWER) -> str:
    return await client.create_call(to=to, from_=OUR_NUMBER, twiml=TWIML)


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


def test_a_create_whose_answer_is_lost_is_not_sent_again_but_found() -> None:
    async def scenario() -> None:
        fake = FakeTwilioRest()
        async with serving(fake.app()) as url:
            front = DroppingFront(url, ["drop_after"])
            async with front.serving() as front_url:
                client = TwilioRestClient(CREDENTIALS, base_url=front_url, sleep=Pauses())
                sid = await place(client)
                await client.aclose()

        assert list(fake.calls) == [sid]  # one call to the borrower, never two
        assert front.requests == [CREATE, LOOKUP]

    asyncio.run(scenario())


def test_a_create_dropped_before_twilio_read_it_is_reported_unknown_not_resent() -> None:
    async def scenario() -> None:
        fake = FakeTwilioRest()
        async with serving(fake.app()) as url:
            front = DroppingFront(url, ["drop_before"])
            async with front.serving() as front_url:
                client = TwilioRestClient(CREDENTIALS, base_url=front_url, sleep=Pauses())
                with pytest.raises(CallPlacementUnknown) as unknown:
                    await place(client)
                await client.aclose()

        # From the client's side a lost request looks like a lost answer: it may not try again.
        assert fake.calls == {}
        assert front.requests == [CREATE, LOOKUP]
        assert unknown.value.candidates == ()
        assert "RemoteProtocolError once connected; the look-up found no call" in str(unknown.value)
        assert BORROWER[1:] not in str(unknown.value)

    asyncio.run(scenario())


def test_an_unknown_create_with_two_matching_calls_names_both() -> None:
    async def scenario() -> None:
        fake = FakeTwilioRest()
        async with serving(fake.app()) as url:
            front = DroppingFront(url, ["forward", "drop_after"])
            async with front.serving() as front_url:
                client = TwilioRestClient(CREDENTIALS, base_url=front_url, sleep=Pauses())
                first = await place(client)
                with pytest.raises(CallPlacementUnknown) as unknown:
                    await place(client)
                await client.aclose()

        assert len(fake.calls) == 2
        assert set(unknown.value.candidates) == set(fake.calls) and first in fake.calls
        assert "the look-up found 2 calls" in str(unknown.value)

    asyncio.run(scenario())


def test_a_5xx_answer_to_a_create_is_looked_up_not_retried() -> None:
    async def scenario() -> None:
        fake = FakeTwilioRest(fail_after_placing=1)
        async with serving(fake.app()) as url:
            client = TwilioRestClient(CREDENTIALS, base_url=url, sleep=Pauses())
            sid = await place(client)
            await client.aclose()
        assert list(fake.calls) == [sid]

    asyncio.run(scenario())


def test_a_refused_connection_is_retried_and_places_exactly_one_call() -> None:
    async def scenario() -> None:
        fake = FakeTwilioRest()
        sock = bound_socket()  # bound but not listening: connections are refused
        async with AsyncExitStack() as stack:

            async def start_twilio() -> None:
                await stack.enter_async_context(serving(fake.app(), sock))

            pauses = Pauses(then=start_twilio)
            client = TwilioRestClient(CREDENTIALS, base_url=base_url(sock), sleep=pauses)
            sid = await place(client)
            await client.aclose()

        assert pauses.seconds == [0.5]
        assert list(fake.calls) == [sid]

    asyncio.run(scenario())


def test_twilio_out_of_reach_means_the_call_was_not_placed() -> None:
    async def scenario() -> None:
        sock = bound_socket()
        pauses = Pauses()
        client = TwilioRestClient(CREDENTIALS, base_url=base_url(sock), sleep=pauses)
        with pytest.raises(TwilioUnreachable, match="no connection to twilio in 3 attempts"):
            await place(client)
        await client.aclose()
        sock.close()
        assert pauses.seconds == [0.5, 1.0]

    asyncio.run(scenario())


def test_hang_up_is_sent_again_when_its_answer_is_lost() -> None:
    async def scenario() -> None:
        fake = FakeTwilioRest()
        async with serving(fake.app()) as url:
            front = DroppingFront(url, ["forward", "drop_before", "forward", "drop_after"])
            async with front.serving() as front_url:
                client = TwilioRestClient(CREDENTIALS, base_url=front_url, sleep=Pauses())
                sid = await place(client)
                fake.calls[sid].status = "in-progress"
                # Lost before Twilio read it: the second try hangs up.
                assert await client.hang_up(sid) is True
                fake.calls[sid].status = "in-progress"
                # Lost after Twilio hung up: the second try finds the call ended.
                assert await client.hang_up(sid) is False
                await client.aclose()

        assert fake.hang_ups == [sid, sid, sid]
        assert fake.calls[sid].status == "completed"

    asyncio.run(scenario())


def test_each_request_opens_its_own_connection() -> None:
    async def scenario() -> None:
        fake = FakeTwilioRest()
        async with serving(fake.app()) as url:
            front = DroppingFront(url, [])
            async with front.serving() as front_url:
                client = TwilioRestClient(CREDENTIALS, base_url=front_url)
                sid = await place(client)
                fake.calls[sid].status = "in-progress"
                await client.hang_up(sid)
                await place(client)
                await client.aclose()

        # A pooled connection the server closed could fail after the write and leave a
        # create unknown; so none is reused.
        assert front.connections == 3

    asyncio.run(scenario())


def test_twilio_error_messages_leave_the_number_out() -> None:
    async def scenario() -> None:
        fake = FakeTwilioRest()
        async with serving(fake.app()) as url:
            client = TwilioRestClient(CREDENTIALS, base_url=url)
            with pytest.raises(TwilioError) as refused:
                await place(client, to=INVALID_NUMBER)
            await client.aclose()

        assert refused.value.code == 21211
        assert str(refused.value) == (
            "twilio answered 400 (code 21211): "
            "The 'To' number <number> is not a valid phone number."
        )

    asyncio.run(scenario())
