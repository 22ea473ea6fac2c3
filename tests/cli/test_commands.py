"""The commands a user types, end to end on a store in a temporary folder."""

import json

from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from fairdial.cli import _register, app
from fairdial.portfolio.generate import generate_portfolio

_register()
runner = CliRunner()


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


def test_report_and_verify_read_a_store_whose_folder_is_not_writable(home, tmp_path, monkeypatch):
    portfolio = generate_portfolio(tmp_path / "p.csv", 20, seed=3)
    assert _invoke("import", str(portfolio), "--format", "csv").exit_code == 0
    # As root every folder is writable, so the check stands in for a read-only mount.
    monkeypatch.setattr("fairdial.store.db._folder_writable", lambda database: False)

    report = _invoke("report", "--json")
    verified = _invoke("audit", "verify", "--json")
    run = runner.invoke(app, ["run", "--days", "1", "--start", "2026-03-02"])

    assert report.exit_code == 0 and json.loads(report.output)["attempts"] == 0
    assert verified.exit_code == 0
    assert run.exit_code == 2
    assert run.output.strip() == (
        "error: this command writes to the store, which was opened read-only because its "
        f"folder {home} is not writable"
    )


def test_a_corrupt_key_file_is_named_in_the_error(home, tmp_path):
    portfolio = generate_portfolio(tmp_path / "p.csv", 20, seed=3)
    assert _invoke("import", str(portfolio), "--format", "csv").exit_code == 0
    (home / "key").write_text("this is not a key\n")

    result = runner.invoke(app, ["report"])

    assert result.exit_code == 2
    assert f"the key file {home / 'key'} is not valid base64" in result.output
    assert "FAIRDIAL_KEY is" not in result.output


def test_the_voice_demo_folder_is_owner_only_and_its_summary_counts_silent_calls(tmp_path):
    from types import SimpleNamespace

    from fairdial.cli.demo import _recordings_folder, _recordings_line

    (tmp_path / "calls").mkdir(mode=0o755)
    folder = _recordings_folder(tmp_path)
    finished = [
        SimpleNamespace(recording=folder / "a.wav"),
        SimpleNamespace(recording=None),
    ]

    assert folder.stat().st_mode & 0o777 == 0o700
    assert _recordings_line(finished, folder) == (
        f"Recordings (borrower left, bot right) are in {folder}/; 1 of the 2 answered calls "
        "had no audio and got none."
    )
    assert _recordings_line(finished[:1], folder).endswith(f"are in {folder}/.")


def test_report_on_a_campaign_that_does_not_exist_says_so(home, tmp_path):
    portfolio = generate_portfolio(tmp_path / "p.csv", 20, seed=3)
    _invoke("import", str(portfolio), "--format", "csv")
    _invoke("run", "--days", "1", "--seed", "1", "--start", "2026-03-02", "--json")

    assert _invoke("report", "--campaign", "1", "--json").exit_code == 0
    missing = _invoke("report", "--campaign", "999")
    assert missing.exit_code == 2
    assert "no campaign 999" in missing.output
