"""Portfolio in: lender files read, validated row by row, and upserted into the store."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from fairdial.portfolio.formats import FORMATS
from fairdial.portfolio.records import RowProblem
from fairdial.portfolio.report import ImportReport
from fairdial.portfolio.table import PortfolioReadError

if TYPE_CHECKING:
    from fairdial.portfolio.importer import import_portfolio

__all__ = ["FORMATS", "ImportReport", "PortfolioReadError", "RowProblem", "import_portfolio"]


def __getattr__(name: str) -> Any:
    # The importer needs the store and its database drivers: loaded when first asked for, so
    # that reading the formats (as `fairdial --help` does) stays quick.
    if name == "import_portfolio":
        return importlib.import_module("fairdial.portfolio.importer").import_portfolio
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
