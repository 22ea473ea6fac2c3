"""Handing a live call to a human agent: cold, warm, or a callback when nobody is free.

Cold: the call leaves the bot for the agent at once (Twilio: the live call is updated with
`<Dial>` TwiML; SIP: REFER, implemented by the SIP adapter behind `SipReferrer`). Warm: the
borrower waits in a conference while a second leg rings the agent, who first hears the
escalation summary and then joins. With no agent available, a callback is stored as an
escalation with a due time, so a person calls the borrower back.

Limitations: Twilio reads the summary with its own `<Say>` voice; warm transfer on SIP needs
a second leg the SIP adapter does not place yet, so it is refused with a clear error.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any, Protocol
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import httpx

from fairdial.store.models import Escalation
from fairdial.telephony.twilio.rest import (
    API_VERSION,
    DEFAULT_BASE_URL,
    TwilioError,
    TwilioRestClient,
)

logger = logging.getLogger("fairdial.telephony")

# Languages Twilio's <Say> takes for our scripts.
SAY_LANGUAGES = {"en": "en-US", "zh-TW": "zh-TW", "zh-CN": "cmn-CN", "zh": "cmn-CN"}


class TransferError(Exception):
    """The carrier refused the transfer, or the transfer is not possible on this channel."""


@dataclass(frozen=True)
class Agent:
    """A person (or queue) calls can go to; `target` is an E.164 number or a sip: URI."""

    name: str
    target: str
    languages: tuple[str, ...] = ()
    available: bool = True
    hours: tuple[time, time] | None = None  # local working hours, inclusive start
    timezone: str = "UTC"

    def free_at(self, now: datetime, language: str) -> bool:
        if not self.available:
            return False
        if self.languages and not any(language.startswith(lang) for lang in self.languages):
            return False
        if self.hours is None:
            return True
        local = now.astimezone(ZoneInfo(self.timezone)).time()
        return self.hours[0] <= local < self.hours[1]


@dataclass(frozen=True)
class AgentPool:
    agents: tuple[Agent, ...] = ()
    callback_after: timedelta = timedelta(hours=1)

    @classmethod
    def from_config(cls, agents: Sequence[Mapping[str, Any]], callback_after_min: int = 60):
        """From the `transfer.agents` list of the serve configuration (see docs/serve.md)."""
        built = []
        for entry in agents:
            hours = None
            if entry.get("hours"):
                start, _, end = str(entry["hours"]).partition("-")
                hours = (time.fromisoformat(start.strip()), time.fromisoformat(end.strip()))
            built.append(
                Agent(
                    name=str(entry["name"]),
                    target=str(entry["target"]),
                    languages=tuple(entry.get("languages") or ()),
                    available=bool(entry.get("available", True)),
                    hours=hours,
                    timezone=str(entry.get("timezone", "UTC")),
                )
            )
        return cls(tuple(built), timedelta(minutes=callback_after_min))

    def pick(self, now: datetime, language: str) -> Agent | None:
        return next((agent for agent in self.agents if agent.free_at(now, language)), None)


class Transferer(Protocol):
    async def cold(self, call_id: str, agent: Agent) -> None: ...

    async def warm(self, call_id: str, agent: Agent, summary: str, language: str) -> None: ...


class SipReferrer(Protocol):
    """What the SIP adapter provides: REFER the call's far end to `target` (RFC 3515)."""

    async def refer(self, call_id: str, target: str) -> None: ...


class SipTransfer:
    """Transfers on a SIP call through the adapter's REFER."""

    def __init__(self, referrer: SipReferrer) -> None:
        self._referrer = referrer

    async def cold(self, call_id: str, agent: Agent) -> None:
        target = agent.target if agent.target.startswith("sip:") else f"tel:{agent.target}"
        await self._referrer.refer(call_id, target)

    async def warm(self, call_id: str, agent: Agent, summary: str, language: str) -> None:
        raise TransferError("warm transfer is not supported on SIP yet: use a cold transfer")


def dial_twiml(target: str) -> str:
    """`<Dial>` to a number or a SIP URI."""
    noun = "Sip" if target.startswith("sip:") else "Number"
    return f"<Response><Dial><{noun}>{escape(target)}</{noun}></Dial></Response>"


def conference_twiml(room: str, *, starts: bool, say: str = "", language: str = "en") -> str:
    """Join `room`; the borrower's leg waits on hold music until the agent's leg `starts` it."""
    spoken = ""
    if say:
        lang = SAY_LANGUAGES.get(language) or SAY_LANGUAGES.get(language[:2], "en-US")
        spoken = f'<Say language="{lang}">{escape(say)}</Say>'
    start = "true" if starts else "false"
    return (
        f'<Response>{spoken}<Dial><Conference startConferenceOnEnter="{start}" '
        f'endConferenceOnExit="true">{escape(room)}</Conference></Dial></Response>'
    )


class TwilioTransfer:
    """Transfers a Twilio call by replacing its TwiML; the agent leg goes out from `from_number`.

    Replacing the TwiML ends the call's Media Stream: the bot leaves the call with it.
    """

    def __init__(
        self, rest: TwilioRestClient, *, from_number: str, base_url: str = DEFAULT_BASE_URL
    ) -> None:
        self._rest = rest
        self._from = from_number
        sid = rest.credentials.account_sid
        self._calls_url = f"{base_url.rstrip('/')}/{API_VERSION}/Accounts/{sid}/Calls"

    async def cold(self, call_id: str, agent: Agent) -> None:
        await self._update(call_id, dial_twiml(agent.target))
        logger.info("call transferred (cold)", extra={"call_id": call_id, "agent": agent.name})

    async def warm(self, call_id: str, agent: Agent, summary: str, language: str) -> None:
        room = f"fairdial-{call_id}"
        # The agent hears the summary before joining; the borrower holds until then.
        agent_leg = await self._rest.create_call(
            to=agent.target,
            from_=self._from,
            twiml=conference_twiml(room, starts=True, say=summary, language=language),
        )
        await self._update(call_id, conference_twiml(room, starts=False))
        logger.info(
            "call transferred (warm)",
            extra={"call_id": call_id, "agent_call_id": agent_leg, "agent": agent.name},
        )

    async def _update(self, call_id: str, twiml: str) -> None:
        credentials = self._rest.credentials
        async with httpx.AsyncClient(timeout=10.0) as http:
            response = await http.post(
                f"{self._calls_url}/{call_id}.json",
                data={"Twiml": twiml},
                auth=(credentials.account_sid, credentials.auth_token),
            )
        if response.is_success:
            return
        try:
            body = response.json()
        except ValueError:
            body = {}
        code = body.get("code") if isinstance(body, dict) else None
        error = TwilioError(response.status_code, code, str(body.get("message", "")))
        raise TransferError(f"twilio refused the transfer: {error}") from error


@dataclass(frozen=True)
class HandOff:
    kind: str  # "cold", "warm" or "callback"
    agent: Agent | None = None
    due_at: datetime | None = None
    escalation_id: int | None = None


@dataclass
class TransferDesk:
    """Chooses an agent and transfers, or books a callback when no agent is free."""

    pool: AgentPool
    transferer: Transferer
    store: Any = None  # a fairdial.store.Store for callbacks
    warm: bool = True
    log: list[HandOff] = field(default_factory=list)

    async def hand_off(
        self,
        call_id: str,
        *,
        language: str,
        summary: str,
        reason: str,
        now: datetime,
        account_id: int | None = None,
        attempt_id: int | None = None,
    ) -> HandOff:
        agent = self.pool.pick(now, language)
        if agent is None:
            result = self._callback(call_id, summary, reason, now, account_id, attempt_id)
        elif self.warm:
            await self.transferer.warm(call_id, agent, summary, language)
            result = HandOff("warm", agent)
        else:
            await self.transferer.cold(call_id, agent)
            result = HandOff("cold", agent)
        self.log.append(result)
        return result

    def _callback(
        self,
        call_id: str,
        summary: str,
        reason: str,
        now: datetime,
        account_id: int | None,
        attempt_id: int | None,
    ) -> HandOff:
        due = now + self.pool.callback_after
        if self.store is None or account_id is None:
            raise TransferError("no agent is available and no store to book a callback in")
        with self.store.transaction() as session:
            escalation = Escalation(
                account_id=account_id,
                attempt_id=attempt_id,
                reason=reason,
                priority=1,
                summary=summary,
                status="callback",
                created_at=now,
                due_at=due,
            )
            session.add(escalation)
            session.flush()
            escalation_id = escalation.id
        logger.info("no agent free, callback booked", extra={"call_id": call_id})
        return HandOff("callback", None, due, escalation_id)
