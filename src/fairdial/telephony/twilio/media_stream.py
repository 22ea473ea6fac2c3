"""A bidirectional Twilio Media Stream: the audio of a `<Connect><Stream>` call over a WebSocket.

Twilio speaks first: `connected`, then one `start` naming the stream, the call and the audio
format, then `media` every 20 ms, `dtmf` on key presses, `mark` echoes, and `stop` when the call
or stream ends. The server may send `media` (base64 mu-law), `mark` and `clear`, each carrying the
`streamSid` from `start`.

Limitations: gaps in `media.chunk` / `media.timestamp` are not filled with silence; only the
`inbound` track is read, which is the only one a `<Connect><Stream>` carries.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from fairdial.telephony.events import CallEvent, CallEventKind
from fairdial.telephony.marks import PlaybackMarks

logger = logging.getLogger("fairdial.telephony")

FRAME_BYTES = 160  # 20 ms of 8 kHz mu-law, one byte a sample
ENCODING = "audio/x-mulaw"
SAMPLE_RATE = 8000


class MediaStreamError(Exception):
    """The peer did not speak the Media Streams protocol as documented."""


@dataclass(frozen=True)
class StreamStart:
    """What Twilio's `start` message says about the stream."""

    stream_sid: str
    call_sid: str
    account_sid: str
    tracks: tuple[str, ...]
    custom_parameters: dict[str, str] = field(default_factory=dict)


class TwilioMediaStream:
    """The audio transport of one call: 20 ms mu-law frames in and out, marks, and barge-in.

    The WebSocket endpoint accepts the socket, calls `handshake()`, hands the stream to whoever
    runs the call, then awaits `run()` until the stream ends.
    """

    def __init__(
        self,
        websocket: WebSocket,
        *,
        idle_timeout_s: float = 5.0,
        max_queued_frames: int = 500,
        on_event: Callable[[CallEvent], None] | None = None,
    ) -> None:
        self._socket = websocket
        self._idle_timeout_s = idle_timeout_s
        self._max_queued = max_queued_frames
        self._on_event = on_event
        self._inbound: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._partial = bytearray()
        self._marks = PlaybackMarks()
        self._cleared: set[str] = set()
        self._last_sequence = 0
        self._closed = False
        self.start: StreamStart | None = None
        self.digits = ""
        self.played_marks = self._marks.played
        self.unplayed_marks = self._marks.unplayed

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def call_id(self) -> str:
        return self.start.call_sid if self.start else ""

    async def handshake(self) -> StreamStart:
        """Read `connected` and `start`; raises MediaStreamError on anything else."""
        message = await self._next_message()
        if message is not None and message.get("event") == "connected":
            message = await self._next_message()
        if message is None or message.get("event") != "start":
            raise MediaStreamError("the stream did not begin with a start message")

        self.start = _parse_start(message)
        self._last_sequence = _sequence(message)
        logger.info("media stream started", extra={"call_id": self.start.call_sid})
        return self.start

    async def run(self) -> None:
        """Read Twilio's messages until `stop`, a dropped socket, or silence past the timeout."""
        try:
            while not self._closed:
                message = await self._next_message()
                if message is None:
                    return
                self._check_sequence(message)
                if not self._dispatch(message):
                    return
        except MediaStreamError as error:
            logger.error("media stream error: %s", error, extra={"call_id": self.call_id})
        finally:
            await self.close()

    async def receive(self) -> bytes | None:
        """The next 20 ms frame the other side spoke, or None once the call is gone."""
        frame = await self._inbound.get()
        if frame is None:
            self._inbound.put_nowait(None)  # every later call sees the end too
        return frame

    async def send(self, frame: bytes) -> None:
        """Queue mu-law audio for playback; Twilio plays it in order at real-time speed."""
        payload = base64.b64encode(frame).decode()
        await self._send({"event": "media", "media": {"payload": payload}})

    async def mark(self, name: str) -> None:
        """Ask Twilio to echo `name` once every frame sent before it has been played."""
        self._marks.expect(name)
        await self._send({"event": "mark", "mark": {"name": name}})

    async def wait_played(self, name: str) -> bool:
        """True when the mark's audio was played; False when cleared or the call ended first."""
        return await self._marks.wait(name)

    async def clear(self) -> None:
        """Barge-in: drop the audio Twilio still holds. Its pending marks come back unplayed."""
        # Twilio answers a clear by echoing every mark still queued; those were never heard.
        self._cleared.update(self._marks.pending())
        await self._send({"event": "clear"})

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._inbound.put_nowait(None)
        self._marks.settle_all_unplayed()
        try:
            await self._socket.close()
        except (RuntimeError, OSError, WebSocketDisconnect):
            logger.debug("media stream socket already closed", extra={"call_id": self.call_id})
        logger.info("media stream closed", extra={"call_id": self.call_id})

    def _dispatch(self, message: dict[str, Any]) -> bool:
        """Handle one message; False when it ends the stream."""
        event = message.get("event")
        if event == "media":
            self._on_media(message.get("media") or {})
        elif event == "mark":
            self._on_mark(str((message.get("mark") or {}).get("name", "")))
        elif event == "dtmf":
            self._on_dtmf(str((message.get("dtmf") or {}).get("digit", "")))
        elif event == "stop":
            logger.info("media stream stopped by twilio", extra={"call_id": self.call_id})
            return False
        else:
            logger.debug("media stream event ignored: %s", event, extra={"call_id": self.call_id})
        return True

    def _on_media(self, media: dict[str, Any]) -> None:
        if media.get("track", "inbound") != "inbound":
            return
        try:
            self._partial.extend(base64.b64decode(media.get("payload", ""), validate=True))
        except (binascii.Error, ValueError) as error:
            raise MediaStreamError("media payload is not base64") from error

        while len(self._partial) >= FRAME_BYTES:
            frame = bytes(self._partial[:FRAME_BYTES])
            del self._partial[:FRAME_BYTES]
            if self._inbound.qsize() >= self._max_queued:
                self._inbound.get_nowait()  # nobody is listening; keep the freshest audio
            self._inbound.put_nowait(frame)

    def _on_mark(self, name: str) -> None:
        played = name not in self._cleared
        self._cleared.discard(name)
        if not self._marks.settle(name, played):
            logger.debug("unknown mark echoed", extra={"call_id": self.call_id})

    def _on_dtmf(self, digit: str) -> None:
        self.digits += digit
        if self._on_event is not None:
            self._on_event(CallEvent(CallEventKind.DTMF, self.call_id, digit=digit))

    def _check_sequence(self, message: dict[str, Any]) -> None:
        # Twilio numbers its messages 1, 2, 3...; a gap means messages were lost upstream.
        sequence = _sequence(message)
        if sequence and sequence != self._last_sequence + 1:
            logger.debug(
                "media stream sequence jumped from %d to %d",
                self._last_sequence,
                sequence,
                extra={"call_id": self.call_id},
            )
        self._last_sequence = sequence or self._last_sequence

    async def _next_message(self) -> dict[str, Any] | None:
        """The next JSON message, or None when the socket closed or stayed silent too long."""
        try:
            received = await asyncio.wait_for(self._socket.receive(), self._idle_timeout_s)
        except TimeoutError:
            # Twilio sends media every 20 ms even in silence: seconds without any means it's gone.
            logger.warning("media stream silent, closing", extra={"call_id": self.call_id})
            return None
        except RuntimeError:
            return None  # the socket already reported its disconnect

        if received.get("type") == "websocket.disconnect":
            logger.info("media stream socket dropped", extra={"call_id": self.call_id})
            return None
        text = received.get("text")
        if text is None:
            raise MediaStreamError("media stream messages are JSON text frames")
        try:
            message = json.loads(text)
        except json.JSONDecodeError as error:
            raise MediaStreamError("media stream message is not JSON") from error
        if not isinstance(message, dict):
            raise MediaStreamError("media stream message is not a JSON object")
        return message

    async def _send(self, message: dict[str, Any]) -> None:
        if self._closed or self.start is None:
            logger.debug("send on a closed media stream dropped", extra={"call_id": self.call_id})
            return
        message["streamSid"] = self.start.stream_sid
        try:
            await self._socket.send_text(json.dumps(message, separators=(",", ":")))
        except (RuntimeError, OSError, WebSocketDisconnect):
            logger.debug("media stream send failed, closing", extra={"call_id": self.call_id})
            await self.close()


def _parse_start(message: dict[str, Any]) -> StreamStart:
    start = message.get("start")
    if not isinstance(start, dict):
        raise MediaStreamError("start message without its start object")

    media_format = start.get("mediaFormat") or {}
    encoding = media_format.get("encoding")
    rate = media_format.get("sampleRate")
    if encoding != ENCODING or rate != SAMPLE_RATE:
        raise MediaStreamError(f"unsupported media format {encoding} at {rate} Hz")

    parameters = start.get("customParameters") or {}
    stream_sid = start.get("streamSid") or message.get("streamSid")
    call_sid = start.get("callSid")
    if not stream_sid or not call_sid:
        raise MediaStreamError("start message without streamSid or callSid")
    return StreamStart(
        stream_sid=str(stream_sid),
        call_sid=str(call_sid),
        account_sid=str(start.get("accountSid", "")),
        tracks=tuple(start.get("tracks") or ()),
        custom_parameters={str(k): str(v) for k, v in parameters.items()},
    )


def _sequence(message: dict[str, Any]) -> int:
    try:
        return int(message.get("sequenceNumber", 0))
    except (TypeError, ValueError):
        return 0
