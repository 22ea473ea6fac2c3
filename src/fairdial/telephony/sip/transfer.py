"""Handing an answered SIP call to a human agent, cold or warm.

Cold: a REFER (RFC 3515) asks the borrower's end to call the agent itself; once it reports the
agent answered, our leg ends. Warm needs nothing from either far end: our user agent places a
second call to the agent while the borrower's call stays up with the bot, plays the escalation
summary to the agent alone (the borrower hears silence meanwhile), then connects the two calls'
audio to each other in PJSUA2's conference bridge and takes the bot's ports out of both. The
joined calls last until either side hangs up; the other is then hung up.

The agent's call takes a line like any other. When it finds none free, rings out, is refused
(busy, declined) or hangs up before the join, the borrower's call stays with the bot as it was.

Limitations: once joined, the calls' audio no longer passes the bot, so a recording of the
borrower's call ends at the join; the conversation with the agent is not recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from fairdial.telephony.events import CallEventKind
from fairdial.telephony.sip.endpoint import SipEndpoint, SipError
from fairdial.telephony.sip.legs import CallLeg, Legs
from fairdial.telephony.sip.progress import FinalResponse
from fairdial.telephony.sip.registry import PJ_ETOOMANY, CallRegistry, NotSent

logger = logging.getLogger("fairdial.telephony")

FRAME_S = 0.02
# After the bridge pulled the summary's last frame: time for it to leave as RTP before the join.
SETTLE_S = 0.1


class Transfers:
    """Cold and warm transfers of the calls in `legs`."""

    def __init__(self, endpoint: SipEndpoint, registry: CallRegistry, legs: Legs) -> None:
        self._endpoint = endpoint
        self._registry = registry
        self._legs = legs
        self._joined: set[asyncio.Task[None]] = set()

    async def cold(self, call_id: str, agent_uri: str, timeout_s: float) -> bool:
        """REFER the call to `agent_uri`; True once the far end reports the agent answered (a
        2xx NOTIFY), and we then hang up our leg as the transferor does (RFC 5589 §6). False
        when the transfer failed or timed out; the call then stays up with the bot."""
        leg = self._legs.get(call_id)
        if leg is None or leg.joined:
            return False
        transfers = leg.watcher.transfers
        await self._endpoint.submit(lambda: self._registry.refer(leg.key, agent_uri))
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
        await self._legs.hang_up(call_id)
        return True

    async def warm(self, call_id: str, agent: CallLeg, agent_uri: str, summary: bytes) -> bool:
        """Call the agent on `agent` (a new leg), brief them with `summary` (8 kHz 16-bit PCM),
        then join the borrower's call to theirs; True once joined.

        False, with the borrower's call still the bot's, when the borrower's call is gone or the
        agent's call was not placed, not answered, or ended before the join.
        """
        borrower = self._legs.get(call_id)
        if borrower is None or borrower.joined or borrower.watcher.audio.closed:
            return False
        extra = {"call_id": call_id}
        try:
            if not await self._reach(agent, borrower, agent_uri, extra):
                return False
            self._legs.follow(agent)
            if not await self._brief(agent, borrower, summary):
                logger.info("sip warm transfer: a call ended before the join", extra=extra)
                await self._end(agent)
                return False
            if not await self._join(borrower, agent):
                logger.warning("sip warm transfer: the calls could not be joined", extra=extra)
                await self._end(agent)
                return False
        except asyncio.CancelledError:
            await asyncio.shield(self._end(agent))
            raise
        finally:
            if agent.follower is None:
                self._legs.finish(agent)

        task = asyncio.create_task(self._keep_together(borrower, agent))
        self._joined.add(task)
        task.add_done_callback(self._joined.discard)
        logger.info(
            "sip call transferred to an agent (warm)",
            extra={**extra, "agent_call_id": agent.call_id},
        )
        return True

    async def close(self, timeout_s: float) -> None:
        """Wait for joined calls, whose legs are hung up by now, to be let go."""
        if self._joined:
            await asyncio.wait(self._joined, timeout=timeout_s)

    async def _reach(
        self, agent: CallLeg, borrower: CallLeg, uri: str, extra: dict[str, str]
    ) -> bool:
        """Place the agent's call and wait for the answer; False, logged, without one. Should
        the borrower hang up first, the agent's call is withdrawn."""
        ringing = asyncio.create_task(self._legs.ring(agent, uri))
        borrower_gone = asyncio.create_task(borrower.ended.wait())
        try:
            await asyncio.wait([ringing, borrower_gone], return_when=asyncio.FIRST_COMPLETED)
        finally:
            borrower_gone.cancel()
            if not ringing.done():
                ringing.cancel()  # a CANCEL goes out, or a BYE if the answer crossed it
                await asyncio.wait([ringing])
        if ringing.cancelled():
            logger.info("sip warm transfer: the borrower hung up first", extra=extra)
            return False
        try:
            first = ringing.result()
        except SipError:
            logger.warning("sip warm transfer: the user agent is not running", extra=extra)
            return False
        if isinstance(first, NotSent):
            if first.status == PJ_ETOOMANY:
                logger.info("sip warm transfer: no free line for the agent's call", extra=extra)
            else:
                # PJSIP's reason names the error (an invalid request URI), not the URI.
                logger.warning(
                    "sip warm transfer: agent's call not placed: %s", first.reason, extra=extra
                )
            return False
        if first.kind is CallEventKind.ANSWERED:
            return True
        status = first.status_code if isinstance(first, FinalResponse) else None
        logger.info(
            "sip warm transfer: the agent did not answer (%s)",
            first.kind.value,
            extra={**extra, "sip_status": status},
        )
        return False

    async def _brief(self, agent: CallLeg, borrower: CallLeg, summary: bytes) -> bool:
        """Play `summary` to the agent alone; False when either call ended meanwhile."""

        def either_gone() -> bool:
            return agent.ended.is_set() or borrower.watcher.audio.closed

        audio = agent.watcher.audio
        audio.play(summary)
        while audio.outbound and not either_gone():
            await asyncio.sleep(FRAME_S)
        await asyncio.sleep(SETTLE_S)
        return not either_gone()

    async def _join(self, borrower: CallLeg, agent: CallLeg) -> bool:
        try:
            joined = await self._endpoint.submit(
                lambda: self._registry.join(borrower.key, agent.key)
            )
        except SipError:
            return False
        if not joined:
            return False
        borrower.joined = agent.joined = True
        # The bot is out of both calls: its session hears the borrower's end, and sends nothing.
        borrower.watcher.audio.ended()
        agent.watcher.audio.ended()
        return True

    async def _keep_together(self, borrower: CallLeg, agent: CallLeg) -> None:
        """Once either joined call ends, hang up the other."""
        waits = [asyncio.create_task(leg.ended.wait()) for leg in (borrower, agent)]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()
        for leg in (borrower, agent):
            await self._end(leg)
        logger.info("sip transferred call ended", extra={"call_id": borrower.call_id})

    async def _end(self, leg: CallLeg) -> None:
        if leg.ended.is_set():
            return
        with contextlib.suppress(SipError):
            await self._legs.end(leg)
