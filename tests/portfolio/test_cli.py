"""`fairdial import` as a user runs it."""

import json

import typer
from typer.testing import CliRunner

from fairdial.cli.portfolio import import_command

from .conftest import UCI_FILE, head_of

runner = CliRunner()


def _app() -> typer.Typer:
    # A group of its own so the command is invoked by name however many others are registered.
    app = typer.Typer()
    app.callback()(lambda: None)
    app.command("import")(import_command)
    return app


def test_import_prints_the_report_and_writes_json(tmp_path):
    path = head_of(UCI_FILE, tmp_path / "uci.csv", 120)
    out = tmp_path / "report.json"
    args = ["import", str(path), "--format", "uci-taiwan", "--home", str(tmp_path / "home")]
    result = runner.invoke(_app(), [*args, "--report", str(out)])
    assert result.exit_code == 0, result.output
    assert "rows read" in result.output and "120" in result.output
    data = json.loads(out.read_text())
    assert data["counts"]["accepted"] == 120
    assert data["batch_id"] == 1

    again = runner.invoke(_app(), args)
    assert again.exit_code == 0
    assert "unchanged" in again.output


def test_rejected_rows_are_listed_and_exit_is_zero(tmp_path):
    path = tmp_path / "book.csv"
    path.write_text(
        "account_ref,balance,currency,dpd,language,jurisdiction\n"
        "A1,10.00,USD,5,en-US,US-CA\n"
        "A2,ten,USD,5,en-US,US-CA\n"
    )
    result = runner.invoke(_app(), ["import", str(path), "-f", "csv", "--home", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "rejected rows" in result.output
    assert "not a number" in result.output


def test_header_only_file_warns_and_exits_zero(tmp_path):
    path = tmp_path / "book.csv"
    path.write_text("account_ref,balance,currency,dpd,language,jurisdiction\n")
    result = runner.invoke(_app(), ["import", str(path), "-f", "csv", "--home", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "the file has a header but no data rows" in result.output


def test_unreadable_files_exit_2_with_one_clear_line(tmp_path):
    home = ["--home", str(tmp_path / "home")]
    latin = tmp_path / "latin.csv"
    latin.write_bytes("account_ref,balance\nÉ1,1\n".encode("latin-1"))
    cases = [
        ([str(tmp_path / "absent.csv"), "-f", "csv"], "file not found"),
        ([str(latin), "-f", "csv"], "not valid utf-8"),
        ([str(latin), "-f", "csv", "--encoding", "latin-1"], "missing required column"),
        ([str(latin), "-f", "excel"], "unknown format"),
    ]
    for args, message in cases:
        result = runner.invoke(_app(), ["import", *args, *home])
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output
        assert "Traceback" not in result.output
