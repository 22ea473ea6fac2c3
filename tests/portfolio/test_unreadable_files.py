"""Files that cannot be read at all raise PortfolioReadError and store nothing."""

import pytest
from sqlalchemy import func, select

from fairdial.portfolio import PortfolioReadError, import_portfolio
from fairdial.store.models import Account, ImportBatch

HEADER = "account_ref,balance,currency,dpd,language,jurisdiction\n"


def _nothing_stored(store) -> bool:
    with store.session() as session:
        accounts = session.scalar(select(func.count()).select_from(Account))
        batches = session.scalar(select(func.count()).select_from(ImportBatch))
    return accounts == 0 and batches == 0


def test_missing_file(store, tmp_path):
    with pytest.raises(PortfolioReadError, match="file not found"):
        import_portfolio(store, tmp_path / "absent.csv", "csv")


def test_empty_file(store, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(PortfolioReadError, match="empty"):
        import_portfolio(store, path, "csv")
    path.write_bytes(b"\n  \n")
    with pytest.raises(PortfolioReadError, match="empty"):
        import_portfolio(store, path, "csv")
    assert _nothing_stored(store)


def test_missing_required_column_is_named(store, tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("account_ref,balance,currency,language,jurisdiction\nA1,10,USD,en-US,US-CA\n")
    with pytest.raises(PortfolioReadError, match="missing required column 'dpd'"):
        import_portfolio(store, path, "csv")
    assert _nothing_stored(store)


def test_uci_file_missing_a_column(store, tmp_path):
    path = tmp_path / "uci.csv"
    path.write_text("LIMIT_BAL,SEX\n20000,2\n")
    with pytest.raises(PortfolioReadError, match=r"missing required column 'AGE' \(and 12 more\)"):
        import_portfolio(store, path, "uci-taiwan")


@pytest.mark.parametrize("encoding", ["big5", "latin-1"])
def test_wrong_encoding_names_the_encoding_and_suggests_the_option(store, tmp_path, encoding):
    path = tmp_path / "legacy.csv"
    name = "陳大文" if encoding == "big5" else "Zoë Müller"
    text = HEADER.replace("\n", ",name\n") + f"A1,10,TWD,0,zh-TW,TW,{name}\n"
    path.write_bytes(text.encode(encoding))
    with pytest.raises(PortfolioReadError) as caught:
        import_portfolio(store, path, "csv")
    message = str(caught.value)
    assert "not valid utf-8" in message
    assert "line 2" in message
    assert "--encoding" in message
    assert name not in message
    assert _nothing_stored(store)


def test_the_right_encoding_reads_the_same_file(store, tmp_path):
    path = tmp_path / "big5.csv"
    text = HEADER.replace("\n", ",name\n") + "A1,10,TWD,0,zh-TW,TW,陳大文\n"
    path.write_bytes(text.encode("big5"))
    report = import_portfolio(store, path, "csv", encoding="big5")
    assert report.accepted == 1
    with store.session() as session:
        assert session.scalar(select(Account.ref)) == "A1"


def test_unknown_encoding_and_unknown_format(store, tmp_path):
    path = tmp_path / "ok.csv"
    path.write_text(HEADER + "A1,10,USD,0,en-US,US-CA\n")
    with pytest.raises(PortfolioReadError, match="unknown encoding"):
        import_portfolio(store, path, "csv", encoding="no-such-codec")
    with pytest.raises(PortfolioReadError, match="unknown format 'xls'"):
        import_portfolio(store, path, "xls")


def test_header_only_file_is_read_with_no_rows(store, tmp_path):
    path = tmp_path / "header.csv"
    path.write_text(HEADER)
    report = import_portfolio(store, path, "csv")
    assert report.counts()["rows_read"] == 0
    assert report.batch_id is not None
    assert [w.as_dict() for w in report.warnings] == [
        {"line": 1, "column": None, "reason": "the file has a header but no data rows"}
    ]
