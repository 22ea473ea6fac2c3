"""Call audio between PJSUA2's conference bridge and the voice pipeline's `AudioTransport`.

The bridge pulls and pushes one 20 ms frame of 8 kHz 16-bit PCM per tick on its own clock
thread; this module converts to and from the pipeline's mu-law frames. Inbound frames reach the
event loop through `call_soon_threadsafe`; outbound frames wait in a deque (appends and pops are
atomic in CPython) that the clock thread drains, one frame per tick, so the bridge paces them.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Callable
from typing import Any

import numpy as np
import pjsua2 as pj

from fairdial.telephony.dtmf import (
    MAX_SEGMENT_DURATION,
    RFC4733_EVENTS,
    KeyPresses,
    TelephoneEvent,
)
from fairdial.telephony.events import CallEvent, CallEventKind
from fairdial.voice.audio.g711 import ulaw_decode, ulaw_encode
from fairdial.voice.transport import FRAME_BYTES

logger = logging.getLogger("fairdial.telephony")

SAMPLE_RATE = 8000
_UNITS_PER_MS = SAMPLE_RATE // 1000  # RFC 4733 timestamps and durations count samples
FRAME_US = 20_000
PCM_FRAME_BYTES = 2 * FRAME_BYTES  # 160 samples of 16-bit PCM


class SipAudio:
    """One call's audio as the pipeline sees it; DTMF digits heard arrive as events too."""

    def __init__(
        self,
        call_id: str,
        loop: asyncio.AbstractEventLoop,
        hang_up: Callable[[], Any],
        on_event: Callable[[CallEvent], None] | None = None,
    ) -> None:
        self.call_id = call_id
        self.digits = ""
        self._loop = loop
        self._hang_up = hang_up
        self._on_event = on_event
        self._inbound: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.outbound: collections.deque[bytes] = collections.deque()
        self._key_presses = KeyPresses()
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    async def receive(self) -> bytes | None:
        frame = await self._inbound.get()
        if frame is None:
            self._inbound.put_nowait(None)
        return frame

    async def send(self, frame: bytes) -> None:
        """Queue mu-law audio; the bridge plays one 20 ms frame per tick."""
        if self._closed:
            return
        self.play(ulaw_decode(frame).astype("<i2").tobytes())

    def play(self, pcm: bytes) -> None:
        """Queue 8 kHz 16-bit PCM as it is, the last frame padded with silence."""
        if self._closed:
            return
        for start in range(0, len(pcm), PCM_FRAME_BYTES):
            chunk = pcm[start : start + PCM_FRAME_BYTES]
            self.outbound.append(chunk.ljust(PCM_FRAME_BYTES, b"\0"))

    async def clear(self) -> None:
        """Barge-in: drop every frame the bridge has not pulled yet."""
        self.outbound.clear()

    async def close(self) -> None:
        """Hang up the call (a BYE once answered); `receive` returns None afterwards."""
        if self._closed:
            return
        await self._hang_up()

    def ended(self, *, drop_heard: bool = False) -> None:
        """The call is gone: stop audio both ways. Runs on the event loop.

        `drop_heard` discards frames not yet received: after our own hang-up nobody listens.
        """
        if self._closed:
            return
        self._closed = True
        while drop_heard and not self._inbound.empty():
            self._inbound.get_nowait()
        self.outbound.clear()
        self._inbound.put_nowait(None)

    # Called from PJSUA2's threads.

    def frame_heard(self, pcm: bytes) -> None:
        samples = np.frombuffer(pcm, dtype="<i2")
        self._loop.call_soon_threadsafe(self._put, ulaw_encode(samples))

    def digit_heard(self, digit: str) -> None:
        """A whole key press, as SIP INFO reports one."""
        self._loop.call_soon_threadsafe(self._digit, digit)

    def telephone_event_heard(
        self, timestamp_ms: int, digit: str, duration_ms: int, ended: bool
    ) -> None:
        """One RFC 4733 packet, in the milliseconds PJSUA2 reports; many make one press."""
        event = RFC4733_EVENTS.get(digit.upper())
        if event is None:
            return
        duration = min(duration_ms * _UNITS_PER_MS, MAX_SEGMENT_DURATION)
        packet = TelephoneEvent(event, ended, 0, duration)
        self._loop.call_soon_threadsafe(self._telephone_event, timestamp_ms * _UNITS_PER_MS, packet)

    def _put(self, frame: bytes) -> None:
        if not self._closed:
            self._inbound.put_nowait(frame)

    def _telephone_event(self, timestamp: int, packet: TelephoneEvent) -> None:
        key = self._key_presses.feed(timestamp, packet)
        if key is not None:
            self._digit(key)

    def _digit(self, digit: str) -> None:
        self.digits += digit
        logger.debug("sip dtmf digit received", extra={"call_id": self.call_id})
        if self._on_event is not None:
            self._on_event(CallEvent(CallEventKind.DTMF, self.call_id, digit=digit))


class BridgePort(pj.AudioMediaPort):
    """A conference bridge port whose frames come from and go to a `SipAudio`."""

    def __init__(self, audio: SipAudio) -> None:
        super().__init__()
        self._audio = audio
        self.retired = False
        fmt = pj.MediaFormatAudio()
        fmt.init(pj.PJMEDIA_FORMAT_PCM, SAMPLE_RATE, 1, FRAME_US, 16)
        self.createPort(f"fairdial-{audio.call_id[:16]}", fmt)

    def destroy(self) -> None:
        """Free the port's PJSUA2 half now, while this object is whole; call once, then drop it.

        SWIG frees that half with the GIL released. Left to Python's own teardown, the clock
        thread can call into this object meanwhile, at reference count zero, and Python frees
        it a second time, corrupting the heap. Freed from here, such a call meets a live,
        retired port.
        """
        self.retired = True
        pj.AudioMediaPort.__swig_destroy__(self)

    def onFrameRequested(self, frame: Any) -> None:
        # While Python tears a port down its attributes go first; the bridge may still call.
        if getattr(self, "retired", True):
            frame.type = pj.PJMEDIA_FRAME_TYPE_NONE
            frame.size = 0
            return
        try:
            pcm = self._audio.outbound.popleft()
        except IndexError:
            # Nothing to say: an empty frame, so the bridge sends silence without our help.
            frame.type = pj.PJMEDIA_FRAME_TYPE_NONE
            frame.size = 0
            return
        frame.type = pj.PJMEDIA_FRAME_TYPE_AUDIO
        frame.buf = pj.ByteVector(pcm)
        frame.size = PCM_FRAME_BYTES

    def onFrameReceived(self, frame: Any) -> None:
        if getattr(self, "retired", True):
            return
        if frame.type != pj.PJMEDIA_FRAME_TYPE_AUDIO or frame.size < PCM_FRAME_BYTES:
            # Keep the pipeline's 20 ms grid even when the bridge has no signal for us.
            self._audio.frame_heard(bytes(PCM_FRAME_BYTES))
            return
        self._audio.frame_heard(bytes(frame.buf)[:PCM_FRAME_BYTES])
