"""A channel that places and takes calls as a SIP user agent (PJSUA2) and bridges their audio.

A dial sends an INVITE to the borrower's request URI and waits for the answer or a final
response; it withdraws the call with a CANCEL when it rings longer than `ring_timeout_s`, when
it is hung up, or when the dial itself is cancelled. Once answered, the call's audio is a
`SipAudio` transport; a BYE from either side ends it. DTMF goes both ways as RFC 4733
telephone-events, and `transfer` hands the borrower to an agent with a REFER.

An inbound INVITE is answered when the channel has an inbound handler, and the handler runs the
call; without one it is refused with 603 Decline. Calls placed and received share the
`max_calls` lines of PJSUA's call table: a dial finding none free raises `NoFreeLine` before any
INVITE goes out, and an INVITE finding none is answered 486 Busy Here by PJSUA itself.

A dial that certainly sent nothing (the user agent is not running, or PJSUA refused the request
URI or could not send the INVITE) ends `NOT_PLACED`. A call nobody answered ends with the result
its final response means (see `progress`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, NamedTuple

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
from fairdial.telephony.sip.endpoint import NoFreeLine, SipEndpoint, SipError
from fairdial.telephony.sip.media import BridgePort, SipAudio
from fairdial.telephony.sip.progress import FinalResponse, unanswered_result

logger = logging.getLogger("fairdial.telephony")
_PORT_GRACE_S = 2.0  # far longer than the bridge's 20 ms tick

SessionFactory = Callable[[AnsweredCall], CallSession]
InboundHandler = Callable[[AnsweredCall], Coroutine[Any, Any, None]]
# How long a CANCEL or BYE may take to be answered before we stop waiting for it.
END_GRACE_S = 5.0
PJ_ETOOMANY = 70010  # pj/errno.h, PJ_ERRNO_START_STATUS + 10: PJSUA's call table is full
BUSY_HERE = 486  # RFC 3261 §21.4.24: no line for the call; here, the channel is closing
DECLINE = 603  # RFC 3261 §21.6.2: the callee does not take the call; here, nobody would run it


@dataclass
class _Dial:
    """A call, placed or received, as the event loop follows it."""

    key: str
    watcher: CallWatcher
    attempt_ref: str
    language: str
    started: float = field(default_factory=time.monotonic)
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    follower: asyncio.Task[None] | None = None
    rang: bool = False  # the far end reported ringing (18x) or answered: a phone was reached

    @property
    def call_id(self) -> str:
        return self.watcher.call_id or self.key

    def saw(self, event: CallEvent) -> None:
        if event.kind in (CallEventKind.RINGING, CallEventKind.ANSWERED):
            self.rang = True


class _NotSent(NamedTuple):
    """PJSUA refused to send the INVITE: `status` is its error code, `reason` its message."""

    status: int
    reason: str


class SipChannel:
    """Places and takes calls on one SIP account; use `async with` (or `start`/`close`).

    `session_factory` turns an answered call into the dialler's session; `on_event` sees every
    progress event (ringing, answered, final, DTMF) with the SIP Call-ID as `call_id`;
    `on_inbound`, when given, runs each inbound call once answered, and the call is hung up when
    it returns.
    """

    name = "sip"
    # What `dial` raises only when no INVITE went out: the dialler records such an attempt as
    # not placed, rather than of unknown outcome.
    not_placed_errors: tuple[type[Exception], ...] = (NoFreeLine,)

    def __init__(
        self,
        config: SipConfig,
        *,
        session_factory: SessionFactory,
        on_event: Callable[[CallEvent], None] | None = None,
        on_inbound: InboundHandler | None = None,
    ) -> None:
        self.config = config
        self._endpoint = SipEndpoint(config, self._incoming, self._calls_held_changed)
        self._session_factory = session_factory
        self._on_event = on_event
        self._on_inbound = on_inbound
        self._lines_in_use = 0  # PJSUA's count, as last reported to the event loop
        self._line_freed = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._started = False
        self._closing = False
        self._dials: dict[str, _Dial] = {}  # by SIP Call-ID once known, on the event loop
        self._calls: dict[str, SipCall] = {}  # by dial key, only touched on PJSUA2's thread
        # Bridge ports of ended calls, silenced, with when they were retired; same thread.
        self._retired: deque[tuple[float, BridgePort]] = deque()
        self._inbound: set[asyncio.Task[None]] = set()

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
        """Calls placed or received that have not ended yet."""
        return len(self._dials)

    @property
    def max_calls(self) -> int:
        return self.config.max_calls

    @property
    def lines_in_use(self) -> int:
        """Calls in PJSUA's table: up, ringing, or hung up and waiting for the far end's reply."""
        return self._lines_in_use

    @property
    def running(self) -> bool:
        """The user agent started and is not closing: a dial may send an INVITE."""
        return self._started and not self._closing

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._endpoint.before_destroy(self._forget_calls)
        await self._endpoint.start()
        self._started = True

    async def close(self) -> None:
        """Refuse new inbound calls, hang up every call still up, then stop the user agent."""
        self._closing = True
        for call_id in list(self._dials):
            with contextlib.suppress(SipError):
                await self.hang_up(call_id)
        followers = [dial.follower for dial in self._dials.values() if dial.follower]
        if followers:
            await asyncio.wait(followers, timeout=END_GRACE_S)
        await self._end_inbound_handlers()
        await self._endpoint.close()

    async def wait_for_line(self) -> None:
        """Returns once a line is free to dial on; at once when one is."""
        while self._lines_in_use >= self.max_calls:
            await self._line_freed.wait()

    async def dial(self, request: DialRequest) -> DialOutcome:
        """Place a call; returns once it is answered or ended unanswered.

        Raises `NoFreeLine`, having sent nothing, when every line is taken: a local shortage
        says nothing about the borrower's number. Any other error (a `SipError` once the INVITE
        may be out) leaves the call's fate unknown. Cancelling the dial withdraws the call.
        """
        if not self.running:
            logger.warning(
                "sip dial not placed: the user agent is not running",
                extra={"attempt": request.attempt_ref},
            )
            return DialOutcome(CallResult.NOT_PLACED, 0.0)
        key = uuid.uuid4().hex
        dial = _Dial(key, self._watcher(key), request.attempt_ref, request.language)
        try:
            return await self._ring(dial, self.config.request_uri(request.number))
        finally:
            if dial.follower is None:
                self._finish(dial)

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
        await self._endpoint.submit(lambda: self._end(dial.key))
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(END_GRACE_S):
                await dial.ended.wait()

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

    def _place(self, dial: _Dial, uri: str) -> str | _NotSent:
        """The INVITE's Call-ID, or why PJSUA sent nothing (its call table full, the URI bad).

        PJSUA reports a failure to build or send the INVITE by raising from `makeCall`; a
        later failure (no route, no reply) comes as a final response. No exception raised here
        may hold the call: its frame would keep it alive past the library, and PJSUA2 objects
        freed after `libDestroy` crash the process.
        """
        account = self._endpoint.account
        assert account is not None
        call = SipCall(account, dial.watcher, self._release(dial.key))
        self._calls[dial.key] = call
        try:
            call.makeCall(uri, pj.CallOpParam(True))
        except pj.Error as error:
            self._calls.pop(dial.key, None)
            return _NotSent(error.status, error.reason)
        call_id = call.getInfo().callIdString
        dial.watcher.call_id = call_id
        return call_id

    def _incoming(self, pj_call_id: int) -> None:
        """An INVITE arrived, with a line free: hand it to the event loop, or refuse it now."""
        account = self._endpoint.account
        assert account is not None
        key = uuid.uuid4().hex
        watcher = self._watcher(key)
        call = SipCall(account, watcher, self._release(key), pj_call_id)
        self._calls[key] = call
        watcher.call_id = watcher.audio.call_id = call.getInfo().callIdString
        extra = {"call_id": watcher.call_id}

        if self._on_inbound is None:
            logger.info("sip inbound call declined: no inbound handler", extra=extra)
            self._reject(key, DECLINE)
            return
        if self._closing:
            logger.info("sip inbound call refused: the channel is closing", extra=extra)
            self._reject(key, BUSY_HERE)
            return
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self._offer, key, watcher)

    def _answer(self, key: str) -> None:
        call = self._calls.get(key)
        if call is not None:
            call.answer(_status(200))

    def _reject(self, key: str, status_code: int) -> None:
        call = self._calls.get(key)
        if call is not None:
            call.hangup(_status(status_code))

    def _end(self, key: str) -> None:
        call = self._calls.get(key)
        if call is None:
            return
        call.canceled = True  # ended before an answer, it reads as withdrawn, not refused
        # Status 0 lets PJSIP pick: CANCEL before an answer, BYE after (RFC 3261 §9, §15).
        call.hangup(pj.CallOpParam(True))

    def _release(self, key: str) -> Callable[[SipCall], None]:
        def release(call: SipCall) -> None:
            def free() -> None:
                port = call.disconnect_audio()
                if port is not None:
                    self._retire(port)
                self._calls.pop(key, None)

            self._endpoint.after_poll(free)

        return release

    def _forget_calls(self) -> None:
        """Before the user agent is destroyed: silence every port first, then free it all."""
        for call in self._calls.values():
            port = call.disconnect_audio()
            if port is not None:
                self._retired.append((time.monotonic(), port))
        self._calls.clear()
        self._retired.clear()

    def _retire(self, port: BridgePort) -> None:
        """Keep a silenced port a while before freeing it: see `SipCall.disconnect_audio`."""
        now = time.monotonic()
        while self._retired and now - self._retired[0][0] > _PORT_GRACE_S:
            self._retired.popleft()
        self._retired.append((now, port))

    def _calls_held_changed(self, held: int) -> None:
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self._set_lines_in_use, held)

    # Runs on either thread.

    def _watcher(self, key: str) -> CallWatcher:
        """The event loop's side of a new call."""
        loop = self._loop
        assert loop is not None
        audio = SipAudio(
            key, loop, hang_up=lambda: self.hang_up(audio.call_id), on_event=self._on_event
        )
        return CallWatcher(loop, audio)

    # Runs on the event loop.

    async def _ring(self, dial: _Dial, uri: str) -> DialOutcome:
        """Send the INVITE and wait for the answer or a final response."""
        placing = self._endpoint.submit(lambda: self._place(dial, uri))
        extra = {"attempt": dial.attempt_ref}
        try:
            placed = await asyncio.shield(placing)
        except asyncio.CancelledError:
            await asyncio.shield(self._abandon(dial, placing))
            raise
        if isinstance(placed, _NotSent):
            if placed.status == PJ_ETOOMANY:
                logger.info("sip dial refused: every line is taken", extra=extra)
                raise NoFreeLine(self.config.max_calls)
            # PJSIP's reason names the error (an invalid request URI, no route), not the URI.
            logger.warning("sip dial not placed: %s", placed.reason, extra=extra)
            return DialOutcome(CallResult.NOT_PLACED, 0.0)

        call_id = placed
        dial.watcher.audio.call_id = call_id
        self._dials[call_id] = dial
        logger.info("sip call placed", extra={"call_id": call_id, "attempt": dial.attempt_ref})
        try:
            first = await self._first_decisive_event(dial)
        except asyncio.CancelledError:
            await asyncio.shield(self._withdraw(dial))
            raise
        if first.kind is CallEventKind.ANSWERED and dial.watcher.audio.closed:
            first = await self._withdraw(dial)  # our hang-up crossed the answer
        ring_seconds = time.monotonic() - dial.started
        if first.kind is CallEventKind.ANSWERED:
            dial.follower = asyncio.create_task(self._follow(dial))
            return self._answered(dial, ring_seconds)

        status = first.status_code if isinstance(first, FinalResponse) else None
        result = unanswered_result(status, rang=dial.rang)
        logger.info(
            "sip dial ended: %s", result.value, extra={"call_id": call_id, "sip_status": status}
        )
        return DialOutcome(result, ring_seconds)

    async def _abandon(self, dial: _Dial, placing: asyncio.Future[str | _NotSent]) -> None:
        """The dial was cancelled while its INVITE was handed over: withdraw it once it is out."""
        try:
            placed = await placing
        except SipError:
            return
        if isinstance(placed, str):
            await self._withdraw(dial)

    async def _first_decisive_event(self, dial: _Dial) -> CallEvent:
        """The answer or a final event; withdraws the call once it rang for the ring timeout."""
        deadline = dial.started + self.config.ring_timeout_s
        while True:
            try:
                async with asyncio.timeout_at(_loop_time(deadline)):
                    event = await dial.watcher.events.get()
            except TimeoutError:
                logger.info("sip call rang out, cancelling", extra={"call_id": dial.call_id})
                return await self._withdraw(dial)
            dial.saw(event)
            self._report(event)
            if event.kind is CallEventKind.ANSWERED or event.final:
                return event

    async def _withdraw(self, dial: _Dial) -> CallEvent:
        """End a call nobody took up yet: CANCEL while it rings, BYE if it was answered already.

        Returns its final event; CANCELED when the answer came too late to be taken up, or when
        the end never reached the event loop. PJSUA reports the end as soon as the CANCEL is out
        and finishes the exchange (the 487, or a BYE for a 200 that crossed the CANCEL, RFC 3261
        §9.1) by itself.
        """
        with contextlib.suppress(SipError):  # PJSIP may be ending it already
            await self._endpoint.submit(lambda: self._end(dial.key))
        answered = False
        try:
            async with asyncio.timeout(END_GRACE_S):
                while not (event := await dial.watcher.events.get()).final:
                    dial.saw(event)
                    self._report(event)
                    answered = answered or event.kind is CallEventKind.ANSWERED
        except TimeoutError:
            logger.warning("sip call did not confirm its end", extra={"call_id": dial.call_id})
            return CallEvent(CallEventKind.CANCELED, dial.call_id)
        self._report(event)
        return CallEvent(CallEventKind.CANCELED, dial.call_id) if answered else event

    def _answered(self, dial: _Dial, ring_seconds: float) -> DialOutcome:
        call = self._answered_call(dial)
        result = dial_result(CallEvent(CallEventKind.ANSWERED, call.call_id, call.answered_by))
        assert result is not None  # an answer always decides a provisional result
        logger.info("sip call answered", extra={"call_id": dial.call_id})
        return DialOutcome(result, ring_seconds, self._session_factory(call))

    def _answered_call(self, dial: _Dial) -> AnsweredCall:
        async def hang_up() -> None:
            await self.hang_up(dial.call_id)

        return AnsweredCall(
            dial.call_id,
            dial.attempt_ref,
            dial.language,
            dial.watcher.audio,
            AnsweredBy.UNKNOWN,  # no answering-machine detection on plain SIP
            hang_up,
        )

    def _offer(self, key: str, watcher: CallWatcher) -> None:
        """Follow an inbound call from here on: answer it and run the handler."""
        # A received call has no attempt; like an AudioSocket call, its Call-ID stands in.
        dial = _Dial(key, watcher, watcher.call_id, "")
        self._dials[dial.call_id] = dial
        task = asyncio.create_task(self._take_inbound(dial), name=f"sip-inbound-{key[:8]}")
        self._inbound.add(task)
        task.add_done_callback(self._inbound.discard)

    async def _take_inbound(self, dial: _Dial) -> None:
        """Answer with 200 OK, run the inbound handler once the caller's ACK came, hang up."""
        assert self._on_inbound is not None
        extra = {"call_id": dial.call_id}
        try:
            # The caller may have given up meanwhile; its final event then ends the wait.
            with contextlib.suppress(SipError):
                await self._endpoint.submit(lambda: self._answer(dial.key))
            first = await self._first_decisive_event(dial)
        except asyncio.CancelledError:
            self._finish(dial)
            raise
        if first.kind is not CallEventKind.ANSWERED:
            self._finish(dial)
            logger.info("sip inbound call ended before it was answered", extra=extra)
            return

        dial.follower = asyncio.create_task(self._follow(dial))
        logger.info("sip inbound call answered", extra=extra)
        try:
            await self._on_inbound(self._answered_call(dial))
        except Exception:
            logger.exception("sip inbound call handler failed", extra=extra)
        finally:
            await asyncio.shield(self.hang_up(dial.call_id))

    async def _end_inbound_handlers(self) -> None:
        """Give inbound handlers, whose calls are hung up by now, a moment to return."""
        if not self._inbound:
            return
        _, still_running = await asyncio.wait(self._inbound, timeout=END_GRACE_S)
        for task in still_running:
            task.cancel()
        await asyncio.gather(*still_running, return_exceptions=True)

    async def _follow(self, dial: _Dial) -> None:
        """Watch an answered call until its BYE, then close its audio and forget it."""
        try:
            while True:
                event = await dial.watcher.events.get()
                self._report(event)
                if event.final:
                    break
        finally:
            self._finish(dial)
        logger.info("sip call ended", extra={"call_id": dial.call_id})

    def _set_lines_in_use(self, held: int) -> None:
        freed = held < self._lines_in_use
        self._lines_in_use = held
        if freed:
            self._line_freed.set()
            self._line_freed = asyncio.Event()

    def _finish(self, dial: _Dial) -> None:
        """Forget an ended call: close its audio and wake whoever waits for its end."""
        dial.watcher.audio.ended()
        if self._dials.get(dial.call_id) is dial:
            del self._dials[dial.call_id]
        dial.ended.set()

    def _report(self, event: CallEvent) -> None:
        if self._on_event is not None:
            self._on_event(event)

    def _key(self, call_id: str) -> str:
        dial = self._dials.get(call_id)
        if dial is None:
            raise SipError("no such call")
        return dial.key


def _status(status_code: int) -> pj.CallOpParam:
    """Call operation parameters that answer or end a received INVITE with `status_code`."""
    prm = pj.CallOpParam(True)
    prm.statusCode = status_code
    return prm


def _loop_time(monotonic_deadline: float) -> float:
    """A `time.monotonic` deadline on the running loop's clock."""
    loop = asyncio.get_running_loop()
    return loop.time() + (monotonic_deadline - time.monotonic())
