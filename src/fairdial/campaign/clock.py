"""The dialler's clock: simulated for simulated borrowers, the machine's own for real calls.

With simulated borrowers each line keeps its own clock and jumps it forward past waits and
calls, so a day of calling takes seconds. Real calls happen on the machine's clock: a line
sleeps until an account may be called, and an attempt's times are read as the call goes.

The gate decides the same way under both: at the instant the line reads from its clock.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Protocol
from zoneinfo import ZoneInfo

from fairdial.campaign.targets import Target


class LineClock(Protocol):
    """The time as one line sees it."""

    def now(self) -> datetime: ...

    async def wait_until(self, when: datetime) -> None:
        """Return once `when` has come, or the run has closed (at once when either has)."""
        ...

    def call_ended(self, answered_at: datetime, talk_seconds: float) -> datetime:
        """When a call that was answered at `answered_at` ended, once its session is over."""
        ...


class CampaignClock(Protocol):
    # No call starts at or after this instant; None lets each account's local day run out.
    closes_at: datetime | None

    def line(self, start: datetime) -> LineClock:
        """The clock of a new line, which has nothing to do before `start`."""
        ...

    def calling_day(self, target: Target, day: date) -> date:
        """The local date on which `target` is called for the campaign's `day`."""
        ...


def account_zone(target: Target) -> tzinfo:
    """The account's time zone for its calendar: the first zone of its contact point."""
    point = target.history.contact_points.get(target.contact_point_key)
    zones = point.timezones if point else target.history.borrower_timezones
    return ZoneInfo(zones[0]) if zones else UTC


def local_day_bounds(target: Target, day: date) -> tuple[datetime, datetime]:
    """The account's calendar day, in the first time zone of its contact point."""
    start = datetime.combine(day, time(0, 0), account_zone(target))
    return start, start + timedelta(days=1)


class SimulatedClock:
    """Each line jumps its own clock: over a wait, and by each call's simulated length."""

    closes_at: datetime | None = None

    def line(self, start: datetime) -> LineClock:
        return _SimulatedLine(start)

    def calling_day(self, target: Target, day: date) -> date:
        return day


class _SimulatedLine:
    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    async def wait_until(self, when: datetime) -> None:
        # Nothing is awaited: a jump must not hand the event loop to another line.
        self._now = max(self._now, when)

    def call_ended(self, answered_at: datetime, talk_seconds: float) -> datetime:
        return answered_at + timedelta(seconds=talk_seconds)


class RealTimeClock:
    """The machine's clock, shared by every line; lines sleep until an account's time comes.

    Each account is called on its own local today, so one run covers every time zone's
    current day. `closes_at` ends the run early: no call starts at or after it.
    """

    def __init__(self, closes_at: datetime | None = None) -> None:
        if closes_at is not None and closes_at.tzinfo is None:
            raise ValueError("closes_at must carry its time zone")
        self.closes_at = closes_at
        self._closed = asyncio.Event()

    def close(self) -> None:
        """Close the run now: no new call starts, and lines waiting for an account stop waiting."""
        now = self.now()
        self.closes_at = now if self.closes_at is None else min(self.closes_at, now)
        self._closed.set()

    def line(self, start: datetime) -> LineClock:
        return self

    def calling_day(self, target: Target, day: date) -> date:
        return self.now().astimezone(account_zone(target)).date()

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def wait_until(self, when: datetime) -> None:
        # A sleep may end a little early on a coarse timer: sleep again for what is left.
        while not self._closed.is_set() and (left := (when - self.now()).total_seconds()) > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closed.wait(), left)

    def call_ended(self, answered_at: datetime, talk_seconds: float) -> datetime:
        # The session's own count starts after answering-machine detection: the clock does not.
        return max(self.now(), answered_at)
