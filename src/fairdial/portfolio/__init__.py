"""Portfolio in: lender files read, validated row by row, and upserted into the store."""

from fairdial.portfolio.formats import FORMATS
from fairdial.portfolio.importer import import_portfolio
from fairdial.portfolio.records import RowProblem
from fairdial.portfolio.report import ImportReport
from fairdial.portfolio.table import PortfolioReadError

__all__ = ["FORMATS", "ImportReport", "PortfolioReadError", "RowProblem", "import_portfolio"]
