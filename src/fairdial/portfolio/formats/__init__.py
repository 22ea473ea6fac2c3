"""Portfolio formats: each turns one row of its kind of file into a `PortfolioRow`."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from fairdial.portfolio.records import PortfolioRow
from fairdial.portfolio.table import PortfolioReadError

FORMATS = ("csv", "uci-taiwan", "lending-club")


class PortfolioFormat(Protocol):
    source: str
    required_columns: tuple[str, ...]
    # Whether account references come from the file, where two rows may repeat one; formats
    # that number the rows themselves cannot repeat a reference.
    refs_in_file: bool

    def parse(self, line: int, values: dict[str, str]) -> PortfolioRow:
        """The row as records; raises RowRejected naming the column at fault."""
        ...

    def account_ref(self, values: dict[str, str]) -> str | None:
        """The account reference the row would be stored under; None without a usable one."""
        ...


def get_format(name: str, mapping: Path | None = None) -> PortfolioFormat:
    """The reader for a format name; a mapping file is only read by `csv`."""
    if name == "uci-taiwan":
        from fairdial.portfolio.formats.uci_taiwan import UciTaiwanFormat

        return UciTaiwanFormat()
    if name == "lending-club":
        from fairdial.portfolio.formats.lending_club import LendingClubFormat

        return LendingClubFormat()
    if name == "csv":
        from fairdial.portfolio.formats.mapped import MappedFormat
        from fairdial.portfolio.mapping import default_mapping, load_mapping

        return MappedFormat(load_mapping(mapping) if mapping else default_mapping())
    raise PortfolioReadError(f"unknown format {name!r}; use one of {', '.join(FORMATS)}")
