import asyncio
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlencode

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse
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
from tests.telephony.waits import until

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
async def twilio_world(
    ring_timeout_s: int = 10, fake: FakeTwilioRest | None = None, failing_sessions: bool = False
) -> AsyncIterator[World]:
    """A channel, its web app on loopback and a Twilio fake; `failing_sessions` break answers.

    The ring timeout is long enough for a loaded machine to post every callback in time; the
    tests about a dial that times out ask for a short one.
    """
    fake = fake or FakeTwilioRest()
    channel_socket = bound_socket()
    async with serving(fake.app()) as rest_url:
        rest = TwilioRestClient(TwilioCredentials(ACCOUNT_SID, AUTH_TOKEN), base_url=rest_url)
        sessions: list[RecordingSession] = []

        def build_session(call: AnsweredCall) -> RecordingSession:
            if failing_sessions:
                raise RuntimeError("the voice pipeline could not start")
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
    asyncio.run(asyncio.wait_for(scenario(), timeout=60))


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
            await until(lambda: world.channel.pending_dials == 0)  # once its stream has ended

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


@dataclass
class LostCreateFake(FakeTwilioRest):
    """Places the first call but answers 500, and cannot list calls: its placement is unknown."""

    fail_after_placing: int = 1
    looked_up: asyncio.Event = field(default_factory=asyncio.Event)

    async def list_calls(self, request: Request) -> JSONResponse:
        self.looked_up.set()
        return JSONResponse({"code": 20500, "message": "Internal Server Error"}, status_code=500)


@dataclass
class RefusingFake(FakeTwilioRest):
    """Refuses every call as Twilio refuses a destination the account may not call."""

    async def create(self, request: Request) -> JSONResponse:
        message = "Account not allowed to call +15005550006"
        return JSONResponse({"code": 21215, "message": message}, status_code=400)


def test_a_call_of_unknown_placement_is_named_by_its_late_status_callback() -> None:
    async def scenario() -> None:
        fake = LostCreateFake()
        async with twilio_world(fake=fake) as world:
            dialling = asyncio.create_task(world.channel.dial(request()))
            call = await fake.placed.get()
            await fake.looked_up.wait()  # answered 500, then looked up in vain

            assert await world.status(call, "ringing") == 204
            assert await world.status(call, "busy") == 204
            outcome = await dialling

            assert outcome.result is CallResult.BUSY
            assert list(world.fake.calls) == [call.sid]
            assert world.channel.pending_dials == 0

    run(scenario)


def test_an_answered_call_of_unknown_placement_is_named_by_its_stream() -> None:
    async def scenario() -> None:
        async with twilio_world(fake=LostCreateFake()) as world:
            dialling = asyncio.create_task(world.channel.dial(request()))
            call = await world.fake.placed.get()
            peer = await world.stream(call)
            outcome = await dialling

            assert outcome.result is CallResult.CONVERSATION
            answered = world.sessions[0].call
            assert answered.call_id == call.sid
            await answered.hang_up()
            assert world.fake.hang_ups == [call.sid]
            with pytest.raises(ConnectionClosed):
                await peer.next_message()

    run(scenario)


def test_a_call_of_unknown_placement_that_never_reports_ends_unknown() -> None:
    async def scenario() -> None:
        async with twilio_world(ring_timeout_s=1, fake=LostCreateFake()) as world:
            outcome = await world.channel.dial(request())

            assert outcome.result is CallResult.UNKNOWN
            assert outcome.session is None
            assert len(world.fake.calls) == 1  # placed once, never again
            assert world.fake.hang_ups == []  # no call sid to hang up, and none guessed
            assert world.channel.pending_dials == 0

            late = next(iter(world.fake.calls.values()))
            assert await world.status(late, "completed") == 204  # heard, and ignored

    run(scenario)


def test_a_dial_with_twilio_out_of_reach_is_not_placed() -> None:
    async def scenario() -> None:
        closed = bound_socket()  # bound, never listening: every connection is refused
        credentials = TwilioCredentials(ACCOUNT_SID, AUTH_TOKEN)
        rest = TwilioRestClient(credentials, base_url=base_url(closed), attempts=2, sleep=no_pause)
        channel = TwilioChannel(
            rest,
            from_number=FROM,
            public_url="https://bot.example.org",
            session_factory=RecordingSession,  # type: ignore[arg-type]
        )
        outcome = await channel.dial(request())
        await rest.aclose()
        closed.close()

        assert (outcome.result, outcome.ring_seconds) == (CallResult.NOT_PLACED, 0.0)
        assert channel.pending_dials == 0

    run(scenario)


def test_a_call_twilio_refuses_is_not_placed_and_its_number_not_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def scenario() -> None:
        async with twilio_world(fake=RefusingFake()) as world:
            outcome = await world.channel.dial(request())
            assert outcome.result is CallResult.NOT_PLACED
            assert world.fake.calls == {}

    with caplog.at_level(logging.INFO, logger="fairdial.telephony"):
        run(scenario)
    assert "code 21215" in caplog.text
    assert "5550006" not in caplog.text


def test_a_session_that_cannot_start_hangs_the_call_up_at_once() -> None:
    async def scenario() -> None:
        async with twilio_world(failing_sessions=True) as world:
            dialling = asyncio.create_task(world.channel.dial(request()))
            call = await world.fake.placed.get()
            await world.status(call, "in-progress", AnsweredBy="human")
            peer = await world.stream(call)
            with pytest.raises(RuntimeError, match="voice pipeline"):
                await dialling

            assert world.fake.hang_ups == [call.sid]
            assert world.fake.calls[call.sid].status == "completed"
            with pytest.raises(ConnectionClosed):
                await peer.next_message()
            await until(lambda: world.channel.pending_dials == 0)  # once its stream has ended

    run(scenario)


async def no_pause(seconds: float) -> None:
    """The REST client's wait between connection attempts, skipped."""
