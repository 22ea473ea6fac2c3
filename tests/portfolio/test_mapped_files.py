"""The generic format: mapping files, spreadsheets, Parquet, and upserts on re-import."""

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import select, text

from fairdial.portfolio import PortfolioReadError, import_portfolio
from fairdial.portfolio.mapping import parse_mapping
from fairdial.store.models import Account, Borrower, ContactPoint, ImportBatch

MAPPING = """
columns:
  account_ref: Loan No
  borrower_ref: Customer
  name: Full Name
  birth_date: Born
  phone: Mobile
  phone_timezones: Zones
  balance: Outstanding
  currency: Ccy
  dpd: DPD
  jurisdiction: Region
  language: Lang
  ai_voice_consent: Consent
keep: [Branch]
"""
COLUMNS = [
    "Loan No", "Customer", "Full Name", "Born", "Mobile", "Zones", "Outstanding", "Ccy", "DPD",
    "Region", "Lang", "Consent", "Branch",
]  # fmt: skip
ROWS = [
    ["HK-1", "P1", "陳小明", "1980-02-03", "9123 4567", "", "1200.00", "HKD", "40", "HK",
     "zh-TW", "1", "Mong Kok"],
    ["HK-2", "P1", "陳小明", "1980-02-03", "9123 4567", "", "80.5", "HKD", "0", "HK",
     "zh-TW", "1", "Mong Kok"],
    ["TW-1", "P2", "林美玲", "", "0912-345-678", "Asia/Taipei", "3000", "TWD", "95", "TW",
     "zh-TW", "0", "Taipei"],
]  # fmt: skip


def _csv(tmp_path, rows=ROWS):
    path = tmp_path / "book.csv"
    lines = [",".join(COLUMNS)] + [",".join(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _mapping(tmp_path):
    path = tmp_path / "map.yaml"
    path.write_text(MAPPING)
    return path


def test_mapped_csv_is_stored_with_normalised_numbers(store, tmp_path):
    report = import_portfolio(store, _csv(tmp_path), "csv", mapping=_mapping(tmp_path))
    assert (report.accepted, report.created, report.rejected, report.overdue) == (3, 3, 0, 2)

    with store.session() as session:
        accounts = {a.ref: a for a in session.scalars(select(Account))}
        assert accounts["HK-1"].balance_minor == 120000
        assert accounts["HK-2"].balance_minor == 8050
        assert accounts["TW-1"].balance_minor == 3000
        assert accounts["HK-1"].status == "delinquent" and accounts["HK-2"].status == "current"
        assert accounts["HK-1"].attributes == {"Branch": "Mong Kok"}
        assert accounts["HK-1"].borrower_id == accounts["HK-2"].borrower_id
        assert accounts["HK-1"].source == "csv"

        borrower = session.scalar(select(Borrower).where(Borrower.ref == "P1"))
        assert borrower.name == "陳小明" and borrower.birth_date == "1980-02-03"
        assert borrower.synthetic is False
        (hk_phone,) = borrower.contact_points
        assert hk_phone.number == "+85291234567"
        assert hk_phone.timezones == ["Asia/Hong_Kong"]
        assert hk_phone.ai_voice_consent is True and hk_phone.consent_source == "lender file"
        tw_phone = session.scalar(
            select(ContactPoint).where(
                ContactPoint.number_hash == store.cipher.lookup_hash("+886912345678")
            )
        )
        assert tw_phone.ai_voice_consent is False and tw_phone.borrower.ref == "P2"


def test_reimport_changes_nothing_then_updates_what_changed(store, tmp_path):
    mapping = _mapping(tmp_path)
    import_portfolio(store, _csv(tmp_path), "csv", mapping=mapping)
    again = import_portfolio(store, _csv(tmp_path), "csv", mapping=mapping)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)

    changed = [list(r) for r in ROWS]
    changed[2][6] = "2500"  # a payment came in
    changed[0][11] = "0"  # consent withdrawn on the shared mobile
    third = import_portfolio(store, _csv(tmp_path, changed), "csv", mapping=mapping)
    assert (third.created, third.updated, third.unchanged) == (0, 2, 1)

    with store.session() as session:
        assert session.scalar(select(Account.balance_minor).where(Account.ref == "TW-1")) == 2500
        consent = select(ContactPoint.ai_voice_consent).join(Borrower).where(Borrower.ref == "P1")
        assert session.scalar(consent) is False
        assert len(session.scalars(select(Account)).all()) == 3
        assert len(session.scalars(select(ContactPoint)).all()) == 2
        batches = session.scalars(select(ImportBatch).order_by(ImportBatch.id)).all()
        assert [b.counts["unchanged"] for b in batches] == [0, 3, 1]
        assert batches[0].file_sha256 == batches[1].file_sha256 != batches[2].file_sha256


def test_numbers_and_names_are_encrypted_at_rest(store, tmp_path):
    import_portfolio(store, _csv(tmp_path), "csv", mapping=_mapping(tmp_path))
    with store.engine.connect() as connection:
        numbers = connection.execute(text("select number, number_hash from contact_point")).all()
        names = connection.execute(text("select name, birth_date from borrower")).all()
    for number, number_hash in numbers:
        assert number.startswith("v1:")
        # Whole national numbers only: a short digit run can occur in base64 by chance.
        assert not any(part in number for part in ("91234567", "912345678"))
        assert "91234567" not in number_hash
    for name, born in names:
        assert "陳" not in name and "林" not in name
        assert born is None or "1980" not in born


def test_xlsx_and_parquet_read_like_csv(store, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(COLUMNS)
    for row in ROWS:
        cells = list(row)
        cells[6] = float(cells[6])  # a spreadsheet holds amounts as numbers
        cells[8] = int(cells[8])
        sheet.append(cells)
    xlsx = tmp_path / "book.xlsx"
    book.save(xlsx)
    parquet = tmp_path / "book.parquet"
    pq.write_table(pa.table({c: [r[i] for r in ROWS] for i, c in enumerate(COLUMNS)}), parquet)

    mapping = _mapping(tmp_path)
    first = import_portfolio(store, xlsx, "csv", mapping=mapping)
    assert (first.accepted, first.created, first.rejected) == (3, 3, 0)
    second = import_portfolio(store, parquet, "csv", mapping=mapping)
    assert (second.accepted, second.unchanged) == (3, 3)


def test_mapping_without_a_required_field_is_refused():
    with pytest.raises(PortfolioReadError, match="'dpd' needs a column or a default"):
        parse_mapping(
            {
                "columns": {"account_ref": "a", "balance": "b"},
                "defaults": {"currency": "USD", "language": "en", "jurisdiction": "US"},
            }
        )
    with pytest.raises(PortfolioReadError, match="unknown field 'colour'"):
        parse_mapping({"columns": {"colour": "c"}})


def test_a_mapped_column_missing_from_the_file_is_named(store, tmp_path):
    path = _csv(tmp_path)
    path.write_text(path.read_text().replace("Outstanding", "Owed"))
    with pytest.raises(PortfolioReadError, match="missing required column 'Outstanding'"):
        import_portfolio(store, path, "csv", mapping=_mapping(tmp_path))


def test_the_import_is_logged_without_personal_data(store, tmp_path, caplog):
    caplog.set_level("INFO", logger="fairdial.portfolio")
    import_portfolio(store, _csv(tmp_path), "csv", mapping=_mapping(tmp_path))
    (record,) = [r for r in caplog.records if r.name == "fairdial.portfolio"]
    assert record.getMessage() == "portfolio imported"
    assert record.counts["created"] == 3
    logged = str(record.__dict__)
    assert "陳小明" not in logged and "9123" not in logged
