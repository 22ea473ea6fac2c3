"""A campaign over several days: plan each day from the store, dial it, record it."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from fairdial.campaign.dialler import DayStats, Dialler
from fairdial.campaign.gate import Gate
from fairdial.campaign.recorder import Recorder
from fairdial.campaign.settings import CampaignSettings
from fairdial.campaign.targets import Target, load_targets
from fairdial.store import Store
from fairdial.store.models import CallAttempt, Campaign
from fairdial.telephony.sim import SimChannel

log = logging.getLogger("fairdial.campaign")


@dataclass(frozen=True)
class RunOptions:
    days: int = 1
    seed: int = 0
    start: date | None = None  # default: the day after the last recorded attempt, else today
    limit: int | None = None  # call at most this many accounts (best first)
    name: str = "campaign"
    settings: CampaignSettings = field(default_factory=CampaignSettings)


@dataclass
class RunSummary:
    campaign_id: int
    start: date
    days: list[tuple[date, DayStats]]
    decisions: int
    elapsed_s: float

    @property
    def attempts(self) -> int:
        return sum(stats.attempts for _, stats in self.days)

    @property
    def conversations(self) -> int:
        return sum(stats.conversations for _, stats in self.days)


class Progress:
    """What a runner reports while it works; the CLI draws it as a progress bar."""

    def day_started(self, day: date, planned: int) -> None: ...

    def attempt_done(self) -> None: ...

    def day_finished(self, day: date, stats: DayStats) -> None: ...


def default_start(store: Store) -> date:
    with store.session() as session:
        last = session.scalar(select(func.max(CallAttempt.planned_at)))
    if last is None:
        return datetime.now(UTC).date()
    return (last + timedelta(days=1)).date()


def run_campaign(store: Store, options: RunOptions, progress: Progress | None = None) -> RunSummary:
    return asyncio.run(run_campaign_async(store, options, progress))


async def run_campaign_async(
    store: Store, options: RunOptions, progress: Progress | None = None
) -> RunSummary:
    progress = progress or Progress()
    start = options.start or default_start(store)
    began = datetime.now(UTC)
    with store.transaction() as session:
        campaign = Campaign(
            name=options.name,
            channel="sim",
            seed=options.seed,
            start_date=start,
            days=options.days,
            status="running",
            settings={"lines": options.settings.lines, "limit": options.limit},
            created_at=began,
        )
        session.add(campaign)
        session.flush()
        campaign_id = campaign.id
    log.info("campaign started", extra={"campaign_id": campaign_id, "days": options.days})

    gate = Gate()
    recorder = Recorder(store, campaign_id)
    targets_by_ref: dict[str, Target] = {}
    channel = SimChannel(
        facts_for=lambda ref: (targets_by_ref[ref].facts, targets_by_ref[ref].attributes),
        seed=options.seed,
    )
    dialler = Dialler(channel, gate, recorder, options.settings, on_attempt=progress.attempt_done)

    days: list[tuple[date, DayStats]] = []
    for offset in range(options.days):
        day = start + timedelta(days=offset)
        with store.session() as session:
            targets = load_targets(session, day, options.settings, options.limit)
        targets = [replace_today(t, day) for t in targets]
        targets_by_ref.clear()
        targets_by_ref.update((t.account_ref, t) for t in targets)
        progress.day_started(day, len(targets))
        stats = await dialler.run_day(day, targets)
        recorder.flush()
        days.append((day, stats))
        progress.day_finished(day, stats)
        log.info(
            "campaign day finished",
            extra={"campaign_id": campaign_id, "day": day.isoformat(), "attempts": stats.attempts},
        )

    with store.transaction() as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        campaign.status = "finished"
        campaign.finished_at = datetime.now(UTC)
    elapsed = (datetime.now(UTC) - began).total_seconds()
    return RunSummary(campaign_id, start, days, gate.decisions, elapsed)


def replace_today(target: Target, day: date) -> Target:
    target.facts = replace(target.facts, today=day)
    return target
