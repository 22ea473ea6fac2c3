"""The two Twilio REST calls a dialler needs: place a call, and hang it up.

Placing a call is not idempotent: Twilio documents no idempotency key for the Calls resource, so
a second POST after a lost answer places a second call to the borrower, and both count against
the contact caps. A create is therefore sent again only when it certainly never left this machine
(no connection could be made). When it may have reached Twilio (the connection broke after the
request was written, the answer timed out, or Twilio answered 5xx), the client looks for the call
among Twilio's newest calls and, if it cannot name exactly one, raises `CallPlacementUnknown` so
the dialler records the attempt and never places it again. Hanging up is idempotent and retried.

Limitations: the look-up reads one page of the newest calls from our own number and matches the
borrower's number and creation time; an account that places more calls than that page holds in
the seconds between the send and the look-up may miss the call and report it unknown.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

logger = logging.getLogger("fairdial.telephony")

DEFAULT_BASE_URL = "https://api.twilio.com"
API_VERSION = "2010-04-01"
Form = dict[str, str | list[str]]
STATUS_EVENTS = ("initiated", "ringing", "answered", "completed")

# Twilio error 21220 "Invalid call state": a realtime operation (redirect, record, and the
# Status=completed update that hangs up) on a call that is no longer in progress.
# https://www.twilio.com/docs/api/errors/21220
CALL_NOT_IN_PROGRESS = 21220

# httpx raises these before a byte of the request is written: no connection, or none free.
NOT_SENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

# Calls read back after an unanswered create; Twilio's page size is at most 1000, and calls
# from our number placed in the seconds since the send must all fit in it.
LOOKUP_PAGE_SIZE = 1000
# Twilio's date_created has whole seconds and Twilio's clock is not ours.
LOOKUP_CLOCK_SKEW = timedelta(seconds=30)

Sleep = Callable[[float], Awaitable[None]]

# Twilio's messages may quote the number dialled ("The 'To' number +1... is not valid").
_NUMBER_LIKE = re.compile(r"\+?\d[\d\s().-]{5,}\d")


class TwilioConfigError(Exception):
    """Twilio credentials or settings are missing."""


class TwilioError(Exception):
    """Twilio refused a request; `code` is Twilio's own error code when it gave one.

    The message leaves out anything that looks like a phone number, since Twilio quotes them.
    """

    def __init__(self, status: int, code: int | None, message: str) -> None:
        message = _NUMBER_LIKE.sub("<number>", message)
        super().__init__(f"twilio answered {status} (code {code}): {message}")
        self.status = status
        self.code = code


class TwilioUnreachable(Exception):
    """No connection to Twilio could be made, so the call was certainly not placed."""


class CallPlacementUnknown(Exception):
    """The create may have reached Twilio and no call could be matched to it.

    The attempt must be recorded as possibly placed and never be placed again; `candidates`
    holds the CallSids that matched when there was more than one.
    """

    def __init__(self, reason: str, candidates: tuple[str, ...] = ()) -> None:
        super().__init__(f"call placement unknown: {reason}")
        self.candidates = candidates


@dataclass(frozen=True)
class TwilioCredentials:
    account_sid: str
    auth_token: str

    @classmethod
    def from_env(cls) -> TwilioCredentials:
        """From TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN."""
        sid = os.environ.get("TWILIO_ACCOUNT_SID", "")
        token = os.environ.get("TWILIO_AUTH_TOKEN", "")
        if not sid or not token:
            raise TwilioConfigError("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must both be set")
        return cls(sid, token)


class TwilioRestClient:
    """Async client for the Calls resource; `base_url` points tests at a local fake.

    `attempts` bounds the tries of a request that is safe to repeat, `retry_pause_s` grows
    linearly between them, and `sleep` is how the client waits (tests step through it).
    """

    def __init__(
        self,
        credentials: TwilioCredentials | None = None,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout_s: float = 10.0,
        http: httpx.AsyncClient | None = None,
        attempts: int = 3,
        retry_pause_s: float = 0.5,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if attempts < 1:
            raise ValueError(f"attempts must be at least 1, not {attempts}")
        self.credentials = credentials or TwilioCredentials.from_env()
        self._calls_url = (
            f"{base_url.rstrip('/')}/{API_VERSION}/Accounts/{self.credentials.account_sid}/Calls"
        )
        # No keep-alive: a pooled connection the server has just closed fails in a way that
        # cannot tell whether Twilio read the request, which would turn a harmless reconnect
        # into an attempt of unknown outcome. A fresh connection fails, if at all, before.
        no_reuse = httpx.Limits(max_keepalive_connections=0)
        self._http = http or httpx.AsyncClient(timeout=timeout_s, limits=no_reuse)
        self._owns_http = http is None
        self._attempts = attempts
        self._retry_pause_s = retry_pause_s
        self._sleep = sleep

    async def create_call(
        self,
        *,
        to: str,
        from_: str,
        twiml: str,
        status_callback: str | None = None,
        machine_detection: str | None = None,
        ring_timeout_s: int | None = None,
    ) -> str:
        """Place a call running `twiml` once answered; returns its CallSid.

        Raises `TwilioError` when Twilio refused it, `TwilioUnreachable` when it never left
        this machine, and `CallPlacementUnknown` when it may have been placed.
        `machine_detection` is Twilio's MachineDetection value ("Enable" or "DetectMessageEnd").
        """
        form: Form = {"To": to, "From": from_, "Twiml": twiml}
        if status_callback:
            form["StatusCallback"] = status_callback
            form["StatusCallbackMethod"] = "POST"
            # Twilio takes the events as one repeated field, one value each.
            form["StatusCallbackEvent"] = list(STATUS_EVENTS)
        if machine_detection:
            form["MachineDetection"] = machine_detection
        if ring_timeout_s is not None:
            form["Timeout"] = str(ring_timeout_s)

        sent_at = datetime.now(UTC)
        try:
            response = await self._send_create(form)
        except httpx.TransportError as error:
            return await self._find_placed(
                to, from_, sent_at, f"{type(error).__name__} once connected"
            )

        if response.status_code >= 500:
            return await self._find_placed(
                to, from_, sent_at, f"twilio answered {response.status_code}"
            )
        body = _json_body(response)
        if not response.is_success:
            raise _twilio_error(response, body)

        call_sid = str(body.get("sid", ""))
        if not call_sid:
            return await self._find_placed(to, from_, sent_at, "created without a sid")
        logger.info("twilio call placed", extra={"call_id": call_sid})
        return call_sid

    async def hang_up(self, call_sid: str) -> bool:
        """End the call; False when it had already ended, which is no error.

        Hanging up twice ends the call once, so a lost answer is simply asked again; the
        second try then finds the call ended and returns False.
        """
        url = f"{self._calls_url}/{call_sid}.json"
        response = await self._post_repeatable(url, {"Status": "completed"})
        if response.is_success:
            logger.info("twilio call hung up", extra={"call_id": call_sid})
            return True

        error = _twilio_error(response, _json_body(response))
        if error.code != CALL_NOT_IN_PROGRESS:
            raise error
        logger.debug("twilio call already ended", extra={"call_id": call_sid})
        return False

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    @property
    def _auth(self) -> tuple[str, str]:
        return self.credentials.account_sid, self.credentials.auth_token

    async def _send_create(self, form: Form) -> httpx.Response:
        """POST the create, trying again only while no connection could be made."""
        attempt = 1
        while True:
            try:
                return await self._http.post(f"{self._calls_url}.json", data=form, auth=self._auth)
            except NOT_SENT_ERRORS as error:
                if attempt >= self._attempts:
                    raise TwilioUnreachable(
                        f"no connection to twilio in {attempt} attempts ({type(error).__name__});"
                        " the call was not placed"
                    ) from error
            logger.warning("twilio unreachable, connecting again", extra={"try": attempt})
            await self._sleep(self._retry_pause_s * attempt)
            attempt += 1

    async def _post_repeatable(self, url: str, form: Form) -> httpx.Response:
        """POST an idempotent update, again after a transport error, a 5xx or a 429 answer."""
        attempt = 1
        while True:
            last_try = attempt >= self._attempts
            try:
                response = await self._http.post(url, data=form, auth=self._auth)
            except httpx.TransportError:
                if last_try:
                    raise
            else:
                if not _worth_repeating(response) or last_try:
                    return response
            logger.warning("twilio update failed, sending again", extra={"try": attempt})
            await self._sleep(self._retry_pause_s * attempt)
            attempt += 1

    async def _find_placed(self, to: str, from_: str, sent_at: datetime, reason: str) -> str:
        """The CallSid of the call a create without an answer placed, if Twilio shows one."""
        logger.warning("twilio create unanswered, looking the call up: %s", reason)
        try:
            calls = await self._newest_calls(from_)
        except (httpx.HTTPError, TwilioError) as error:
            raise CallPlacementUnknown(
                f"{reason}; the look-up failed too ({type(error).__name__})"
            ) from error

        earliest = sent_at.replace(microsecond=0) - LOOKUP_CLOCK_SKEW
        matches = tuple(
            str(call.get("sid", ""))
            for call in calls
            if call.get("to") == to
            and call.get("direction") == "outbound-api"
            and _created_since(call, earliest)
        )
        if len(matches) == 1:
            logger.warning(
                "twilio call found after an unanswered create", extra={"call_id": matches[0]}
            )
            return matches[0]
        found = "no call" if not matches else f"{len(matches)} calls"
        raise CallPlacementUnknown(f"{reason}; the look-up found {found}", candidates=matches)

    async def _newest_calls(self, from_: str) -> list[dict[str, Any]]:
        # Filtered by our own number only, so no borrower's number is in a URL a log may print.
        params = {"From": from_, "PageSize": str(LOOKUP_PAGE_SIZE)}
        response = await self._http.get(f"{self._calls_url}.json", params=params, auth=self._auth)
        body = _json_body(response)
        if not response.is_success:
            raise _twilio_error(response, body)
        calls = body.get("calls")
        return [call for call in calls if isinstance(call, dict)] if isinstance(calls, list) else []


def _worth_repeating(response: httpx.Response) -> bool:
    """Twilio failed on its side, or asked us to slow down (429, its error 20429)."""
    return response.status_code >= 500 or response.status_code == 429


def _created_since(call: dict[str, Any], earliest: datetime) -> bool:
    """Whether Twilio created the call at or after `earliest`; an unreadable date counts."""
    try:
        created = parsedate_to_datetime(str(call.get("date_created", "")))
    except (TypeError, ValueError):
        return True
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return created >= earliest


def _json_body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _twilio_error(response: httpx.Response, body: dict[str, Any]) -> TwilioError:
    code = body.get("code")
    message = str(body.get("message", response.reason_phrase))
    return TwilioError(response.status_code, code if isinstance(code, int) else None, message)
