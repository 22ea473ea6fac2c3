"""Inbound SIP calls: an INVITE is answered and run on the channel's inbound handler.

Without a handler the INVITE is refused with 603 Decline, and while the channel closes with
486 Busy Here. An INVITE finding no free line never reaches here: PJSUA itself answers it 486.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

from fairdial.telephony.events import AnsweredCall, CallEventKind
from fairdial.telephony.sip.call import CallWatcher
from fairdial.telephony.sip.endpoint import SipEndpoint, SipError
from fairdial.telephony.sip.legs import END_GRACE_S, CallLeg, Legs
from fairdial.telephony.sip.registry import BUSY_HERE, DECLINE, CallRegistry

logger = logging.getLogger("fairdial.telephony")

InboundHandler = Callable[[AnsweredCall], Coroutine[Any, Any, None]]


class InboundCalls:
    """Takes up each inbound INVITE, answers it and runs `handler` on the answered call; the
    call is hung up when the handler returns. `watcher` makes a new call's event-loop side."""

    def __init__(
        self,
        endpoint: SipEndpoint,
        registry: CallRegistry,
        legs: Legs,
        watcher: Callable[[str], CallWatcher],
        handler: InboundHandler | None,
        ring_timeout_s: float,
    ) -> None:
        self._endpoint = endpoint
        self._registry = registry
        self._legs = legs
        self._watcher = watcher
        self._handler = handler
        self._ring_timeout_s = ring_timeout_s
        self._loop: asyncio.AbstractEventLoop | None = None
        self._running: set[asyncio.Task[None]] = set()
        self.closing = False

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def incoming(self, pj_call_id: int) -> None:
        """An INVITE arrived, with a line free: hand it to the event loop, or refuse it now.

        Runs on PJSUA2's thread.
        """
        key = uuid.uuid4().hex
        watcher = self._watcher(key)
        call_id = self._registry.receive(key, watcher, pj_call_id)
        watcher.audio.call_id = call_id
        extra = {"call_id": call_id}

        if self._handler is None:
            logger.info("sip inbound call declined: no inbound handler", extra=extra)
            self._registry.reject(key, DECLINE)
            return
        if self.closing:
            logger.info("sip inbound call refused: the channel is closing", extra=extra)
            self._registry.reject(key, BUSY_HERE)
            return
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self._offer, key, watcher)

    async def close(self) -> None:
        """Give inbound handlers, whose calls are hung up by now, a moment to return."""
        if not self._running:
            return
        _, still_running = await asyncio.wait(self._running, timeout=END_GRACE_S)
        for task in still_running:
            task.cancel()
        await asyncio.gather(*still_running, return_exceptions=True)

    def _offer(self, key: str, watcher: CallWatcher) -> None:
        """Follow an inbound call from here on: answer it and run the handler."""
        # A received call has no attempt; like an AudioSocket call, its Call-ID stands in.
        leg = CallLeg(key, watcher, watcher.call_id, "", self._ring_timeout_s)
        self._legs.add(leg)
        task = asyncio.create_task(self._take(leg), name=f"sip-inbound-{key[:8]}")
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _take(self, leg: CallLeg) -> None:
        """Answer with 200 OK, run the inbound handler once the caller's ACK came, hang up."""
        assert self._handler is not None
        extra = {"call_id": leg.call_id}
        try:
            # The caller may have given up meanwhile; its final event then ends the wait.
            with contextlib.suppress(SipError):
                await self._endpoint.submit(lambda: self._registry.answer(leg.key))
            first = await self._legs.decisive_event(leg)
        except asyncio.CancelledError:
            self._legs.finish(leg)
            raise
        if first.kind is not CallEventKind.ANSWERED:
            self._legs.finish(leg)
            logger.info("sip inbound call ended before it was answered", extra=extra)
            return

        self._legs.follow(leg)
        logger.info("sip inbound call answered", extra=extra)
        try:
            await self._handler(self._legs.answered_call(leg))
        except Exception:
            logger.exception("sip inbound call handler failed", extra=extra)
        finally:
            await asyncio.shield(self._legs.hang_up(leg.call_id))
