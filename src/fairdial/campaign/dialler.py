"""One day of calling: lines take the best account that may be called now, and call it.

Time is the campaign's clock, not the machine's: with simulated borrowers a day of calling takes
seconds. Each line keeps its own clock and advances it by each call's length; an account's
next attempt is never planned earlier than its previous one ended, so each account's history
stays in order whichever line calls it.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fairdial.campaign.gate import Gate
from fairdial.campaign.recorder import AttemptRecord, Recorder
from fairdial.campaign.settings import CampaignSettings
from fairdial.campaign.targets import Target
from fairdial.conversation.engine import converse
from fairdial.conversation.outcome import ConversationOutcome
from fairdial.dispositions import Disposition
from fairdial.policy import Decision
from fairdial.telephony.base import CallResult, Channel, DialRequest

log = logging.getLogger("fairdial.campaign")

RETRYABLE = {CallResult.NO_ANSWER, CallResult.BUSY, CallResult.VOICEMAIL, CallResult.MESSAGE_LEFT}
NO_SESSION_DISPOSITIONS = {
    CallResult.NO_ANSWER: Disposition.NO_ANSWER,
    CallResult.BUSY: Disposition.BUSY,
    CallResult.NOT_IN_SERVICE: Disposition.NOT_IN_SERVICE,
}
SETTLED = {
    Disposition.PROMISE_TO_PAY,
    Disposition.PAYMENT_PLAN,
    Disposition.ALREADY_PAID,
    Disposition.DISPUTE,
    Disposition.HARDSHIP,
    Disposition.STOP_CONTACT,
    Disposition.ESCALATED,
    Disposition.WRONG_NUMBER,
}


@dataclass
class DayStats:
    planned: int = 0
    attempts: int = 0
    blocked: int = 0
    connects: int = 0
    conversations: int = 0


@dataclass(order=True)
class _Slot:
    ready_at: datetime
    order: int
    target: Target = field(compare=False)


class _Schedule:
    """Accounts waiting for their time (by time) and accounts that may be called now (by rank)."""

    def __init__(self) -> None:
        self._waiting: list[_Slot] = []
        self._ready: list[tuple[float, int, _Slot]] = []
        self._counter = itertools.count()

    def push(self, target: Target, ready_at: datetime) -> None:
        heapq.heappush(self._waiting, _Slot(ready_at, next(self._counter), target))

    def take(self, now: datetime) -> _Slot | None:
        """The best-ranked account ready by `now` on the asking line's clock.

        Lines keep their own clocks, so an account another line (further ahead) made ready may
        not be ready yet for this one: such accounts are passed over and left in place.
        """
        while self._waiting and self._waiting[0].ready_at <= now:
            slot = heapq.heappop(self._waiting)
            heapq.heappush(self._ready, (-slot.target.priority, slot.order, slot))
        passed_over = []
        found = None
        while self._ready:
            entry = heapq.heappop(self._ready)
            if entry[2].ready_at <= now:
                found = entry[2]
                break
            passed_over.append(entry)
        for entry in passed_over:
            heapq.heappush(self._ready, entry)
        return found

    def next_time(self) -> datetime | None:
        """The earliest instant at which any waiting or passed-over account becomes callable."""
        times = [entry[2].ready_at for entry in self._ready]
        if self._waiting:
            times.append(self._waiting[0].ready_at)
        return min(times, default=None)


def local_day_bounds(target: Target, day: date) -> tuple[datetime, datetime]:
    """The account's calendar day, in the first time zone of its contact point."""
    point = target.history.contact_points.get(target.contact_point_key)
    zones = point.timezones if point else target.history.borrower_timezones
    zone = ZoneInfo(zones[0]) if zones else UTC
    start = datetime.combine(day, time(0, 0), zone)
    return start, start + timedelta(days=1)


class Dialler:
    def __init__(
        self,
        channel: Channel,
        gate: Gate,
        recorder: Recorder,
        settings: CampaignSettings,
        on_attempt: Callable[[], None] | None = None,
    ) -> None:
        self._channel = channel
        self._gate = gate
        self._recorder = recorder
        self._settings = settings
        self._on_attempt = on_attempt or (lambda: None)

    async def run_day(self, day: date, targets: list[Target]) -> DayStats:
        stats = DayStats()
        schedule = _Schedule()
        day_ends: dict[int, datetime] = {}
        earliest: datetime | None = None

        for target in targets:
            if target.done:
                continue
            target.attempts_today = 0
            start, end = local_day_bounds(target, day)
            day_ends[target.account_id] = end
            stats.planned += 1
            plan = self._gate.plan_day(target, start)
            ready = plan.ready_at
            if ready is None:
                self._block(target, plan.decision, plan.decision.at, stats)
                continue
            schedule.push(target, ready)
            earliest = ready if earliest is None else min(earliest, ready)

        if earliest is None:
            return stats
        lines = [
            self._line(schedule, earliest, day_ends, stats) for _ in range(self._settings.lines)
        ]
        await asyncio.gather(*lines)
        return stats

    async def _line(
        self, schedule: _Schedule, clock: datetime, day_ends: dict[int, datetime], stats: DayStats
    ) -> None:
        while True:
            slot = schedule.take(clock)
            if slot is None:
                upcoming = schedule.next_time()
                if upcoming is None:
                    return
                clock = max(clock, upcoming)
                continue

            target = slot.target
            end = day_ends[target.account_id]
            decision = self._gate.decide(target, clock)
            if not decision.allowed:
                later = decision.next_allowed_at
                if later is not None and later < end:
                    schedule.push(target, later)
                elif target.attempts_today == 0:
                    self._block(target, decision, clock, stats)
                continue

            record = await self._call(target, decision, clock, stats)
            clock = (record.ended_at or clock) + self._settings.wrap_up
            if (
                record.result in RETRYABLE
                and not target.done
                and target.attempts_today < self._settings.max_attempts_per_day
            ):
                retry_at = clock + self._settings.retry_gap
                if retry_at < end:
                    schedule.push(target, retry_at)

    async def _call(
        self, target: Target, decision: Decision, at: datetime, stats: DayStats
    ) -> AttemptRecord:
        target.attempts_today += 1
        target.attempts_total += 1
        stats.attempts += 1
        request = DialRequest(
            attempt_ref=f"{target.account_ref}#{target.attempts_total}",
            account_ref=target.account_ref,
            number=target.number,
            language=target.facts.language,
            at=at,
        )
        dialled = await self._channel.dial(request)
        answered_at = at + timedelta(seconds=dialled.ring_seconds)
        record = AttemptRecord(
            target=target,
            decision=decision,
            planned_at=at,
            channel=self._channel.name,
            result=dialled.result,
            started_at=at,
            ended_at=answered_at,
        )
        if dialled.session is None:
            record.disposition = NO_SESSION_DISPOSITIONS.get(dialled.result, Disposition.NO_ANSWER)
        else:
            stats.connects += 1
            outcome = await converse(dialled.session, target.facts)
            record.outcome = outcome
            record.ended_at = answered_at + timedelta(seconds=dialled.session.elapsed_seconds())
            record.disposition = outcome.disposition
            record.result = _result_of(dialled.session.answered_by, outcome)
            if record.result is CallResult.CONVERSATION:
                stats.conversations += 1
            if outcome.disposition in SETTLED or outcome.holds or outcome.escalation:
                target.done = True
            if outcome.right_party:
                target.facts = replace(target.facts, first_contact=False)
        self._recorder.add(record)
        self._on_attempt()
        return record

    def _block(self, target: Target, decision: Decision, at: datetime, stats: DayStats) -> None:
        stats.blocked += 1
        self._recorder.add(
            AttemptRecord(
                target=target, decision=decision, planned_at=at, channel=self._channel.name
            )
        )


def _result_of(answered_by: str, outcome: ConversationOutcome) -> CallResult:
    """The attempt result the compliance rules count: a conversation means the borrower spoke."""
    if answered_by == "machine":
        if outcome.disposition is Disposition.VOICEMAIL_LEFT:
            return CallResult.MESSAGE_LEFT
        return CallResult.VOICEMAIL
    if outcome.right_party:
        return CallResult.CONVERSATION
    return CallResult.ANSWERED_DROPPED
