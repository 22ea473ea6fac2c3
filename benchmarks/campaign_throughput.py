"""Simulated conversations per second and peak memory for a 7-day campaign on the UCI portfolio.

    python benchmarks/campaign_throughput.py [--days 7] [--seed 1] [--limit N] [--db URL]

Imports ../shared/data/uci_taiwan_credit/UCI_Credit_Card.csv into a fresh store (a temporary
SQLite file unless --db names another), runs the campaign, and prints the numbers. Peak memory
is the process's maximum resident set size, which includes the import.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from fairdial.campaign.runner import RunOptions, run_campaign
from fairdial.config import Settings
from fairdial.portfolio import import_portfolio
from fairdial.reporting.kpi import kpis
from fairdial.store import open_store

ROOT = Path(__file__).resolve().parents[1]
UCI = ROOT.parent / "shared" / "data" / "uci_taiwan_credit" / "UCI_Credit_Card.csv"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    if not UCI.exists():
        print(f"data set not found: {UCI}", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory() as folder:
        url = args.db or f"sqlite:///{folder}/bench.db"
        store = open_store(settings=Settings(home=Path(folder), database_url=url, key=None))

        began = time.perf_counter()
        report = import_portfolio(store, UCI, "uci-taiwan")
        import_s = time.perf_counter() - began

        options = RunOptions(
            days=args.days, seed=args.seed, start=date(2026, 3, 2), limit=args.limit
        )
        began = time.perf_counter()
        summary = run_campaign(store, options)
        run_s = time.perf_counter() - began
        with store.session() as session:
            figures = kpis(session, summary.campaign_id)
        store.close()

    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    connected = summary.conversations
    print(f"backend                    {url.split(':', 1)[0]}")
    print(f"rows imported              {report.rows_read} in {import_s:.1f} s")
    print(f"days simulated             {args.days}")
    print(f"attempts placed            {summary.attempts}")
    print(f"attempts blocked           {figures['attempts_blocked']}")
    print(f"sessions answered          {figures['results']}")
    print(f"right-party conversations  {connected}")
    print(f"policy decisions           {summary.decisions}")
    print(f"campaign wall time         {run_s:.1f} s")
    print(f"attempts per second        {summary.attempts / run_s:.0f}")
    print(f"conversations per second   {connected / run_s:.0f}")
    print(f"peak memory (max RSS)      {peak_mib:.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
