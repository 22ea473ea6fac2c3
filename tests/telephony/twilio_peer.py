"""Twilio's side of a Media Stream, replaying the documented messages over a real WebSocket."""

from __future__ import annotations

import base64
import json
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"
STREAM_SID = "MZ18ad3ab5a668481ce02b83e7395059f0"
CALL_SID = "CA9c4b0a6ff4a64d1a8cd0a59d2a3b0e11"


class TwilioPeer:
    """Sends connected/start/media/dtmf/mark/stop with running sequence numbers."""

    def __init__(self, socket: ClientConnection, call_sid: str = CALL_SID) -> None:
        self.socket = socket
        self.call_sid = call_sid
        self._sequence = 0
        self._chunk = 0

    @classmethod
    async def open(cls, url: str, call_sid: str = CALL_SID) -> TwilioPeer:
        return cls(await connect(url), call_sid)

    async def send(self, event: str, **body: Any) -> None:
        message: dict[str, Any] = {"event": event}
        if event == "connected":
            message.update(protocol="Call", version="1.0.0")
        else:
            self._sequence += 1
            message.update(sequenceNumber=str(self._sequence), streamSid=STREAM_SID)
        message.update(body)
        await self.socket.send(json.dumps(message))

    async def begin(
        self, parameters: dict[str, str] | None = None, encoding: str = "audio/x-mulaw"
    ):
        await self.send("connected")
        await self.send(
            "start",
            start={
                "accountSid": ACCOUNT_SID,
                "streamSid": STREAM_SID,
                "callSid": self.call_sid,
                "tracks": ["inbound"],
                "mediaFormat": {"encoding": encoding, "sampleRate": 8000, "channels": 1},
                "customParameters": parameters or {},
            },
        )

    async def media(self, payload: bytes, track: str = "inbound") -> None:
        self._chunk += 1
        await self.send(
            "media",
            media={
                "track": track,
                "chunk": str(self._chunk),
                "timestamp": str(20 * (self._chunk - 1)),
                "payload": base64.b64encode(payload).decode(),
            },
        )

    async def dtmf(self, digit: str) -> None:
        await self.send("dtmf", dtmf={"track": "inbound_track", "digit": digit})

    async def echo_mark(self, name: str) -> None:
        await self.send("mark", mark={"name": name})

    async def stop(self) -> None:
        await self.send("stop", stop={"accountSid": ACCOUNT_SID, "callSid": self.call_sid})

    async def next_message(self) -> dict[str, Any]:
        return json.loads(await self.socket.recv())
