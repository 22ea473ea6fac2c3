"""A channel that places calls through Twilio and speaks over a bidirectional Media Stream.

A dial places the call over REST with TwiML that connects the answered call to our WebSocket,
then waits for whichever comes first: the media stream (someone answered) or a final status
callback (busy, no answer, failed, canceled, or answered and dropped before the stream began).
Each dial gets an opaque key, carried by the stream's custom parameters and the status callback
URL, so neither stream nor callback can be matched to the wrong attempt.

The key also finds a call whose placement the REST client could not confirm: the dial waits as
usual, and the first callback or stream carrying its key names the call. A dial that hears
nothing of it ends `UNKNOWN`, which the compliance rules count as a placed call; one whose
request never reached Twilio, or that Twilio refused, ends `NOT_PLACED`.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from fairdial.telephony.base import CallResult, CallSession, DialOutcome, DialRequest
from fairdial.telephony.events import (
    AnsweredBy,
    AnsweredCall,
    CallEvent,
    CallEventKind,
    dial_result,
)
from fairdial.telephony.twilio.media_stream import MediaStreamError, TwilioMediaStream
from fairdial.telephony.twilio.rest import (
    CallPlacementUnknown,
    TwilioError,
    TwilioRestClient,
    TwilioUnreachable,
)
from fairdial.telephony.twilio.status import StatusCallbackEndpoint
from fairdial.telephony.twilio.twiml import connect_stream

logger = logging.getLogger("fairdial.telephony")

STATUS_PATH = "/twilio/status"
STREAM_PATH = "/twilio/stream"
DIAL_PARAMETER = "dial"
# Twilio refuses to place a call to a number that cannot exist with this error code.
INVALID_TO_NUMBER = 21211

# A factory may be a coroutine function: the dial then awaits it, e.g. while it screens the
# answer for a machine, so the outcome says who answered before any conversation starts.
SessionFactory = Callable[[AnsweredCall], CallSession | Awaitable[CallSession]]


@dataclass
class _Dial:
    key: str
    attempt_ref: str
    language: str
    started: float
    call_sid: str = ""
    answered_by: AnsweredBy | None = None
    stream: asyncio.Future[TwilioMediaStream] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )
    final: asyncio.Future[CallEvent] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class TwilioChannel:
    """Places calls through Twilio; `app()` is the web app Twilio's webhooks must reach.

    `public_url` is the https base Twilio reaches this app at; the stream URL defaults to the
    same host over wss. `session_factory` turns an answered call into the dialler's session.
    """

    name = "twilio"

    def __init__(
        self,
        rest: TwilioRestClient,
        *,
        from_number: str,
        public_url: str,
        session_factory: SessionFactory,
        stream_url: str | None = None,
        ring_timeout_s: int = 30,
        answer_grace_s: float = 20.0,
        stream_idle_timeout_s: float = 5.0,
        machine_detection: str | None = None,
    ) -> None:
        self._rest = rest
        self._from = from_number
        self._public_url = public_url.rstrip("/")
        self._stream_url = stream_url or _websocket_url(self._public_url) + STREAM_PATH
        self._session_factory = session_factory
        self._ring_timeout_s = ring_timeout_s
        self._answer_grace_s = answer_grace_s
        self._idle_timeout_s = stream_idle_timeout_s
        self._machine_detection = machine_detection
        self._dials: dict[str, _Dial] = {}
        self._status = StatusCallbackEndpoint(
            rest.credentials.auth_token, self._on_status, public_url=self._public_url
        )

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route(STATUS_PATH, self._status.handle, methods=["POST"]),
                WebSocketRoute(STREAM_PATH, self._on_stream),
            ]
        )

    @property
    def stream_url(self) -> str:
        """Where the TwiML sends Twilio's Media Stream."""
        return self._stream_url

    @property
    def pending_dials(self) -> int:
        """Dials placed whose call has not ended yet."""
        return len(self._dials)

    async def dial(self, request: DialRequest) -> DialOutcome:
        dial = _Dial(uuid.uuid4().hex, request.attempt_ref, request.language, time.monotonic())
        self._dials[dial.key] = dial
        answered = False
        try:
            not_placed = await self._place(request, dial)
            if not_placed is not None:
                return not_placed

            waiting: set[asyncio.Future[Any]] = {dial.stream, dial.final}
            await asyncio.wait(
                waiting,
                timeout=self._ring_timeout_s + self._answer_grace_s,
                return_when=asyncio.FIRST_COMPLETED,
            )
            ring_seconds = time.monotonic() - dial.started
            if dial.stream.done():
                answered = True
                return await self._answered(dial, dial.stream.result(), ring_seconds)
            if dial.final.done():
                return self._unanswered(dial, dial.final.result(), ring_seconds)

            if not dial.call_sid:
                logger.warning(
                    "twilio call of unknown placement never reported",
                    extra={"attempt": request.attempt_ref},
                )
                return DialOutcome(CallResult.UNKNOWN, ring_seconds)

            logger.warning("twilio dial got no answer nor status", extra={"call_id": dial.call_sid})
            await self._hang_up(dial.call_sid)
            return DialOutcome(CallResult.NO_ANSWER, ring_seconds)
        except asyncio.CancelledError:
            # A dial given up while it rings must not leave the phone ringing for no one.
            if dial.call_sid and not answered:
                await self._hang_up(dial.call_sid)
            raise
        finally:
            if not answered:
                self._dials.pop(dial.key, None)

    async def _place(self, request: DialRequest, dial: _Dial) -> DialOutcome | None:
        """Send the create once; the outcome when certainly no call exists, else None."""
        key = dial.key
        try:
            dial.call_sid = await self._rest.create_call(
                to=request.number,
                from_=self._from,
                twiml=connect_stream(self._stream_url, {DIAL_PARAMETER: key}),
                status_callback=f"{self._public_url}{STATUS_PATH}?{DIAL_PARAMETER}={key}",
                machine_detection=self._machine_detection,
                ring_timeout_s=self._ring_timeout_s,
            )
        except TwilioError as error:
            return _refused(error, dial.attempt_ref)
        except TwilioUnreachable:
            logger.warning("twilio unreachable: not placed", extra={"attempt": dial.attempt_ref})
            return DialOutcome(CallResult.NOT_PLACED, 0.0)
        except CallPlacementUnknown:
            # Never sent again: the call may be ringing, and its callbacks will name it.
            logger.warning(
                "twilio call placement unknown, waiting for its callbacks",
                extra={"attempt": dial.attempt_ref},
            )
        return None

    async def _answered(
        self, dial: _Dial, stream: TwilioMediaStream, ring_seconds: float
    ) -> DialOutcome:
        answered_by = dial.answered_by or AnsweredBy.UNKNOWN

        async def hang_up() -> None:
            await stream.close()
            await self._hang_up(dial.call_sid)

        call = AnsweredCall(
            dial.call_sid, dial.attempt_ref, dial.language, stream, answered_by, hang_up
        )
        logger.info("twilio call answered", extra={"call_id": dial.call_sid})
        try:
            session = self._session_factory(call)
            if inspect.isawaitable(session):
                session = await session
        except BaseException as error:
            # No session will ever hang this call up, and someone may be on the line.
            logger.error(
                "twilio call has no session (%s), hanging up",
                type(error).__name__,
                extra={"call_id": dial.call_sid},
            )
            await hang_up()
            raise
        if session.answered_by == "machine":
            answered_by = AnsweredBy.MACHINE
        result = dial_result(CallEvent(CallEventKind.ANSWERED, dial.call_sid, answered_by))
        assert result is not None  # an answer always decides a provisional result
        return DialOutcome(result, ring_seconds, session)

    def _unanswered(self, dial: _Dial, event: CallEvent, ring_seconds: float) -> DialOutcome:
        result = dial_result(event) or CallResult.NO_ANSWER
        if dial.answered_by is not None and event.kind is CallEventKind.COMPLETED:
            logger.warning(
                "twilio call answered but its media stream never began",
                extra={"call_id": dial.call_sid},
            )
        logger.info("twilio dial ended: %s", result.value, extra={"call_id": dial.call_sid})
        return DialOutcome(result, ring_seconds)

    async def _hang_up(self, call_sid: str) -> None:
        try:
            await self._rest.hang_up(call_sid)
        except (TwilioError, httpx.HTTPError) as error:
            logger.error("twilio hang-up failed: %s", error, extra={"call_id": call_sid})

    def _on_status(self, event: CallEvent, query: Mapping[str, str]) -> None:
        dial = self._dials.get(query.get(DIAL_PARAMETER, ""))
        if dial is None:
            logger.debug("status for no pending dial", extra={"call_id": event.call_id})
            return

        if not dial.call_sid:
            dial.call_sid = event.call_id
            logger.info("twilio call named by a status callback", extra={"call_id": event.call_id})
        if event.kind is CallEventKind.ANSWERED:
            dial.answered_by = event.answered_by or AnsweredBy.UNKNOWN
        if event.final and not dial.final.done():
            dial.final.set_result(event)

    async def _on_stream(self, websocket: WebSocket) -> None:
        await websocket.accept()
        stream = TwilioMediaStream(websocket, idle_timeout_s=self._idle_timeout_s)
        try:
            start = await stream.handshake()
        except MediaStreamError as error:
            logger.error("media stream refused: %s", error)
            await stream.close()
            return

        key = start.custom_parameters.get(DIAL_PARAMETER, "")
        dial = self._dials.get(key)
        if dial is None or dial.stream.done():
            logger.warning("media stream for no pending dial", extra={"call_id": start.call_sid})
            await stream.close()
            return

        if not dial.call_sid:
            dial.call_sid = start.call_sid
            logger.info("twilio call named by its media stream", extra={"call_id": start.call_sid})
        dial.stream.set_result(stream)
        try:
            await stream.run()
        finally:
            self._dials.pop(key, None)


def _refused(error: TwilioError, attempt_ref: str) -> DialOutcome:
    """Twilio refused the create, so no call exists: a number that cannot exist, or the rest."""
    if error.code == INVALID_TO_NUMBER:
        logger.info("twilio refused the number", extra={"attempt": attempt_ref})
        return DialOutcome(CallResult.NOT_IN_SERVICE, 0.0)

    # Its code and status only: Twilio's message may quote the borrower's number.
    logger.error(
        "twilio refused the call (status %s, code %s)",
        error.status,
        error.code,
        extra={"attempt": attempt_ref},
    )
    return DialOutcome(CallResult.NOT_PLACED, 0.0)


def _websocket_url(http_url: str) -> str:
    if http_url.startswith("https://"):
        return "wss://" + http_url.removeprefix("https://")
    return "ws://" + http_url.removeprefix("http://")
