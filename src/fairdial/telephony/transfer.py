"""Handing a live call to a human agent: cold, warm, or a callback when nobody is free.

Cold: the call leaves the bot for the agent at once (Twilio: the live call is updated with
`<Dial>` TwiML; SIP: REFER, implemented by the SIP adapter behind `SipReferrer`). Warm: the
borrower waits in a conference while a second leg rings the agent, who first hears the
escalation summary and then joins. With no agent available, or when the transfer fails, a
callback is booked: an open escalation with a due time, so a person calls the borrower back.
The desk tells the conversation what is about to happen (`Announce`) before it happens, so the
borrower hears that a colleague is coming on before the transfer, or when one will call back.

A transfer is never sent twice: the agent's leg is placed by the REST client, which sends a
create again only when it never left, and replacing a call's TwiML again would run its `<Dial>`
again. A call that ended before its transfer (Twilio error 21220) is no failure: the borrower
hung up, and the hand-off says so.

Limitations: Twilio reads the summary with its own `<Say>` voice; on SIP the server's own
voice reads it, and without one a warm transfer is refused with a clear error.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any, Protocol, runtime_checkable
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import httpx
import numpy as np

from fairdial.store.models import Escalation
from fairdial.telephony.twilio.rest import (
    API_VERSION,
    CALL_NOT_IN_PROGRESS,
    DEFAULT_BASE_URL,
    NOT_SENT_ERRORS,
    CallPlacementUnknown,
    TwilioError,
    TwilioRestClient,
    TwilioUnreachable,
)
from fairdial.voice.engines import TextToSpeech

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
        if self.languages and not any(speaks(lang, language) for lang in self.languages):
            return False
        if self.hours is None:
            return True
        local = now.astimezone(ZoneInfo(self.timezone)).time()
        return self.hours[0] <= local < self.hours[1]


def speaks(agent_language: str, call_language: str) -> bool:
    """Whether an agent's language tag covers a call's, ignoring case: "zh" covers "zh-TW" and
    "zh-CN", "zh-TW" only "zh-TW" (a tag covers itself and the tags it is a prefix of)."""
    agent, call = agent_language.lower(), call_language.lower()
    return call == agent or call.startswith(agent + "-")


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
    """Moves a live call to an agent; False when the call had already ended, so nobody moved."""

    async def cold(self, call_id: str, agent: Agent) -> bool: ...

    async def warm(self, call_id: str, agent: Agent, summary: str, language: str) -> bool: ...


class SipReferrer(Protocol):
    """What the SIP adapter (`SipChannel`) provides. `transfer` REFERs the call's far end to
    `agent_uri` (RFC 3515), True once the far end reports the agent answered. `warm_transfer`
    calls `agent` itself, plays them `summary` (8 kHz 16-bit mono PCM) and joins the two calls;
    False, with the borrower still on the bot, when the agent's call was not answered. `is_up`
    tells whether the borrower's call is still the bot's."""

    async def transfer(self, call_id: str, agent_uri: str) -> bool: ...

    def is_up(self, call_id: str) -> bool: ...

    async def warm_transfer(self, call_id: str, agent: str, summary: bytes) -> bool: ...


class SipTransfer:
    """Transfers on a SIP call: cold by the adapter's REFER, warm by its own call to the agent,
    who first hears the summary in `voice`. Without a voice a warm transfer is refused."""

    def __init__(self, referrer: SipReferrer, voice: TextToSpeech | None = None) -> None:
        self._referrer = referrer
        self._voice = voice

    async def cold(self, call_id: str, agent: Agent) -> bool:
        target = agent.target if agent.target.startswith("sip:") else f"tel:{agent.target}"
        moved = await self._referrer.transfer(call_id, target)
        return moved or self._borrower_gone(call_id)

    async def warm(self, call_id: str, agent: Agent, summary: str, language: str) -> bool:
        if self._voice is None:
            raise TransferError(
                "warm transfer is not supported on SIP without a voice to read the summary: "
                "use a cold transfer"
            )
        speech = await self._spoken(self._voice, summary, language)
        # A number goes out through the SIP account's target URI, as a dial's does.
        moved = await self._referrer.warm_transfer(call_id, agent.target, speech)
        return moved or self._borrower_gone(call_id)

    def _borrower_gone(self, call_id: str) -> bool:
        """False when the borrower hung up (nobody to move); raises when they are still on the
        line with the bot, so the desk books a call-back and tells them."""
        if self._referrer.is_up(call_id):
            raise TransferError("the agent was not reached")
        return False

    @staticmethod
    async def _spoken(voice: TextToSpeech, text: str, language: str) -> bytes:
        """`text` read by `voice`, as the line's 8 kHz 16-bit mono PCM."""
        from fairdial.voice.audio.pcm import resample  # the voice extra, as `voice` is

        chunks = [chunk async for chunk in voice.synthesize(text, language)]
        if not chunks:
            raise TransferError("the voice read nothing for the summary")
        pcm = resample(np.concatenate(chunks), voice.sample_rate, 8000)
        return pcm.astype("<i2").tobytes()


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

    async def cold(self, call_id: str, agent: Agent) -> bool:
        if not await self._update(call_id, dial_twiml(agent.target)):
            return False
        logger.info("call transferred (cold)", extra={"call_id": call_id, "agent": agent.name})
        return True

    async def warm(self, call_id: str, agent: Agent, summary: str, language: str) -> bool:
        room = f"fairdial-{call_id}"
        # The agent hears the summary before joining; the borrower holds until then.
        agent_leg = await self._place_agent_leg(
            agent, conference_twiml(room, starts=True, say=summary, language=language)
        )
        try:
            moved = await self._update(call_id, conference_twiml(room, starts=False))
        except _CallNotMoved:
            await self._withdraw(agent_leg)
            raise
        if not moved:
            await self._withdraw(agent_leg)
            return False
        logger.info(
            "call transferred (warm)",
            extra={"call_id": call_id, "agent_call_id": agent_leg, "agent": agent.name},
        )
        return True

    async def _place_agent_leg(self, agent: Agent, twiml: str) -> str:
        try:
            return await self._rest.create_call(to=agent.target, from_=self._from, twiml=twiml)
        except TwilioError as error:
            raise TransferError(f"twilio refused the agent's call: {error}") from error
        except TwilioUnreachable as error:
            raise TransferError("twilio unreachable: the agent's call was not placed") from error
        except CallPlacementUnknown as error:
            raise TransferError(
                "the agent's call may have been placed and is not placed again; "
                "the borrower stays on the call with the bot"
            ) from error

    async def _withdraw(self, agent_leg: str) -> None:
        """End the agent's call when the borrower will not join: nobody waits in an empty room."""
        try:
            await self._rest.hang_up(agent_leg)
        except (TwilioError, httpx.HTTPError) as error:
            logger.error(
                "agent call not hung up (%s)", type(error).__name__, extra={"call_id": agent_leg}
            )

    async def _update(self, call_id: str, twiml: str) -> bool:
        """Replace the call's TwiML, once; False when the call had already ended."""
        credentials = self._rest.credentials
        try:
            async with httpx.AsyncClient(timeout=10.0) as http:
                response = await http.post(
                    f"{self._calls_url}/{call_id}.json",
                    data={"Twiml": twiml},
                    auth=(credentials.account_sid, credentials.auth_token),
                )
        except NOT_SENT_ERRORS as error:
            unreachable = f"twilio unreachable ({type(error).__name__})"
            raise _CallNotMoved(f"{unreachable}: the call was not transferred") from error
        except httpx.HTTPError as error:
            raise TransferError(
                f"no answer from twilio ({type(error).__name__}): the transfer may have happened "
                "and is not sent again"
            ) from error
        if response.is_success:
            return True

        refusal = _twilio_error(response)
        if refusal.code == CALL_NOT_IN_PROGRESS:
            logger.info("call ended before its transfer", extra={"call_id": call_id})
            return False
        if response.status_code >= 500:
            raise TransferError(
                f"twilio failed on the transfer, which may have happened: {refusal}"
            ) from refusal
        raise _CallNotMoved(f"twilio refused the transfer: {refusal}") from refusal


class _CallNotMoved(TransferError):
    """The transfer certainly did not happen: the borrower's call is where it was."""


def _twilio_error(response: httpx.Response) -> TwilioError:
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    code = body.get("code")
    message = str(body.get("message", response.reason_phrase))
    return TwilioError(response.status_code, code if isinstance(code, int) else None, message)


@dataclass(frozen=True)
class HandOff:
    """What a hand-off came to, or, told to an `Announce`, what it is about to do.

    `kind`: "warm" or "cold" (the call goes to `agent`), "callback" (nobody free: a person calls
    back at `due_at`), "failed" (the transfer failed: a callback is booked for `due_at`) or
    "ended" (the borrower hung up before the transfer). `escalation_id` names the booked row.
    """

    kind: str
    agent: Agent | None = None
    due_at: datetime | None = None
    escalation_id: int | None = None


# Hand-off kinds after which the call is the agent's: the bot must not hang it up.
TRANSFERRED = frozenset({"warm", "cold"})

# Told what the desk is about to do while the borrower is still on the line with the bot: a
# transfer before it is sent, a callback once it is booked.
Announce = Callable[[HandOff], Awaitable[None]]
# Moves a proposed call-back time into the borrower's calling hours; None when none will come.
Convenient = Callable[[datetime], datetime | None]


async def _unannounced(_handed: HandOff) -> None:
    return None


@runtime_checkable
class Transferable(Protocol):
    """A live call's session that can be handed to a person (see `TransferDesk.hand_off`)."""

    async def transfer(
        self,
        *,
        summary: str,
        reason: str,
        account_id: int,
        announce: Announce | None = None,
        convenient: Convenient | None = None,
    ) -> HandOff: ...


@dataclass
class TransferDesk:
    """Chooses an agent and transfers, or books a callback when no agent is free or the
    transfer fails."""

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
        announce: Announce | None = None,
        convenient: Convenient | None = None,
    ) -> HandOff:
        """Move the call to a free agent, or book a callback; `announce` hears of either first.
        A callback is booked `pool.callback_after` from `now`, or at the first time after that
        `convenient` allows: the borrower is never promised a call outside their hours.

        A transfer that fails (`TransferError`) books a callback, announced as "failed": the
        borrower is still with the bot and is told when a person will call. Some of those
        failures may have moved the call after all; a person then finds the callback already
        answered, which costs less than a borrower left waiting for nobody.
        """
        announce = announce or _unannounced
        agent = self.pool.pick(now, language)
        if agent is None:
            due = self._callback_time(now, convenient)
            result = self._callback("callback", call_id, summary, reason, now, due, account_id)
            await announce(result)
            self.log.append(result)
            return result

        kind = "warm" if self.warm else "cold"
        await announce(HandOff(kind, agent))
        try:
            if self.warm:
                moved = await self.transferer.warm(call_id, agent, summary, language)
            else:
                moved = await self.transferer.cold(call_id, agent)
        except TransferError as error:
            # The class only: a carrier's message may quote the number it was asked to dial.
            logger.warning(
                "transfer failed, booking a callback: %s",
                type(error).__name__,
                extra={"call_id": call_id, "agent": agent.name},
            )
            due = self._callback_time(now, convenient)
            result = self._callback("failed", call_id, summary, reason, now, due, account_id, agent)
            await announce(result)
        else:
            result = HandOff(kind if moved else "ended", agent)
        self.log.append(result)
        return result

    def _callback_time(self, now: datetime, convenient: Convenient | None) -> datetime:
        # A whole minute: the time the borrower is told is the time that is stored.
        due = _next_minute(now + self.pool.callback_after)
        within = convenient(due) if convenient is not None else None
        return due if within is None else _next_minute(within)

    def _callback(
        self,
        kind: str,
        call_id: str,
        summary: str,
        reason: str,
        now: datetime,
        due: datetime,
        account_id: int | None,
        agent: Agent | None = None,
    ) -> HandOff:
        """Book the call-back as the conversation's one escalation, open so no campaign calls the
        account meanwhile; the campaign's record of the attempt completes the same row."""
        if self.store is None or account_id is None:
            raise TransferError("no agent is available and no store to book a callback in")
        with self.store.transaction() as session:
            escalation = Escalation(
                account_id=account_id,
                reason=reason,
                priority=1,
                summary=summary,
                status="open",
                created_at=now,
                due_at=due,
            )
            session.add(escalation)
            session.flush()
            escalation_id = escalation.id
        logger.info("callback booked", extra={"call_id": call_id, "hand_off": kind})
        return HandOff(kind, agent, due, escalation_id)


def _next_minute(moment: datetime) -> datetime:
    whole = moment.replace(second=0, microsecond=0)
    return whole if whole == moment else whole + timedelta(minutes=1)
