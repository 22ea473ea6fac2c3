"""SIP in `fairdial serve`: the adapter's settings from the serve file, and its line limit.

This module imports PJSUA2 (the `sip` extra); the server imports it only when the file has a
`sip:` section.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import replace

from fairdial.server.checks import SIP_CODECS
from fairdial.server.config import SipOptions
from fairdial.telephony.base import CallSession, DialOutcome, DialRequest
from fairdial.telephony.events import AnsweredCall
from fairdial.telephony.sip import SipChannel, SipConfig

ServedSessionFactory = Callable[[AnsweredCall], CallSession | Awaitable[CallSession]]


def sip_config(options: SipOptions, password: str | None) -> SipConfig:
    """The adapter's settings; `password` comes from the environment, never from the file."""
    return SipConfig(
        user=options.user,
        domain=options.domain,
        target_uri=options.target_uri,
        registrar=options.registrar,
        password=password,
        auth_user=options.auth_user,
        realm=options.realm,
        outbound_proxy=options.outbound_proxy,
        bind_host=options.host,
        sip_port=options.port,
        rtp_port=options.rtp_port,
        public_host=options.public_host,
        codecs=tuple(SIP_CODECS[codec] for codec in options.codecs),
        ring_timeout_s=options.ring_timeout_s,
        register_timeout_s=options.register_timeout_s,
    )


class LineLimitedSipChannel(SipChannel):
    """A `SipChannel` that carries at most `max_calls` calls at once.

    PJSUA refuses an INVITE beyond its call table, and the adapter reports a refused INVITE as
    a number not in service; a dial beyond the limit therefore waits here for a line to free.
    A line is held from the dial until an unanswered dial returns, or until the answered call
    is hung up (the server's supervisor hangs up every answered call once it ends).

    The session factory may be a coroutine function, as the server's is when it screens an
    answer for a machine first: the dial then awaits the session.
    """

    def __init__(
        self, config: SipConfig, *, max_calls: int, session_factory: ServedSessionFactory
    ) -> None:
        super().__init__(config, session_factory=self._hold_line)  # type: ignore[arg-type]
        self.max_calls = max_calls
        self.lines_in_use = 0
        self._lines = asyncio.Semaphore(max_calls)
        self._run_session = session_factory

    async def dial(self, request: DialRequest) -> DialOutcome:
        await self._lines.acquire()
        self.lines_in_use += 1
        try:
            outcome = await super().dial(request)
        except BaseException:
            self._free_line()
            raise
        if outcome.session is None:
            self._free_line()
            return outcome

        # From here the line is the answered call's: its hang-up frees it.
        if inspect.isawaitable(outcome.session):
            outcome.session = await outcome.session
        return outcome

    def _hold_line(self, call: AnsweredCall) -> CallSession | Awaitable[CallSession]:
        """Hand the answered call on; the first hang-up that ends it frees its line."""
        held = True

        async def hang_up_and_free_line() -> None:
            nonlocal held
            try:
                await call.hang_up()
            finally:
                if held:
                    held = False
                    self._free_line()

        holding = replace(call, hang_up=hang_up_and_free_line)
        session = self._run_session(holding)
        if inspect.isawaitable(session):
            return _session_or_hang_up(session, holding)
        return session

    def _free_line(self) -> None:
        self.lines_in_use -= 1
        self._lines.release()


async def _session_or_hang_up(pending: Awaitable[CallSession], call: AnsweredCall) -> CallSession:
    """The session being opened; when opening fails, nobody will talk on the call: end it."""
    try:
        return await pending
    except BaseException:
        await asyncio.shield(call.hang_up())
        raise
