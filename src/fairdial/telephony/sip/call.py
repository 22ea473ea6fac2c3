"""One SIP call inside PJSUA2, placed or received, reporting its progress to the event loop.

Every method here runs on PJSUA2's thread (see `endpoint`). Keys arrive twice over: PJSUA2 hands
every RFC 4733 packet to `onDtmfEvent`, then calls `onDtmfDigit` whenever PJMEDIA takes a packet
for a new key, which it judges by the event code and a duration that did not go down. A key held
past the duration field's 8.19 s wraps it or starts a new segment, and would count twice; so the
packets go to `KeyPresses`, and `onDtmfDigit` serves only keys sent in SIP INFO.

A call's audio goes to a bridge port of the bot's until it is joined to another call (a warm
transfer): from then on the two calls' streams are linked to each other, and to no port.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import pjsua2 as pj

from fairdial.telephony.events import CallEvent, CallEventKind
from fairdial.telephony.sip.media import BridgePort, SipAudio
from fairdial.telephony.sip.progress import ended_event, provisional_event

logger = logging.getLogger("fairdial.telephony")

# States in which the INVITE has a 2xx answer, so the far end's audio is the callee's own.
_ANSWERED_STATES = (pj.PJSIP_INV_STATE_CONNECTING, pj.PJSIP_INV_STATE_CONFIRMED)
# pjmedia_stream_dtmf_event_flags (pjmedia/stream.h), which the Python bindings leave out.
DTMF_IS_END = 1 << 1


class CallWatcher:
    """The event loop's side of a call: PJSUA2 threads only post to it."""

    def __init__(self, loop: asyncio.AbstractEventLoop, audio: SipAudio) -> None:
        self.loop = loop
        self.audio = audio
        self.call_id = ""
        self.events: asyncio.Queue[CallEvent] = asyncio.Queue()
        self.transfers: asyncio.Queue[tuple[int, bool]] = asyncio.Queue()

    def post(self, event: CallEvent) -> None:
        self.loop.call_soon_threadsafe(self.events.put_nowait, event)

    def post_transfer(self, status_code: int, final: bool) -> None:
        self.loop.call_soon_threadsafe(self.transfers.put_nowait, (status_code, final))


class SipCall(pj.Call):
    """An INVITE we sent, or one received (`pj_call_id`, PJSUA's index of it); `release` is
    called (later, on the same thread) once it ended."""

    def __init__(
        self,
        account: pj.Account,
        watcher: CallWatcher,
        release: Callable[[SipCall], None],
        pj_call_id: int = pj.PJSUA_INVALID_ID,
    ) -> None:
        super().__init__(account, pj_call_id)
        self.watcher = watcher
        self.canceled = False  # we withdrew it before an answer
        self._release = release
        self._port: BridgePort | None = None
        self._connected: set[int] = set()
        self._answered_at: float | None = None
        self._ringing = False
        self._partner: SipCall | None = None  # the call whose audio ours is joined to
        self.ended = False

    def onCallState(self, prm: Any) -> None:
        info = self.getInfo()
        if not self.watcher.call_id:
            self.watcher.call_id = info.callIdString

        if info.state == pj.PJSIP_INV_STATE_EARLY and not self._ringing:
            event = provisional_event(info.lastStatusCode, self.watcher.call_id)
            if event is not None:
                self._ringing = True
                self.watcher.post(event)
        elif info.state == pj.PJSIP_INV_STATE_CONFIRMED and self._answered_at is None:
            self._answered_at = time.monotonic()
            self._connect_audio(info)
            self.watcher.post(CallEvent(CallEventKind.ANSWERED, self.watcher.call_id))
        elif info.state == pj.PJSIP_INV_STATE_DISCONNECTED:
            self.ended = True
            self.part()  # PJSUA unlinks this call's stream itself; the partner must not use it
            self.watcher.post(self._ended(info.lastStatusCode))
            release = self._release
            # PJSIP still uses this call until the callback returns; free it afterwards.
            release(self)

    def onCallMediaState(self, prm: Any) -> None:
        info = self.getInfo()
        if info.state in _ANSWERED_STATES:
            self._connect_audio(info)

    def onDtmfEvent(self, prm: Any) -> None:
        if prm.method != pj.PJSUA_DTMF_METHOD_RFC2833:
            return
        ended = bool(prm.flags & DTMF_IS_END)
        self.watcher.audio.telephone_event_heard(prm.timestamp, prm.digit, prm.duration, ended)

    def onDtmfDigit(self, prm: Any) -> None:
        if prm.method == pj.PJSUA_DTMF_METHOD_RFC2833:
            return  # counted from its packets in onDtmfEvent
        self.watcher.audio.digit_heard(prm.digit)

    def onCallTransferStatus(self, prm: Any) -> None:
        # NOTIFYs carry the REFER's outcome as a sipfrag status line (RFC 3515 §2.4.5).
        self.watcher.post_transfer(prm.statusCode, prm.finalNotify)
        if prm.finalNotify:
            prm.cont = False

    def disconnect_audio(self) -> BridgePort | None:
        """Stop the bridge port's audio and hand it back, silenced, for the caller to keep.

        The conference bridge's clock thread may be inside one of the port's callbacks at this
        moment; freeing the port now would pull it from under that thread (a crash). The caller
        holds it until the bridge has long moved on, then lets it go.
        """
        port, self._port = self._port, None
        connected, self._connected = self._connected, set()
        if port is None:
            return None
        port.retired = True
        for index in connected:
            # Unlinked, the bridge stops asking the port for frames and handing it any.
            try:
                stream = self.getAudioMedia(index)
                stream.stopTransmit(port)
                port.stopTransmit(stream)
            except pj.Error:
                pass  # the call's media is gone already, and its links with it
        return port

    def join(self, other: SipCall) -> list[BridgePort]:
        """Connect this call's audio and `other`'s to each other, both ways, instead of to our
        bridge ports; returns those ports, silenced, for the caller to keep a while (see
        `disconnect_audio`). Later media updates of either call keep the two joined."""
        # Linked first: should PJSUA refuse, both calls still have the bot, and it can go on.
        self._partner, other._partner = other, self
        try:
            self._link_partner()
        except pj.Error:
            self._partner = other._partner = None
            raise
        return [p for p in (self.disconnect_audio(), other.disconnect_audio()) if p is not None]

    def part(self) -> None:
        """Forget the joined call, and it this one: no cycle may keep either past the library."""
        if self._partner is not None:
            self._partner._partner = None
            self._partner = None

    def _link_partner(self) -> None:
        partner = self._partner
        assert partner is not None
        for stream in self._active_streams():
            for far in partner._active_streams():
                stream.startTransmit(far)
                far.startTransmit(stream)
        logger.debug("sip audio joined", extra={"call_id": self.watcher.call_id})

    def _active_streams(self) -> list[Any]:
        info = self.getInfo()  # held: its media list lives only as long as it does
        return [
            self.getAudioMedia(index)
            for index, media in enumerate(info.media)
            if media.type == pj.PJMEDIA_TYPE_AUDIO and media.status == pj.PJSUA_CALL_MEDIA_ACTIVE
        ]

    def _connect_audio(self, info: Any) -> None:
        if self._partner is not None:
            try:
                self._link_partner()  # a re-INVITE may have replaced a stream
            except pj.Error:
                extra = {"call_id": self.watcher.call_id}
                logger.warning("sip joined audio not relinked", extra=extra)
            return
        for index, media in enumerate(info.media):
            if media.type != pj.PJMEDIA_TYPE_AUDIO or index in self._connected:
                continue
            if media.status != pj.PJSUA_CALL_MEDIA_ACTIVE:
                continue
            if self._port is None:
                self._port = BridgePort(self.watcher.audio)
            stream = self.getAudioMedia(index)
            stream.startTransmit(self._port)
            self._port.startTransmit(stream)
            self._connected.add(index)
            logger.debug("sip audio connected", extra={"call_id": self.watcher.call_id})

    def _ended(self, status_code: int) -> CallEvent:
        if self._answered_at is not None:
            duration = time.monotonic() - self._answered_at
            return ended_event(
                status_code, self.watcher.call_id, answered=True, duration_s=duration
            )
        if self.canceled:
            return CallEvent(CallEventKind.CANCELED, self.watcher.call_id)
        return ended_event(status_code, self.watcher.call_id, answered=False)
