from datetime import date
from pathlib import Path

from fairdial.campaign.settings import CampaignSettings
from fairdial.campaign.targets import load_targets
from fairdial.portfolio import import_portfolio

HEADER = (
    "account_ref,name,birth_date,phone,phone_kind,balance,currency,dpd,language,jurisdiction,"
    "ai_voice_consent,synthetic"
)
ROWS = [
    "real-1,Test Borrower A,1985-06-01,+12125550101,mobile,1200,USD,45,en-US,US-NY,yes,no",
    "made-1,Test Borrower B,1985-06-02,+12125550102,mobile,1500,USD,60,en-US,US-NY,yes,yes",
]


def test_synthetic_borrowers_are_never_targets_on_a_real_line(store, tmp_path: Path) -> None:
    portfolio = tmp_path / "p.csv"
    portfolio.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    report = import_portfolio(store, portfolio, "csv")
    assert report.accepted == 2

    with store.session() as session:
        simulated = load_targets(session, date(2026, 3, 2), CampaignSettings())
        real = load_targets(session, date(2026, 3, 2), CampaignSettings(), real_lines=True)

    assert sorted(t.account_ref for t in simulated) == ["made-1", "real-1"]
    assert [t.account_ref for t in real] == ["real-1"]
