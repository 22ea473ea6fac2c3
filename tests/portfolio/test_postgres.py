"""The same import against PostgreSQL (skipped when no server is reachable)."""

import pytest
from sqlalchemy import func, select, text

from fairdial.portfolio import import_portfolio
from fairdial.store.models import Account, ContactPoint

from .conftest import LENDING_CLUB_FILE, UCI_FILE, head_of

pytestmark = pytest.mark.postgres


def test_import_and_reimport_on_postgres(postgres_store, tmp_path):
    path = head_of(UCI_FILE, tmp_path / "uci.csv", 500)
    first = import_portfolio(postgres_store, path, "uci-taiwan")
    assert (first.created, first.rejected) == (500, 0)
    again = import_portfolio(postgres_store, path, "uci-taiwan")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 500)

    with postgres_store.session() as session:
        assert session.scalar(select(func.count()).select_from(Account)) == 500
        phone = session.scalar(select(ContactPoint).where(ContactPoint.id == 1))
        found = session.scalar(
            select(ContactPoint.id).where(
                ContactPoint.number_hash == postgres_store.cipher.lookup_hash(phone.number)
            )
        )
        assert found == phone.id
        raw = session.execute(text("select number from contact_point where id = 1")).scalar()
        assert phone.number[4:] not in raw


def test_lending_club_on_postgres(postgres_store, tmp_path):
    path = head_of(LENDING_CLUB_FILE, tmp_path / "lc.csv", 300)
    report = import_portfolio(postgres_store, path, "lending-club")
    assert (report.accepted, report.rejected) == (300, 0)


def test_huge_numbers_are_rejected_not_sent_to_postgres(postgres_store, tmp_path):
    path = tmp_path / "book.csv"
    path.write_text(
        "account_ref,balance,currency,dpd,language,jurisdiction\n"
        "A1,12.50,USD,5,en-US,US-CA\n"
        "A2,1e308,USD,5,en-US,US-CA\n"
        "A3,99999999999999999999999999,TWD,5,zh-TW,TW\n"
        "A4,12.50,USD,9223372036854775808,en-US,US-CA\n"
    )
    report = import_portfolio(postgres_store, path, "csv")
    assert report.accepted == 1
    assert [(p.line, p.reason) for p in report.rejections] == [
        (3, "balance too large"),
        (4, "balance too large"),
        (5, "number too large"),
    ]


@pytest.mark.slow
def test_uci_full_import_on_postgres(postgres_store):
    report = import_portfolio(postgres_store, UCI_FILE, "uci-taiwan")
    assert (report.accepted, report.overdue, len(report.warnings)) == (30000, 6818, 1689)
    assert report.seconds < 60
