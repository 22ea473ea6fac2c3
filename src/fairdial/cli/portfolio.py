"""`fairdial import`: load a lender's portfolio file and print its data-quality report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from fairdial.cli import app
from fairdial.cli.common import DbOption, HomeOption, console, fail, store_from_options
from fairdial.portfolio import FORMATS, ImportReport, PortfolioReadError

# The terminal shows this many rejected rows; --report holds them all.
SHOWN_REJECTIONS = 50


@app.command("import")
def import_command(
    path: Annotated[Path, typer.Argument(help="Portfolio file: .csv, .xlsx or .parquet.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help=f"File format: {', '.join(FORMATS)}.")],
    mapping: Annotated[
        Path | None,
        typer.Option("--mapping", help="YAML column mapping for --format csv (see MAPPING.md)."),
    ] = None,
    report_path: Annotated[
        Path | None, typer.Option("--report", help="Also write the report as JSON here.")
    ] = None,
    encoding: Annotated[
        str, typer.Option("--encoding", help="Text encoding of a CSV file.")
    ] = "utf-8",
    db: DbOption = None,
    home: HomeOption = None,
) -> None:
    """Import a portfolio: validate every row, upsert accounts, borrowers and contact points."""
    if fmt not in FORMATS:
        raise fail(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if mapping is not None and fmt != "csv":
        raise fail("--mapping is only read with --format csv")

    from fairdial.portfolio.importer import import_portfolio

    with store_from_options(db, home) as store:
        columns = (
            TextColumn("importing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console, transient=True) as bar:
            task = bar.add_task("rows", total=None)

            def advance(done: int, total: int | None) -> None:
                bar.update(task, completed=done, total=max(total or 0, done) or None)

            try:
                report = import_portfolio(
                    store, path, fmt, mapping=mapping, encoding=encoding, progress=advance
                )
            except PortfolioReadError as exc:
                raise fail(str(exc)) from None

    print_import_report(report)
    if report_path is not None:
        try:
            report_path.write_text(report.to_json() + "\n", encoding="utf-8")
        except OSError as exc:
            raise fail(f"cannot write the report to {report_path}: {exc.strerror}") from None
        console.print(f"report written to {report_path}")


def print_import_report(report: ImportReport) -> None:
    counts = Table(title=f"{report.file_name} ({report.source})", show_header=False)
    counts.add_column("measure")
    counts.add_column("count", justify="right")
    for name, value in report.counts().items():
        counts.add_row(name.replace("_", " "), f"{value:,}")
    counts.add_row("seconds", f"{report.seconds:.1f}")
    console.print(counts)

    for reason, times in report.warning_summary().items():
        console.print(f"[yellow]warning[/] {times:,} rows: {reason}", highlight=False)

    if not report.rejections:
        return
    rejected = Table(title="rejected rows")
    rejected.add_column("line", justify="right")
    rejected.add_column("column")
    rejected.add_column("reason")
    for problem in report.rejections[:SHOWN_REJECTIONS]:
        rejected.add_row(str(problem.line), problem.column or "", problem.reason)
    console.print(rejected)
    hidden = len(report.rejections) - SHOWN_REJECTIONS
    if hidden > 0:
        console.print(f"... and {hidden:,} more rejected rows; --report writes them all")
