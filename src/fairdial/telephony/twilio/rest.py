"""The two Twilio REST calls a dialler needs: place a call, and hang it up."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

import httpx

logger = logging.getLogger("fairdial.telephony")

DEFAULT_BASE_URL = "https://api.twilio.com"
API_VERSION = "2010-04-01"
Form = dict[str, str | list[str]]
STATUS_EVENTS = ("initiated", "ringing", "answered", "completed")

# Twilio answers an update of a call that is no longer in progress with this error code.
CALL_NOT_IN_PROGRESS = 21220


class TwilioConfigError(Exception):
    """Twilio credentials or settings are missing."""


class TwilioError(Exception):
    """Twilio refused a request; `code` is Twilio's own error code when it gave one."""

    def __init__(self, status: int, code: int | None, message: str) -> None:
        super().__init__(f"twilio answered {status} (code {code}): {message}")
        self.status = status
        self.code = code


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
    """Async client for the Calls resource; `base_url` points tests at a local fake."""

    def __init__(
        self,
        credentials: TwilioCredentials | None = None,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout_s: float = 10.0,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.credentials = credentials or TwilioCredentials.from_env()
        self._calls_url = (
            f"{base_url.rstrip('/')}/{API_VERSION}/Accounts/{self.credentials.account_sid}/Calls"
        )
        self._http = http or httpx.AsyncClient(timeout=timeout_s)
        self._owns_http = http is None

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

        body = await self._post(f"{self._calls_url}.json", form)
        call_sid = str(body.get("sid", ""))
        if not call_sid:
            raise TwilioError(200, None, "call created without a sid")
        logger.info("twilio call placed", extra={"call_id": call_sid})
        return call_sid

    async def hang_up(self, call_sid: str) -> bool:
        """End the call; False when it had already ended, which is no error."""
        try:
            await self._post(f"{self._calls_url}/{call_sid}.json", {"Status": "completed"})
        except TwilioError as error:
            if error.code != CALL_NOT_IN_PROGRESS:
                raise
            logger.debug("twilio call already ended", extra={"call_id": call_sid})
            return False
        logger.info("twilio call hung up", extra={"call_id": call_sid})
        return True

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def _post(self, url: str, form: Form) -> dict[str, Any]:
        auth = (self.credentials.account_sid, self.credentials.auth_token)
        response = await self._http.post(url, data=form, auth=auth)
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.is_success:
            return body if isinstance(body, dict) else {}

        code = body.get("code") if isinstance(body, dict) else None
        message = body.get("message", response.reason_phrase) if isinstance(body, dict) else ""
        raise TwilioError(response.status_code, code if isinstance(code, int) else None, message)
