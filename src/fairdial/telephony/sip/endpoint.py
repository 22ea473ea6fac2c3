"""The PJSUA2 library on a thread of its own, and the one account it dials from.

PJSIP asserts that every thread calling into it is registered with PJLIB, and SWIG-wrapped
objects run PJSIP code when Python frees them. So one worker thread creates, drives
(`libHandleEvents`), calls and frees everything PJSUA2; asyncio code hands it work through
`submit` and gets results back as futures. PJSUA2's callbacks for SIP run on that thread too;
only the media clock thread (frames) and the RTP thread (RFC 4733 digits) call in from elsewhere.

Every inbound INVITE goes to the `on_incoming_call` the endpoint is given: PJSUA2 answers one
that nobody takes up with 500 Server Internal Error, which tells the caller nothing true.

PJSUA holds `max_calls` calls at once, placed and received together. A call we hang up leaves
its slot only once the CANCEL or BYE is answered, though PJSUA2 reports it ended at once and
says nothing afterwards; so the thread reads PJSUA's own count after each round of work and
reports every change, before any result of later work reaches the event loop.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import ctypes
import gc
import importlib
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
IncomingCallHandler = Callable[[int], None]
CallsHeldHandler = Callable[[int], None]
POLL_MS = 10  # how long one libHandleEvents round may block before queued work runs
CLOCK_RATE = 8000  # run the conference bridge at the line's rate: no resampling anywhere
TRANSPORT_TYPES = {
    "udp": pj.PJSIP_TRANSPORT_UDP,
    "tcp": pj.PJSIP_TRANSPORT_TCP,
    "tls": pj.PJSIP_TRANSPORT_TLS,
}
SRTP_USE = {
    "disabled": pj.PJMEDIA_SRTP_DISABLED,
    "optional": pj.PJMEDIA_SRTP_OPTIONAL,
    "mandatory": pj.PJMEDIA_SRTP_MANDATORY,
}
# TLS 1.0 and 1.1 are deprecated (RFC 8996). The wheel's OpenSSL 1.0.2 stops at 1.2; 1.3 is
# asked for too, for a build that has it.
TLS_PROTOCOLS = pj.PJ_SSL_SOCK_PROTO_TLS1_2 | pj.PJ_SSL_SOCK_PROTO_TLS1_3


class SipError(Exception):
    """PJSIP refused an operation, or the account could not be set up."""


class NoFreeLine(SipError):
    """Every line of the user agent is taken, so no INVITE was sent.

    A local shortage, not an answer from the network: it says nothing about the number dialled.
    """

    def __init__(self, max_calls: int) -> None:
        super().__init__(f"no free SIP line: all {max_calls} calls the user agent holds are up")
        self.max_calls = max_calls


class _CallTable:
    """PJSUA's call table as PJSUA itself counts it, through two functions of its C API that
    pjsua2 does not wrap (pjsua_call_get_count, pjsua_call_get_max_count)."""

    def __init__(self) -> None:
        try:
            library = ctypes.CDLL(importlib.import_module("pjsua2._pjsua2").__file__)
            self._held = library.pjsua_call_get_count
            self._size = library.pjsua_call_get_max_count
        except (ImportError, OSError, AttributeError) as error:
            raise SipError("this PJSUA2 build does not export pjsua_call_get_count") from error
        for function in (self._held, self._size):
            function.argtypes = []
            function.restype = ctypes.c_uint

    def held(self) -> int:
        """Calls in the table, including those whose CANCEL or BYE is not answered yet."""
        return int(self._held())

    def size(self) -> int:
        """How many calls the table holds, once the library is initialised."""
        return int(self._size())


class _Account(pj.Account):
    """Reports registration results (RFC 3261 §10.3) to whoever waits for them, and hands
    inbound INVITEs on by PJSUA call index."""

    def __init__(self, on_incoming_call: IncomingCallHandler) -> None:
        super().__init__()
        self.registered: concurrent.futures.Future[int] = concurrent.futures.Future()
        self._on_incoming_call = on_incoming_call

    def onIncomingCall(self, prm: Any) -> None:
        self._on_incoming_call(prm.callId)

    def onRegState(self, prm: Any) -> None:
        if self.registered.done():
            return
        if prm.code // 100 == 2:
            self.registered.set_result(prm.code)
        elif prm.code >= 300:
            self.registered.set_exception(SipError(f"registration refused: {prm.code}"))


class SipEndpoint:
    """Owns PJSUA2: start it, `submit` work to its thread, `close` it once.

    `on_incoming_call` runs on PJSUA2's thread with the PJSUA call index of each inbound INVITE;
    it must create a `pj.Call` for that index and answer or reject it before returning.
    `on_calls_held` runs on that thread too, with the number of calls PJSUA holds, each time it
    changed.
    """

    def __init__(
        self,
        config: SipConfig,
        on_incoming_call: IncomingCallHandler,
        on_calls_held: CallsHeldHandler,
    ) -> None:
        self.config = config
        self._on_incoming_call = on_incoming_call
        self._on_calls_held = on_calls_held
        self._call_table: _CallTable | None = None
        self._calls_held = 0
        self._closed = False
        self.account: pj.Account | None = None
        self.local_address = ""
        self._work: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._endpoint: pj.Endpoint | None = None
        self._after_poll: list[Callable[[], None]] = []
        self._before_destroy: list[Callable[[], None]] = []

    async def start(self) -> None:
        """Create the library, its SIP transport and the account; registers when configured."""
        started: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._thread = threading.Thread(target=self._run, args=(started,), name="pjsua2")
        self._thread.start()
        await asyncio.wrap_future(started)

        if self.config.registrar is None:
            return
        assert isinstance(self.account, _Account)
        # The future alone: this frame must not hold the account past `close`, which destroys
        # the library, as a traceback would then keep it.
        registered = self.account.registered
        try:
            async with asyncio.timeout(self.config.register_timeout_s):
                await asyncio.wrap_future(registered)
        except TimeoutError:
            await self.close()
            raise SipError("registrar did not answer") from None
        except SipError:
            await self.close()
            raise
        logger.info("sip account registered")

    def submit(self, work: Callable[[], T]) -> asyncio.Future[T]:
        """Run `work` on the PJSUA2 thread; its PJSIP errors come back as SipError.

        Work cancelled before the thread reaches it does not run; once `close` began, none does.
        """
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        if self._closed:
            future.set_exception(SipError("the SIP user agent is stopped"))
            return asyncio.wrap_future(future)

        def run() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(work())
            except pj.Error as error:
                future.set_exception(_sip_error(error))
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
        self._closed = True
        self._work.put(None)
        await asyncio.to_thread(self._thread.join)
        self._thread = None

    def _run(self, started: concurrent.futures.Future[None]) -> None:
        try:
            self._create()
            self._check_call_table()
        except (pj.Error, SipError) as error:
            # Gone before `start` hears of it: PJSUA is one per process, the next may follow.
            # No PJSUA2 object may outlive it in a traceback, hence no frame of `_create` here.
            self._destroy()
            started.set_exception(error if isinstance(error, SipError) else _sip_error(error))
            return
        started.set_result(None)

        while True:
            self._endpoint_handle_events()
            while self._after_poll:
                self._after_poll.pop(0)()
            self._report_calls_held()
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
            self._report_calls_held()

    def _report_calls_held(self) -> None:
        assert self._call_table is not None
        held = self._call_table.held()
        if held != self._calls_held:
            self._calls_held = held
            self._on_calls_held(held)

    def _create(self) -> None:
        endpoint = pj.Endpoint()
        endpoint.libCreate()
        self._endpoint = endpoint

        config = pj.EpConfig()
        config.uaConfig.threadCnt = 0  # SIP events run in `_run`'s libHandleEvents
        config.uaConfig.maxCalls = self.config.max_calls
        config.uaConfig.mainThreadOnly = False
        config.medConfig.clockRate = CLOCK_RATE
        config.medConfig.sndClockRate = CLOCK_RATE
        config.medConfig.audioFramePtime = 20
        config.medConfig.ptime = 20
        config.medConfig.noVad = True  # keep RTP flowing in silence; the pipeline does its own VAD
        config.logConfig.level = self.config.pj_log_level
        config.logConfig.consoleLevel = self.config.pj_log_level
        endpoint.libInit(config)

        transport_id = endpoint.transportCreate(
            TRANSPORT_TYPES[self.config.transport], self._transport_config()
        )
        self.local_address = endpoint.transportGetInfo(transport_id).localName

        endpoint.libStart()
        # No sound card here: the conference bridge runs on a software clock instead.
        endpoint.audDevManager().setNullDev()
        self._keep_codecs(endpoint)

        account = _Account(self._on_incoming_call)
        account.create(self._account_config())
        self.account = account
        logger.info("sip endpoint started", extra={"sip_address": self.local_address})

    def _transport_config(self) -> pj.TransportConfig:
        transport = pj.TransportConfig()
        transport.boundAddress = self.config.bind_host
        transport.port = self.config.sip_port
        transport.publicAddress = self.config.public_host or self.config.bind_host
        if self.config.transport != "tls":
            return transport

        tls = transport.tlsConfig
        tls.proto = TLS_PROTOCOLS
        tls.verifyServer = self.config.tls_verify_server
        ca_file = self.config.ca_file
        if ca_file is not None:
            tls.CaListFile = ca_file
        if self.config.tls_cert_file is not None and self.config.tls_key_file is not None:
            tls.certFile = self.config.tls_cert_file
            tls.privKeyFile = self.config.tls_key_file
        return transport

    def _check_call_table(self) -> None:
        """PJSUA quietly holds maxCalls down to PJSUA_MAX_CALLS, fixed when it was compiled."""
        self._call_table = table = _CallTable()
        if table.size() < self.config.max_calls:
            raise SipError(
                f"max_calls is {self.config.max_calls}, but this PJSUA2 build holds at most"
                f" {table.size()} calls at once"
            )

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
            config.regConfig.registrarUri = self.config.on_transport(self.config.registrar)
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
            config.sipConfig.proxies.append(self.config.on_transport(self.config.outbound_proxy))

        media = config.mediaConfig.transportConfig
        media.boundAddress = self.config.bind_host
        media.publicAddress = self.config.public_host or self.config.bind_host
        media.port = self.config.rtp_port
        config.mediaConfig.srtpUse = SRTP_USE[self.config.srtp]
        # 1: SRTP only over a secure hop (TLS), where the SDES keys in the SDP are not exposed.
        config.mediaConfig.srtpSecureSignaling = 1
        # SDES alone, the keying trunks offer; DTLS-SRTP would need ICE-era peers.
        config.mediaConfig.srtpOpt.keyings.append(pj.PJMEDIA_SRTP_KEYING_SDES)
        return config

    def _destroy(self) -> None:
        for work in self._before_destroy:
            work()
        self._after_poll.clear()
        # Accounts and calls must go before the library, on this registered thread.
        self.account = None
        if self._endpoint is not None:
            outlived = _release_leftovers()
            if outlived:
                logger.warning("sip: %d objects outlived the user agent, left unfreed", outlived)
            self._endpoint.libDestroy()
            self._endpoint = None
        logger.info("sip endpoint stopped")


def _release_leftovers() -> int:
    """Free PJSUA2 objects that only reference cycles still hold (an exception's traceback, a
    finished task), here on the library's thread while it is alive; then disown those still
    referenced, so that collecting them later never calls into a destroyed library, which
    crashes the process. Returns how many were disowned: each is a small leak, and a bug."""
    gc.collect()
    kinds = (pj.Call, pj.Account, pj.AudioMediaPort)
    outlived = [thing for thing in gc.get_objects() if isinstance(thing, kinds)]
    for thing in outlived:
        thing.thisown = False
    return len(outlived)


def _sip_error(error: pj.Error) -> SipError:
    return SipError(f"{error.title}: {error.reason}")
