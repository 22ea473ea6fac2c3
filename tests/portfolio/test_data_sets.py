"""The two public data sets, imported in full (slow) and in part (fast)."""

import csv
import time

import pytest
from sqlalchemy import func, select

from fairdial.portfolio import import_portfolio, taiwan_id
from fairdial.portfolio.formats.lending_club import STATUS_DPD
from fairdial.portfolio.us_area_codes import AREA_CODES
from fairdial.portfolio.us_timezones import state_timezones
from fairdial.store.models import Account, Borrower, ContactPoint

from .conftest import LENDING_CLUB_FILE, UCI_FILE, head_of


def _expected_uci(rows: int | None = None):
    with UCI_FILE.open(encoding="utf-8") as handle:
        data = list(csv.DictReader(handle))[:rows]
    overdue = [r for r in data if float(r["PAY_0"]) >= 1]
    no_balance = [r for r in overdue if float(r["BILL_AMT1"]) <= 0]
    return data, len(overdue), len(no_balance)


def test_uci_rows_become_synthetic_taiwanese_borrowers(store, tmp_path):
    path = head_of(UCI_FILE, tmp_path / "uci.csv", 300)
    data, overdue, no_balance = _expected_uci(300)
    seen: list[tuple[int, int | None]] = []
    report = import_portfolio(store, path, "uci-taiwan", progress=lambda *a: seen.append(a))
    assert seen[-1] == (300, 300)
    assert (report.accepted, report.created, report.rejected) == (300, 300, 0)
    assert report.overdue == overdue
    assert len(report.warnings) == no_balance

    with store.session() as session:
        first = session.scalar(select(Account).where(Account.ref == "uci-1"))
        assert first.balance_minor == int(float(data[0]["BILL_AMT1"]))
        assert first.currency == "TWD" and first.jurisdiction == "TW"
        assert first.product == "credit_card" and first.source == "uci-taiwan"
        pay_0 = int(float(data[0]["PAY_0"]))
        assert first.dpd == (pay_0 * 30 if pay_0 >= 1 else 0)
        assert first.attributes["limit_bal"] == int(float(data[0]["LIMIT_BAL"]))
        assert first.attributes["default"] == int(data[0]["default"])
        borrower = first.borrower
        assert borrower.ref == "uci-1" and borrower.synthetic and borrower.language == "zh-TW"
        assert taiwan_id.is_valid(borrower.national_id)
        assert borrower.national_id[1] == data[0]["SEX"]
        (mobile,) = borrower.contact_points
        assert mobile.number.startswith("+8869") and mobile.owner_verified is False


@pytest.mark.slow
def test_uci_full_import_and_reimport(store):
    started = time.perf_counter()
    report = import_portfolio(store, UCI_FILE, "uci-taiwan")
    seconds = time.perf_counter() - started
    assert seconds < 60
    counts = report.counts()
    assert counts == {
        "rows_read": 30000,
        "accepted": 30000,
        "rejected": 0,
        "created": 30000,
        "updated": 0,
        "unchanged": 0,
        "overdue": 6818,
        "warnings": 1689,
    }
    assert report.warning_summary() == {"overdue with no positive balance": 1689}

    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Account)) == 30000
        delinquent = select(func.count()).select_from(Account).where(Account.status == "delinquent")
        assert session.scalar(delinquent) == 6818

    again = import_portfolio(store, UCI_FILE, "uci-taiwan")
    assert again.counts() == {**counts, "created": 0, "unchanged": 30000}
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Borrower)) == 30000
        assert session.scalar(select(func.count()).select_from(ContactPoint)) == 30000


@pytest.mark.slow
def test_lending_club_full_import(store):
    with LENDING_CLUB_FILE.open(encoding="utf-8") as handle:
        data = list(csv.DictReader(handle))
    overdue = sum(STATUS_DPD[r["loan_status"]] > 0 for r in data)

    report = import_portfolio(store, LENDING_CLUB_FILE, "lending-club")
    assert (report.rows_read, report.accepted, report.rejected) == (10000, 10000, 0)
    assert report.overdue == overdue == 178

    with store.session() as session:
        late = session.scalars(select(Account).where(Account.dpd == 75)).all()
        assert len(late) == sum(r["loan_status"] == "Late (31-120 days)" for r in data)
        account = session.scalar(select(Account).where(Account.ref == "lc-1"))
        assert account.jurisdiction == f"US-{data[0]['state']}"
        assert account.balance_minor == round(float(data[0]["balance"]) * 100)
        assert account.attributes["loan_status"] == data[0]["loan_status"]
        assert account.currency == "USD" and account.borrower.language == "en-US"
        phones = session.scalar(select(func.count()).select_from(ContactPoint))
        assert 12000 < phones < 14000  # one mobile each, a home landline for about 30%

    again = import_portfolio(store, LENDING_CLUB_FILE, "lending-club")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 10000)


def test_lending_club_rows_get_state_time_zones(store, tmp_path):
    path = head_of(LENDING_CLUB_FILE, tmp_path / "lc.csv", 200)
    report = import_portfolio(store, path, "lending-club")
    assert report.accepted == 200
    with store.session() as session:
        for account in session.scalars(select(Account)):
            state = account.jurisdiction.removeprefix("US-")
            for phone in account.borrower.contact_points:
                assert phone.number[2:5] in AREA_CODES[state]
                assert phone.timezones == state_timezones(state)
