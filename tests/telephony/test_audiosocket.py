import asyncio
import struct
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import numpy as np
import pytest

from fairdial.telephony.audiosocket import (
    KIND_AUDIO,
    KIND_DTMF,
    KIND_ERROR,
    KIND_HANGUP,
    KIND_UUID,
    AudioSocketCall,
    AudioSocketServer,
    encode_message,
)
from fairdial.telephony.events import CallEvent, CallEventKind
from fairdial.voice.audio.g711 import ulaw_decode, ulaw_encode

CALL_ID = "40325ec2-5efd-4bd3-805f-53576e581d13"
TONE = (3000 * np.sin(2 * np.pi * 440 * np.arange(160) / 8000)).astype("<i2")


class Asterisk:
    """The Asterisk side of AudioSocket, written byte by byte from the protocol definition."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def connect(cls, port: int, call_id: str = CALL_ID) -> "Asterisk":
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        peer = cls(reader, writer)
        if call_id:
            await peer.send(KIND_UUID, uuid.UUID(call_id).bytes)
        return peer

    async def send(self, kind: int, payload: bytes = b"") -> None:
        self.writer.write(bytes([kind]) + struct.pack(">H", len(payload)) + payload)
        await self.writer.drain()

    async def read(self) -> tuple[int, bytes]:
        kind, length = struct.unpack(">BH", await self.reader.readexactly(3))
        return kind, await self.reader.readexactly(length)

    async def at_eof(self) -> bool:
        return await self.reader.read() == b""

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


@asynccontextmanager
async def audiosocket_server(
    idle_timeout_s: float = 5.0,
) -> AsyncIterator[tuple[int, asyncio.Queue[AudioSocketCall], list[CallEvent]]]:
    calls: asyncio.Queue[AudioSocketCall] = asyncio.Queue()
    events: list[CallEvent] = []

    async def on_call(call: AudioSocketCall) -> None:
        await calls.put(call)

    server = AudioSocketServer(on_call, idle_timeout_s=idle_timeout_s, on_event=events.append)
    _, port = await server.start()
    try:
        yield port, calls, events
    finally:
        await server.close()


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(scenario(), timeout=30))


def test_wire_format_of_each_message_type() -> None:
    assert encode_message(KIND_HANGUP) == b"\x00\x00\x00"
    assert encode_message(KIND_DTMF, b"7") == b"\x03\x00\x017"
    assert encode_message(KIND_AUDIO, b"\x01\x02" * 160)[:3] == b"\x10\x01\x40"


def test_uuid_audio_both_ways_dtmf_and_hang_up_from_asterisk() -> None:
    async def scenario() -> None:
        async with audiosocket_server() as (port, calls, events):
            asterisk = await Asterisk.connect(port)
            call = await calls.get()
            assert call.call_id == CALL_ID

            # Audio in: PCM16 little-endian on the wire, mu-law frames for the pipeline.
            await asterisk.send(KIND_AUDIO, TONE.tobytes())
            await asterisk.send(KIND_AUDIO, TONE[:80].tobytes())
            await asterisk.send(KIND_AUDIO, TONE[80:].tobytes())
            assert await call.receive() == ulaw_encode(TONE)
            assert await call.receive() == ulaw_encode(TONE)

            # Audio out: a mu-law frame becomes 320 bytes of PCM16.
            await call.send(ulaw_encode(TONE))
            kind, payload = await asterisk.read()
            assert kind == KIND_AUDIO
            assert payload == ulaw_decode(ulaw_encode(TONE)).astype("<i2").tobytes()
            assert len(payload) == 320

            await asterisk.send(KIND_DTMF, b"7")
            await asterisk.send(KIND_AUDIO, TONE.tobytes())
            await call.receive()
            assert call.digits == "7"
            assert events == [CallEvent(CallEventKind.DTMF, CALL_ID, digit="7")]

            await asterisk.send(KIND_HANGUP)
            assert await call.receive() is None
            assert call.closed
            assert await asterisk.at_eof()
            await asterisk.close()

    run(scenario)


def test_hang_up_from_our_side_sends_the_hang_up_message() -> None:
    async def scenario() -> None:
        async with audiosocket_server() as (port, calls, _):
            asterisk = await Asterisk.connect(port)
            call = await calls.get()
            await call.close()
            assert await asterisk.read() == (KIND_HANGUP, b"")
            assert await asterisk.at_eof()
            await asterisk.close()
            assert await call.receive() is None

    run(scenario)


def test_outbound_audio_is_paced_and_clear_drops_what_is_queued() -> None:
    async def scenario() -> None:
        async with audiosocket_server() as (port, calls, _):
            asterisk = await Asterisk.connect(port)
            call = await calls.get()

            await call.send(ulaw_encode(np.tile(TONE, 5)))  # 100 ms in one go
            await call.mark("sentence-1")
            started = time.monotonic()
            for _ in range(5):
                assert (await asterisk.read())[0] == KIND_AUDIO
            assert time.monotonic() - started >= 0.07  # five frames, 20 ms apart
            assert await call.wait_played("sentence-1") is True

            await call.send(ulaw_encode(np.tile(TONE, 50)))  # a second of speech
            await call.mark("sentence-2")
            await asterisk.read()
            await call.clear()  # the borrower talks over the bot
            assert await call.wait_played("sentence-2") is False
            assert call.played_marks == ["sentence-1"]
            assert call.unplayed_marks == ["sentence-2"]

            await call.close()
            received = 1
            while (await asterisk.read())[0] == KIND_AUDIO:
                received += 1
            assert received < 5  # at most what was already on its way
            await asterisk.close()

    run(scenario)


def test_a_message_split_across_tcp_reads_is_put_back_together() -> None:
    async def scenario() -> None:
        async with audiosocket_server() as (port, calls, events):
            asterisk = await Asterisk.connect(port)
            call = await calls.get()
            wire = encode_message(KIND_DTMF, b"4") + encode_message(KIND_AUDIO, TONE.tobytes())
            for cut in (1, 2, 5, 100, 200, len(wire)):  # inside headers and payloads alike
                asterisk.writer.write(wire[:cut])
                await asterisk.writer.drain()
                wire = wire[cut:]
                await asyncio.sleep(0.01)
            assert await call.receive() == ulaw_encode(TONE)
            assert events == [CallEvent(CallEventKind.DTMF, CALL_ID, digit="4")]
            await asterisk.send(KIND_HANGUP)
            assert await call.receive() is None
            await asterisk.close()

    run(scenario)


def test_a_length_that_contradicts_its_type_is_refused_before_its_payload(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def scenario() -> None:
        # The idle timeout is longer than the whole test: the refusal may not wait for it.
        async with audiosocket_server(idle_timeout_s=60) as (port, calls, events):
            asterisk = await Asterisk.connect(port)
            call = await calls.get()
            asterisk.writer.write(bytes([KIND_DTMF]) + struct.pack(">H", 4000))
            await asterisk.writer.drain()
            assert await call.receive() is None
            assert await asterisk.read() == (KIND_HANGUP, b"")
            assert await asterisk.at_eof()
            await asterisk.close()
            assert events == []

    run(scenario)
    assert "message type 0x03 announces 4000 payload bytes; it carries 1" in caplog.text


def test_audio_cut_mid_sample_is_a_protocol_error(caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> None:
        async with audiosocket_server() as (port, calls, _):
            asterisk = await Asterisk.connect(port)
            call = await calls.get()
            await asterisk.send(KIND_AUDIO, TONE.tobytes() + b"\x01")
            assert await call.receive() is None  # no frame of shifted, garbled samples
            assert await asterisk.read() == (KIND_HANGUP, b"")
            await asterisk.close()

    run(scenario)
    assert "audio payload of 321 bytes is not whole 16-bit samples" in caplog.text


def test_an_unknown_message_type_is_skipped_and_the_call_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def scenario() -> None:
        async with audiosocket_server() as (port, calls, _):
            asterisk = await Asterisk.connect(port)
            call = await calls.get()
            await asterisk.send(0x42, b"??")
            await asterisk.send(0x42, b"!")
            await asterisk.send(KIND_AUDIO, TONE.tobytes())
            assert await call.receive() == ulaw_encode(TONE)
            assert not call.closed
            await asterisk.send(KIND_HANGUP)
            assert await call.receive() is None
            await asterisk.close()

    run(scenario)
    assert caplog.text.count("audiosocket message type 0x42 skipped") == 1


def test_audio_above_8_khz_is_refused_with_the_fix_named(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def scenario() -> None:
        async with audiosocket_server() as (port, calls, _):
            asterisk = await Asterisk.connect(port)
            call = await calls.get()
            await asterisk.send(0x12, np.tile(TONE, 2).tobytes())  # 16 kHz slin
            assert await call.receive() is None
            assert await asterisk.read() == (KIND_HANGUP, b"")
            await asterisk.close()

    run(scenario)
    assert "audio type 0x12 is above 8 kHz; have Asterisk send slin (type 0x10)" in caplog.text


def test_a_dtmf_byte_that_is_no_key_is_ignored() -> None:
    async def scenario() -> None:
        async with audiosocket_server() as (port, calls, events):
            asterisk = await Asterisk.connect(port)
            call = await calls.get()
            await asterisk.send(KIND_DTMF, b"\xff")
            await asterisk.send(KIND_DTMF, b"9")
            await asterisk.send(KIND_AUDIO, TONE.tobytes())
            await call.receive()
            assert call.digits == "9"
            assert events == [CallEvent(CallEventKind.DTMF, CALL_ID, digit="9")]
            await asterisk.send(KIND_HANGUP)
            assert await call.receive() is None
            await asterisk.close()

    run(scenario)


def test_a_connection_that_does_not_start_with_a_uuid_is_refused(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def scenario() -> None:
        async with audiosocket_server() as (port, calls, _):
            asterisk = await Asterisk.connect(port, call_id="")
            await asterisk.send(KIND_AUDIO, TONE.tobytes())
            assert await asterisk.at_eof()
            await asterisk.close()
            assert calls.empty()

    run(scenario)
    assert "audiosocket connection refused: first message is type 0x10" in caplog.text


def test_a_uuid_of_the_wrong_size_is_refused(caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> None:
        async with audiosocket_server() as (port, calls, _):
            asterisk = await Asterisk.connect(port, call_id="")
            await asterisk.send(KIND_UUID, b"short")
            assert await asterisk.at_eof()
            await asterisk.close()
            assert calls.empty()

    run(scenario)
    assert "message type 0x01 announces 5 payload bytes; it carries 16" in caplog.text


def test_a_client_that_never_sends_its_uuid_is_refused_at_the_idle_timeout(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def scenario() -> None:
        async with audiosocket_server(idle_timeout_s=0.2) as (port, calls, _):
            asterisk = await Asterisk.connect(port, call_id="")
            assert await asterisk.at_eof()
            await asterisk.close()
            assert calls.empty()

    run(scenario)
    assert "audiosocket connection refused: no uuid within 0.2 s" in caplog.text


def test_an_asterisk_error_ends_the_call() -> None:
    async def scenario() -> None:
        async with audiosocket_server() as (port, calls, _):
            asterisk = await Asterisk.connect(port)
            call = await calls.get()
            await asterisk.send(KIND_ERROR, b"\x01")  # the calling party hung up
            assert await call.receive() is None
            assert await asterisk.at_eof()
            await asterisk.close()

    run(scenario)


def test_a_silent_connection_is_closed_at_its_idle_timeout(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def scenario() -> None:
        async with audiosocket_server(idle_timeout_s=0.2) as (port, calls, _):
            asterisk = await Asterisk.connect(port)
            call = await calls.get()
            assert await call.receive() is None
            assert await asterisk.read() == (KIND_HANGUP, b"")
            assert await asterisk.at_eof()
            await asterisk.close()

    run(scenario)
    assert "audiosocket silent, closing" in caplog.text


def test_a_client_that_stops_inside_a_message_is_closed_at_the_idle_timeout(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def scenario() -> None:
        async with audiosocket_server(idle_timeout_s=0.2) as (port, calls, _):
            asterisk = await Asterisk.connect(port)
            call = await calls.get()
            # The header promises the protocol's largest payload; a tenth of a second follows.
            asterisk.writer.write(bytes([KIND_AUDIO]) + struct.pack(">H", 0xFFFE))
            asterisk.writer.write(np.tile(TONE, 5).tobytes())
            await asterisk.writer.drain()
            assert await call.receive() is None
            assert await asterisk.read() == (KIND_HANGUP, b"")
            assert await asterisk.at_eof()
            await asterisk.close()

    run(scenario)
    assert "audiosocket silent, closing" in caplog.text


def test_a_dial_can_wait_for_the_call_with_its_uuid() -> None:
    async def scenario() -> None:
        server = AudioSocketServer()
        _, port = await server.start()
        expected = server.expect(CALL_ID.upper())
        asterisk = await Asterisk.connect(port)
        call = await asyncio.wait_for(expected, 10)
        assert call.call_id == CALL_ID
        await asterisk.send(KIND_HANGUP)
        assert await call.receive() is None
        await asterisk.close()
        await server.close()

    run(scenario)
