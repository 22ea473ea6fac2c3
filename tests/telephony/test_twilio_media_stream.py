import asyncio
import base64
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket
from websockets.exceptions import ConnectionClosed

from fairdial.telephony.events import CallEvent, CallEventKind
from fairdial.telephony.twilio.media_stream import MediaStreamError, TwilioMediaStream
from tests.telephony.servers import serving
from tests.telephony.twilio_peer import CALL_SID, STREAM_SID, TwilioPeer

FRAME_A = bytes(range(160))
FRAME_B = bytes(range(95, 255))
FRAME_C = b"\xff" * 160


@asynccontextmanager
async def media_server(
    idle_timeout_s: float = 5.0,
) -> AsyncIterator[tuple[str, asyncio.Queue, list[CallEvent]]]:
    """A WebSocket server that hands each started stream (or its handshake error) to the test."""
    streams: asyncio.Queue = asyncio.Queue()
    events: list[CallEvent] = []

    async def endpoint(websocket: WebSocket) -> None:
        await websocket.accept()
        stream = TwilioMediaStream(websocket, idle_timeout_s=idle_timeout_s, on_event=events.append)
        try:
            await stream.handshake()
        except MediaStreamError as error:
            await streams.put(error)
            await stream.close()
            return
        await streams.put(stream)
        await stream.run()

    app = Starlette(routes=[WebSocketRoute("/stream", endpoint)])
    async with serving(app) as url:
        yield url.replace("http://", "ws://") + "/stream", streams, events


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(scenario(), timeout=30))


def test_documented_sequence_moves_frames_marks_and_dtmf_both_ways() -> None:
    async def scenario() -> None:
        async with media_server() as (url, streams, events):
            peer = await TwilioPeer.open(url)
            await peer.begin({"dial": "k-1"})
            stream: TwilioMediaStream = await streams.get()

            assert stream.start is not None
            assert stream.start.stream_sid == STREAM_SID
            assert stream.start.call_sid == CALL_SID
            assert stream.start.custom_parameters == {"dial": "k-1"}
            assert stream.start.tracks == ("inbound",)

            for frame in (FRAME_A, FRAME_B, FRAME_C):
                await peer.media(frame)
            assert [await stream.receive() for _ in range(3)] == [FRAME_A, FRAME_B, FRAME_C]

            await stream.send(FRAME_B)
            await stream.mark("sentence-1")
            sent = await peer.next_message()
            assert sent == {
                "event": "media",
                "media": {"payload": base64.b64encode(FRAME_B).decode()},
                "streamSid": STREAM_SID,
            }
            assert await peer.next_message() == {
                "event": "mark",
                "mark": {"name": "sentence-1"},
                "streamSid": STREAM_SID,
            }

            await peer.echo_mark("sentence-1")
            assert await stream.wait_played("sentence-1") is True
            assert stream.played_marks == ["sentence-1"]

            await peer.dtmf("5")
            await peer.media(FRAME_A)
            assert await stream.receive() == FRAME_A  # the dtmf before it was handled too
            assert stream.digits == "5"
            assert events == [CallEvent(CallEventKind.DTMF, CALL_SID, digit="5")]

            await peer.stop()
            assert await stream.receive() is None
            assert await stream.receive() is None
            assert stream.closed
            with pytest.raises(ConnectionClosed):
                await peer.next_message()

    run(scenario)


def test_clear_drops_queued_audio_and_its_marks_come_back_unplayed() -> None:
    async def scenario() -> None:
        async with media_server() as (url, streams, _):
            peer = await TwilioPeer.open(url)
            await peer.begin()
            stream: TwilioMediaStream = await streams.get()

            await stream.send(FRAME_A)
            await stream.mark("sentence-2:frame-1")
            await stream.clear()
            kinds = [(await peer.next_message())["event"] for _ in range(3)]
            assert kinds == ["media", "mark", "clear"]

            # Twilio answers a clear by echoing the marks it dropped.
            await peer.echo_mark("sentence-2:frame-1")
            assert await stream.wait_played("sentence-2:frame-1") is False
            assert stream.unplayed_marks == ["sentence-2:frame-1"]
            assert stream.played_marks == []
            await peer.socket.close()

    run(scenario)


def test_payloads_are_cut_into_20ms_frames_and_other_tracks_ignored() -> None:
    async def scenario() -> None:
        async with media_server() as (url, streams, _):
            peer = await TwilioPeer.open(url)
            await peer.begin()
            stream: TwilioMediaStream = await streams.get()

            await peer.media(FRAME_A + FRAME_B[:80])
            await peer.media(FRAME_C, track="outbound")
            await peer.media(FRAME_B[80:])
            assert await stream.receive() == FRAME_A
            assert await stream.receive() == FRAME_B
            await peer.stop()
            assert await stream.receive() is None

    run(scenario)


def test_a_dropped_socket_ends_the_stream() -> None:
    async def scenario() -> None:
        async with media_server() as (url, streams, _):
            peer = await TwilioPeer.open(url)
            await peer.begin()
            stream: TwilioMediaStream = await streams.get()
            await stream.mark("never-heard")

            await peer.socket.close()
            assert await stream.receive() is None
            assert stream.closed
            assert await stream.wait_played("never-heard") is False
            await stream.send(FRAME_A)  # a late frame into a gone call is dropped quietly

    run(scenario)


def test_a_silent_stream_is_closed_at_its_idle_timeout(caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> None:
        async with media_server(idle_timeout_s=0.3) as (url, streams, _):
            peer = await TwilioPeer.open(url)
            began = time.monotonic()  # the stream's last message goes out after this
            await peer.begin()
            stream: TwilioMediaStream = await streams.get()

            assert await stream.receive() is None
            assert time.monotonic() - began >= 0.3  # not before the timeout
            with pytest.raises(ConnectionClosed):
                await peer.next_message()

    run(scenario)
    assert "media stream silent, closing" in caplog.text  # the silence, nothing else, ended it


def test_a_stream_in_another_audio_format_is_refused() -> None:
    async def scenario() -> None:
        async with media_server() as (url, streams, _):
            peer = await TwilioPeer.open(url)
            await peer.begin(encoding="audio/l16")
            error = await streams.get()
            assert isinstance(error, MediaStreamError)
            assert "audio/l16" in str(error)

    run(scenario)


def test_a_malformed_message_closes_the_stream_with_a_logged_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def scenario() -> None:
        async with media_server() as (url, streams, _):
            peer = await TwilioPeer.open(url)
            await peer.begin()
            stream: TwilioMediaStream = await streams.get()
            await peer.socket.send("not json")
            assert await stream.receive() is None

    run(scenario)
    assert "media stream error: media stream message is not JSON" in caplog.text
