"""A campaign over several days: plan each day from the store, dial it, record it.

A simulated campaign runs on the campaign's own clock, day after day. A real-time campaign
(`RunOptions.real_time`, for a real carrier) calls today only, on the machine's clock, and
commits every attempt as it ends, on a writer thread beside the calls (commits.py); setting
its `stop` event ends it early: no new call starts, calls in progress finish, and the campaign
is marked interrupted.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import signal
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select

from fairdial.campaign.clock import (
    CampaignClock,
    RealTimeClock,
    SimulatedClock,
    account_zone,
    local_day_bounds,
)
from fairdial.campaign.commits import commits_for
from fairdial.campaign.dialler import WAIT_WORTH_SAYING, DayStats, Dialler
from fairdial.campaign.gate import Gate
from fairdial.campaign.lock import campaign_lock
from fairdial.campaign.progress import Progress
from fairdial.campaign.recorder import AttemptRecord
from fairdial.campaign.settings import CampaignSettings
from fairdial.campaign.targets import DialList, Target, book_unverifiable, dial_list
from fairdial.store import Store
from fairdial.store.models import Account, Borrower, CallAttempt, Campaign
from fairdial.telephony.base import Channel
from fairdial.telephony.sim import FactsLookup, SimChannel

log = logging.getLogger("fairdial.campaign")

# Builds the campaign's channel from the account lookup and the seed; SimChannel by default.
ChannelFactory = Callable[[FactsLookup, int], Channel]


@dataclass(frozen=True)
class RunOptions:
    days: int = 1
    seed: int = 0
    start: date | None = None  # default: the day after the last recorded attempt, else today
    limit: int | None = None  # call at most this many accounts (best first)
    name: str = "campaign"
    settings: CampaignSettings = field(default_factory=CampaignSettings)
    channel: ChannelFactory | None = None  # e.g. simulated borrowers in audio (sim_audio.py)
    real_time: bool = False  # today only, on the machine's clock: for a real carrier
    until: datetime | None = None  # real time only: no call starts at or after this instant


@dataclass
class RunSummary:
    campaign_id: int
    start: date
    days: list[tuple[date, DayStats]]
    decisions: int
    elapsed_s: float
    status: str = "finished"  # or "interrupted": stopped before the work was done
    # Accounts left out because no call could verify their borrower, each escalated once.
    unverifiable: int = 0

    @property
    def attempts(self) -> int:
        return sum(stats.attempts for _, stats in self.days)

    @property
    def conversations(self) -> int:
        return sum(stats.conversations for _, stats in self.days)


def default_start(store: Store) -> date:
    last = last_attempt_day(store)
    return datetime.now(UTC).date() if last is None else last + timedelta(days=1)


class CampaignError(ValueError):
    """The campaign cannot run as asked (its dates, or the store it would run on)."""


def last_attempt_day(store: Store) -> date | None:
    with store.session() as session:
        last = session.scalar(select(func.max(CallAttempt.planned_at)))
    return None if last is None else last.date()


def check_dates(store: Store, start: date, days: int) -> None:
    """Refuse a run that would go back before recorded calls, or past the calendar's end."""
    last = last_attempt_day(store)
    if last is not None and start <= last:
        # The gate judges each call by the calls before it; going back would call around them.
        raise CampaignError(
            f"the first calling day {start} is not after the last recorded attempt ({last}); "
            "start on a later day"
        )
    try:
        # The gate looks up to 400 days ahead for the next allowed time.
        start + timedelta(days=days + 400)
    except OverflowError:
        raise CampaignError(f"{days} days from {start} run past the end of the calendar") from None


def check_real_time(store: Store, options: RunOptions, now: datetime) -> date:
    """Refuse a real-time run that is not today's, or a store that holds calls after `now`.

    Returns today's date on this machine, the day the campaign is recorded under.
    """
    today = now.astimezone().date()
    if options.days != 1:
        raise CampaignError("a real-time campaign calls today only: days must be 1")
    if options.start is not None and options.start != today:
        raise CampaignError(f"a real-time campaign starts today ({today}), not on {options.start}")
    if options.until is not None and options.until <= now:
        raise CampaignError(f"the closing time {options.until:%Y-%m-%d %H:%M %Z} has passed")
    with store.session() as session:
        latest = session.scalar(select(func.max(CallAttempt.started_at)))
    if latest is not None and latest > now:
        # The gate judges a call by the calls before it: simulated calls dated in the future
        # would be counted against today's real ones, or real ones slipped in before them.
        raise CampaignError(
            f"the store holds calls placed after now (the latest on {latest:%Y-%m-%d}), from a "
            "simulated campaign ahead of the real clock; place real calls on a store of their own"
        )
    return today


def run_campaign(store: Store, options: RunOptions, progress: Progress | None = None) -> RunSummary:
    """Run the campaign to its end; SIGINT or SIGTERM stop it as KeyboardInterrupt, with the
    campaign marked interrupted and every attempt made so far kept."""
    with campaign_lock(store):
        try:
            return asyncio.run(_stoppable(run_campaign_async(store, options, progress)))
        except asyncio.CancelledError:
            raise KeyboardInterrupt from None


async def _stoppable(work: Coroutine[Any, Any, RunSummary]) -> RunSummary:
    """Cancel `work` on SIGINT or SIGTERM: a service manager's stop, or a Ctrl-C that reaches
    a process its shell started with SIGINT ignored, then ends the run as Ctrl-C does."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    handled = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, task.cancel)
        except (NotImplementedError, RuntimeError, ValueError):
            continue  # not the main thread, or a platform without them: the defaults stay
        handled.append(signum)
    try:
        return await work
    finally:
        for signum in handled:
            loop.remove_signal_handler(signum)


async def run_campaign_async(
    store: Store,
    options: RunOptions,
    progress: Progress | None = None,
    stop: asyncio.Event | None = None,
) -> RunSummary:
    """Run the campaign; hold `campaign_lock(store)` around it (run_campaign does).

    `stop`, once set, ends a real-time campaign early (see the module docstring).
    """
    progress = progress or Progress()
    began = datetime.now(UTC)
    clock: CampaignClock
    if options.real_time:
        start = check_real_time(store, options, began)
        clock = RealTimeClock(options.until)
    else:
        start = options.start or default_start(store)
        check_dates(store, start, options.days)
        clock = SimulatedClock()
    targets_by_ref: dict[str, Target] = {}
    make_channel = options.channel or SimChannel
    channel = make_channel(
        lambda ref: (targets_by_ref[ref].facts, targets_by_ref[ref].attributes), options.seed
    )
    settings: dict[str, object] = {"lines": options.settings.lines, "limit": options.limit}
    if options.real_time:
        until = options.until.isoformat() if options.until else None
        settings.update(real_time=True, until=until)
    with store.transaction() as session:
        campaign = Campaign(
            name=options.name,
            channel=channel.name,
            seed=options.seed,
            start_date=start,
            days=options.days,
            status="running",
            settings=settings,
            created_at=began,
        )
        session.add(campaign)
        session.flush()
        campaign_id = campaign.id
    log.info("campaign started", extra={"campaign_id": campaign_id, "days": options.days})

    closing = None
    if stop is not None and isinstance(clock, RealTimeClock):
        closing = asyncio.create_task(_close_when_stopped(stop, clock, campaign_id))
    try:
        days, decisions, unverifiable = await _run_days(
            store, options, start, channel, clock, targets_by_ref, progress, campaign_id
        )
    except asyncio.CancelledError:
        _finish(store, campaign_id, "interrupted")
        raise
    except BaseException:
        _finish(store, campaign_id, "failed")
        raise
    finally:
        if closing is not None:
            closing.cancel()
    stopped = closing is not None and stop is not None and stop.is_set()
    status = "interrupted" if stopped else "finished"
    _finish(store, campaign_id, status)
    elapsed = (datetime.now(UTC) - began).total_seconds()
    return RunSummary(campaign_id, start, days, decisions, elapsed, status, unverifiable)


async def _close_when_stopped(stop: asyncio.Event, clock: RealTimeClock, campaign_id: int) -> None:
    await stop.wait()
    clock.close()
    log.info("campaign stopping: no new calls", extra={"campaign_id": campaign_id})


def _finish(store: Store, campaign_id: int, status: str) -> None:
    with store.transaction() as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is not None:
            campaign.status = status
            campaign.finished_at = datetime.now(UTC)


async def _run_days(
    store: Store,
    options: RunOptions,
    start: date,
    channel: Channel,
    clock: CampaignClock,
    targets_by_ref: dict[str, Target],
    progress: Progress,
    campaign_id: int,
) -> tuple[list[tuple[date, DayStats]], int, int]:
    gate = Gate()
    records = commits_for(store, campaign_id, options.real_time, _annotator(channel))
    dialler = Dialler(
        channel, gate, records, options.settings, on_attempt=progress.attempt_done, clock=clock
    )

    def load(day: date) -> DialList:
        booked_at = clock.now() if isinstance(clock, RealTimeClock) else _day_start(day)
        with store.transaction() as session:
            found = dial_list(
                session, day, options.settings, options.limit, real_lines=options.real_time
            )
            book_unverifiable(session, found.unverifiable, booked_at)
        return found

    days: list[tuple[date, DayStats]] = []
    unverifiable = 0
    try:
        for offset in range(options.days):
            day = start + timedelta(days=offset)
            found = await records.run(functools.partial(load, day))
            _say_unverifiable(found, campaign_id, day)
            unverifiable += len(found.unverifiable)
            targets = found.targets
            targets = [replace_today(t, clock.calling_day(t, day)) for t in targets]
            targets_by_ref.clear()
            targets_by_ref.update((t.account_ref, t) for t in targets)
            if isinstance(clock, RealTimeClock):
                await records.run(functools.partial(_say_when_calls_start, store, targets, clock))
            progress.day_started(day, len(targets))
            stats = await dialler.run_day(day, targets)
            await records.flush()
            days.append((day, stats))
            progress.day_finished(day, stats)
            log.info(
                "campaign day finished",
                extra={
                    "campaign_id": campaign_id,
                    "day": day.isoformat(),
                    "attempts": stats.attempts,
                },
            )
    except BaseException:
        # The calls made before a stop or a failure happened: they are kept, with their decisions.
        records.close()
        raise
    records.close()
    return days, gate.decisions, unverifiable


def _day_start(day: date) -> datetime:
    """When a simulated day's list is drawn up, on the campaign's clock."""
    return datetime.combine(day, time(0, 0), UTC)


def _say_unverifiable(found: DialList, campaign_id: int, day: date) -> None:
    """How many accounts the day leaves out for a person to complete: a count, never a name."""
    if not found.unverifiable:
        return
    log.info(
        "%d accounts left out: no borrower name or identity factor to verify them; "
        "each escalated for a person to complete the record (identity_unverifiable)",
        len(found.unverifiable),
        extra={"campaign_id": campaign_id, "day": day.isoformat()},
    )


def _say_when_calls_start(store: Store, targets: list[Target], clock: RealTimeClock) -> None:
    """Before a real-time day: why no account will be called, or how long until the first may.

    Otherwise a run waiting for calling hours, or with nobody to call, shows nothing for a long
    time. The lines name a time and a time zone, never an account.
    """
    if not targets:
        real, synthetic = _accounts_by_kind(store)
        if synthetic and not real:
            log.warning(
                "no account has a real number: the %d accounts with a balance belong to "
                "synthetic borrowers, who are never dialled on real lines",
                synthetic,
            )
        return
    now = clock.now()
    gate = Gate()  # its own: the run's gate counts the decisions the run makes
    first: tuple[datetime, Target] | None = None
    for target in targets:
        start, end = local_day_bounds(target, clock.calling_day(target, now.date()))
        if clock.closes_at is not None:
            end = min(end, clock.closes_at)
        ready = gate.plan_day(target, start).ready_at
        if ready is not None and ready < end and (first is None or ready < first[0]):
            first = (ready, target)
    if first is None:
        log.info("no account may be called before this run closes (calling hours, caps, holds)")
        return
    ready, target = first
    if ready - now < WAIT_WORTH_SAYING:
        return
    zone = account_zone(target)
    log.info(
        "waiting until %s %s (%s UTC) for the next account",
        f"{ready.astimezone(zone):%H:%M}",
        zone,
        f"{ready.astimezone(UTC):%H:%M}",
    )


def _accounts_by_kind(store: Store) -> tuple[int, int]:
    """Accounts with a balance overdue, of real borrowers and of synthetic ones."""
    with store.session() as session:
        query = (
            select(Borrower.synthetic, func.count())
            .select_from(Account)
            .join(Borrower, Account.borrower_id == Borrower.id)
            .where(Account.status == "delinquent", Account.balance_minor > 0)
            .group_by(Borrower.synthetic)
        )
        counts = {bool(synthetic): count for synthetic, count in session.execute(query)}
    return counts.get(False, 0), counts.get(True, 0)


def _annotator(channel: Channel) -> Callable[[AttemptRecord], None] | None:
    """What a channel that measures its calls adds to each record: latency, recording path."""
    finish = getattr(channel, "finish", None)
    if finish is None:
        return None

    def annotate(record: AttemptRecord) -> None:
        if record.started_at is None:
            return
        # The dialler names each attempt "<account ref>#<attempts so far>" when it dials.
        attempt_ref = f"{record.target.account_ref}#{record.target.attempts_total}"
        call = finish(attempt_ref, record.disposition.value)
        if call is None:
            return
        record.extra["latency"] = call.latency()
        if call.recording is not None:
            record.extra["recording"] = str(call.recording)

    return annotate


def replace_today(target: Target, day: date) -> Target:
    target.facts = replace(target.facts, today=day)
    return target
