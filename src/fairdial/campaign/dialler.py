"""One day of calling: lines take the best account that may be called now, and call it.

Time is the campaign's clock (clock.py). With simulated borrowers a day of calling takes
seconds: each line keeps its own clock and advances it by each call's length. With a real
carrier the lines share the machine's clock and sleep until an account may be called. Either
way an account's next attempt is never planned earlier than its previous one ended, so each
account's history stays in order whichever line calls it.

Each attempt's record goes to `records` (commits.py) as the call ends, and with a real carrier
the line waits for its commit before the account can come up again; a blocked decision and a
call a stop cut short are handed over without waiting.

On real lines a run can sit idle for hours, every account waiting for its zone's calling hours,
a cap or a retry: each such wait of a minute or more is logged once, with its end and no account.

A dial or a conversation that fails is an attempt like any other: it is recorded and the line
goes on. When the channel cannot say the call never left, the attempt is `UNKNOWN`, counted as
placed and not tried again that day, since the borrower's phone may have rung. A channel names
in `not_placed_errors` the exceptions its dial raises only when nothing left (a SIP user agent
with every line taken): those attempts are `NOT_PLACED`, like a dial that returns that result.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fairdial.campaign.clock import (
    CampaignClock,
    LineClock,
    RealTimeClock,
    SimulatedClock,
    local_day_bounds,
)
from fairdial.campaign.commits import Commits
from fairdial.campaign.gate import Gate
from fairdial.campaign.recorder import AttemptRecord
from fairdial.campaign.settings import CampaignSettings
from fairdial.campaign.targets import Target
from fairdial.conversation.engine import Announce, HandOff, converse
from fairdial.conversation.outcome import ConversationOutcome
from fairdial.dispositions import Disposition
from fairdial.policy import Decision, PolicyInputError
from fairdial.telephony.base import CallResult, CallSession, Channel, DialOutcome, DialRequest
from fairdial.telephony.transfer import TRANSFERRED, Convenient, Transferable
from fairdial.telephony.transfer import HandOff as Handed

log = logging.getLogger("fairdial.campaign")

# On real lines, a wait at least this long is said: shorter ones pass unnoticed anyway.
WAIT_WORTH_SAYING = timedelta(minutes=1)

RETRYABLE = {
    CallResult.NO_ANSWER,
    CallResult.BUSY,
    CallResult.VOICEMAIL,
    CallResult.MESSAGE_LEFT,
    CallResult.NOT_PLACED,
}
# Any other result without a session is recorded as unanswered: nobody spoke with the bot.
NO_SESSION_DISPOSITIONS = {
    CallResult.NO_ANSWER: Disposition.NO_ANSWER,
    CallResult.BUSY: Disposition.BUSY,
    CallResult.NOT_IN_SERVICE: Disposition.NOT_IN_SERVICE,
    CallResult.NOT_PLACED: Disposition.NOT_PLACED,
    CallResult.UNKNOWN: Disposition.OUTCOME_UNKNOWN,
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


class Dialler:
    """Carries one day of calls on `settings.lines` lines, on a simulated clock by default."""

    def __init__(
        self,
        channel: Channel,
        gate: Gate,
        records: Commits,
        settings: CampaignSettings,
        on_attempt: Callable[[], None] | None = None,
        clock: CampaignClock | None = None,
    ) -> None:
        self._channel = channel
        self._gate = gate
        self._records = records
        self._settings = settings
        self._on_attempt = on_attempt or (lambda: None)
        self._clock = clock or SimulatedClock()
        # The minute (UTC) the last idle stretch said was its end, so that lines going idle
        # until the same minute say it once between them.
        self._idle_said: datetime | None = None

    async def run_day(self, day: date, targets: list[Target]) -> DayStats:
        stats = DayStats()
        schedule = _Schedule()
        day_ends: dict[int, datetime] = {}
        earliest: datetime | None = None
        closes_at = self._clock.closes_at

        for target in targets:
            if target.done:
                continue
            target.attempts_today = 0
            start, end = local_day_bounds(target, self._clock.calling_day(target, day))
            if closes_at is not None:
                end = min(end, closes_at)
            day_ends[target.account_id] = end
            stats.planned += 1
            plan = self._gate.plan_day(target, start)
            ready = plan.ready_at
            if ready is None:
                self._block(target, plan.decision, plan.decision.at, stats)
                continue
            if ready >= end:
                continue  # its time comes after the run closes
            schedule.push(target, ready)
            earliest = ready if earliest is None else min(earliest, ready)

        if earliest is None:
            return stats
        # The run says before the day how long it waits for the first call (runner.py).
        self._idle_said = _minute(earliest)
        lines = [
            asyncio.create_task(self._line(schedule, self._clock.line(earliest), day_ends, stats))
            for _ in range(self._settings.lines)
        ]
        try:
            await asyncio.gather(*lines)
        except BaseException:
            # One line's failure (or the run being cancelled) ends every line, each of which
            # records the call it was on before the error goes up.
            for task in lines:
                task.cancel()
            await asyncio.gather(*lines, return_exceptions=True)
            raise
        return stats

    async def _line(
        self, schedule: _Schedule, line: LineClock, day_ends: dict[int, datetime], stats: DayStats
    ) -> None:
        while True:
            now = line.now()
            closes_at = self._clock.closes_at
            if closes_at is not None and now >= closes_at:
                return
            slot = schedule.take(now)
            if slot is None:
                upcoming = schedule.next_time()
                if upcoming is None or (closes_at is not None and upcoming >= closes_at):
                    return
                self._say_idle(now, upcoming)
                await line.wait_until(upcoming)
                continue

            target = slot.target
            end = day_ends[target.account_id]
            decision = self._gate.decide(target, now)
            if not decision.allowed:
                later = decision.next_allowed_at
                if later is not None and later < end:
                    schedule.push(target, later)
                elif target.attempts_today == 0:
                    self._block(target, decision, now, stats)
                continue

            record = await self._call(target, decision, now, line, stats)
            await line.wait_until((record.ended_at or now) + self._settings.wrap_up)
            if (
                record.result in RETRYABLE
                and not target.done
                and target.attempts_today < self._settings.max_attempts_per_day
            ):
                retry_at = line.now() + self._settings.retry_gap
                if retry_at < end:
                    schedule.push(target, retry_at)

    async def _call(
        self, target: Target, decision: Decision, at: datetime, line: LineClock, stats: DayStats
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
        record = AttemptRecord(
            target=target,
            decision=decision,
            planned_at=at,
            channel=self._channel.name,
            started_at=at,
        )
        try:
            await self._place(request, record, line, stats)
        except asyncio.CancelledError:
            # A call stopped midway happened on a phone line all the same: it is recorded.
            self._records.add_nowait(record)
            raise
        # Stored before the line may dial the account again (it is pushed back only after).
        await self._records.add(record)
        self._on_attempt()
        return record

    async def _place(
        self, request: DialRequest, record: AttemptRecord, line: LineClock, stats: DayStats
    ) -> None:
        """Dial, hold the conversation if someone or something answers, and fill in `record`."""
        dialled = await self._dial(request, record, line)
        if dialled is None:
            return

        answered_at = request.at + timedelta(seconds=dialled.ring_seconds)
        record.result = dialled.result
        record.ended_at = answered_at
        if dialled.session is None:
            record.disposition = NO_SESSION_DISPOSITIONS.get(dialled.result, Disposition.NO_ANSWER)
            return

        stats.connects += 1
        await self._converse(dialled.session, request, record, answered_at, line)
        if record.result is CallResult.CONVERSATION:
            stats.conversations += 1

    async def _dial(
        self, request: DialRequest, record: AttemptRecord, line: LineClock
    ) -> DialOutcome | None:
        """The channel's outcome; None when the dial raised, with `record` filled in for it."""
        try:
            return await self._channel.dial(request)
        except asyncio.CancelledError:
            _cut_short(record, None, line)
            raise
        except Exception as error:
            record.result = self._failed_dial_result(error, request)
            record.disposition = NO_SESSION_DISPOSITIONS[record.result]
            record.ended_at = line.now()
            return None

    def _failed_dial_result(self, error: Exception, request: DialRequest) -> CallResult:
        """NOT_PLACED when the channel says this error means nothing left, else UNKNOWN."""
        not_placed: tuple[type[Exception], ...] = getattr(self._channel, "not_placed_errors", ())
        extra = {"attempt": request.attempt_ref}
        # The class only: an error's message may quote the number dialled.
        if isinstance(error, not_placed):
            log.warning("dial not placed: %s", type(error).__name__, extra=extra)
            return CallResult.NOT_PLACED
        log.error("dial failed, outcome unknown: %s", type(error).__name__, extra=extra)
        return CallResult.UNKNOWN

    async def _converse(
        self,
        session: CallSession,
        request: DialRequest,
        record: AttemptRecord,
        answered_at: datetime,
        line: LineClock,
    ) -> None:
        """Hold the conversation and record what came of it, or how far it got if it failed."""
        target = record.target
        try:
            hand_off = _hand_off(session, record, self._convenient(target))
            outcome = await converse(session, target.facts, hand_off=hand_off)
        except asyncio.CancelledError:
            _cut_short(record, session, line)
            # The carrier leg is hung up by whoever stopped the run; this frees the session's
            # own tasks, and a failure here must not hide the stop.
            with contextlib.suppress(Exception):
                await session.hangup()
            raise
        except Exception as error:
            log.error(
                "conversation failed, call cut short: %s",
                type(error).__name__,
                extra={"attempt": request.attempt_ref},
            )
            _cut_short(record, session, line)
            # A simulated line's clock stands still during a call; the answer came before the end.
            record.ended_at = max(line.now(), answered_at)
            with contextlib.suppress(Exception):
                await session.hangup()
            return

        record.outcome = outcome
        record.ended_at = line.call_ended(answered_at, session.elapsed_seconds())
        record.disposition = outcome.disposition
        record.result = _result_of(session.answered_by, outcome)
        if outcome.disposition in SETTLED or outcome.holds or outcome.escalation:
            target.done = True
        if outcome.right_party:
            target.facts = replace(target.facts, first_contact=False)

    def _say_idle(self, now: datetime, until: datetime) -> None:
        """On real lines, say when calls resume after a wait of a minute or more: otherwise a
        run waiting for calling hours, a cap or a retry looks stuck. Each end is said once."""
        if not isinstance(self._clock, RealTimeClock) or until - now < WAIT_WORTH_SAYING:
            return
        minute = _minute(until)
        if minute == self._idle_said:
            return
        self._idle_said = minute
        log.info("lines idle until %s UTC: no account may be called sooner", f"{minute:%H:%M}")

    def _convenient(self, target: Target) -> Convenient:
        """When a person may call `target` back: inside the calling hours of every zone the
        borrower may be in; None when the pack cannot say, and the desk's own delay stands."""

        def convenient(at: datetime) -> datetime | None:
            try:
                return self._gate.convenient(target, at)
            except PolicyInputError:
                return None

        return convenient

    def _block(self, target: Target, decision: Decision, at: datetime, stats: DayStats) -> None:
        stats.blocked += 1
        self._records.add_nowait(
            AttemptRecord(
                target=target, decision=decision, planned_at=at, channel=self._channel.name
            )
        )


def _hand_off(
    session: CallSession, record: AttemptRecord, convenient: Convenient
) -> HandOff | None:
    """A carrier call's way to a person when its conversation escalates; None without one.

    What the desk announces reaches the conversation with the call-back time in the borrower's
    local time, inside their calling hours (`convenient`); the callback it books is the
    attempt's escalation, completed by the recorder.
    """
    if not isinstance(session, Transferable):
        return None
    zones = _borrower_zones(record.target)

    async def hand_off(outcome: ConversationOutcome, announce: Announce) -> bool:
        async def in_local_time(handed: Handed) -> None:
            if handed.escalation_id is not None:
                # Kept before anything is said: a call that fails from here on still records
                # its escalation on the booked row rather than beside it.
                record.escalation_id = handed.escalation_id
                outcome.callback_due = handed.due_at
            await announce(handed.kind, _local_time(handed.due_at, zones))

        result = await session.transfer(
            summary=outcome.summary,
            reason=outcome.escalation or "",
            account_id=record.target.account_id,
            announce=in_local_time,
            convenient=convenient,
        )
        outcome.hand_off = result.kind
        outcome.callback_due = result.due_at
        record.escalation_id = result.escalation_id
        return result.kind in TRANSFERRED

    return hand_off


def _minute(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(second=0, microsecond=0)


def _borrower_zones(target: Target) -> tuple[str, ...]:
    """The zones of the number being called, else the borrower's: where they are now."""
    point = target.history.contact_points.get(target.contact_point_key)
    if point is not None and point.timezones:
        return point.timezones
    return target.history.borrower_timezones


def _local_time(moment: datetime | None, zones: tuple[str, ...]) -> datetime | None:
    """`moment` on the borrower's clock; None unless every zone they may be in agrees on it."""
    if moment is None or not zones:
        return None
    try:
        clocks = [moment.astimezone(ZoneInfo(zone)) for zone in zones]
    except (ValueError, ZoneInfoNotFoundError):
        return None  # a zone this machine does not know: no time is better than a wrong one
    if len({clock.replace(tzinfo=None) for clock in clocks}) != 1:
        return None
    return clocks[0]


def _cut_short(record: AttemptRecord, session: CallSession | None, line: LineClock) -> None:
    """What a call stopped midway counts as, erring towards the stricter rule.

    A call stopped while ringing may have reached the phone: an unanswered attempt. A person on
    the line may already have heard about the debt: a conversation, so the quiet period after
    one holds (its disposition, hung up, says the call was cut short).
    """
    record.ended_at = line.now()
    if session is None:
        record.result = CallResult.NO_ANSWER
        record.disposition = Disposition.NO_ANSWER
    elif session.answered_by == "machine":
        record.result = CallResult.VOICEMAIL
        record.disposition = Disposition.VOICEMAIL_NO_MESSAGE
    else:
        record.result = CallResult.CONVERSATION
        record.disposition = Disposition.HUNG_UP


def _result_of(answered_by: str, outcome: ConversationOutcome) -> CallResult:
    """The attempt result the compliance rules count: a conversation means the borrower spoke."""
    if answered_by == "machine":
        if outcome.disposition is Disposition.VOICEMAIL_LEFT:
            return CallResult.MESSAGE_LEFT
        return CallResult.VOICEMAIL
    if outcome.right_party:
        return CallResult.CONVERSATION
    return CallResult.ANSWERED_DROPPED
