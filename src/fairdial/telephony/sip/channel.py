"""A channel that places and takes calls as a SIP user agent (PJSUA2) and bridges their audio.

A dial sends an INVITE to the borrower's request URI and waits for the answer or a final
response; it withdraws the call with a CANCEL when it rings longer than `ring_timeout_s`, when
it is hung up, or when the dial itself is cancelled. Once answered, the call's audio is a
`SipAudio` transport; a BYE from either side ends it. DTMF goes both ways as RFC 4733
telephone-events. `transfer` hands the borrower to an agent with a REFER, `warm_transfer` by a
call of our own to the agent, joined to the borrower's (see `transfer`).

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
from collections.abc import Callable

from fairdial.telephony.base import CallResult, CallSession, DialOutcome, DialRequest
from fairdial.telephony.events import AnsweredCall, CallEvent, CallEventKind, dial_result
from fairdial.telephony.sip.call import CallWatcher
from fairdial.telephony.sip.config import SipConfig
from fairdial.telephony.sip.endpoint import NoFreeLine, SipEndpoint, SipError
from fairdial.telephony.sip.inbound import InboundCalls, InboundHandler
from fairdial.telephony.sip.legs import END_GRACE_S, CallLeg, Legs
from fairdial.telephony.sip.media import SipAudio
from fairdial.telephony.sip.progress import FinalResponse, unanswered_result
from fairdial.telephony.sip.registry import PJ_ETOOMANY, CallRegistry, NotSent
from fairdial.telephony.sip.transfer import Transfers

logger = logging.getLogger("fairdial.telephony")

SessionFactory = Callable[[AnsweredCall], CallSession]

__all__ = ["InboundHandler", "SessionFactory", "SipChannel"]


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
        self._registry = CallRegistry(self._endpoint)
        self._legs = Legs(self._endpoint, self._registry, on_event)
        self._inbound = InboundCalls(
            self._endpoint,
            self._registry,
            self._legs,
            self._watcher,
            on_inbound,
            config.ring_timeout_s,
        )
        self._transfers = Transfers(self._endpoint, self._registry, self._legs)
        self._session_factory = session_factory
        self._on_event = on_event
        self._lines_in_use = 0  # PJSUA's count, as last reported to the event loop
        self._line_freed = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._started = False
        self._closing = False

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
        """Calls placed or received that have not ended yet, an agent's included."""
        return len(self._legs)

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
        self._inbound.start(self._loop)
        self._endpoint.before_destroy(self._registry.forget_all)
        await self._endpoint.start()
        self._started = True

    async def close(self) -> None:
        """Refuse new inbound calls, hang up every call still up, then stop the user agent."""
        self._closing = self._inbound.closing = True
        for leg in self._legs:
            with contextlib.suppress(SipError):
                await self._legs.end(leg)
        followers = [leg.follower for leg in self._legs if leg.follower]
        if followers:
            await asyncio.wait(followers, timeout=END_GRACE_S)
        await self._transfers.close(END_GRACE_S)
        await self._inbound.close()
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
        extra = {"attempt": request.attempt_ref}
        if not self.running:
            logger.warning("sip dial not placed: the user agent is not running", extra=extra)
            return DialOutcome(CallResult.NOT_PLACED, 0.0)
        key = uuid.uuid4().hex
        leg = CallLeg(
            key,
            self._watcher(key),
            request.attempt_ref,
            request.language,
            self.config.ring_timeout_s,
        )
        try:
            first = await self._legs.ring(leg, self.config.request_uri(request.number))
            if isinstance(first, NotSent):
                if first.status == PJ_ETOOMANY:
                    logger.info("sip dial refused: every line is taken", extra=extra)
                    raise NoFreeLine(self.config.max_calls)
                # PJSIP's reason names the error (an invalid request URI, no route), not the URI.
                logger.warning("sip dial not placed: %s", first.reason, extra=extra)
                return DialOutcome(CallResult.NOT_PLACED, 0.0)
            return self._outcome(leg, first)
        finally:
            if leg.follower is None:
                self._legs.finish(leg)

    async def send_dtmf(self, call_id: str, digits: str) -> None:
        """Send digits to the far end as RFC 4733 telephone-events."""
        leg = self._legs.get(call_id)
        if leg is None:
            raise SipError("no such call")
        await self._endpoint.submit(lambda: self._registry.send_dtmf(leg.key, digits))

    async def hang_up(self, call_id: str) -> None:
        """CANCEL a ringing call or send BYE on an answered one; returns once it ended.

        A call joined to an agent's by `warm_transfer` is theirs, and stays up.
        """
        await self._legs.hang_up(call_id)

    def is_up(self, call_id: str) -> bool:
        """The call is answered, still the bot's, and neither side has hung up."""
        leg = self._legs.get(call_id)
        return (
            leg is not None
            and not leg.joined
            and not leg.ended.is_set()
            and not leg.watcher.audio.closed
        )

    async def transfer(self, call_id: str, agent_uri: str, timeout_s: float = 15.0) -> bool:
        """Cold-transfer an answered call to `agent_uri` with a REFER (RFC 3515).

        True once the far end reports the agent answered; our leg is then hung up. False when
        the transfer failed or timed out; the call then stays up with the bot.
        """
        return await self._transfers.cold(call_id, agent_uri, timeout_s)

    async def warm_transfer(
        self, call_id: str, agent: str, summary: bytes, ring_timeout_s: float = 20.0
    ) -> bool:
        """Call `agent` (a number, or a sip: URI), play them `summary` (8 kHz 16-bit mono PCM),
        then join the borrower's call to theirs; True once joined, and the bot is out of it.

        False, with the borrower's call still the bot's, when the agent's call found no free
        line, was refused, rang `ring_timeout_s` unanswered or ended before the join.
        """
        borrower = self._legs.get(call_id)
        if borrower is None or not self.running:
            return False
        key = uuid.uuid4().hex
        # The agent's call is no attempt: its progress is not reported as one.
        leg = CallLeg(
            key,
            self._watcher(key, reported=False),
            borrower.attempt_ref,
            borrower.language,
            ring_timeout_s,
            reported=False,
        )
        return await self._transfers.warm(call_id, leg, self.config.request_uri(agent), summary)

    # Runs on PJSUA2's thread.

    def _incoming(self, pj_call_id: int) -> None:
        self._inbound.incoming(pj_call_id)

    def _calls_held_changed(self, held: int) -> None:
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self._set_lines_in_use, held)

    # Runs on either thread.

    def _watcher(self, key: str, reported: bool = True) -> CallWatcher:
        """The event loop's side of a new call."""
        loop = self._loop
        assert loop is not None
        audio = SipAudio(
            key,
            loop,
            hang_up=lambda: self.hang_up(audio.call_id),
            on_event=self._on_event if reported else None,
        )
        return CallWatcher(loop, audio)

    # Runs on the event loop.

    def _outcome(self, leg: CallLeg, first: CallEvent) -> DialOutcome:
        """What the dial came to: an answered call's session, or the unanswered result."""
        ring_seconds = time.monotonic() - leg.started
        if first.kind is CallEventKind.ANSWERED:
            self._legs.follow(leg)
            call = self._legs.answered_call(leg)
            result = dial_result(CallEvent(CallEventKind.ANSWERED, call.call_id, call.answered_by))
            assert result is not None  # an answer always decides a provisional result
            logger.info("sip call answered", extra={"call_id": leg.call_id})
            return DialOutcome(result, ring_seconds, self._session_factory(call))

        status = first.status_code if isinstance(first, FinalResponse) else None
        result = unanswered_result(status, rang=leg.rang)
        logger.info(
            "sip dial ended: %s",
            result.value,
            extra={"call_id": leg.call_id, "sip_status": status},
        )
        return DialOutcome(result, ring_seconds)

    def _set_lines_in_use(self, held: int) -> None:
        freed = held < self._lines_in_use
        self._lines_in_use = held
        if freed:
            self._line_freed.set()
            self._line_freed = asyncio.Event()
