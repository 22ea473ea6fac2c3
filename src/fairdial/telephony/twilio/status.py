"""Twilio status callbacks: signed progress reports of a placed call, as neutral call events.

Twilio POSTs a form with `CallSid`, `CallStatus` (queued, initiated, ringing, in-progress,
completed, busy, no-answer, failed, canceled) and, when machine detection ran, `AnsweredBy`
(human, machine_start, machine_end_beep, machine_end_silence, machine_end_other, fax, unknown).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from fairdial.telephony.base import CallResult
from fairdial.telephony.events import AnsweredBy, CallEvent, CallEventKind, dial_result
from fairdial.telephony.twilio.signature import SIGNATURE_HEADER, is_valid_signature

logger = logging.getLogger("fairdial.telephony")

CALL_STATUS_KINDS: dict[str, CallEventKind] = {
    "queued": CallEventKind.INITIATED,
    "initiated": CallEventKind.INITIATED,
    "ringing": CallEventKind.RINGING,
    "in-progress": CallEventKind.ANSWERED,
    "completed": CallEventKind.COMPLETED,
    "busy": CallEventKind.BUSY,
    "no-answer": CallEventKind.NO_ANSWER,
    "failed": CallEventKind.FAILED,
    "canceled": CallEventKind.CANCELED,
}

ANSWERED_BY: dict[str, AnsweredBy] = {
    "human": AnsweredBy.HUMAN,
    "machine_start": AnsweredBy.MACHINE,
    "machine_end_beep": AnsweredBy.MACHINE,
    "machine_end_silence": AnsweredBy.MACHINE,
    "machine_end_other": AnsweredBy.MACHINE,
    # A fax line has nobody to speak with and takes no message: treated like a machine.
    "fax": AnsweredBy.MACHINE,
    "unknown": AnsweredBy.UNKNOWN,
}

StatusListener = Callable[[CallEvent, Mapping[str, str]], None]


def parse_status(params: Mapping[str, str]) -> CallEvent | None:
    """The call event a status callback reports, or None for a status Twilio has not documented."""
    kind = CALL_STATUS_KINDS.get(params.get("CallStatus", ""))
    call_sid = params.get("CallSid", "")
    if kind is None or not call_sid:
        return None

    answered_by = ANSWERED_BY.get(params.get("AnsweredBy", ""))
    duration = params.get("CallDuration") or params.get("Duration")
    return CallEvent(
        kind=kind,
        call_id=call_sid,
        answered_by=answered_by,
        duration_s=float(duration) if duration and duration.isdigit() else None,
    )


def status_result(params: Mapping[str, str]) -> CallResult | None:
    """The attempt result a status callback decides, or None while the call goes on."""
    event = parse_status(params)
    return dial_result(event) if event else None


class StatusCallbackEndpoint:
    """The HTTP endpoint Twilio posts status callbacks to; unsigned or forged posts get 403.

    `public_url` is the base URL Twilio was given (https://host), since behind a proxy the
    URL this server sees is not the one Twilio signed.
    """

    def __init__(
        self, auth_token: str, on_event: StatusListener, public_url: str | None = None
    ) -> None:
        self._auth_token = auth_token
        self._on_event = on_event
        self._public_url = public_url.rstrip("/") if public_url else None

    async def handle(self, request: Request) -> Response:
        body = (await request.body()).decode("utf-8", errors="replace")
        # Blank fields are signed too, so they must be kept.
        pairs = parse_qsl(body, keep_blank_values=True)
        signature = request.headers.get(SIGNATURE_HEADER)
        if not is_valid_signature(self._auth_token, self._signed_url(request), pairs, signature):
            logger.warning("status callback with a bad signature rejected")
            return Response(status_code=403)

        params = dict(pairs)
        event = parse_status(params)
        if event is None:
            logger.warning("status callback without a known CallStatus ignored")
            return Response(status_code=400)

        logger.debug("twilio status %s", event.kind.value, extra={"call_id": event.call_id})
        self._on_event(event, dict(request.query_params))
        return Response(status_code=204)

    def _signed_url(self, request: Request) -> str:
        if self._public_url is None:
            return str(request.url)
        query = f"?{request.url.query}" if request.url.query else ""
        return f"{self._public_url}{request.url.path}{query}"
