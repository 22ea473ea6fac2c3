"""Reading a portfolio file into a header and rows of text, whatever its container.

CSV is decoded whole with the given encoding so a wrong encoding is found before any row is
stored. Spreadsheets (.xlsx) and Parquet files carry their own types; their cells are turned into
the same text a CSV export would hold.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any


class PortfolioReadError(Exception):
    """The file cannot be read as a portfolio at all; the message is fit for the user."""


@dataclass
class Table:
    """The header and data rows of one file; `rows` yields (line, values by column)."""

    name: str
    sha256: str
    columns: list[str]
    rows: Iterator[tuple[int, dict[str, str]]]
    total: int | None
    problems: list[tuple[int, str]]


def read_table(path: Path, encoding: str = "utf-8") -> Table:
    """Open `path` as CSV, .xlsx or .parquet, by its suffix."""
    if not path.exists():
        raise PortfolioReadError(f"file not found: {path}")
    if not path.is_file():
        raise PortfolioReadError(f"not a file: {path}")
    raw = path.read_bytes()
    if not raw.strip():
        raise PortfolioReadError(f"file is empty: {path.name}")
    digest = hashlib.sha256(raw).hexdigest()

    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _spreadsheet(path, digest)
    if suffix == ".parquet":
        return _parquet(path, digest)
    return _csv(path.name, raw, digest, encoding)


def _decode(name: str, raw: bytes, encoding: str) -> str:
    try:
        codec = codecs.lookup(encoding)
    except LookupError:
        raise PortfolioReadError(f"unknown encoding {encoding!r}") from None
    # A byte-order mark is not part of the first column's name.
    if codec.name == "utf-8":
        encoding = "utf-8-sig"
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise PortfolioReadError(
            f"{name} is not valid {codec.name} text (line {line}); "
            "give its encoding with --encoding, e.g. big5 or latin-1"
        ) from None


def _csv(name: str, raw: bytes, digest: str, encoding: str) -> Table:
    text = _decode(name, raw, encoding)
    if not text.strip():
        raise PortfolioReadError(f"file is empty: {name}")
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise PortfolioReadError(f"{name} is not readable as CSV: {exc}") from None
    columns = _header(name, header)
    problems: list[tuple[int, str]] = []
    total = max(text.count("\n") - 1, 0) + (0 if text.endswith("\n") else 1)
    # The same physical lines the reader counts, so a row can be read again from any of them.
    lines = io.StringIO(text, newline="").readlines()
    rows = _csv_rows(lines, reader.line_num, delimiter, columns, problems)
    return Table(name, digest, columns, rows, total, problems)


def _delimiter(text: str) -> str:
    # Judged on the header alone: data cells may hold commas or semicolons of their own, and
    # csv.Sniffer guesses differently as the sample changes.
    header = text.lstrip().split("\n", 1)[0]
    counts = {d: header.count(d) for d in ",;\t|"}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


def _header(name: str, header: list[Any]) -> list[str]:
    columns = ["" if c is None else str(c).strip() for c in header]
    if not any(columns):
        raise PortfolioReadError(f"{name} has no header row")
    seen: set[str] = set()
    for column in columns:
        if column and column in seen:
            raise PortfolioReadError(f"{name} has the column {column!r} twice")
        seen.add(column)
    return columns


def _csv_rows(
    lines: list[str],
    skip: int,
    delimiter: str,
    columns: list[str],
    problems: list[tuple[int, str]],
) -> Iterator[tuple[int, dict[str, str]]]:
    """The data rows after the first `skip` lines, each with the line it starts on."""
    while True:
        unclosed = yield from _rows_from(lines, skip, delimiter, columns, problems)
        if unclosed is None:
            return
        # The lines a stray quote swallowed are rows of their own: read on after its line.
        skip = unclosed


def _rows_from(
    lines: list[str],
    skip: int,
    delimiter: str,
    columns: list[str],
    problems: list[tuple[int, str]],
) -> Generator[tuple[int, dict[str, str]], None, int | None]:
    """Rows until the end, or until a quote that is never closed; then the line it opened on."""
    reader = csv.reader(itertools.islice(lines, skip, None), delimiter=delimiter)
    start = skip + 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return None
        except csv.Error as exc:
            problems.append((start, f"row is not valid CSV: {exc}"))
            start = skip + reader.line_num + 1
            continue
        line, start = start, skip + reader.line_num + 1
        if start - line > 1 and _unclosed(lines[line - 1 : start - 1], delimiter, values, columns):
            problems.append(
                (
                    line,
                    f"a quote opened on line {line} is never closed (it runs to line {start - 1})",
                )
            )
            return line
        if not values or all(not v.strip() for v in values):
            continue
        if len(values) != len(columns):
            problems.append((line, f"row has {len(values)} fields, the header has {len(columns)}"))
            continue
        yield line, dict(zip(columns, values, strict=True))


def _unclosed(raw: list[str], delimiter: str, values: list[str], columns: list[str]) -> bool:
    """Whether a row read over several lines is a stray quote rather than a multi-line cell.

    A quoted cell may hold line breaks (a free-text column of an export), but then its quotes
    pair up and the row has the header's fields. An odd count of quotes means the reader met the
    end of the file inside quotes; a line inside the cell that reads as a whole row of its own
    means a second stray quote closed the first.
    """
    if "".join(raw).count('"') % 2 == 1 or len(values) != len(columns):
        return True
    inner = [text for text in raw[1:-1] if '"' not in text]
    return any(len(row) == len(columns) for row in csv.reader(inner, delimiter=delimiter))


def cell_text(value: Any) -> str:
    """A cell as the text a CSV export would hold: 12.0 -> '12', dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        return value.date().isoformat()
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _spreadsheet(path: Path, digest: str) -> Table:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise PortfolioReadError(f"{path.name} is not a readable .xlsx workbook: {exc}") from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        raise PortfolioReadError(f"file is empty: {path.name}")
    columns = _header(path.name, list(header))
    problems: list[tuple[int, str]] = []

    def generate() -> Iterator[tuple[int, dict[str, str]]]:
        for line, values in enumerate(rows, start=2):
            texts = [cell_text(v) for v in values]
            if all(not t.strip() for t in texts):
                continue
            texts = (texts + [""] * len(columns))[: len(columns)]
            yield line, dict(zip(columns, texts, strict=True))
        book.close()

    total = max((sheet.max_row or 1) - 1, 0)
    return Table(path.name, digest, columns, generate(), total, problems)


def _parquet(path: Path, digest: str) -> Table:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow's ArrowInvalid and OSError both mean "cannot read"
        raise PortfolioReadError(f"{path.name} is not a readable Parquet file: {exc}") from None
    columns = _header(path.name, table.column_names)
    records = table.to_pylist()

    def generate() -> Iterator[tuple[int, dict[str, str]]]:
        # Parquet has no lines; row n is reported as line n + 1, as if a header came first.
        for line, record in enumerate(records, start=2):
            yield line, {c: cell_text(record.get(c)) for c in columns}

    return Table(path.name, digest, columns, generate(), len(records), [])
