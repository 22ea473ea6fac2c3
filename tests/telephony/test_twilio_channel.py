import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlencode

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from fairdial.telephony.base import CallResult, DialRequest
from fairdial.telephony.events import AnsweredBy, AnsweredCall
from fairdial.telephony.twilio import TwilioChannel, TwilioCredentials, TwilioRestClient
from fairdial.telephony.twilio.media_stream import TwilioMediaStream
from fairdial.telephony.twilio.signature import compute_signature
from tests.telephony.fake_twilio_rest import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    INVALID_NUMBER,
    FakeTwilioRest,
    PlacedCall,
)
from tests.telephony.servers import base_url, bound_socket, serving
from tests.telephony.twilio_peer import TwilioPeer

FROM = "+15005550009"
FRAME = bytes(range(160))


@dataclass
class RecordingSession:
    """Stands in for the voice pipeline's session: keeps the answered call it was built from."""

    call: AnsweredCall

    @property
    def answered_by(self) -> str:
        return self.call.session_answered_by


@dataclass
class World:
    fake: FakeTwilioRest
    channel: TwilioChannel
    sessions: list[RecordingSession] = field(default_factory=list)

    async def status(self, call: PlacedCall, status: str, signed: bool = True, **extra: str):
        """Post a status callback the way Twilio does, signed with the account's token."""
        params = {"AccountSid": ACCOUNT_SID, "CallSid": call.sid, "CallStatus": status, **extra}
        url = call.field("StatusCallback")
        signature = compute_signature(AUTH_TOKEN if signed else "guess", url, params)
        async with httpx.AsyncClient() as client:
            response = await client.post(
                url,
                content=urlencode(params),
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-Twilio-Signature": signature,
                },
            )
        return response.status_code

    async def stream(self, call: PlacedCall) -> TwilioPeer:
        """Open the media stream the call's TwiML asks for, with its custom parameters."""
        twiml = call.field("Twiml")
        url = re.search(r'<Stream url="([^"]+)"', twiml).group(1)  # type: ignore[union-attr]
        parameters = dict(re.findall(r'<Parameter name="([^"]+)" value="([^"]+)"/>', twiml))
        peer = await TwilioPeer.open(url, call_sid=call.sid)
        await peer.begin(parameters)
        return peer


@asynccontextmanager
async def twilio_world(ring_timeout_s: int = 2) -> AsyncIterator[World]:
    fake = FakeTwilioRest()
    channel_socket = bound_socket()
    async with serving(fake.app()) as rest_url:
        rest = TwilioRestClient(TwilioCredentials(ACCOUNT_SID, AUTH_TOKEN), base_url=rest_url)
        sessions: list[RecordingSession] = []

        def build_session(call: AnsweredCall) -> RecordingSession:
            sessions.append(RecordingSession(call))
            return sessions[-1]

        channel = TwilioChannel(
            rest,
            from_number=FROM,
            public_url=base_url(channel_socket),
            session_factory=build_session,  # type: ignore[arg-type]
            ring_timeout_s=ring_timeout_s,
            answer_grace_s=0.3,
        )
        async with serving(channel.app(), channel_socket):
            yield World(fake, channel, sessions)
        await rest.aclose()


def request(number: str = "+15005550006") -> DialRequest:
    return DialRequest("ACC-17#3", "ACC-17", number, "en-US", datetime(2025, 3, 4, 15, tzinfo=UTC))


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(scenario(), timeout=10))


def test_an_answered_call_hands_its_media_stream_to_the_session() -> None:
    async def scenario() -> None:
        async with twilio_world() as world:
            dialling = asyncio.create_task(world.channel.dial(request()))
            call = await world.fake.placed.get()
            assert call.field("To") == "+15005550006"
            assert call.field("From") == FROM

            assert await world.status(call, "initiated") == 204
            assert await world.status(call, "ringing") == 204
            assert await world.status(call, "in-progress", AnsweredBy="human") == 204
            peer = await world.stream(call)
            outcome = await dialling

            assert outcome.result is CallResult.CONVERSATION
            assert outcome.session is world.sessions[0]
            answered = world.sessions[0].call
            assert (answered.call_id, answered.attempt_ref) == (call.sid, "ACC-17#3")
            assert answered.language == "en-US"
            assert answered.answered_by is AnsweredBy.HUMAN
            assert answered.session_answered_by == "human"
            assert isinstance(answered.transport, TwilioMediaStream)

            await peer.media(FRAME)
            assert await answered.transport.receive() == FRAME
            await answered.transport.send(FRAME)
            assert (await peer.next_message())["event"] == "media"

            await answered.hang_up()
            assert world.fake.hang_ups == [call.sid]
            assert world.fake.calls[call.sid].status == "completed"
            with pytest.raises(ConnectionClosed):
                await peer.next_message()
            await asyncio.sleep(0.05)
            assert world.channel.pending_dials == 0

    run(scenario)


def test_a_machine_answer_starts_a_voicemail_session() -> None:
    async def scenario() -> None:
        async with twilio_world() as world:
            dialling = asyncio.create_task(world.channel.dial(request()))
            call = await world.fake.placed.get()
            await world.status(call, "in-progress", AnsweredBy="machine_end_beep")
            peer = await world.stream(call)
            outcome = await dialling

            assert outcome.result is CallResult.VOICEMAIL
            assert outcome.session is not None
            assert outcome.session.answered_by == "machine"
            await peer.stop()

    run(scenario)


@pytest.mark.parametrize(
    ("statuses", "result"),
    [
        (["ringing", "busy"], CallResult.BUSY),
        (["ringing", "no-answer"], CallResult.NO_ANSWER),
        (["initiated", "failed"], CallResult.NOT_IN_SERVICE),
        (["ringing", "canceled"], CallResult.NO_ANSWER),
        (["ringing", "in-progress", "completed"], CallResult.ANSWERED_DROPPED),
    ],
)
def test_a_final_status_before_any_stream_ends_the_dial(
    statuses: list[str], result: CallResult
) -> None:
    async def scenario() -> None:
        async with twilio_world() as world:
            dialling = asyncio.create_task(world.channel.dial(request()))
            call = await world.fake.placed.get()
            for status in statuses:
                assert await world.status(call, status) == 204
            outcome = await dialling

            assert outcome.result is result
            assert outcome.session is None
            assert world.sessions == []
            assert world.channel.pending_dials == 0

    run(scenario)


def test_forged_callbacks_are_refused_and_a_silent_dial_is_hung_up() -> None:
    async def scenario() -> None:
        async with twilio_world(ring_timeout_s=1) as world:
            dialling = asyncio.create_task(world.channel.dial(request()))
            call = await world.fake.placed.get()
            assert await world.status(call, "busy", signed=False) == 403
            outcome = await dialling

            assert outcome.result is CallResult.NO_ANSWER
            assert outcome.session is None
            assert world.fake.hang_ups == [call.sid]

    run(scenario)


def test_a_number_twilio_refuses_is_not_in_service() -> None:
    async def scenario() -> None:
        async with twilio_world() as world:
            outcome = await world.channel.dial(request(INVALID_NUMBER))
            assert outcome.result is CallResult.NOT_IN_SERVICE
            assert world.fake.calls == {}

    run(scenario)


def test_a_stream_for_no_pending_dial_is_closed() -> None:
    async def scenario() -> None:
        async with twilio_world() as world:
            peer = await TwilioPeer.open(world.channel.stream_url)
            await peer.begin({"dial": "no-such-dial"})
            with pytest.raises(ConnectionClosed):
                await peer.next_message()

    run(scenario)
