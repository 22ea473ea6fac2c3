"""Planning one calling day for a large portfolio: compliance decisions per second.

    python benchmarks/policy_planning.py [--accounts 1000000] [--workers 2] [--seed 1]

Each account gets a generated contact history of up to two weeks (attempts with every result,
conversations, holds, call-back consents) in Taiwan or a US state. Planning the day asks the
account's policy pack, at the start of the borrower's local day, when the account may first be
called; the answer is either a time that day or a block with its reasons. Histories are built
before the clock starts, as the campaign keeps them in memory between decisions; the figure
that matters is the wall time of the planning itself against the 60 s goal.
"""

from __future__ import annotations

import argparse
import gc
import random
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from fairdial.campaign.planning import plan_day
from fairdial.policy import Action, ContactPointInfo, Event, History, load_pack

DAY = date(2026, 3, 9)  # a Monday
US_STATES = {
    "NY": ("America/New_York",),
    "CA": ("America/Los_Angeles",),
    "TX": ("America/Chicago", "America/Denver"),
    "FL": ("America/New_York", "America/Chicago"),
    "MA": ("America/New_York",),
    "WA": ("America/Los_Angeles",),
    "AZ": ("America/Phoenix",),
}
RESULTS = ("no_answer", "no_answer", "busy", "voicemail", "message_left", "conversation")


def _account(n: int, rng: random.Random) -> tuple[str, History, Action, datetime]:
    if rng.random() < 0.7:
        pack_id, zones = "TW", ("Asia/Taipei",)
    else:
        state = rng.choice(sorted(US_STATES))
        pack_id, zones = f"US-{state}", US_STATES[state]
    point = ContactPointInfo(id="m1", kind="mobile", timezones=zones, ai_voice_consent=True)
    local_start = datetime.combine(DAY, datetime.min.time(), ZoneInfo(zones[0]))

    events: list[Event] = []
    for _ in range(rng.randint(0, 12)):
        at = local_start - timedelta(days=rng.randint(1, 14), hours=rng.uniform(-11, -1))
        events.append(
            Event(kind="attempt", at=at, contact_point="m1", debts=(f"D{n}",),
                  result=rng.choice(RESULTS))
        )  # fmt: skip
    if rng.random() < 0.02:
        events.append(Event(kind="hold", at=local_start - timedelta(days=3), hold="cease"))
    if rng.random() < 0.02:
        consent_at = local_start - timedelta(days=1)
        events.append(Event(kind="consent", at=consent_at, debts=(f"D{n}",), for_date=DAY))
    history = History(contact_points={"m1": point}, borrower_timezones=zones, events=events)
    return pack_id, history, Action(contact_point="m1", debts=(f"D{n}",)), local_start


def _plan_shard(args: tuple[int, int, int]) -> tuple[Counter[str], float, float]:
    start, stop, seed = args
    rng = random.Random(seed * 1_000_003 + start)
    gc.disable()
    began = time.perf_counter()
    accounts = [_account(n, rng) for n in range(start, stop)]
    built_s = time.perf_counter() - began
    # Half a million long-lived histories make every cyclic collection walk all of them; a
    # planner holding its portfolio in memory moves them out of the collector's sight.
    gc.freeze()

    packs = {pack_id: load_pack(pack_id) for pack_id in {a[0] for a in accounts}}
    outcome: Counter[str] = Counter()
    began = time.perf_counter()
    for pack_id, history, action, local_start in accounts:
        plan = plan_day(packs[pack_id], history, action, local_start)
        if plan.ready_at is not None:
            outcome["planned"] += 1
        else:
            outcome.update(plan.decision.reasons)
            outcome["blocked"] += 1
    return outcome, time.perf_counter() - began, built_s


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    # One shard per worker: each builds its histories, then plans them, so the planning of the
    # shards runs side by side and the slowest shard's planning time is the day's.
    shard = -(-args.accounts // args.workers)
    shards = [
        (start, min(start + shard, args.accounts), args.seed)
        for start in range(0, args.accounts, shard)
    ]
    wall = time.perf_counter()
    totals: Counter[str] = Counter()
    planning_cpu = building_cpu = plan_wall = 0.0
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        for outcome, plan_s, built_s in pool.map(_plan_shard, shards):
            totals.update(outcome)
            planning_cpu += plan_s
            building_cpu += built_s
            plan_wall = max(plan_wall, plan_s)
    wall_s = time.perf_counter() - wall
    decisions = totals["planned"] + 2 * totals["blocked"]

    print(f"accounts                 {args.accounts:,}")
    print(f"workers                  {args.workers}")
    print(f"planned for the day      {totals['planned']:,}")
    print(f"blocked for the day      {totals['blocked']:,}")
    reasons = {k: v for k, v in totals.items() if k not in ("planned", "blocked")}
    print(f"block reasons            {dict(sorted(reasons.items()))}")
    print(f"history building (cpu)   {building_cpu:.1f} s")
    print(f"planning (cpu)           {planning_cpu:.1f} s")
    print(f"decisions                {decisions:,} (a blocked day takes two)")
    print(f"decisions per second     {decisions / plan_wall:,.0f} ({args.workers} workers)")
    print(f"decisions per cpu second {decisions / planning_cpu:,.0f}")
    print(f"wall time, all work      {wall_s:.1f} s")
    print(f"wall time, planning      {plan_wall:.1f} s (goal 60 s: {plan_wall / 60:.2f} of it)")
    print(f"finished at              {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
