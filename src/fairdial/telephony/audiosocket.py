"""Asterisk AudioSocket: the TCP server a call's audio reaches from `AudioSocket()` in a dialplan.

Every message is a 1-byte type, a 2-byte big-endian payload length, then the payload:
0x00 hang-up (no payload), 0x01 the call's UUID (16 bytes, sent first), 0x03 one DTMF digit
(1 ASCII byte), 0x10 audio (16-bit signed linear PCM, 8 kHz mono, little-endian), 0xff an error
(payload: an optional code). Asterisk plays audio as it arrives, so outbound frames are paced
at 20 ms here; that queue is what a barge-in clears.

A length that contradicts its type (a UUID that is not 16 bytes, audio cut mid-sample) ends the
connection with a protocol error before its payload is awaited; a type this module does not know
is read past and skipped, so a newer Asterisk's additions do not drop the borrower's call.

Limitations: the higher-rate audio types (0x11 to 0x18, newer Asterisk) are refused, since the
pipeline hears 8 kHz only; placing and transferring calls belongs to Asterisk's own interfaces
(ARI/AMI), not to this protocol.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import struct
import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import numpy as np

from fairdial.telephony.events import CallEvent, CallEventKind
from fairdial.telephony.marks import PlaybackMarks
from fairdial.voice.audio.g711 import ulaw_decode, ulaw_encode

logger = logging.getLogger("fairdial.telephony")

KIND_HANGUP = 0x00
KIND_UUID = 0x01
KIND_DTMF = 0x03
KIND_AUDIO = 0x10
KIND_ERROR = 0xFF
# 12 kHz up to 192 kHz signed linear audio, which Asterisk sends when the channel's format asks.
HIGH_RATE_AUDIO_KINDS = range(0x11, 0x19)
# The payload size each fixed-size type carries.
FIXED_LENGTHS = {KIND_HANGUP: 0, KIND_UUID: 16, KIND_DTMF: 1}
DTMF_KEYS = "0123456789*#ABCD"
# Asterisk's own error codes are bit flags; this one just means the caller hung up.
ERROR_CALLER_HUNG_UP = 0x01

PCM_FRAME_BYTES = 320  # 20 ms of 8 kHz 16-bit mono
FRAME_SECONDS = 0.02
_HEADER = struct.Struct(">BH")


class AudioSocketError(Exception):
    """The peer broke the AudioSocket protocol."""


def encode_message(kind: int, payload: bytes = b"") -> bytes:
    return _HEADER.pack(kind, len(payload)) + payload


@dataclass(frozen=True)
class _Mark:
    name: str


class AudioSocketCall:
    """One call's audio transport: mu-law 20 ms frames for the pipeline, PCM16 on the wire."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        call_id: str,
        *,
        idle_timeout_s: float = 5.0,
        on_event: Callable[[CallEvent], None] | None = None,
    ) -> None:
        self.call_id = call_id
        self._reader = reader
        self._writer = writer
        self._idle_timeout_s = idle_timeout_s
        self._on_event = on_event
        self._inbound: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._outbound: asyncio.Queue[bytes | _Mark] = asyncio.Queue()
        self._marks = PlaybackMarks()
        self._partial = bytearray()
        self._skipped_kinds: set[int] = set()  # unknown types, each logged once
        self._pacer: asyncio.Task[None] | None = None
        self._closed = False
        self.digits = ""
        self.played_marks = self._marks.played
        self.unplayed_marks = self._marks.unplayed

    @property
    def closed(self) -> bool:
        return self._closed

    async def run(self) -> None:
        """Read Asterisk's messages until hang-up, a dropped socket, an error or silence."""
        self._pacer = asyncio.create_task(self._pace())
        hung_up_by_peer = False
        try:
            hung_up_by_peer = await self._read_until_end()
        except AudioSocketError as error:
            logger.error("audiosocket protocol error: %s", error, extra={"call_id": self.call_id})
        finally:
            await self._shut(send_hangup=not hung_up_by_peer)

    async def receive(self) -> bytes | None:
        """The next 20 ms mu-law frame the caller spoke, or None once the call is gone."""
        frame = await self._inbound.get()
        if frame is None:
            self._inbound.put_nowait(None)
        return frame

    async def send(self, frame: bytes) -> None:
        """Put mu-law audio on the line as PCM16; held back only when it comes faster than
        real time, since Asterisk plays each frame the moment it arrives."""
        if self._closed:
            return
        pcm = ulaw_decode(frame).astype("<i2").tobytes()
        for start in range(0, len(pcm), PCM_FRAME_BYTES):
            self._outbound.put_nowait(pcm[start : start + PCM_FRAME_BYTES])

    async def mark(self, name: str) -> None:
        """Note when every frame queued before `name` has gone out to Asterisk."""
        self._marks.expect(name)
        self._outbound.put_nowait(_Mark(name))

    async def wait_played(self, name: str) -> bool:
        """True when the mark's audio went out; False when cleared or the call ended first."""
        return await self._marks.wait(name)

    async def clear(self) -> None:
        """Barge-in: drop every frame not yet sent."""
        while not self._outbound.empty():
            item = self._outbound.get_nowait()
            if isinstance(item, _Mark):
                self._marks.settle(item.name, played=False)

    async def close(self) -> None:
        """Hang up from our side: Asterisk ends `AudioSocket()` on the hang-up message."""
        await self._shut(send_hangup=True)

    async def _read_until_end(self) -> bool:
        """Dispatch messages; True when the peer ended the call itself."""
        while not self._closed:
            try:
                message = await self._read_message()
            except TimeoutError:
                # Asterisk sends audio every 20 ms while the call lives; silence means it is
                # gone or stuck, and a hang-up tells it the call is over if it is still there.
                logger.warning("audiosocket silent, closing", extra={"call_id": self.call_id})
                return False
            if message is None:
                return True
            kind, payload = message
            if kind == KIND_HANGUP:
                logger.info("audiosocket hang-up from asterisk", extra={"call_id": self.call_id})
                return True
            if kind == KIND_AUDIO:
                self._on_audio(payload)
            elif kind == KIND_DTMF:
                self._on_dtmf(payload)
            elif kind == KIND_ERROR:
                return self._on_error(payload)
            elif kind == KIND_UUID:
                logger.debug("audiosocket uuid repeated", extra={"call_id": self.call_id})
            elif kind not in self._skipped_kinds:
                self._skipped_kinds.add(kind)
                logger.warning(
                    "audiosocket message type 0x%02x skipped", kind, extra={"call_id": self.call_id}
                )
        return False

    async def _read_message(self) -> tuple[int, bytes] | None:
        """The next message, or None once the connection dropped."""
        try:
            return await read_message(self._reader, self._idle_timeout_s)
        except (asyncio.IncompleteReadError, ConnectionError):
            logger.info("audiosocket connection dropped", extra={"call_id": self.call_id})
            return None

    def _on_audio(self, pcm: bytes) -> None:
        self._partial.extend(pcm)
        while len(self._partial) >= PCM_FRAME_BYTES:
            frame = np.frombuffer(bytes(self._partial[:PCM_FRAME_BYTES]), dtype="<i2")
            del self._partial[:PCM_FRAME_BYTES]
            self._inbound.put_nowait(ulaw_encode(frame))

    def _on_dtmf(self, payload: bytes) -> None:
        digit = chr(payload[0]).upper()
        if digit not in DTMF_KEYS:
            logger.warning(
                "audiosocket dtmf byte 0x%02x is no key, ignored",
                payload[0],
                extra={"call_id": self.call_id},
            )
            return
        self.digits += digit
        if self._on_event is not None:
            self._on_event(CallEvent(CallEventKind.DTMF, self.call_id, digit=digit))

    def _on_error(self, payload: bytes) -> bool:
        code = payload[0] if payload else 0
        if code == ERROR_CALLER_HUNG_UP:
            logger.info("audiosocket caller hung up", extra={"call_id": self.call_id})
        else:
            logger.error("audiosocket error 0x%02x", code, extra={"call_id": self.call_id})
        return True

    async def _pace(self) -> None:
        deadline = time.monotonic()
        while True:
            item = await self._outbound.get()
            if isinstance(item, _Mark):
                self._marks.settle(item.name, played=True)
                continue

            now = time.monotonic()
            deadline = max(deadline, now)  # after a pause, start a fresh 20 ms grid
            await asyncio.sleep(deadline - now)
            self._writer.write(encode_message(KIND_AUDIO, item))
            await self._writer.drain()
            deadline += len(item) / (2 * 8000)

    async def _shut(self, send_hangup: bool) -> None:
        if self._closed:
            return
        self._closed = True
        self._inbound.put_nowait(None)
        if self._pacer is not None:
            self._pacer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pacer
        await self.clear()
        self._marks.settle_all_unplayed()

        with contextlib.suppress(ConnectionError, RuntimeError):
            if send_hangup and not self._writer.is_closing():
                self._writer.write(encode_message(KIND_HANGUP))
                await self._writer.drain()
            self._writer.close()
            await self._writer.wait_closed()
        logger.info("audiosocket call closed", extra={"call_id": self.call_id})


async def read_message(reader: asyncio.StreamReader, timeout_s: float) -> tuple[int, bytes]:
    """One message, within `timeout_s`; raises IncompleteReadError when the socket ends and
    AudioSocketError when the header's length cannot belong to its type."""
    async with asyncio.timeout(timeout_s):
        kind, length = _HEADER.unpack(await reader.readexactly(_HEADER.size))
        check_length(kind, length)
        payload = await reader.readexactly(length) if length else b""
    return kind, payload


def check_length(kind: int, length: int) -> None:
    """Refuse a header whose type and length contradict each other, or a type we cannot play."""
    expected = FIXED_LENGTHS.get(kind)
    if expected is not None and length != expected:
        raise AudioSocketError(
            f"message type 0x{kind:02x} announces {length} payload bytes; it carries {expected}"
        )
    if kind == KIND_AUDIO and length % 2:
        raise AudioSocketError(f"audio payload of {length} bytes is not whole 16-bit samples")
    if kind in HIGH_RATE_AUDIO_KINDS:
        raise AudioSocketError(
            f"audio type 0x{kind:02x} is above 8 kHz; have Asterisk send slin (type 0x10)"
        )


CallHandler = Callable[[AudioSocketCall], Coroutine[Any, Any, None]]


class AudioSocketServer:
    """Accepts Asterisk's connections; each call goes to the dial that `expect`s its UUID,
    else to `on_call`."""

    def __init__(
        self,
        on_call: CallHandler | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        idle_timeout_s: float = 5.0,
        on_event: Callable[[CallEvent], None] | None = None,
    ) -> None:
        self._on_call = on_call
        self._host = host
        self._port = port
        self._idle_timeout_s = idle_timeout_s
        self._on_event = on_event
        self._expected: dict[str, asyncio.Future[AudioSocketCall]] = {}
        self._server: asyncio.Server | None = None

    async def start(self) -> tuple[str, int]:
        """Listen; returns the address bound (the OS picks the port when it is 0)."""
        self._server = await asyncio.start_server(self._connected, self._host, self._port)
        host, port = self._server.sockets[0].getsockname()[:2]
        return host, port

    def expect(self, call_id: str) -> asyncio.Future[AudioSocketCall]:
        """A future for the call Asterisk will connect with this UUID."""
        future = asyncio.get_running_loop().create_future()
        self._expected[str(uuid.UUID(call_id))] = future
        return future

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _connected(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            call_id = await self._read_uuid(reader)
        except (AudioSocketError, TimeoutError, asyncio.IncompleteReadError) as error:
            logger.error("audiosocket connection refused: %s", self._refusal(error))
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
            return

        call = AudioSocketCall(
            reader, writer, call_id, idle_timeout_s=self._idle_timeout_s, on_event=self._on_event
        )
        logger.info("audiosocket call connected", extra={"call_id": call_id})
        expected = self._expected.pop(call_id, None)
        handler: asyncio.Task[None] | None = None
        if expected is not None and not expected.done():
            expected.set_result(call)
        elif self._on_call is not None:
            handler = asyncio.create_task(self._on_call(call))
        else:
            logger.warning("audiosocket call nobody expected", extra={"call_id": call_id})
            await call.close()
            return

        await call.run()
        if handler is not None:
            await handler

    def _refusal(self, error: Exception) -> str:
        if isinstance(error, TimeoutError):
            return f"no uuid within {self._idle_timeout_s:g} s"
        if isinstance(error, asyncio.IncompleteReadError):
            return "closed before sending a uuid"
        return str(error)

    async def _read_uuid(self, reader: asyncio.StreamReader) -> str:
        # Asterisk identifies the call before anything else, with its UUID in binary form.
        kind, payload = await read_message(reader, self._idle_timeout_s)
        if kind != KIND_UUID or len(payload) != 16:
            raise AudioSocketError(f"first message is type 0x{kind:02x}, not a 16-byte uuid")
        return str(uuid.UUID(bytes=payload))
