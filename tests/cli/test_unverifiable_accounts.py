"""What `fairdial import` and `fairdial run` say about accounts no call could verify: a count
and line numbers, never a name."""

from pathlib import Path

from typer.testing import CliRunner

from fairdial.cli import _register, app
from fairdial.portfolio.generate import generate_portfolio

_register()
runner = CliRunner()


def _portfolio(tmp_path: Path, unverifiable: int) -> Path:
    """40 generated accounts (lines 2-41), then `unverifiable` with a name and no birth date."""
    path = generate_portfolio(tmp_path / "p.csv", 40, seed=3)
    with path.open("a", encoding="utf-8") as handle:
        for n in range(unverifiable):
            handle.write(
                f"blank-{n},Test Borrower {n},,+1212555{n + 1000:04d},mobile,America/New_York,"
                "900.00,USD,40,en-US,US-NY,personal_loan,yes,yes\n"
            )
    return path


def _said(*args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())  # as one line, whatever the terminal's width


def test_import_counts_the_rows_no_call_could_verify_by_line(home, tmp_path):
    said = _said("import", str(_portfolio(tmp_path, 7)), "--format", "csv")

    assert (
        "7 rows have no borrower name or no identity factor (birth year, ID ending in four "
        "digits), lines 42, 43, 44, 45, 46 and 2 more: no call could verify the borrower"
    ) in said
    assert "Test Borrower" not in said


def test_import_says_nothing_when_every_borrower_can_be_verified(home, tmp_path):
    said = _said("import", str(_portfolio(tmp_path, 0)), "--format", "csv")

    assert "identity factor" not in said


def test_run_says_how_many_accounts_it_left_to_a_person(home, tmp_path):
    _said("import", str(_portfolio(tmp_path, 2)), "--format", "csv")

    said = _said("run", "--days", "2", "--seed", "1", "--start", "2026-03-02")

    assert (
        "2 accounts were not called: no borrower name or identity factor (birth year, ID ending "
        "in four digits) to verify them; each is escalated for a person to complete "
        "(identity_unverifiable)"
    ) in said
    assert "Test Borrower" not in said
