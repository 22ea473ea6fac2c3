"""The running server: the Twilio web app, the AudioSocket listener, the SIP user agent, and
the calls they carry.

`Server.start()` binds everything (port 0 lets the OS choose), `stop()` ends every live call
at its carrier and closes the listeners. Answered calls are recorded when recordings are on,
and every call, whoever runs it, is held to `limits.max_call_seconds` by the supervisor.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Awaitable, Callable, Coroutine, Generator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from fairdial.server.config import ServeConfig
from fairdial.server.supervisor import CallSupervisor
from fairdial.telephony.audiosocket import AudioSocketCall, AudioSocketServer
from fairdial.telephony.base import CallSession
from fairdial.telephony.events import AnsweredBy, AnsweredCall
from fairdial.telephony.recording import RecordedTransport, RecordingArchive
from fairdial.telephony.twilio import TwilioChannel, TwilioCredentials, TwilioRestClient

if TYPE_CHECKING:
    from fairdial.server.sip import LineLimitedSipChannel

logger = logging.getLogger("fairdial.server")

# A coroutine function may open the session, e.g. after screening the answer for a machine.
SessionFactory = Callable[[AnsweredCall], CallSession | Awaitable[CallSession]]
InboundHandler = Callable[[AnsweredCall], Coroutine[Any, Any, None]]


class _WebApp(uvicorn.Server):
    """Uvicorn serving the web app and leaving SIGINT and SIGTERM to whoever runs the server.

    Uvicorn's own handlers would stop the web app at the first Ctrl-C, with Twilio calls still
    up, then raise the signal again as it ends: one stop would read as two, and a run that
    lets calls in progress finish would hang them up.
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


class Server:
    """Everything `fairdial serve` runs, from one `ServeConfig`.

    `session_factory` turns an answered Twilio or SIP call into the dialler's session (SIP
    needs one); `on_inbound` runs a call Asterisk connects over AudioSocket and an inbound SIP
    call alike. Without one, such calls are refused (SIP: 603 Decline).
    """

    def __init__(
        self,
        config: ServeConfig,
        *,
        session_factory: SessionFactory | None = None,
        on_inbound: InboundHandler | None = None,
        archive: RecordingArchive | None = None,
        store: Any = None,
    ) -> None:
        self.config = config
        self.supervisor = CallSupervisor(config.limits.max_call_seconds)
        self._session_factory = session_factory
        self._on_inbound = on_inbound
        self._archive = archive if config.recordings.enabled else None
        self._store = store  # where recordings' rows go; without one, files are kept unlisted
        self.twilio: TwilioChannel | None = None
        self._rest: TwilioRestClient | None = None
        # Calls handed to a person: the carrier now connects the borrower and the agent, so
        # ending such a call closes only our media leg, never the call at the carrier.
        self.transferred: set[str] = set()
        self.audiosocket: AudioSocketServer | None = None
        self.audiosocket_address: tuple[str, int] | None = None
        self.sip: LineLimitedSipChannel | None = None
        self._http: uvicorn.Server | None = None
        self._http_task: asyncio.Task[None] | None = None
        self.http_url = ""

    def app(self) -> Starlette:
        routes: list[Any] = [Route("/health", self._health)]
        if self.twilio is not None:
            routes.append(Mount("/", app=self.twilio.app()))
        return Starlette(routes=routes)

    async def start(self) -> None:
        """Bind every configured endpoint; if one fails, those already up are closed again."""
        try:
            await self._start()
        except BaseException:
            await self.stop()
            raise
        logger.info(
            "fairdial serving",
            extra={
                "http": self.http_url,
                "audiosocket": self.audiosocket_address,
                "sip": self.sip.local_address if self.sip is not None else None,
            },
        )

    async def _start(self) -> None:
        c = self.config
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((c.http.host, c.http.port))
            await self._start_providers()
        except BaseException:
            sock.close()
            raise
        host, port = sock.getsockname()[:2]
        self.http_url = f"http://{host}:{port}"

        config = uvicorn.Config(self.app(), log_level="warning", lifespan="off", access_log=False)
        self._http = http = _WebApp(config)
        self._http_task = task = asyncio.create_task(http.serve(sockets=[sock]), name="http")
        while not http.started:
            if task.done():
                self._http = self._http_task = None  # nothing left for `stop` to end
                task.result()  # raises what stopped the web app
                raise RuntimeError("the web app stopped while starting")
            await asyncio.sleep(0.01)

    async def _start_providers(self) -> None:
        c = self.config
        if c.twilio is not None:
            sid, token = c.twilio_credentials()
            self._rest = TwilioRestClient(
                TwilioCredentials(sid, token), base_url=c.twilio.api_base_url
            )
            self.twilio = TwilioChannel(
                self._rest,
                from_number=c.twilio.from_number,
                public_url=c.twilio.public_url,
                stream_url=c.twilio.stream_url,
                session_factory=self._answered,
                ring_timeout_s=c.twilio.ring_timeout_s,
                answer_grace_s=c.twilio.answer_grace_s,
                stream_idle_timeout_s=c.limits.stream_idle_timeout_s,
                machine_detection=c.twilio.machine_detection,
            )
        if c.audiosocket is not None:
            self.audiosocket = AudioSocketServer(
                self._inbound,
                host=c.audiosocket.host,
                port=c.audiosocket.port,
                idle_timeout_s=c.limits.stream_idle_timeout_s,
            )
            self.audiosocket_address = await self.audiosocket.start()
        if c.sip is not None:
            self.sip = await self._start_sip()

    async def _start_sip(self) -> LineLimitedSipChannel:
        from fairdial.server.sip import LineLimitedSipChannel, sip_config  # needs PJSUA2

        options = self.config.sip
        assert options is not None
        if self._session_factory is None:
            raise RuntimeError("sip calls need a session factory, and serve was given none")
        channel = LineLimitedSipChannel(
            sip_config(options, self.config.sip_password()),
            session_factory=self._answered,
            on_inbound=self._run_inbound if self._on_inbound is not None else None,
        )
        await channel.start()
        return channel

    async def stop(self) -> None:
        """Hang up every live call, then close the listeners and the SIP user agent."""
        await self.supervisor.shutdown()
        if self.sip is not None:
            await self.sip.close()  # cancels dials still ringing, then destroys the endpoint
        if self.audiosocket is not None:
            await self.audiosocket.close()
        if self._http is not None and self._http_task is not None:
            self._http.should_exit = True
            try:
                await asyncio.wait_for(self._http_task, self.config.limits.shutdown_grace_s)
            except TimeoutError:
                self._http.force_exit = True
                await self._http_task
        if self._rest is not None:
            await self._rest.aclose()
        logger.info("fairdial stopped")

    async def _health(self, request: Request) -> JSONResponse:
        pending = self.twilio.pending_dials if self.twilio is not None else 0
        return JSONResponse(
            {"status": "ok", "active_calls": self.supervisor.active, "pending_dials": pending}
        )

    def _recorded(self, call: AnsweredCall) -> AnsweredCall:
        archive = self._archive
        if archive is None:
            return call
        recorder, relative = archive.start(call.call_id)
        jurisdiction = self.config.recordings.jurisdiction
        store = self._store

        async def hang_up_and_file() -> None:
            try:
                await call.hang_up()
            finally:
                if recorder.ended_at is None and store is not None:
                    with store.transaction() as session:
                        archive.save(
                            session,
                            recorder,
                            relative,
                            call_id=call.call_id,
                            jurisdiction=jurisdiction,
                        )
                recorder.finish()

        transport = RecordedTransport(call.transport, recorder)
        return replace(call, transport=transport, hang_up=hang_up_and_file)

    @property
    def twilio_rest(self) -> TwilioRestClient | None:
        """The Twilio REST client while the server runs with a twilio section."""
        return self._rest

    def _answered(self, call: AnsweredCall) -> CallSession | Awaitable[CallSession]:
        if self._session_factory is None:
            raise RuntimeError("a call was answered but serve was given no session factory")
        call = self._recorded(replace(call, hang_up=self._unless_transferred(call)))
        transport = call.transport
        self.supervisor.watch(call.call_id, lambda: transport.closed, call.hang_up)
        return self._session_factory(call)

    def _unless_transferred(self, call: AnsweredCall) -> Callable[[], Awaitable[None]]:
        async def hang_up() -> None:
            if call.call_id not in self.transferred:
                await call.hang_up()
                return
            self.transferred.discard(call.call_id)
            logger.info(
                "call handed to a person; only our leg ends", extra={"call_id": call.call_id}
            )
            await call.transport.close()

        return hang_up

    async def _inbound(self, audio: AudioSocketCall) -> None:
        if self._on_inbound is None:
            logger.warning("audiosocket call refused: no handler", extra={"call_id": audio.call_id})
            await audio.close()
            return
        call = AnsweredCall(
            audio.call_id, audio.call_id, "", audio, AnsweredBy.UNKNOWN, audio.close
        )
        await self._run_inbound(call)

    async def _run_inbound(self, call: AnsweredCall) -> None:
        """Run an inbound call, AudioSocket or SIP, on the handler: recorded and supervised."""
        assert self._on_inbound is not None
        call = self._recorded(call)
        await self.supervisor.run(call.call_id, self._on_inbound(call), call.hang_up)
