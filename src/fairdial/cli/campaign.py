"""`fairdial run` and `fairdial report`: run a campaign on the stored portfolio, read its KPIs."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import func, select

from fairdial.campaign.dialler import DayStats
from fairdial.campaign.lock import CampaignBusy
from fairdial.campaign.runner import CampaignError, RunOptions, RunSummary, run_campaign
from fairdial.campaign.runner import Progress as RunProgress
from fairdial.campaign.settings import CampaignSettings
from fairdial.cli import app
from fairdial.cli.common import DbOption, HomeOption, console, fail, store_from_options
from fairdial.reporting.kpi import kpis
from fairdial.store import Store
from fairdial.store.models import Account


class _Bar(RunProgress):
    """Draws one progress bar per campaign day."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task: int | None = None

    def day_started(self, day: date, planned: int) -> None:
        self._task = self._progress.add_task(f"day {day.isoformat()}", total=None)

    def attempt_done(self) -> None:
        if self._task is not None:
            self._progress.advance(self._task)

    def day_finished(self, day: date, stats: DayStats) -> None:
        if self._task is not None:
            self._progress.update(self._task, total=stats.attempts, completed=stats.attempts)


def run_with_progress(store: Store, options: RunOptions, quiet: bool = False) -> RunSummary:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("calls"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, disable=quiet, transient=False) as progress:
        try:
            return run_campaign(store, options, _Bar(progress))
        except (CampaignError, CampaignBusy) as exc:
            raise fail(str(exc)) from None


def print_report(figures: dict, title: str) -> None:  # type: ignore[type-arg]
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in figures.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items()) or "-"
        table.add_row(key.replace("_", " "), str(value))
    console.print(table)


@app.command("run")
def run_command(
    days: Annotated[
        int, typer.Option(min=1, max=90, help="Days of calling on the simulated clock.")
    ] = 1,
    seed: Annotated[
        int, typer.Option(help="Seed for the simulated borrowers; same seed, same run.")
    ] = 0,
    start: Annotated[
        str | None,
        typer.Option(help="First calling day, YYYY-MM-DD (default: after the last run)."),
    ] = None,
    limit: Annotated[
        int | None, typer.Option(min=1, help="Call at most this many accounts.")
    ] = None,
    lines: Annotated[int, typer.Option(min=1, max=1000, help="Calls carried at once.")] = 30,
    json_out: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    db: DbOption = None,
    home: HomeOption = None,
) -> None:
    """Plan, gate and dial the portfolio's overdue accounts with simulated borrowers."""
    try:
        first_day = date.fromisoformat(start) if start else None
    except ValueError:
        raise fail(f"--start {start!r} is not a date in the form YYYY-MM-DD") from None
    options = RunOptions(
        days=days,
        seed=seed,
        start=first_day,
        limit=limit,
        settings=CampaignSettings(lines=lines),
    )
    with store_from_options(db, home, must_exist=True) as store:
        with store.session() as session:
            if not session.scalar(select(func.count()).select_from(Account)):
                raise fail("the store has no accounts: import a portfolio first (fairdial import)")
        summary = run_with_progress(store, options, quiet=json_out)
        with store.session() as session:
            figures = kpis(session, summary.campaign_id)
    if json_out:
        print(json.dumps(figures, indent=2, ensure_ascii=False))
        return
    if summary.attempts == 0 and not figures["attempts_blocked"]:
        console.print("No overdue account with a balance was left to call.")
    print_report(figures, f"campaign {summary.campaign_id}: {days} day(s) from {summary.start}")


@app.command("report")
def report_command(
    campaign: Annotated[
        int | None, typer.Option(help="One campaign's figures (default: all).")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
    db: DbOption = None,
    home: HomeOption = None,
) -> None:
    """KPIs: attempts, connects, RPC and PTP rates, amounts promised, plans, hand-offs, blocks."""
    with store_from_options(db, home, must_exist=True) as store, store.session() as session:
        figures = kpis(session, campaign)
    if json_out:
        print(json.dumps(figures, indent=2, ensure_ascii=False))
        return
    print_report(figures, "all campaigns" if campaign is None else f"campaign {campaign}")
