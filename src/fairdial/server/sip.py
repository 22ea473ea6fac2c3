"""SIP in `fairdial serve`: the adapter's settings from the serve file, and dials that wait for
a free line.

This module imports PJSUA2 (the `sip` extra); the server imports it only when the file has a
`sip:` section.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable

from fairdial.server.checks import SIP_CODECS
from fairdial.server.config import SipOptions
from fairdial.telephony.base import CallSession, DialOutcome, DialRequest
from fairdial.telephony.events import AnsweredCall
from fairdial.telephony.sip import InboundHandler, NoFreeLine, SipChannel, SipConfig

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
        max_calls=options.max_calls,
        ring_timeout_s=options.ring_timeout_s,
        register_timeout_s=options.register_timeout_s,
        transport=options.transport,
        tls_ca_file=options.tls_ca_file,
        tls_cert_file=options.tls_cert_file,
        tls_key_file=options.tls_key_file,
        tls_verify_server=options.tls_verify_server,
        srtp=options.srtp,
    )


class LineLimitedSipChannel(SipChannel):
    """A `SipChannel` whose dials wait for a free line rather than fail with `NoFreeLine`.

    Calls placed and received share the user agent's `max_calls` lines; a line is free again
    once its call ended in PJSUA. The wait happens before any INVITE goes out, so the number is
    never told anything by it.

    The session factory may be a coroutine function, as the server's is when it screens an
    answer for a machine first: the dial then awaits the session.
    """

    def __init__(
        self,
        config: SipConfig,
        *,
        session_factory: ServedSessionFactory,
        on_inbound: InboundHandler | None = None,
    ) -> None:
        super().__init__(
            config,
            session_factory=self._open_session,  # type: ignore[arg-type]
            on_inbound=on_inbound,
        )
        self._run_session = session_factory

    async def dial(self, request: DialRequest) -> DialOutcome:
        while True:
            await self.wait_for_line()
            try:
                outcome = await super().dial(request)
            except NoFreeLine:
                continue  # an inbound call took the line first: wait for the next one
            break

        if inspect.isawaitable(outcome.session):
            outcome.session = await outcome.session
        return outcome

    def _open_session(self, call: AnsweredCall) -> CallSession | Awaitable[CallSession]:
        session = self._run_session(call)
        if inspect.isawaitable(session):
            return _session_or_hang_up(session, call)
        return session


async def _session_or_hang_up(pending: Awaitable[CallSession], call: AnsweredCall) -> CallSession:
    """The session being opened; when opening fails, nobody will talk on the call: end it."""
    try:
        return await pending
    except BaseException:
        await asyncio.shield(call.hang_up())
        raise
