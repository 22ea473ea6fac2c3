"""Importing a portfolio file: read, validate every row, upsert, and report."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from fairdial.portfolio.formats import PortfolioFormat, get_format
from fairdial.portfolio.records import BorrowerRecord, PortfolioRow, RowProblem, RowRejected
from fairdial.portfolio.report import ImportReport
from fairdial.portfolio.table import PortfolioReadError, Table, read_table
from fairdial.portfolio.writer import CREATED, UPDATED, PortfolioWriter
from fairdial.store.db import Store
from fairdial.store.models import ImportBatch

log = logging.getLogger("fairdial.portfolio")

CHUNK_ROWS = 1000
NO_DATA_ROWS = "the file has a header but no data rows"
LINES_NAMED = 5  # a reason names at most this many lines of a repeated account reference
Progress = Callable[[int, int | None], None]


def import_portfolio(
    store: Store,
    path: Path | str,
    fmt: str,
    *,
    mapping: Path | str | None = None,
    encoding: str = "utf-8",
    progress: Progress | None = None,
) -> ImportReport:
    """Import one file in one transaction and return its data-quality report.

    Raises PortfolioReadError (nothing stored) when the file cannot be read at all; rows that
    fail validation are reported as rejected and the rest are stored. `progress(done, total)`
    is called after each chunk; `total` is an estimate from the file's line count.
    """
    began = time.perf_counter()
    reader = get_format(fmt, Path(mapping) if mapping else None)
    table = read_table(Path(path), encoding)
    _check_columns(table, reader)
    repeated = _repeated_refs(Path(path), encoding, reader, table.sha256)

    report = ImportReport(source=reader.source, file_name=table.name, file_sha256=table.sha256)
    started_at = datetime.now(UTC)
    with store.transaction() as session:
        writer = PortfolioWriter(session, store.cipher, started_at)
        _Run(reader, writer, report, progress, repeated).consume(table)

        batch = ImportBatch(
            source=reader.source,
            file_name=table.name[:255],
            file_sha256=table.sha256,
            started_at=started_at,
            finished_at=datetime.now(UTC),
            counts=report.counts(),
        )
        session.add(batch)
        session.flush()
        report.batch_id = batch.id

    report.seconds = round(time.perf_counter() - began, 3)
    # LogRecord already has a `created` attribute, so the counts go under one key of their own.
    log.info(
        "portfolio imported",
        extra={"source": report.source, "batch_id": report.batch_id, "counts": report.counts()},
    )
    return report


def _check_columns(table: Table, reader: PortfolioFormat) -> None:
    missing = [c for c in reader.required_columns if c not in table.columns]
    if not missing:
        return
    more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
    raise PortfolioReadError(f"{table.name} is missing required column {missing[0]!r}{more}")


def _repeated_refs(
    path: Path, encoding: str, reader: PortfolioFormat, sha256: str
) -> dict[str, list[int]]:
    """Account references that more than one row of the file carries, with those rows' lines.

    Two rows claiming one account cannot both be right, and loading either would hide the
    other: every row that carries such a reference is rejected, whether or not it is valid.
    Rows are written as they stream, so the file is read once beforehand to find them.
    """
    if not reader.refs_in_file:
        return {}
    table = read_table(path, encoding)
    first_lines: dict[str, int] = {}
    repeated: dict[str, list[int]] = {}
    for line, values in table.rows:
        ref = reader.account_ref(values)
        if ref is None:
            continue
        first = first_lines.setdefault(ref, line)
        if first != line:
            repeated.setdefault(ref, [first]).append(line)
    if table.sha256 != sha256:
        raise PortfolioReadError(f"{table.name} changed while it was being read; import it again")
    return repeated


def _repeated_reason(lines: list[int]) -> str:
    named = ", ".join(str(line) for line in lines[:LINES_NAMED])
    more = f" and {len(lines) - LINES_NAMED} more" if len(lines) > LINES_NAMED else ""
    return f"the account reference is on lines {named}{more}; none of them is loaded"


class _Run:
    """The state of one import while rows stream through it."""

    def __init__(
        self,
        reader: PortfolioFormat,
        writer: PortfolioWriter,
        report: ImportReport,
        progress: Progress | None,
        repeated: dict[str, list[int]],
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.report = report
        self.progress = progress
        self.repeated = repeated
        self.borrowers: dict[str, tuple[int, BorrowerRecord]] = {}
        self.chunk: list[PortfolioRow] = []

    def consume(self, table: Table) -> None:
        for line, values in table.rows:
            self.report.rows_read += 1
            self._take(line, values)
            if len(self.chunk) >= CHUNK_ROWS:
                self._flush(table.total)
        self._flush(table.total)

        # Rows the reader could not split into fields are rejections like any other.
        for line, reason in table.problems:
            self.report.rows_read += 1
            self._reject(RowProblem(line, None, reason))

        # Not an error (an empty queue is a valid export), but a user who sent the wrong file
        # should hear about it rather than read a report of zeros.
        if self.report.rows_read == 0:
            self.report.warnings.append(RowProblem(1, None, NO_DATA_ROWS))
        self.report.rejections.sort(key=lambda p: p.line)
        self.report.warnings.sort(key=lambda p: p.line)

    def _take(self, line: int, values: dict[str, str]) -> None:
        if self.repeated:
            lines = self.repeated.get(self.reader.account_ref(values) or "")
            if lines is not None:
                self._reject(RowProblem(line, None, _repeated_reason(lines)))
                return
        try:
            row = self.reader.parse(line, values)
        except RowRejected as exc:
            self._reject(RowProblem(line, exc.column, exc.reason))
            return

        seen = self.borrowers.setdefault(row.borrower.ref, (line, row.borrower))
        if seen[1] != row.borrower:
            reason = f"borrower details differ from line {seen[0]}; kept those"
            self.report.warnings.append(RowProblem(line, None, reason))

        for column, reason in row.warnings:
            self.report.warnings.append(RowProblem(line, column, reason))
        self.chunk.append(row)

    def _reject(self, problem: RowProblem) -> None:
        self.report.rejected += 1
        self.report.rejections.append(problem)

    def _flush(self, total: int | None) -> None:
        if self.chunk:
            outcomes = self.writer.write(self.chunk)
            report = self.report
            for row, outcome in zip(self.chunk, outcomes, strict=True):
                report.accepted += 1
                report.overdue += row.account.dpd > 0
                if outcome == CREATED:
                    report.created += 1
                elif outcome == UPDATED:
                    report.updated += 1
                else:
                    report.unchanged += 1
            self.chunk = []
        if self.progress:
            self.progress(self.report.rows_read, total)
