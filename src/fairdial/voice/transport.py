"""What a voice session needs from a phone line: 8 kHz mu-law 20 ms frames in and out.

Carrier adapters (Twilio media streams, SIP/RTP, Asterisk AudioSocket) implement this; the
session never sees their wire protocol.
"""

from __future__ import annotations

from typing import Protocol

FRAME_BYTES = 160  # 20 ms of 8 kHz mu-law


class AudioTransport(Protocol):
    @property
    def closed(self) -> bool: ...

    async def receive(self) -> bytes | None:
        """The next inbound frame, in order; None once the far end has hung up."""
        ...

    async def send(self, frame: bytes) -> None:
        """Put one outbound frame on the line now; the caller paces."""
        ...

    async def clear(self) -> None:
        """Drop audio the carrier has buffered but not yet played (barge-in)."""
        ...

    async def close(self) -> None:
        """Hang up; `receive` returns None afterwards."""
        ...
