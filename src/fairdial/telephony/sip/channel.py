"""A channel that places calls as a SIP user agent (PJSUA2) and bridges their audio.

A dial sends an INVITE to the borrower's request URI and waits for the answer or a final
response, cancelling it when it rings longer than `ring_timeout_s`. Once answered, the call's
audio is a `SipAudio` transport; a BYE from either side ends it. DTMF goes both ways as
RFC 4733 telephone-events, and `transfer` hands the borrower to an agent with a REFER.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import pjsua2 as pj

from fairdial.telephony.base import CallResult, CallSession, DialOutcome, DialRequest
from fairdial.telephony.events import (
    AnsweredBy,
    AnsweredCall,
    CallEvent,
    CallEventKind,
    dial_result,
)
from fairdial.telephony.sip.call import CallWatcher, SipCall
from fairdial.telephony.sip.config import SipConfig
from fairdial.telephony.sip.endpoint import SipEndpoint, SipError
from fairdial.telephony.sip.media import SipAudio

logger = logging.getLogger("fairdial.telephony")

SessionFactory = Callable[[AnsweredCall], CallSession]
# How long a CANCEL or BYE may take to be answered before we stop waiting for it.
END_GRACE_S = 5.0


@dataclass
class _Dial:
    key: str
    request: DialRequest
    watcher: CallWatcher
    started: float = field(default_factory=time.monotonic)
    ended: asyncio.Future[CallEvent] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )
    follower: asyncio.Task[None] | None = None

    @property
    def call_id(self) -> str:
        return self.watcher.call_id or self.key


class SipChannel:
    """Places calls from one SIP account; use `async with` (or `start`/`close`) around dials.

    `session_factory` turns an answered call into the dialler's session; `on_event` sees every
    progress event (ringing, answered, final, DTMF) with the SIP Call-ID as `call_id`.
    """

    name = "sip"

    def __init__(
        self,
        config: SipConfig,
        *,
        session_factory: SessionFactory,
        on_event: Callable[[CallEvent], None] | None = None,
    ) -> None:
        self.config = config
        self._endpoint = SipEndpoint(config)
        self._session_factory = session_factory
        self._on_event = on_event
        self._dials: dict[str, _Dial] = {}  # by SIP Call-ID once known, on the event loop
        self._calls: dict[str, SipCall] = {}  # by dial key, only touched on PJSUA2's thread

    async def __aenter__(self) -> SipChannel:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def local_address(self) -> str:
        """host:port of the SIP UDP transport."""
        return self._endpoint.local_address

    @property
    def active_calls(self) -> int:
        """Calls placed that have not ended yet."""
        return len(self._dials)

    async def start(self) -> None:
        self._endpoint.before_destroy(self._calls.clear)
        await self._endpoint.start()

    async def close(self) -> None:
        """Hang up every call still up, then stop the user agent."""
        for call_id in list(self._dials):
            with contextlib.suppress(SipError):
                await self.hang_up(call_id)
        followers = [dial.follower for dial in self._dials.values() if dial.follower]
        if followers:
            await asyncio.wait(followers, timeout=END_GRACE_S)
        await self._endpoint.close()

    async def dial(self, request: DialRequest) -> DialOutcome:
        loop = asyncio.get_running_loop()
        key = uuid.uuid4().hex
        audio = SipAudio(
            key, loop, hang_up=lambda: self.hang_up(audio.call_id), on_event=self._on_event
        )
        dial = _Dial(key, request, CallWatcher(loop, audio))
        uri = self.config.request_uri(request.number)
        try:
            call_id = await self._endpoint.submit(lambda: self._place(dial, uri))
        except SipError as error:
            logger.info(
                "sip refused to place the call: %s", error, extra={"attempt": request.attempt_ref}
            )
            return DialOutcome(CallResult.NOT_IN_SERVICE, 0.0)

        audio.call_id = call_id
        self._dials[call_id] = dial
        logger.info("sip call placed", extra={"call_id": call_id, "attempt": request.attempt_ref})
        first = await self._first_decisive_event(dial)
        ring_seconds = time.monotonic() - dial.started
        if first.kind is CallEventKind.ANSWERED:
            dial.follower = asyncio.create_task(self._follow(dial))
            return self._answered(dial, ring_seconds)

        self._dials.pop(call_id, None)
        result = dial_result(first) or CallResult.NO_ANSWER
        logger.info("sip dial ended: %s", result.value, extra={"call_id": call_id})
        return DialOutcome(result, ring_seconds)

    async def send_dtmf(self, call_id: str, digits: str) -> None:
        """Send digits to the far end as RFC 4733 telephone-events."""
        key = self._key(call_id)
        await self._endpoint.submit(lambda: self._calls[key].dialDtmf(digits))

    async def hang_up(self, call_id: str) -> None:
        """CANCEL a ringing call or send BYE on an answered one; returns once it ended."""
        dial = self._dials.get(call_id)
        if dial is None:
            return
        dial.watcher.audio.ended(drop_heard=True)
        await self._endpoint.submit(lambda: self._end(dial.key, cancel=False))
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(END_GRACE_S):
                await asyncio.shield(dial.ended)

    async def transfer(self, call_id: str, agent_uri: str, timeout_s: float = 15.0) -> bool:
        """Cold-transfer an answered call to `agent_uri` with a REFER (RFC 3515).

        True once the far end reports the agent answered (a 2xx NOTIFY); we then hang up our leg
        as the transferor does (RFC 5589 §6). False when the transfer failed or timed out; the
        call then stays up with the bot.
        """
        dial = self._dials.get(call_id)
        if dial is None:
            return False
        transfers = dial.watcher.transfers
        await self._endpoint.submit(
            lambda: self._calls[dial.key].xfer(agent_uri, pj.CallOpParam(True))
        )
        try:
            async with asyncio.timeout(timeout_s):
                while True:
                    status, final = await transfers.get()
                    if final or status >= 300:
                        break
        except TimeoutError:
            logger.warning("sip transfer got no final report", extra={"call_id": call_id})
            return False

        if status // 100 != 2:
            logger.warning("sip transfer failed: %d", status, extra={"call_id": call_id})
            return False
        logger.info("sip call transferred to an agent", extra={"call_id": call_id})
        await self.hang_up(call_id)
        return True

    # Runs on PJSUA2's thread.

    def _place(self, dial: _Dial, uri: str) -> str:
        account = self._endpoint.account
        assert account is not None
        call = SipCall(account, dial.watcher, self._release(dial.key))
        self._calls[dial.key] = call
        try:
            call.makeCall(uri, pj.CallOpParam(True))
        except pj.Error:
            self._calls.pop(dial.key, None)
            raise
        call_id = call.getInfo().callIdString
        dial.watcher.call_id = call_id
        return call_id

    def _end(self, key: str, *, cancel: bool) -> None:
        call = self._calls.get(key)
        if call is None:
            return
        call.canceled = cancel
        # Status 0 lets PJSIP pick: CANCEL before an answer, BYE after (RFC 3261 §9, §15).
        call.hangup(pj.CallOpParam(True))

    def _release(self, key: str) -> Callable[[SipCall], None]:
        def release(call: SipCall) -> None:
            def free() -> None:
                call.disconnect_audio()
                self._calls.pop(key, None)

            self._endpoint.after_poll(free)

        return release

    # Runs on the event loop.

    async def _first_decisive_event(self, dial: _Dial) -> CallEvent:
        """The answer or a final event; cancels the call once it rang for the ring timeout."""
        deadline = dial.started + self.config.ring_timeout_s
        while True:
            try:
                async with asyncio.timeout_at(_loop_time(deadline)):
                    event = await dial.watcher.events.get()
            except TimeoutError:
                return await self._cancel(dial)
            self._report(event)
            if event.kind is CallEventKind.ANSWERED or event.final:
                return event

    async def _cancel(self, dial: _Dial) -> CallEvent:
        logger.info("sip call rang out, cancelling", extra={"call_id": dial.call_id})
        await self._endpoint.submit(lambda: self._end(dial.key, cancel=True))
        try:
            async with asyncio.timeout(END_GRACE_S):
                while True:
                    event = await dial.watcher.events.get()
                    self._report(event)
                    if event.final or event.kind is CallEventKind.ANSWERED:
                        break
        except TimeoutError:
            logger.warning("sip cancel got no answer", extra={"call_id": dial.call_id})
            return CallEvent(CallEventKind.CANCELED, dial.call_id)
        if event.kind is CallEventKind.ANSWERED:
            # The 200 crossed our CANCEL (RFC 3261 §9.1): the call is up, so end it with a BYE.
            await self._endpoint.submit(lambda: self._end(dial.key, cancel=True))
            return CallEvent(CallEventKind.CANCELED, dial.call_id)
        return event

    def _answered(self, dial: _Dial, ring_seconds: float) -> DialOutcome:
        answered_by = AnsweredBy.UNKNOWN  # no answering-machine detection on plain SIP
        event = CallEvent(CallEventKind.ANSWERED, dial.call_id, answered_by)
        result = dial_result(event)
        assert result is not None  # an answer always decides a provisional result

        async def hang_up() -> None:
            await self.hang_up(dial.call_id)

        call = AnsweredCall(
            dial.call_id,
            dial.request.attempt_ref,
            dial.request.language,
            dial.watcher.audio,
            answered_by,
            hang_up,
        )
        logger.info("sip call answered", extra={"call_id": dial.call_id})
        return DialOutcome(result, ring_seconds, self._session_factory(call))

    async def _follow(self, dial: _Dial) -> None:
        """Watch an answered call until its BYE, then close its audio and forget it."""
        try:
            while True:
                event = await dial.watcher.events.get()
                self._report(event)
                if event.final:
                    break
        finally:
            dial.watcher.audio.ended()
            self._dials.pop(dial.call_id, None)
            if not dial.ended.done():
                dial.ended.set_result(event)
        logger.info("sip call ended", extra={"call_id": dial.call_id})

    def _report(self, event: CallEvent) -> None:
        if self._on_event is not None:
            self._on_event(event)

    def _key(self, call_id: str) -> str:
        dial = self._dials.get(call_id)
        if dial is None:
            raise SipError("no such call")
        return dial.key


def _loop_time(monotonic_deadline: float) -> float:
    """A `time.monotonic` deadline on the running loop's clock."""
    loop = asyncio.get_running_loop()
    return loop.time() + (monotonic_deadline - time.monotonic())
