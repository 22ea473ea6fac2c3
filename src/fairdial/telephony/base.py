"""What every channel reports to the campaign, whichever carrier or simulator is behind it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class CallResult(StrEnum):
    """How a dial ended, in the words the compliance rules count attempts by.

    `NOT_PLACED` and `UNKNOWN` say the carrier gave no account of the call: one that certainly
    never left this machine counts toward no cap, one that may have rung counts toward every cap.
    """

    NO_ANSWER = "no_answer"
    BUSY = "busy"
    NOT_IN_SERVICE = "not_in_service"
    VOICEMAIL = "voicemail"  # reached a machine, no message left
    MESSAGE_LEFT = "message_left"
    ANSWERED_DROPPED = "answered_dropped"
    CONVERSATION = "conversation"
    NOT_PLACED = "not_placed"  # the request never reached the carrier: no phone rang
    UNKNOWN = "unknown"  # the request may have reached the carrier; whether it rang is unknown


@dataclass(frozen=True)
class BotUtterance:
    """A sentence the bot says; `act` names its purpose (disclose, verify, state_debt, offer...)."""

    text: str
    act: str
    slots: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class HeardTurn:
    """What the bot heard the other side say, and how long it took them (simulated or real)."""

    text: str
    seconds: float


class CallSession(Protocol):
    """A connected call, seen from the bot. `listen` returns None on silence or hang-up."""

    @property
    def answered_by(self) -> str:
        """'human' or 'machine' as the channel's answering-machine detection judged it."""
        ...

    @property
    def hung_up(self) -> bool: ...

    async def say(self, utterance: BotUtterance) -> None: ...

    async def listen(self, timeout_s: float = 8.0) -> HeardTurn | None: ...

    async def hangup(self) -> None: ...

    def elapsed_seconds(self) -> float:
        """Seconds since the call connected, on the channel's clock."""
        ...


@dataclass(frozen=True)
class DialRequest:
    attempt_ref: str
    account_ref: str
    number: str
    language: str
    at: datetime


@dataclass
class DialOutcome:
    """How a dial ended: with a session only when someone or something answered."""

    result: CallResult
    ring_seconds: float
    session: CallSession | None = None


class Channel(Protocol):
    """Places calls for the dialler.

    A dial that knows no call left returns `CallResult.NOT_PLACED`; anything it raises tells
    the dialler the call may have been placed, and the attempt is recorded as `UNKNOWN`.
    """

    name: str

    async def dial(self, request: DialRequest) -> DialOutcome: ...
