"""The commands a user types, end to end on a store in a temporary folder."""

import json

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from fairdial.cli import _register, app
from fairdial.portfolio.generate import generate_portfolio

_register()
runner = CliRunner()


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("FAIRDIAL_HOME", str(tmp_path / "store"))
    monkeypatch.delenv("FAIRDIAL_DATABASE_URL", raising=False)
    monkeypatch.delenv("FAIRDIAL_KEY", raising=False)
    return tmp_path / "store"


def _invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_import_run_report_and_verify(home, tmp_path):
    portfolio = generate_portfolio(tmp_path / "p.csv", 60, seed=3)
    assert _invoke("import", str(portfolio), "--format", "csv").exit_code == 0

    run = _invoke("run", "--days", "2", "--seed", "1", "--start", "2026-03-02", "--json")
    assert run.exit_code == 0, run.output
    figures = json.loads(run.output)
    assert figures["attempts"] > 0
    assert set(figures) >= {
        "attempts",
        "connects",
        "rpc_rate",
        "ptp_rate",
        "amount_promised",
        "plans",
        "escalations",
        "holds_placed",
        "blocked_by_reason",
    }

    report = json.loads(_invoke("report", "--json").output)
    assert report["attempts"] == figures["attempts"]
    verified = _invoke("audit", "verify", "--json")
    assert verified.exit_code == 0
    assert json.loads(verified.output)["attempts_checked"] == figures["attempts"]


def test_audit_verify_fails_on_a_tampered_record(home, tmp_path):
    portfolio = generate_portfolio(tmp_path / "p.csv", 40, seed=3)
    _invoke("import", str(portfolio), "--format", "csv")
    _invoke("run", "--days", "1", "--seed", "1", "--start", "2026-03-02", "--json")

    engine = create_engine(f"sqlite:///{home / 'fairdial.db'}")
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_event SET kind = 'decision.block' WHERE seq = 3"))
    engine.dispose()

    verified = _invoke("audit", "verify", "--json")
    assert verified.exit_code == 1
    assert json.loads(verified.output)["chain_problems"] == [
        "audit event 3: was changed after it was written"
    ]


def test_run_without_a_portfolio_says_what_to_do(home):
    result = runner.invoke(app, ["run"])
    assert result.exit_code == 2
    assert "import a portfolio first" in result.output


def test_demo_runs_in_its_own_folder(tmp_path):
    folder = tmp_path / "demo"
    result = _invoke("demo", "--accounts", "120", "--days", "2", "--home", str(folder))
    assert result.exit_code == 0, result.output
    assert "audit ok" in result.output
    assert (folder / "fairdial.db").exists() and (folder / "portfolio.csv").exists()


def test_demo_never_empties_a_store_it_did_not_make(home, tmp_path):
    portfolio = generate_portfolio(tmp_path / "p.csv", 20, seed=3)
    assert _invoke("import", str(portfolio), "--format", "csv").exit_code == 0
    key_before = (home / "key").read_bytes()

    result = runner.invoke(app, ["demo", "--accounts", "20", "--days", "1", "--home", str(home)])
    assert result.exit_code == 2
    assert "was not made by the demo" in result.output
    assert (home / "key").read_bytes() == key_before
    assert json.loads(_invoke("report", "--json").output)["attempts"] == 0
