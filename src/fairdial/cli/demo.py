"""`fairdial demo`: the whole job with no configuration, in a folder of its own."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select

from fairdial.audit.verify import verify
from fairdial.campaign.runner import RunOptions
from fairdial.cli import app
from fairdial.cli.campaign import print_report, run_with_progress
from fairdial.cli.common import console, fail
from fairdial.cli.portfolio import print_import_report
from fairdial.config import Settings
from fairdial.portfolio import PortfolioReadError, import_portfolio
from fairdial.portfolio.generate import generate_portfolio
from fairdial.reporting.kpi import kpis
from fairdial.store import Store, open_store
from fairdial.store.models import CallAttempt, Conversation

DEMO_HOME = Path("fairdial-demo")


def _fresh_store(home: Path) -> Store:
    # The demo folder is the demo's own: each run starts from an empty store and a new key.
    for name in ("fairdial.db", "fairdial.db-wal", "fairdial.db-shm", "key"):
        (home / name).unlink(missing_ok=True)
    url = f"sqlite:///{(home / 'fairdial.db').as_posix()}"
    return open_store(settings=Settings(home=home, database_url=url, key=None))


def _show_one_call(store: Store, campaign_id: int) -> None:
    """Print one right-party conversation that ended in a promise: what the bot sounds like."""
    with store.session() as session:
        conversation = session.scalars(
            select(Conversation)
            .join(CallAttempt, Conversation.attempt_id == CallAttempt.id)
            .where(
                CallAttempt.campaign_id == campaign_id,
                CallAttempt.disposition.in_(("promise_to_pay", "payment_plan")),
            )
            .order_by(Conversation.id)
            .limit(1)
        ).first()
        if conversation is None:
            return
        console.rule(f"one call ({conversation.language}, synthetic borrower)")
        for turn in conversation.turns:
            who = "[cyan]bot     [/]" if turn.speaker == "bot" else "[yellow]borrower[/]"
            console.print(f"{who} {turn.text}", highlight=False)
        console.rule()


@app.command("demo")
def demo_command(
    portfolio: Annotated[
        Path | None,
        typer.Option(help="The UCI credit card file to call instead of a generated portfolio."),
    ] = None,
    accounts: Annotated[int, typer.Option(min=10, max=200_000, help="Generated accounts.")] = 3000,
    days: Annotated[int, typer.Option(min=1, max=30, help="Days of calling.")] = 3,
    seed: Annotated[int, typer.Option(help="Seed for the portfolio and the borrowers.")] = 1,
    home: Annotated[Path, typer.Option(help="The demo's working folder.")] = DEMO_HOME,
) -> None:
    """Import a portfolio, run a simulated campaign, and report: all in a fresh local store."""
    home.mkdir(parents=True, exist_ok=True)
    store = _fresh_store(home)
    try:
        if portfolio is not None:
            source, fmt = portfolio, "uci-taiwan"
        else:
            source, fmt = generate_portfolio(home / "portfolio.csv", accounts, seed), "csv"
            console.print(f"generated {accounts} synthetic accounts in {source}")
        try:
            report = import_portfolio(store, source, fmt)
        except PortfolioReadError as exc:
            raise fail(str(exc)) from exc
        print_import_report(report)

        options = RunOptions(days=days, seed=seed, start=date.today(), name="demo")
        summary = run_with_progress(store, options)
        with store.session() as session:
            figures = kpis(session, summary.campaign_id)
            audit = verify(session)
        print_report(figures, f"demo campaign: {days} day(s) from {summary.start}")
        _show_one_call(store, summary.campaign_id)
        verdict = "ok" if audit.ok else "FAILED"
        console.print(
            f"audit {verdict}: {audit.events} events chained, {audit.attempts_checked} attempts "
            f"re-checked, {len(audit.violations)} violations"
        )
        console.print(
            f"{summary.attempts} calls in {summary.elapsed_s:.1f} s. The store is in {home}/; "
            f"try `fairdial report --home {home}` or `fairdial audit verify --home {home}`."
        )
        if not audit.ok:
            raise typer.Exit(1)
    finally:
        store.close()
