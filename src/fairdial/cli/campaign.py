"""`fairdial run` and `fairdial report`: run a campaign on the stored portfolio, read its KPIs."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from fairdial.campaign.progress import Progress as RunProgress
from fairdial.campaign.settings import CampaignSettings
from fairdial.cli import app
from fairdial.cli.common import (
    SEED_MAX,
    DbOption,
    HomeOption,
    console,
    err_console,
    fail,
    store_from_options,
)

# The campaign machinery, the store and the speech models load when a command runs, not when
# `fairdial --help` lists the commands.
if TYPE_CHECKING:
    from fairdial.campaign.dialler import DayStats
    from fairdial.campaign.runner import RunOptions, RunSummary
    from fairdial.server.config import ServeConfig
    from fairdial.store import Store

DEFAULT_LINES = CampaignSettings().lines


class _Bar(RunProgress):
    """Draws one progress bar per campaign day."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task: TaskID | None = None

    def day_started(self, day: date, planned: int) -> None:
        self._task = self._progress.add_task(f"day {day.isoformat()}", total=None)

    def attempt_done(self) -> None:
        if self._task is not None:
            self._progress.advance(self._task)

    def day_finished(self, day: date, stats: DayStats) -> None:
        if self._task is not None:
            self._progress.update(self._task, total=stats.attempts, completed=stats.attempts)


def run_with_progress(
    store: Store, options: RunOptions, quiet: bool = False, store_options: str = ""
) -> RunSummary:
    """Run the campaign under a progress bar; Ctrl-C ends it with one line saying what was
    kept. `store_options` are what `fairdial report` needs to find the same store."""
    from fairdial.campaign.runner import run_campaign

    before = _last_campaign_id(store)
    try:
        return _with_progress(lambda bar: run_campaign(store, options, bar), quiet)
    except KeyboardInterrupt:
        raise _interrupted(store, before, store_options) from None


def _last_campaign_id(store: Store) -> int:
    from sqlalchemy import func, select

    from fairdial.store.models import Campaign

    with store.session() as session:
        return session.scalar(select(func.max(Campaign.id))) or 0


def _interrupted(store: Store, before: int, store_options: str) -> typer.Exit:
    """The exit of a run stopped by Ctrl-C, after saying which campaign holds its attempts."""
    from sqlalchemy import func, select

    from fairdial.store.models import CallAttempt

    campaign_id = _last_campaign_id(store)
    if campaign_id <= before:
        return fail("interrupted before the campaign started; nothing was stored", code=130)
    with store.session() as session:
        allowed = dict(
            session.execute(
                select(CallAttempt.allowed, func.count())
                .where(CallAttempt.campaign_id == campaign_id)
                .group_by(CallAttempt.allowed)
            ).all()
        )
    # Counted as `fairdial report` counts them: attempts the gate allowed, and those it blocked.
    attempts, blocked = allowed.get(True, 0), allowed.get(False, 0)
    kept = f"{attempts} attempt{'' if attempts == 1 else 's'}"
    if blocked:
        kept += f" and {blocked} blocked"
    return fail(
        f"interrupted: campaign {campaign_id} kept {kept}; "
        f"run `fairdial report --campaign {campaign_id}{store_options}`",
        code=130,
    )


def _with_progress(run: Callable[[RunProgress], RunSummary], quiet: bool) -> RunSummary:
    from fairdial.campaign.lock import CampaignBusy
    from fairdial.campaign.runner import CampaignError

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("calls"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, disable=quiet, transient=False) as progress:
        try:
            return run(_Bar(progress))
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
        int,
        typer.Option(
            min=0, max=SEED_MAX, help="Seed for the simulated borrowers; same seed, same run."
        ),
    ] = 0,
    start: Annotated[
        str | None,
        typer.Option(help="First calling day, YYYY-MM-DD (default: after the last run)."),
    ] = None,
    limit: Annotated[
        int | None, typer.Option(min=1, help="Call at most this many accounts.")
    ] = None,
    lines: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=1000,
            help="Calls carried at once (default 30; with --carrier sip, at most sip.max_calls, "
            "which is also the default).",
        ),
    ] = None,
    carrier: Annotated[
        str | None,
        typer.Option(
            help="Call real phones through this carrier, today, in real time: twilio or sip."
        ),
    ] = None,
    config_path: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="With --carrier: the serve YAML (docs/serve.md)."),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(help="With --carrier: place no call from this local time on, HH:MM."),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    db: DbOption = None,
    home: HomeOption = None,
) -> None:
    """Plan, gate and dial the portfolio's overdue accounts: simulated borrowers by default,
    or real phones through a carrier (--carrier twilio|sip --config serve.yaml)."""
    from fairdial.campaign.runner import RunOptions
    from fairdial.reporting.kpi import kpis

    if carrier is not None or config_path is not None or until is not None:
        if days != 1 or start is not None:
            raise fail("--days and --start are for simulated runs: a carrier run calls today")
        if db is not None or home is not None:
            raise fail("--db and --home: a carrier run uses the store its serve YAML names")
        if carrier is None or config_path is None:
            raise fail("--carrier and --config go together: name the carrier and its serve YAML")
        config = _carrier_config(carrier, config_path)
        live = RunOptions(
            limit=limit,
            settings=CampaignSettings(lines=_carrier_lines(config, carrier, lines, config_path)),
            real_time=True,
            until=_closing_time(until) if until else None,
        )
        _run_through_carrier(config, config_path, carrier, live, json_out)
        return
    try:
        first_day = date.fromisoformat(start) if start else None
    except ValueError:
        raise fail(f"--start {start!r} is not a date in the form YYYY-MM-DD") from None
    options = RunOptions(
        days=days,
        seed=seed,
        start=first_day,
        limit=limit,
        settings=CampaignSettings(lines=lines or DEFAULT_LINES),
    )
    with store_from_options(db, home, must_exist=True) as store:
        _require_accounts(store)
        summary = run_with_progress(store, options, json_out, _report_options(db, home))
        with store.session() as session:
            figures = kpis(session, summary.campaign_id)
    if json_out:
        print(json.dumps(figures, indent=2, ensure_ascii=False))
        _say_left_out(summary, json_out)
        return
    if summary.attempts == 0 and not figures["attempts_blocked"]:
        console.print("No overdue account with a balance was left to call.")
    print_report(figures, f"campaign {summary.campaign_id}: {days} day(s) from {summary.start}")
    _say_left_out(summary, json_out)


def _say_left_out(summary: RunSummary, json_out: bool) -> None:
    """The accounts the run left to a person, counted (the escalation queue lists them)."""
    if not summary.unverifiable:
        return
    count = summary.unverifiable
    accounts = "account was" if count == 1 else "accounts were"
    # With --json, stdout holds the JSON alone.
    (err_console if json_out else console).print(
        f"{count} {accounts} not called: no borrower name or identity factor (birth year, ID "
        "ending in four digits) to verify them; each is escalated for a person to complete "
        "(identity_unverifiable)",
        highlight=False,
    )


def _report_options(db: str | None, home: Path | None) -> str:
    """The store options to repeat in a hint; a URL is not repeated, as it may hold a password."""
    if db is not None:
        return " --db <the same URL>"
    return f" --home {home}" if home is not None else ""


def _require_accounts(store: Store) -> None:
    from sqlalchemy import func, select

    from fairdial.store.models import Account

    with store.session() as session:
        if not session.scalar(select(func.count()).select_from(Account)):
            raise fail("the store has no accounts: import a portfolio first (fairdial import)")


def _run_through_carrier(
    config: ServeConfig, config_path: Path, carrier: str, options: RunOptions, json_out: bool
) -> None:
    """`fairdial run --carrier`: today's accounts through the carrier the serve YAML sets up."""
    from fairdial.reporting.kpi import kpis

    # httpx logs every request's URL at INFO, and a URL may carry a borrower's phone number.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    config_home = Path(config.home) if config.home else None
    with (
        store_from_options(
            config.database_url,
            config_home,
            must_exist=True,
            names=("database_url", "home"),
            where=f"{config_path}: ",
        ) as store,
        _campaign_notices(),
    ):
        _require_accounts(store)
        before = _last_campaign_id(store)
        try:
            summary = _with_progress(
                lambda bar: asyncio.run(_serve_and_call(store, config, carrier, options, bar)),
                quiet=json_out,
            )
        except (asyncio.CancelledError, KeyboardInterrupt):
            # The calls in progress were hung up and recorded before the run ended.
            raise _interrupted(
                store, before, f" --home {config_home}" if config_home else ""
            ) from None
        with store.session() as session:
            figures = kpis(session, summary.campaign_id)
    if json_out:
        print(json.dumps(figures, indent=2, ensure_ascii=False))
        _say_left_out(summary, json_out)
        return
    print_report(figures, f"campaign {summary.campaign_id} via {carrier}: {summary.status}")
    _say_left_out(summary, json_out)


@contextmanager
def _campaign_notices() -> Iterator[None]:
    """Show the campaign's own INFO lines on stderr during a real-time run: when it waits for
    calling hours, or why it has no account to call. They carry no personal data."""
    handler = _Notices()
    campaign_log = logging.getLogger("fairdial.campaign")
    level = campaign_log.level
    campaign_log.addHandler(handler)
    if not campaign_log.isEnabledFor(logging.INFO):
        campaign_log.setLevel(logging.INFO)
    try:
        yield
    finally:
        campaign_log.removeHandler(handler)
        campaign_log.setLevel(level)


class _Notices(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.setFormatter(logging.Formatter("%(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        err_console.print(self.format(record), highlight=False, soft_wrap=True, markup=False)


def _carrier_config(carrier: str, config_path: Path) -> ServeConfig:
    from fairdial.campaign.carrier import check_carrier
    from fairdial.campaign.runner import CampaignError
    from fairdial.server.config import ServeConfigError, load_config

    try:
        check_carrier(carrier)
        config = load_config(config_path)
        if getattr(config, carrier) is None:
            raise ServeConfigError(f"{carrier}: the file has no {carrier} section")
        # The run starts every provider in the file, so each needs its secrets and library.
        config.check_environment()
    except (CampaignError, ServeConfigError) as error:
        raise fail(f"{config_path}: {error}") from error
    return config


def _carrier_lines(config: ServeConfig, carrier: str, lines: int | None, config_path: Path) -> int:
    """The lines of a carrier run: as asked, within what the carrier carries at once.

    Asked for more than a SIP user agent holds, the run is refused rather than quietly made
    smaller; not asked, it takes the user agent's `max_calls` and says so.
    """
    from fairdial.campaign.carrier import check_lines, line_limit
    from fairdial.campaign.runner import CampaignError

    limit = line_limit(config, carrier)
    if lines is None:
        if limit is None or limit >= DEFAULT_LINES:
            return DEFAULT_LINES
        err_console.print(f"calling on {limit} lines: sip.max_calls in {config_path}")
        return limit
    try:
        check_lines(config, carrier, lines)
    except CampaignError as error:
        raise fail(f"{config_path}: {error}; give --lines {limit} or fewer") from error
    return lines


def _closing_time(until: str) -> datetime:
    """Today at `until` (HH:MM) on this machine's clock, which must be still to come."""
    try:
        closing = datetime.combine(date.today(), time.fromisoformat(until)).astimezone()
    except ValueError:
        raise fail(f"--until {until!r} is not a time of day in the form HH:MM") from None
    if closing <= datetime.now().astimezone():
        raise fail(f"--until {until}: that time has already passed today")
    return closing


async def _serve_and_call(
    store: Store, config: ServeConfig, carrier: str, options: RunOptions, bar: RunProgress
) -> RunSummary:
    """Serve and dial until the day's work is done. The first Ctrl-C lets calls in progress
    finish and places no new one; a second hangs up every call at once."""
    from fairdial.campaign.carrier import run_through_carrier
    from fairdial.server.engines import build_server

    server = build_server(config, store=store)
    stop = asyncio.Event()
    main = asyncio.current_task()
    loop = asyncio.get_running_loop()

    def on_signal() -> None:
        if stop.is_set() and main is not None:
            main.cancel()
            return
        stop.set()
        console.print("stopping: no new calls; Ctrl-C again hangs up the calls in progress")

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, on_signal)
    try:
        return await run_through_carrier(store, server, carrier, options, bar, stop)
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)


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
    from fairdial.reporting.kpi import kpis
    from fairdial.store.models import Campaign

    with store_from_options(db, home, must_exist=True) as store, store.session() as session:
        if campaign is not None and session.get(Campaign, campaign) is None:
            raise fail(f"no campaign {campaign} in this store (see the ids fairdial run printed)")
        figures = kpis(session, campaign)
    if json_out:
        print(json.dumps(figures, indent=2, ensure_ascii=False))
        return
    print_report(figures, "all campaigns" if campaign is None else f"campaign {campaign}")
