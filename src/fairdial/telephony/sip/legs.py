"""The SIP calls the event loop follows, placed or received: from the INVITE to the last event.

A call is a `CallLeg`, known by its SIP Call-ID once PJSUA gave it one. `Legs` places one and
waits for its answer or final response, withdraws it (CANCEL while it rings, BYE once
answered), follows an answered one until its BYE, and forgets it: its audio closes and whoever
waits for its end is woken. Each step's work on the call itself goes to PJSUA2's thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from fairdial.telephony.events import AnsweredBy, AnsweredCall, CallEvent, CallEventKind
from fairdial.telephony.sip.call import CallWatcher
from fairdial.telephony.sip.endpoint import SipEndpoint, SipError
from fairdial.telephony.sip.registry import CallRegistry, NotSent

logger = logging.getLogger("fairdial.telephony")

# How long a CANCEL or BYE may take to be answered before we stop waiting for it.
END_GRACE_S = 5.0


@dataclass
class CallLeg:
    """A call, placed or received, as the event loop follows it.

    `reported` legs have their events passed to the channel's `on_event`; an agent's leg of a
    warm transfer is no attempt, and is not. A `joined` leg's audio goes to another call, not to
    the bot: only the channel's close, or the end of that other call, hangs it up.
    """

    key: str
    watcher: CallWatcher
    attempt_ref: str
    language: str
    ring_timeout_s: float
    reported: bool = True
    started: float = field(default_factory=time.monotonic)
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    follower: asyncio.Task[None] | None = None
    rang: bool = False  # the far end reported ringing (18x) or answered: a phone was reached
    joined: bool = False

    @property
    def call_id(self) -> str:
        return self.watcher.call_id or self.key

    def saw(self, event: CallEvent) -> None:
        if event.kind in (CallEventKind.RINGING, CallEventKind.ANSWERED):
            self.rang = True


class Legs:
    """The channel's live calls by SIP Call-ID; `on_event` sees each reported leg's events."""

    def __init__(
        self,
        endpoint: SipEndpoint,
        registry: CallRegistry,
        on_event: Callable[[CallEvent], None] | None,
    ) -> None:
        self._endpoint = endpoint
        self._registry = registry
        self._on_event = on_event
        self._legs: dict[str, CallLeg] = {}

    def __len__(self) -> int:
        return len(self._legs)

    def __iter__(self) -> Iterator[CallLeg]:
        return iter(list(self._legs.values()))

    def get(self, call_id: str) -> CallLeg | None:
        return self._legs.get(call_id)

    def add(self, leg: CallLeg) -> None:
        self._legs[leg.call_id] = leg

    async def ring(self, leg: CallLeg, uri: str) -> CallEvent | NotSent:
        """Send the INVITE and wait for the answer or a final response; or why none went out."""
        placing = self._endpoint.submit(lambda: self._registry.place(leg.key, leg.watcher, uri))
        try:
            placed = await asyncio.shield(placing)
        except asyncio.CancelledError:
            await asyncio.shield(self._abandon(leg, placing))
            raise
        if isinstance(placed, NotSent):
            return placed

        leg.watcher.audio.call_id = placed
        self.add(leg)
        logger.info("sip call placed", extra={"call_id": placed, "attempt": leg.attempt_ref})
        try:
            first = await self.decisive_event(leg)
        except asyncio.CancelledError:
            await asyncio.shield(self.withdraw(leg))
            raise
        if first.kind is CallEventKind.ANSWERED and leg.watcher.audio.closed:
            first = await self.withdraw(leg)  # our hang-up crossed the answer
        return first

    async def decisive_event(self, leg: CallLeg) -> CallEvent:
        """The answer or a final event; withdraws the call once it rang for its ring timeout."""
        deadline = leg.started + leg.ring_timeout_s
        while True:
            try:
                async with asyncio.timeout_at(_loop_time(deadline)):
                    event = await leg.watcher.events.get()
            except TimeoutError:
                logger.info("sip call rang out, cancelling", extra={"call_id": leg.call_id})
                return await self.withdraw(leg)
            leg.saw(event)
            self._report(leg, event)
            if event.kind is CallEventKind.ANSWERED or event.final:
                return event

    async def withdraw(self, leg: CallLeg) -> CallEvent:
        """End a call nobody took up yet: CANCEL while it rings, BYE if it was answered already.

        Returns its final event; CANCELED when the answer came too late to be taken up, or when
        the end never reached the event loop. PJSUA reports the end as soon as the CANCEL is out
        and finishes the exchange (the 487, or a BYE for a 200 that crossed the CANCEL, RFC 3261
        §9.1) by itself.
        """
        with contextlib.suppress(SipError):  # PJSIP may be ending it already
            await self._endpoint.submit(lambda: self._registry.end(leg.key))
        answered = False
        try:
            async with asyncio.timeout(END_GRACE_S):
                while not (event := await leg.watcher.events.get()).final:
                    leg.saw(event)
                    self._report(leg, event)
                    answered = answered or event.kind is CallEventKind.ANSWERED
        except TimeoutError:
            logger.warning("sip call did not confirm its end", extra={"call_id": leg.call_id})
            return CallEvent(CallEventKind.CANCELED, leg.call_id)
        self._report(leg, event)
        return CallEvent(CallEventKind.CANCELED, leg.call_id) if answered else event

    def follow(self, leg: CallLeg) -> None:
        """Watch an answered call from now until its BYE, then close its audio and forget it."""
        leg.follower = asyncio.create_task(self._follow(leg))

    async def hang_up(self, call_id: str) -> None:
        """CANCEL a ringing call or send BYE on an answered one; returns once it ended.

        A call joined to an agent's is theirs now, and stays up.
        """
        leg = self._legs.get(call_id)
        if leg is None:
            return
        if leg.joined:
            logger.debug("sip call joined to another; left up", extra={"call_id": call_id})
            return
        await self.end(leg)

    async def end(self, leg: CallLeg) -> None:
        """Hang up `leg`, joined or not; returns once it ended or `END_GRACE_S` passed."""
        leg.watcher.audio.ended(drop_heard=True)
        await self._endpoint.submit(lambda: self._registry.end(leg.key))
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(END_GRACE_S):
                await leg.ended.wait()

    def finish(self, leg: CallLeg) -> None:
        """Forget an ended call: close its audio and wake whoever waits for its end."""
        leg.watcher.audio.ended()
        if self._legs.get(leg.call_id) is leg:
            del self._legs[leg.call_id]
        leg.ended.set()

    def answered_call(self, leg: CallLeg) -> AnsweredCall:
        """The answered call as the dialler or an inbound handler takes it up."""

        async def hang_up() -> None:
            await self.hang_up(leg.call_id)

        return AnsweredCall(
            leg.call_id,
            leg.attempt_ref,
            leg.language,
            leg.watcher.audio,
            AnsweredBy.UNKNOWN,  # no answering-machine detection on plain SIP
            hang_up,
        )

    async def _abandon(self, leg: CallLeg, placing: asyncio.Future[str | NotSent]) -> None:
        """The dial was cancelled while its INVITE was handed over: withdraw it once it is out."""
        try:
            placed = await placing
        except SipError:
            return
        if isinstance(placed, str):
            await self.withdraw(leg)

    async def _follow(self, leg: CallLeg) -> None:
        try:
            while True:
                event = await leg.watcher.events.get()
                self._report(leg, event)
                if event.final:
                    break
        finally:
            self.finish(leg)
        logger.info("sip call ended", extra={"call_id": leg.call_id})

    def _report(self, leg: CallLeg, event: CallEvent) -> None:
        if leg.reported and self._on_event is not None:
            self._on_event(event)


def _loop_time(monotonic_deadline: float) -> float:
    """A `time.monotonic` deadline on the running loop's clock."""
    loop = asyncio.get_running_loop()
    return loop.time() + (monotonic_deadline - time.monotonic())
