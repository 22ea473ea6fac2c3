"""`fairdial import`: load a lender's portfolio file and print its data-quality report."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from fairdial.cli import app
from fairdial.cli.common import DbOption, HomeOption, console, fail, store_from_options
from fairdial.portfolio import FORMATS, ImportReport, PortfolioReadError

if TYPE_CHECKING:
    from fairdial.store import Store

# The terminal shows this many rejected rows; --report holds them all.
SHOWN_REJECTIONS = 50
# Lines named of the rows whose borrower no call could verify.
SHOWN_UNVERIFIABLE = 5
# Account references looked up per query.
LOOKUP_CHUNK = 500


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
        # The public data sets' formats make up a name and a birth date for every row.
        unverifiable = (
            unverifiable_lines(store, path, mapping, encoding, report) if fmt == "csv" else []
        )

    print_import_report(report)
    _say_unverifiable(unverifiable)
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


def _say_unverifiable(lines: list[int] | None) -> None:
    """Count the rows whose borrower a call could not verify, naming the first few lines:
    campaigns leave such accounts to a person (campaign/targets.py)."""
    if lines is None:
        console.print(
            "[yellow]warning[/] the file changed after it was imported: accounts without a "
            "borrower name or identity factor were not counted; import it again",
            highlight=False,
        )
        return
    if not lines:
        return
    named = ", ".join(str(line) for line in lines[:SHOWN_UNVERIFIABLE])
    hidden = len(lines) - SHOWN_UNVERIFIABLE
    more = f" and {hidden:,} more" if hidden > 0 else ""
    rows = "row has" if len(lines) == 1 else "rows have"
    console.print(
        f"[yellow]warning[/] {len(lines):,} {rows} no borrower name or no identity factor "
        f"(birth year, ID ending in four digits), line{'s' if len(lines) > 1 else ''} "
        f"{named}{more}: no call could verify the borrower, so campaigns do not call these "
        "accounts and escalate each for a person to complete the record",
        highlight=False,
    )


def unverifiable_lines(
    store: Store, path: Path, mapping: Path | None, encoding: str, report: ImportReport
) -> list[int] | None:
    """The lines of a lender's file whose account is stored with a borrower no call could
    verify; None when the file is no longer the one imported.

    Judged on the store, as the campaign will see the accounts: the file is read again for
    the account references alone, and rejected rows are not counted.
    """
    from sqlalchemy import select

    from fairdial.campaign.targets import verifiable
    from fairdial.portfolio.formats import get_format
    from fairdial.portfolio.table import read_table
    from fairdial.store.models import Account, Borrower

    reader = get_format("csv", mapping)
    try:
        table = read_table(path, encoding)
    except PortfolioReadError:
        return None  # gone, or unreadable, since it was imported
    rejected = {problem.line for problem in report.rejections}
    lines: dict[str, int] = {}
    for line, values in table.rows:
        ref = reader.account_ref(values)
        if ref is not None and line not in rejected:
            lines.setdefault(ref, line)
    if table.sha256 != report.file_sha256:
        return None

    found = []
    refs = list(lines)
    with store.session() as session:
        for start in range(0, len(refs), LOOKUP_CHUNK):
            query = (
                select(Account.ref, Borrower)
                .join(Borrower, Account.borrower_id == Borrower.id)
                .where(Account.ref.in_(refs[start : start + LOOKUP_CHUNK]))
            )
            found += [
                lines[ref] for ref, borrower in session.execute(query) if not verifiable(borrower)
            ]
    return sorted(found)
