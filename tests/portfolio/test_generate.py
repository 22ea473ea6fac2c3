"""The demo portfolio: a file the generic format imports whole, readable by its owner only."""

import stat

from fairdial.portfolio import import_portfolio
from fairdial.portfolio.generate import generate_portfolio


def test_generated_portfolio_imports_without_rejections(store, tmp_path):
    path = generate_portfolio(tmp_path / "demo" / "portfolio.csv", 40, seed=5)
    report = import_portfolio(store, path, "csv")
    assert (report.accepted, report.rejected) == (40, 0)


def test_generated_portfolio_is_owner_only(tmp_path):
    path = generate_portfolio(tmp_path / "portfolio.csv", 3)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    # A file an earlier run left readable to others is tightened, not just overwritten.
    path.chmod(0o644)
    generate_portfolio(path, 3)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
