"""Which store a command opens, and the one-line errors for one it cannot use or a bad option."""

import json
import os
import re
import signal

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from fairdial.cli import _register, app
from fairdial.cli.common import SEED_MAX
from fairdial.config import Settings
from fairdial.portfolio.generate import generate_portfolio
from fairdial.store import open_store
from fairdial.store.models import CallAttempt, Campaign

_register()
runner = CliRunner()


def _error(*args: str) -> str:
    """The one line a refused command prints; it must exit 2 without a traceback."""
    result = runner.invoke(app, list(args))
    assert result.exit_code == 2, result.output
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    return lines[0]


@pytest.mark.parametrize("url", ["sqlite:///", "sqlite://", "sqlite:///:memory:"])
def test_an_in_memory_store_is_refused_before_an_import_reports_rows_it_would_lose(
    home, tmp_path, url
):
    portfolio = generate_portfolio(tmp_path / "p.csv", 10, seed=3)

    imported = _error("import", str(portfolio), "--format", "csv", "--db", url)
    reported = _error("report", "--db", url)

    expected = (
        "error: --db: an in-memory SQLite store keeps nothing once the command ends; "
        "name a file, e.g. sqlite:///fairdial.db"
    )
    assert imported == reported == expected
    assert not home.exists()


def test_an_unparseable_url_names_the_option_without_repeating_it(home):
    line = _error("report", "--db", "postgresql://collector:hunter2@db:five/loans")

    assert line == (
        "error: --db: not a database URL; expected sqlite:///path/to/fairdial.db "
        "or postgresql://user@host/database"
    )


def test_another_database_is_refused_by_name_and_its_password_is_not_shown(home):
    line = _error("run", "--db", "mysql://collector:hunter2@127.0.0.1/loans")

    assert line.startswith(
        "error: --db: only SQLite and PostgreSQL stores are supported, not 'mysql'"
    )
    assert "MySQLdb" not in line and "hunter2" not in line


def test_a_store_that_cannot_be_reached_names_the_variable_and_hides_the_password(
    home, monkeypatch
):
    monkeypatch.setenv("FAIRDIAL_DATABASE_URL", f"postgresql://collector:hunter2@{_closed()}/x")

    line = _error("report")

    assert line.startswith("error: FAIRDIAL_DATABASE_URL: cannot open the store at ")
    assert "collector:***@" in line and "hunter2" not in line


def test_a_home_that_cannot_be_made_names_the_option(tmp_path, monkeypatch):
    monkeypatch.delenv("FAIRDIAL_DATABASE_URL", raising=False)
    monkeypatch.delenv("FAIRDIAL_KEY", raising=False)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    portfolio = generate_portfolio(tmp_path / "p.csv", 10, seed=3)

    line = _error("import", str(portfolio), "-f", "csv", "--home", str(blocker / "store"))

    assert line == (
        f"error: --home: cannot create the store's folder {blocker / 'store'}: Not a directory"
    )


@pytest.mark.parametrize("command", ["run", "demo"])
@pytest.mark.parametrize("seed", ["-1", str(SEED_MAX + 1), "99999999999999999999999"])
def test_a_seed_outside_the_stored_range_is_refused_at_the_option(home, tmp_path, command, seed):
    result = runner.invoke(app, [command, "--seed", seed, "--home", str(tmp_path / command)])

    assert result.exit_code == 2
    assert "Invalid value for '--seed'" in result.output
    assert "Traceback" not in result.output and "Overflow" not in result.output
    assert not (tmp_path / command).exists()


def test_the_largest_seed_is_stored_in_postgresql(postgres_url, tmp_path, monkeypatch):
    monkeypatch.delenv("FAIRDIAL_KEY", raising=False)
    home = tmp_path / "home"
    portfolio = generate_portfolio(tmp_path / "p.csv", 10, seed=3)
    store_options = ["--db", postgres_url, "--home", str(home)]
    assert (
        runner.invoke(app, ["import", str(portfolio), "-f", "csv", *store_options]).exit_code == 0
    )

    run = runner.invoke(
        app, ["run", "--seed", str(SEED_MAX), "--start", "2026-03-02", "--json", *store_options]
    )

    assert run.exit_code == 0, run.output
    store = open_store(settings=Settings(home=home, database_url=postgres_url, key=None))
    try:
        with store.session() as session:
            assert session.scalar(select(Campaign.seed)) == SEED_MAX
    finally:
        store.close()


def test_ctrl_c_during_a_run_says_which_campaign_kept_how_many_attempts(
    home, tmp_path, monkeypatch
):
    portfolio = generate_portfolio(tmp_path / "p.csv", 200, seed=3)
    assert runner.invoke(app, ["import", str(portfolio), "--format", "csv"]).exit_code == 0
    first = runner.invoke(app, ["run", "--start", "2026-03-02", "--json"])
    assert first.exit_code == 0, first.output
    done = []

    def interrupt_after_some_calls(bar) -> None:  # type: ignore[no-untyped-def]
        done.append(1)
        if len(done) == 20:
            os.kill(os.getpid(), signal.SIGINT)  # as Ctrl-C in the terminal

    monkeypatch.setattr("fairdial.cli.campaign._Bar.attempt_done", interrupt_after_some_calls)
    result = runner.invoke(app, ["run", "--days", "5", "--start", "2026-03-09"])

    assert result.exit_code == 130
    found = re.fullmatch(
        r"error: interrupted: campaign 2 kept (\d+) attempts(?: and (\d+) blocked)?; "
        r"run `fairdial report --campaign 2`",
        result.output.strip().splitlines()[-1],
    )
    assert found, result.output
    report = runner.invoke(app, ["report", "--campaign", "2", "--json"])
    figures = json.loads(report.output)
    assert int(found.group(1)) == figures["attempts"] >= 20
    assert int(found.group(2) or 0) == figures["attempts_blocked"]
    store = open_store(settings=Settings(home, f"sqlite:///{home / 'fairdial.db'}", None))
    try:
        with store.session() as session:
            status = session.scalar(select(Campaign.status).where(Campaign.id == 2))
            days = session.scalar(
                select(func.count(func.distinct(func.date(CallAttempt.planned_at)))).where(
                    CallAttempt.campaign_id == 2
                )
            )
    finally:
        store.close()
    assert status == "interrupted"
    assert days < 5  # stopped before the run's last day


def test_a_pack_id_in_lower_case_is_read_as_its_jurisdiction_code():
    result = runner.invoke(
        app,
        ["policy", "check-utterance", "--pack", "us-ny", "--lang", "en-US",
         "We can help you set up a payment plan."],
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["allowed"] is True


def _closed() -> str:
    """A loopback address on which nothing listens."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"127.0.0.1:{port}"
