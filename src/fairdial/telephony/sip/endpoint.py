"""The PJSUA2 library on a thread of its own, and the one account it dials from.

PJSIP asserts that every thread calling into it is registered with PJLIB, and SWIG-wrapped
objects run PJSIP code when Python frees them. So one worker thread creates, drives
(`libHandleEvents`), calls and frees everything PJSUA2; asyncio code hands it work through
`submit` and gets results back as futures. PJSUA2's callbacks for SIP run on that thread too;
only the media clock thread (frames) and the RTP thread (RFC 4733 digits) call in from elsewhere.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

try:
    import pjsua2 as pj
except ImportError as error:  # pragma: no cover - depends on the install
    raise ImportError("the SIP channel needs PJSUA2: pip install 'fairdial[sip]'") from error

from fairdial.telephony.sip.config import SipConfig

logger = logging.getLogger("fairdial.telephony")

T = TypeVar("T")
POLL_MS = 10  # how long one libHandleEvents round may block before queued work runs
CLOCK_RATE = 8000  # run the conference bridge at the line's rate: no resampling anywhere


class SipError(Exception):
    """PJSIP refused an operation, or the account could not be set up."""


class _Account(pj.Account):
    """Reports registration results (RFC 3261 §10.3) to whoever waits for them."""

    def __init__(self) -> None:
        super().__init__()
        self.registered: concurrent.futures.Future[int] = concurrent.futures.Future()

    def onRegState(self, prm: Any) -> None:
        if self.registered.done():
            return
        if prm.code // 100 == 2:
            self.registered.set_result(prm.code)
        elif prm.code >= 300:
            self.registered.set_exception(SipError(f"registration refused: {prm.code}"))


class SipEndpoint:
    """Owns PJSUA2: start it, `submit` work to its thread, `close` it once."""

    def __init__(self, config: SipConfig) -> None:
        self.config = config
        self.account: pj.Account | None = None
        self.local_address = ""
        self._work: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._endpoint: pj.Endpoint | None = None
        self._after_poll: list[Callable[[], None]] = []
        self._before_destroy: list[Callable[[], None]] = []

    async def start(self) -> None:
        """Create the library, its UDP transport and the account; registers when configured."""
        started: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._thread = threading.Thread(target=self._run, args=(started,), name="pjsua2")
        self._thread.start()
        await asyncio.wrap_future(started)

        if self.config.registrar is None:
            return
        account = self.account
        assert isinstance(account, _Account)
        try:
            async with asyncio.timeout(self.config.register_timeout_s):
                await asyncio.wrap_future(account.registered)
        except TimeoutError:
            await self.close()
            raise SipError("registrar did not answer") from None
        except SipError:
            await self.close()
            raise
        logger.info("sip account registered")

    def submit(self, work: Callable[[], T]) -> asyncio.Future[T]:
        """Run `work` on the PJSUA2 thread; its PJSIP errors come back as SipError."""
        future: concurrent.futures.Future[T] = concurrent.futures.Future()

        def run() -> None:
            try:
                future.set_result(work())
            except pj.Error as error:
                future.set_exception(SipError(f"{error.title}: {error.reason}"))
            except Exception as error:  # handed to the caller, never lost on this thread
                future.set_exception(error)

        self._work.put(run)
        return asyncio.wrap_future(future)

    def after_poll(self, work: Callable[[], None]) -> None:
        """Run `work` on the PJSUA2 thread once the current callback has returned.

        Freeing a call from inside its own callback crashes PJSIP; this defers it.
        """
        self._after_poll.append(work)

    def before_destroy(self, work: Callable[[], None]) -> None:
        """Run `work` on the PJSUA2 thread just before the library goes (to free calls)."""
        self._before_destroy.append(work)

    async def close(self) -> None:
        if self._thread is None:
            return
        self._work.put(None)
        await asyncio.to_thread(self._thread.join)
        self._thread = None

    def _run(self, started: concurrent.futures.Future[None]) -> None:
        try:
            self._create()
        except pj.Error as error:
            started.set_exception(SipError(f"{error.title}: {error.reason}"))
            self._destroy()
            return
        started.set_result(None)

        while True:
            self._endpoint_handle_events()
            while self._after_poll:
                self._after_poll.pop(0)()
            if not self._drain():
                break
        self._destroy()

    def _endpoint_handle_events(self) -> None:
        assert self._endpoint is not None
        self._endpoint.libHandleEvents(POLL_MS)

    def _drain(self) -> bool:
        """Run queued work; False once `close` asked the thread to end."""
        while True:
            try:
                work = self._work.get_nowait()
            except queue.Empty:
                return True
            if work is None:
                return False
            work()

    def _create(self) -> None:
        endpoint = pj.Endpoint()
        endpoint.libCreate()
        self._endpoint = endpoint

        config = pj.EpConfig()
        config.uaConfig.threadCnt = 0  # SIP events run in `_run`'s libHandleEvents
        config.uaConfig.mainThreadOnly = False
        config.medConfig.clockRate = CLOCK_RATE
        config.medConfig.sndClockRate = CLOCK_RATE
        config.medConfig.audioFramePtime = 20
        config.medConfig.ptime = 20
        config.medConfig.noVad = True  # keep RTP flowing in silence; the pipeline does its own VAD
        config.logConfig.level = self.config.pj_log_level
        config.logConfig.consoleLevel = self.config.pj_log_level
        endpoint.libInit(config)

        transport = pj.TransportConfig()
        transport.boundAddress = self.config.bind_host
        transport.port = self.config.sip_port
        transport.publicAddress = self.config.public_host or self.config.bind_host
        transport_id = endpoint.transportCreate(pj.PJSIP_TRANSPORT_UDP, transport)
        self.local_address = endpoint.transportGetInfo(transport_id).localName

        endpoint.libStart()
        # No sound card here: the conference bridge runs on a software clock instead.
        endpoint.audDevManager().setNullDev()
        self._keep_codecs(endpoint)

        account = _Account()
        account.create(self._account_config())
        self.account = account
        logger.info("sip endpoint started", extra={"sip_address": self.local_address})

    def _keep_codecs(self, endpoint: pj.Endpoint) -> None:
        # Priority 0 disables a codec, so the SDP offer carries G.711 and telephone-event only.
        for codec in endpoint.codecEnum2():
            endpoint.codecSetPriority(codec.codecId, 0)
        for rank, codec in enumerate(self.config.codecs):
            endpoint.codecSetPriority(codec, 255 - rank)

    def _account_config(self) -> pj.AccountConfig:
        config = pj.AccountConfig()
        config.idUri = self.config.id_uri
        if self.config.registrar is not None:
            config.regConfig.registrarUri = self.config.registrar
        else:
            config.regConfig.registrarUri = ""
        if self.config.password:
            config.sipConfig.authCreds.append(
                pj.AuthCredInfo(
                    "digest",
                    self.config.realm,
                    self.config.auth_user or self.config.user,
                    0,
                    self.config.password,
                )
            )
        if self.config.outbound_proxy:
            config.sipConfig.proxies.append(self.config.outbound_proxy)

        media = config.mediaConfig.transportConfig
        media.boundAddress = self.config.bind_host
        media.publicAddress = self.config.public_host or self.config.bind_host
        media.port = self.config.rtp_port
        return config

    def _destroy(self) -> None:
        for work in self._before_destroy:
            work()
        self._after_poll.clear()
        # Accounts and calls must go before the library, on this registered thread.
        self.account = None
        if self._endpoint is not None:
            self._endpoint.libDestroy()
            self._endpoint = None
        logger.info("sip endpoint stopped")
